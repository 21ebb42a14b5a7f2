"""The Jonas model family and the built-in hyosan scenario (docs/hyosan.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.model.analysis import alemi_human_win_probability
from jonas.spec import validate_data

FEAR_OFF = {
    "phi_see": 0.0,
    "phi_spread": 0.0,
    "calm": 0.0,
    "p_slow": 0.0,
    "p_blood": 0.0,
    "p_halfbie": 0.0,
    "restraint": 0.0,
    "leave": 0.0,
    "rage": 0.0,
}


def jonas_scenario(
    parameters: dict[str, float] | None = None,
    initial: dict[str, int] | None = None,
    interventions: bool = False,
    **run,
):
    """The hyosan scenario's data with some parameters, counts and run options replaced."""
    data = jonas.load("hyosan").model_dump(by_alias=True, exclude_none=True)
    data["parameters"].update(parameters or {})
    if initial is not None:
        data["initial"] = initial
    if not interventions:
        data["interventions"] = []
        data["targets"] = {}
    data["run"].update(run)
    return validate_data(data)


def test_zombies_never_bite_halfbies():
    """Canon: zombies don't notice halfbies. No transition takes H anywhere with Z as the
    catalyst, and a crowd of zombies leaves the halfbies untouched."""
    model = jonas.compile_model(jonas_scenario())
    halfbie_states = [s for s, name in enumerate(model.states) if name.startswith("H")]
    zombie = [model.compartments.index(c) for c in ("Z", "Zl")]
    for j in range(len(model.transitions)):
        if model.src[j] in halfbie_states:
            assert model.cat[j] not in zombie, model.transitions[j]
    result = jonas.run(
        jonas_scenario(
            initial={"H": 50, "Z": 2000, "S": 10}, engine="ssa", replicates=20, t_end=24.0
        )
    )
    assert (result.series("H") == 50).all()


def test_no_halfbie_ever_when_p_halfbie_is_zero(tmp_path):
    """`--set parameters.p_halfbie=0` leaves no halfbie, at any time, in any replicate."""
    for engine in ("ssa", "tauleap"):
        result = jonas.run(
            "hyosan", engine=engine, replicates=5, seed=3, overrides=["parameters.p_halfbie=0"]
        )
        assert result.series("H").max() == 0 and result.series("Hc").max() == 0
    cli = CliRunner().invoke(
        app,
        [
            "run",
            "hyosan",
            "--set",
            "parameters.p_halfbie=0",
            "-r",
            "4",
            "--json",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert cli.exit_code == 0, cli.output
    halfbies = json.loads(cli.stdout)["summary"]["metrics"]["halfbies_alive"]
    assert halfbies["per_replicate"] == [0, 0, 0, 0]


def test_without_fear_the_model_is_the_classic_szr():
    """Alemi et al. (2015): in the fully mixed SZR, dZ/dS = −(1 − α), so
    Z + (1 − α)S is conserved and, for α < 1, the humans lose with Z_end = Z0 + (1 − α)S0.
    With fear, slow turning, halfbies and leaving switched off and turning instant,
    the Jonas model must do exactly that (Dz plays R)."""
    alpha = 0.4
    scenario = jonas_scenario(
        {**FEAR_OFF, "alpha": alpha, "turn_fast": 1e-6, "beta": 1.0},
        initial={"S": 10_000, "Z": 10},
        engine="ode",
        method="Radau",
        rtol=1e-10,
        atol=1e-8,
        t_end=72.0,
    )
    result = jonas.run(scenario)
    s, z = result.series("S")[0], result.series("Z")[0]
    bitten = result.series("E")[0]
    assert np.allclose(z + bitten + (1 - alpha) * s, 10 + (1 - alpha) * 10_000, rtol=1e-5)
    assert s[-1] < 1e-3
    assert z[-1] == pytest.approx(10 + (1 - alpha) * 10_000, rel=1e-6)
    assert result.series("F").max() == 0  # nobody afraid


def test_without_fear_humans_win_as_often_as_the_random_walk_says():
    """Alemi et al. (2015): each encounter is a bite with probability 1/(1 + α), else a
    kill; humans win when the zombies die out first. Exact SSA of the fear-free Jonas model
    against the exact gambler's-ruin probability, S0 = 40 humans, one zombie."""
    alpha, reps = 0.5, 3000
    scenario = jonas_scenario(
        {**FEAR_OFF, "alpha": alpha, "turn_fast": 1e-4},
        initial={"S": 40, "Z": 1},
        engine="ssa",
        replicates=reps,
        seed=11,
        t_end=200.0,
        output_every=200.0,
    )
    result = jonas.run(scenario)
    won = (result.series("S")[:, -1] > 0) & (result.series("Z")[:, -1] == 0)
    exact = alemi_human_win_probability(40, 1, alpha)
    se = np.sqrt(exact * (1 - exact) / reps)
    assert abs(won.mean() - exact) < 4 * se, (won.mean(), exact)


def test_fear_into_rage_speeds_turning():
    """The bitten-while-afraid (Ef) turn at (1 + rage)/turn_fast: with nothing else going on,
    the ODE's Ef decays as the Erlang chain of 3 stages at that rate (mean turn_fast/(1+rage))."""
    from scipy.stats import gamma

    rage, turn = 2.0, 0.1
    scenario = jonas_scenario(
        {**FEAR_OFF, "rage": rage, "turn_fast": turn, "alpha": 0.0, "beta": 0.0},
        initial={"Ef": 1000, "S": 1},
        engine="ode",
        method="DOP853",
        rtol=1e-10,
        atol=1e-10,
        t_end=0.2,
        output_every=0.01,
    )
    result = jonas.run(scenario)
    mean = turn / (1 + rage)
    left = gamma.sf(result.times, a=3, scale=mean / 3) * 1000
    assert np.allclose(result.series("Ef")[0], left, atol=1e-5)


def test_hyosan_summary_reports_every_metric_with_units():
    result = jonas.run("hyosan", engine="tauleap", replicates=3, seed=1)
    metrics = result.summary()["metrics"]
    assert set(metrics) == {
        "survivors",
        "killed_in_strike",
        "killed_in_strike_infected",
        "killed_in_strike_uninfected",
        "humans_alive",
        "halfbies_alive",
        "zombies_left",
        "outbreak_over",
        "time_outbreak_over",
        "strike_time",
        "peak_zombies",
        "time_to_1000_zombies",
    }
    assert metrics["strike_time"]["unit"] == "hours"
    assert metrics["strike_time"]["per_replicate"] == [84.0, 84.0, 84.0]
    for m in metrics.values():
        assert len(m["per_replicate"]) == 3
        if m["median"] is not None:  # (time_outbreak_over: the outbreak is not over)
            assert m["q05"] <= m["median"] <= m["q95"]
    final = result.final()
    killed = metrics["killed_in_strike"]["per_replicate"]
    assert killed == (final["KsI"] + final["KsU"]).tolist()
    # Nobody is created or lost: the residents are all somewhere at the end.
    assert (result.counts[:, -1, :].sum(axis=1) == 170_000).all()


def test_hyosan_ensemble_lands_on_canon():
    """CANON.md's calibration targets: the median of `jonas run hyosan` (20 tau-leap
    replicates, its own seed) within the tolerances, as the [targets] table states them."""
    summary = jonas.run("hyosan").summary()
    checks = summary["targets"]
    assert set(checks) == {
        "survivors",
        "killed_in_strike",
        "killed_in_strike_infected",
        "killed_in_strike_uninfected",
        "strike_time",
        "halfbies_alive",
    }
    off = {
        name: (c["median"], c["low"], c["high"]) for name, c in checks.items() if not c["within"]
    }
    assert not off, off
    assert checks["survivors"]["low"] == pytest.approx(104_500)
    assert checks["killed_in_strike_infected"]["high"] == pytest.approx(55_000)


def test_hyosan_ode_lands_close_to_the_same_figures():
    """The calibration fits the stochastic ensemble's median; the ODE, which it uses as a
    smooth stand-in, lands within the same canon tolerances."""
    summary = jonas.run("hyosan", engine="ode").summary()
    off = {name: check for name, check in summary["targets"].items() if not check["within"]}
    assert not off, off


def test_strike_before_the_outbreak_is_allowed():
    result = jonas.run(
        "hyosan", engine="tauleap", replicates=2, overrides=["interventions.3.at=0.0"]
    )
    assert np.all(result.event_times[:, result.model.events.kinds.index("strike")] == 0.0)
    assert result.summary()["metrics"]["killed_in_strike_uninfected"]["median"] > 80_000


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("interventions.0.sensitivity={ L = 1.2 }", "interventions.0.sensitivity.L"),
        ("interventions.2.share=1.0", "interventions.2.share"),
        ("interventions.0.capacity=-5", "interventions.0.capacity"),
        ("parameters.p_halfbie=1.5", "model.transitions"),
        ("interventions.3.infected=['Zombie']", "interventions.3.infected"),
        ("model.stages={ Z = 3 }", "model.stages.Z"),
    ],
)
def test_bad_hyosan_input_names_the_field(setting, field):
    with pytest.raises(jonas.JonasError, match=field.replace(".", r"\.")):
        jonas.api.prepare("hyosan", [setting])
