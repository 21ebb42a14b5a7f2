"""Issue 19's smaller promises: a model may start empty when people arrive, and the ode
engine never reports a negative count."""

from __future__ import annotations

import numpy as np
import pytest

import jonas
from jonas.errors import ScenarioError
from jonas.spec import validate_data


def _immigration_death(engine: str, initial: dict[str, int]) -> jonas.spec.Scenario:
    """Arrivals at lam per day, departures at mu each: the count is Poisson(lam / mu) in
    the long run, whatever the start."""
    return validate_data(
        {
            "scenario": {"name": "immigration-death", "time_unit": "days"},
            "model": {
                "compartments": ["X"],
                "transitions": [
                    {"to": "X", "rate": "lam", "name": "arrival"},
                    {"from": "X", "rate": "mu", "name": "departure"},
                ],
            },
            "parameters": {"lam": 20.0, "mu": 0.5},
            "initial": initial,
            "run": {"engine": engine, "t_end": 30.0, "output_every": 1.0, "replicates": 400},
        }
    )


def test_a_model_with_arrivals_may_start_empty() -> None:
    result = jonas.run(_immigration_death("ssa", {"X": 0}), seed=3)
    late = result.counts[:, -1, 0].astype(float)  # 15 mean stays after the start: Poisson(40)
    assert result.counts[:, 0, 0].sum() == 0
    assert late.mean() == pytest.approx(40.0, abs=4 * np.sqrt(40 / late.size))  # 4 SE
    assert late.var() == pytest.approx(40.0, rel=0.3)
    ode = jonas.run(_immigration_death("ode", {"X": 0}))
    t = ode.times
    assert np.allclose(ode.counts[0, :, 0], 40 * (1 - np.exp(-0.5 * t)), rtol=1e-4, atol=1e-4)


def test_an_empty_start_with_no_arrivals_is_refused() -> None:
    with pytest.raises(ScenarioError, match="puts nobody in any compartment, and nobody arrives"):
        jonas.run(jonas.load("sir", ["initial.S=0", "initial.I=0"]))


def test_the_ode_never_reports_a_negative_count() -> None:
    """hyosan on the ode engine once reported S = -7.5e-11 (the solver's overshoot)."""
    result = jonas.run("hyosan", engine="ode")
    assert (result.counts >= 0).all()
    assert result.counts.sum(axis=2) == pytest.approx(170_000, rel=1e-9)


def test_a_target_on_a_yes_no_metric_is_checked_against_its_probability() -> None:
    """P(humans win) = 0.8 in alemi-szr: the median of 0s and 1s is 1, the mean about 0.8;
    a target of 0.75-0.85 is met by the mean."""
    from jonas.outputs.summary import summarize

    result = jonas.run(
        "alemi-szr", replicates=300, seed=5, overrides=["targets.humans_win.low=0.75",
                                                        "targets.humans_win.high=0.85"]
    )  # fmt: skip
    table = result.replicate_table()
    check = summarize(table, result.scenario, result.model, result.times[-1])["targets"]
    aim = check["humans_win"]
    assert aim["median"] == 1.0 and aim["compared"] == "mean"
    assert 0.75 <= aim["mean"] <= 0.85 and aim["within"]


def test_thresholds_are_metrics_of_your_own() -> None:
    """[thresholds]: when a condition first held, per replicate, for any model; checked
    against the counts themselves; a bad one named."""
    result = jonas.run("sir", engine="ssa", replicates=20, seed=2,
                       overrides=["thresholds.hundred_ill=I >= 100", "thresholds.never=R > 1e6"])
    metrics = result.metrics()
    ill = result.counts[:, :, result.compartments.index("I")]
    for r in range(20):
        hit = np.flatnonzero(ill[r] >= 100)
        expected = result.times[hit[0]] if hit.size else np.nan
        assert metrics["hundred_ill"][r] == pytest.approx(expected, nan_ok=True)
    assert np.isnan(metrics["never"]).all()
    assert "hundred_ill" in jonas.engines.metric_names(result.scenario)
    for bad, said in [("thresholds.x=Q >= 1", "thresholds.x: unknown compartment 'Q'"),
                      ("thresholds.final_size=I >= 1", "already a metric"),
                      ("thresholds.y=I is big", "thresholds.y: must read like")]:  # fmt: skip
        with pytest.raises(ScenarioError, match=said):
            jonas.prepare("sir", [bad])
