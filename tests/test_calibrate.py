"""jonas calibrate: ABC-SMC recovers known values from synthetic data, the same seed gives
the same posterior on any number of workers, and bad targets files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jonas
from jonas import compile_model
from jonas.cli import app
from jonas.workflows.calibrate import TargetsFile, check, load_targets, weighted_quantile

runner = CliRunner()
# SIR of 1,000 people with 20 cases (a minor outbreak is then rare), on tau-leap.
SIR = ["initial.S=980", "initial.I=20", "run.t_end=100", "run.engine=tauleap"]
TRUTH = {"parameters.beta": 0.35, "parameters.gamma": 0.12}


def synthetic_targets(tmp_path: Path, population: int = 80, generations: int = 5) -> Path:
    """Targets measured on 50 runs at the true values (another seed than the fit's)."""
    truth = jonas.run(
        "sir",
        replicates=50,
        seed=99,
        overrides=[*SIR, *(f"{k}={v}" for k, v in TRUTH.items())],
    )
    table = truth.replicate_table()
    infected = truth.series("I").mean(axis=0)
    times = [10.0, 20.0, 30.0, 40.0]
    values = [float(np.interp(t, truth.times, infected)) for t in times]
    path = tmp_path / "targets.toml"
    path.write_text(
        f"""
[calibrate]
scenario = "sir"
population = {population}
generations = {generations}
predictive = 40

[[fit]]
key = "parameters.beta"
prior = "uniform"
low = 0.1
high = 1.0

[[fit]]
key = "parameters.gamma"
prior = "loguniform"
low = 0.03
high = 0.5

[targets]
"final:R" = {{ value = {np.mean(table["final:R"])}, tolerance = 0.02 }}
"peak:I" = {{ value = {np.mean(table["peak:I"])}, tolerance = 0.08 }}

[[series]]
compartment = "I"
times = {times}
values = {values}
tolerance = 0.15
""",
        "utf-8",
    )
    return path


def calibrate(*args: str) -> dict:
    result = runner.invoke(app, ["calibrate", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_recovers_known_values_from_synthetic_data(tmp_path: Path) -> None:
    targets = synthetic_targets(tmp_path)
    sets = [x for s in SIR for x in ("--set", s)]
    result = calibrate(
        "--targets", str(targets), *sets, "--seed", "3", "-w", "2", "--out", str(tmp_path / "fit")
    )
    for key, truth in TRUTH.items():
        fitted = result["fitted"][key]
        # stated tolerance: posterior mean within 10% of the truth, truth inside the 90% band
        assert fitted["mean"] == pytest.approx(truth, rel=0.10), (key, fitted)
        assert fitted["q05"] <= truth <= fitted["q95"], (key, fitted)
        prior = fitted["prior"]
        assert fitted["sd"] < 0.15 * (prior["high"] - prior["low"])  # the data narrowed it
    assert result["generations"] == 5 and result["population"] == 80
    assert all(b <= a for a, b in zip(result["epsilons"], result["epsilons"][1:], strict=False))
    checks = result["predictive_check"]
    assert checks["final:R"]["within"] and checks["peak:I"]["within"]
    out = tmp_path / "fit"
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert len(posterior) == 80 and posterior["weight"].sum() == pytest.approx(1.0)
    for name in ("posterior.png", "predictive.png", "calibration.json", "calibration.db"):
        assert (out / name).exists()


def test_same_posterior_on_one_or_two_workers(tmp_path: Path) -> None:
    targets = synthetic_targets(tmp_path, population=30, generations=2)
    sets = [x for s in SIR for x in ("--set", s)]
    posteriors = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        calibrate("--targets", str(targets), *sets, "-w", workers, "--out", str(out))
        posteriors.append(pd.read_parquet(out / "posterior.parquet"))
    pd.testing.assert_frame_equal(*posteriors)


def test_the_shipped_hyosan_targets_fit_hyosan() -> None:
    spec, _, label = load_targets("hyosan-canon")
    assert spec.calibrate.scenario == "hyosan"
    scenario = jonas.load("hyosan")
    check(spec, scenario, compile_model(scenario), label)  # every key and target means something
    defaults = {
        "parameters.beta": scenario.parameters["beta"],
        "interventions.0.capacity": scenario.interventions[0].capacity,
        "parameters.hide_afraid": scenario.parameters["hide_afraid"],
    }
    for fit in spec.fit:
        low, high = fit.bounds()
        assert low < defaults[fit.key] < high  # the prior covers the shipped value
    assert (
        Path("targets/hyosan-canon.toml").read_text()
        == (Path(jonas.__file__).parent / "data" / "targets" / "hyosan-canon.toml").read_text()
    )


def test_weighted_quantile() -> None:
    values = np.array([3.0, 1.0, 2.0])
    assert weighted_quantile(values, np.ones(3), 0.5) == pytest.approx(2.0)
    assert weighted_quantile(values, np.array([0.0, 0.0, 1.0]), 0.5) == pytest.approx(2.0)


BASE = """
[calibrate]
scenario = "hyosan"
[[fit]]
key = "parameters.beta"
prior = "uniform"
low = 0.2
high = 1.0
[targets]
survivors = { value = 110000, tolerance = 0.05 }
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("survivors =", "survivorz ="), "targets.survivorz: not a figure"),
        (("low = 0.2\nhigh = 1.0", "low = 1.0\nhigh = 0.2"), "must be below high"),
        (('"parameters.beta"', '"parameters.betta"'), "fit.0.key"),
        (('prior = "uniform"', 'prior = "cauchy"'), "fit.0.prior"),
        (("tolerance = 0.05", "tolerance = 0"), "tolerance"),
        (("[targets]\nsurvivors", "[targets]\n#"), "at least one"),
        (("[calibrate]", "[calibrate]\npopulation = 0"), "population"),
        (("[calibrate]", "[calibrate]\nreplicates = 0"), "replicates"),
    ],
)
def test_bad_targets_files_are_refused(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace(*change), "utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["calibrate", "--targets", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ")
    assert "Traceback" not in result.output and not out.exists()


def test_targets_name_unknown() -> None:
    result = runner.invoke(app, ["calibrate", "--targets", "hyosan-canonn"])
    assert result.exit_code == 2
    assert "Did you mean 'hyosan-canon'" in result.output.replace("\n", " ")


def test_targets_file_model_rejects_reversed_series() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        TargetsFile.model_validate(
            {
                "fit": [{"key": "parameters.beta", "low": 0, "high": 1}],
                "series": [{"compartment": "I", "times": [1, 2], "values": [3], "tolerance": 0.1}],
            }
        )
