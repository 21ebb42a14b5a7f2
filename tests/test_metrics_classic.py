"""Metrics for every model (issue 19): R0 by the next-generation matrix against closed
forms, the classic families' outcomes against exact results, yes/no metrics as
probabilities with their intervals, and `--grid` ranges."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.engines import metric_names, prepare
from jonas.errors import ScenarioError
from jonas.metrics import Z95, wilson_interval
from jonas.model import Model
from jonas.model.analysis import (
    alemi_human_win_probability,
    alemi_szr_closed_form,
    initial_r0,
    next_generation_r0,
    sir_final_size,
    sir_final_size_distribution,
    sir_peak_prevalence,
)
from jonas.model.families import FAMILIES
from jonas.outputs.metadata import reproduction_number
from jonas.spec import validate_data
from jonas.workflows.compare import paired_proportion_interval
from jonas.workflows.sweep import grid_range, parse_grid

runner = CliRunner()


def model_of(source: str, overrides: Sequence[str] = ()) -> Model:
    return jonas.prepare(source, list(overrides)).model


def inline(transitions: list[dict[str, Any]], initial: dict[str, int], **params: float) -> Model:
    """A model written inline (no family), as a scenario file would."""
    data = {
        "scenario": {"name": "inline", "time_unit": "days"},
        "model": {"compartments": list(initial), "transitions": transitions},
        "parameters": params,
        "initial": initial,
        "run": {"t_end": 10.0},
    }
    return prepare(validate_data(data, "test")).model


# ---- R0 by the next-generation matrix ---------------------------------------------------


def test_r0_of_frequency_dependent_sir_is_beta_over_gamma() -> None:
    """SIR, S' = −βSI/N, I' = βSI/N − γI: F = βS0/N = β at the DFE (N = S0), V = γ, so
    R0 = β/γ (Diekmann, Heesterbeek & Metz 1990; the sir family's summary). The infected
    start (I = 1) is set to 0 first; R0 does not depend on N."""
    for beta, gamma, s in ((0.3, 0.1, 999), (0.7, 0.2, 50)):
        model = model_of(
            "sir", [f"parameters.beta={beta}", f"parameters.gamma={gamma}", f"initial.S={s}"]
        )
        assert next_generation_r0(model, ["I"], {"S": s}) == pytest.approx(beta / gamma)
        found = initial_r0(model, FAMILIES["sir"].infected)
        assert found["value"] == pytest.approx(beta / gamma)
        assert found["mixing"] == "frequency-dependent"


def test_r0_of_mass_action_sir_grows_with_the_population() -> None:
    """The same SIR with mass action (S' = −βSI): F = βS0, V = γ, R0 = βS0/γ."""
    tr = [
        {"from": "S", "to": "I", "by": "I", "rate": "beta", "mixing": "density"},
        {"from": "I", "to": "R", "rate": "gamma"},
    ]
    model = inline(tr, {"S": 400, "I": 1, "R": 0}, beta=0.001, gamma=0.1)
    found = initial_r0(model, ["I"])
    assert found["value"] == pytest.approx(0.001 * 400 / 0.1)
    assert found["mixing"] == "mass action"


def test_r0_of_alemi_szr_is_one_over_alpha() -> None:
    """Alemi et al. (2015) SZR, S' = −βSZ/N, Z' = (β − κ)SZ/N (classic.py, MODELS.md):
    new zombies F = βS0/N, zombies destroyed V = κS0/N; R0 = β/κ = 1/α. Zombies are
    removed only by being destroyed, so S0/N cancels: the same with immune R at the start,
    and with mass action (F = βS0, V = κS0)."""
    for beta, kappa, removed in ((1.0, 0.8, 0), (2.0, 0.5, 300)):
        model = model_of(
            "alemi-szr",
            [f"parameters.beta={beta}", f"parameters.kappa={kappa}", f"initial.R={removed}"],
        )
        assert initial_r0(model, ["Z"])["value"] == pytest.approx(beta / kappa)
    tr = [
        {"from": "S", "to": "Z", "by": "Z", "rate": "beta"},
        {"from": "Z", "to": "R", "by": "S", "rate": "kappa"},
    ]
    mass = inline(tr, {"S": 1000, "Z": 1, "R": 0}, beta=0.003, kappa=0.002)
    found = initial_r0(mass, ["Z"])
    assert found["value"] == pytest.approx(1.5) and found["mixing"] == "mass action"


MUNZ = {"Pi": 0.0, "alpha": 0.005, "beta": 0.0095, "zeta": 0.0001, "delta": 0.0001}


def _munz(source: str, **more: float) -> Model:
    values = {**MUNZ, **more}
    return model_of(source, [f"parameters.{k}={v}" for k, v in values.items()])


def test_r0_of_munz_basic_is_beta_over_alpha() -> None:
    """Munz et al. (2009) SZR, mass action: Z' = βSZ + ζR − αSZ. New zombies by bites
    F = βS0; zombies leave only when destroyed, V = αS0 (resurrection ζR comes from R, not
    infected, and is 0 at the DFE; natural death δ acts on S, not Z): R0 = β/α."""
    for beta, alpha in ((0.0095, 0.005), (0.002, 0.01)):
        model = _munz("munz-basic", beta=beta, alpha=alpha)
        found = initial_r0(model, FAMILIES["munz-basic"].infected)
        assert found["value"] == pytest.approx(beta / alpha)
        assert found["mixing"] == "mass action"


def test_r0_of_munz_latent_counts_those_dying_before_they_turn() -> None:
    """Munz SIZR: I' = βSZ − ρI − δI, Z' = ρI + ζR − αSZ. F = [[0, βS0], [0, 0]],
    V = [[ρ + δ, 0], [−ρ, αS0]]: R0 = βS0/(αS0) · ρ/(ρ + δ) = βρ/(α(ρ + δ)), a bitten person
    turning with probability ρ/(ρ + δ). With k Erlang stages of rate kρ, each with natural
    death δ, the chance to turn is (kρ/(kρ + δ))^k."""
    rho, delta = 0.005, 0.002
    model = _munz("munz-latent", rho=rho, delta=delta)
    beta, alpha = MUNZ["beta"], MUNZ["alpha"]
    expected = beta * rho / (alpha * (rho + delta))
    assert initial_r0(model, ["I", "Z"])["value"] == pytest.approx(expected)
    staged = model_of(
        "munz-latent",
        [f"parameters.{k}={v}" for k, v in {**MUNZ, "rho": rho, "delta": delta}.items()]
        + ["model.stages.I=3"],
    )
    turning = (3 * rho / (3 * rho + delta)) ** 3
    assert initial_r0(staged, ["I", "Z"])["value"] == pytest.approx(beta / alpha * turning)


def test_r0_of_munz_quarantine_and_treatment() -> None:
    """Munz SIZRQ: I leaves at ρ + δ + κ (turning, death, quarantine), Z at αS0 + σ
    (destroyed, quarantined): R0 = βS0ρ/((ρ + δ + κ)(αS0 + σ)); Q infects nobody.
    Munz SIZR with a cure: Z leaves at αS0 + c: R0 = βS0ρ/((ρ + δ)(αS0 + c)). Both depend on
    S0 (the scenario's initial S) since quarantine and cure are per zombie, not per
    encounter."""
    beta, alpha, delta = MUNZ["beta"], MUNZ["alpha"], MUNZ["delta"]
    rho, kappa, sigma, gamma, c = 0.005, 0.001, 0.05, 0.1, 0.05
    for s0 in (500, 2000):
        q = model_of(
            "munz-quarantine",
            [
                *(f"parameters.{k}={v}" for k, v in MUNZ.items()),
                f"parameters.rho={rho}",
                f"parameters.kappa={kappa}",
                f"parameters.sigma={sigma}",
                f"parameters.gamma={gamma}",
                f"initial.S={s0}",
            ],
        )
        expected = beta * s0 * rho / ((rho + delta + kappa) * (alpha * s0 + sigma))
        assert initial_r0(q, FAMILIES["munz-quarantine"].infected)["value"] == pytest.approx(
            expected
        )
        t = model_of(
            "munz-treatment",
            [
                *(f"parameters.{k}={v}" for k, v in MUNZ.items()),
                f"parameters.rho={rho}",
                f"parameters.c={c}",
                f"initial.S={s0}",
            ],
        )
        expected = beta * s0 * rho / ((rho + delta) * (alpha * s0 + c))
        assert initial_r0(t, FAMILIES["munz-treatment"].infected)["value"] == pytest.approx(
            expected
        )


def test_r0_of_an_inline_seir_with_erlang_stages() -> None:
    """docs/examples/seir-erlang.toml: the latent stages only delay, so R0 = β ×
    infectious period = 0.4 × 7 = 2.8 (its header says so)."""
    example = Path(__file__).parent.parent / "docs" / "examples" / "seir-erlang.toml"
    model = model_of(str(example))
    assert initial_r0(model, ["E", "I"])["value"] == pytest.approx(2.8)
    assert reproduction_number(jonas.load(str(example)), model) is None  # nobody named E, I


def test_every_classic_scenario_reports_r0() -> None:
    # (the jonas family's, infinite with its reason: tests/test_r0_undefined.py)
    for name in ("sir", "munz-basic", "munz-latent", "munz-quarantine", "munz-treatment"):
        prepared = jonas.prepare(name)
        found = reproduction_number(prepared.scenario, prepared.model)
        assert found is not None and found["value"] > 0, name


def test_jonas_run_prints_r0_and_records_it(tmp_path: Path) -> None:
    out = tmp_path / "sir"
    result = runner.invoke(app, ["run", "sir", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "R0 = 3 (next-generation matrix, frequency-dependent" in result.output
    r0 = json.loads((out / "run.json").read_text())["r0"]
    assert r0["value"] == pytest.approx(3.0) and r0["infected"] == ["I"]


# ---- the classic families' metrics ------------------------------------------------------


JONAS_METRICS = [
    "survivors",
    "humans_alive",
    "halfbies_alive",
    "zombies_left",
    "outbreak_over",
    "time_outbreak_over",
    "peak_zombies",
    "time_to_1000_zombies",
]


def test_every_family_has_metrics_and_the_jonas_family_keeps_its_own() -> None:
    for name, family in FAMILIES.items():
        assert family.metrics, name
    assert [m.name for m in FAMILIES["jonas"].metrics] == JONAS_METRICS
    assert metric_names(jonas.load("alemi-szr")) == [
        "final_size",
        "humans_left",
        "peak_zombies",
        "time_of_peak_zombies",
        "humans_win",
        "zombies_win",
    ]
    assert "peak_infected" in metric_names(jonas.load("munz-latent"))


def test_ode_sir_final_size_and_peak_match_kermack_mckendrick() -> None:
    """S0 = 999 of N = 1,000, one infected: the ever infected are N·(1 − s∞) with
    s∞ = s0·exp(−R0(1 − s∞)) (sir_final_size), the peak N·(1 − (1 + ln(R0 s0))/R0)."""
    result = jonas.run("sir", overrides=["run.output_every=0.05", "run.t_end=300"])
    m = result.metrics()
    assert m["final_size"][0] == pytest.approx(1000 * sir_final_size(3.0, 0.999), rel=1e-5)
    assert m["peak_infected"][0] == pytest.approx(1000 * sir_peak_prevalence(3.0, 0.999), rel=1e-4)
    assert m["minor_outbreak"][0] == 0 and m["outbreak_over"][0] == 1
    # the peak's time is where I is largest on the output grid
    i = result.series("I")[0]
    assert m["time_of_peak_infected"][0] == result.times[np.argmax(i)]


def test_ode_alemi_szr_matches_its_closed_form() -> None:
    """Every human is bitten at α = 0.8 < 1: final size Z0 + S0 − S(t_end), zombies win."""
    result = jonas.run("alemi-szr", overrides=["run.engine=ode"])
    m = result.metrics()
    s, z, _ = alemi_szr_closed_form(result.times, 1000, 1, 1.0, 0.8)
    assert m["final_size"][0] == pytest.approx(1 + 1000 - s[-1], rel=1e-6)
    assert m["humans_left"][0] == pytest.approx(s[-1], abs=1e-3)
    assert m["peak_zombies"][0] == pytest.approx(z.max(), rel=1e-5)
    assert m["time_of_peak_zombies"][0] == result.times[np.argmax(z)]
    assert (m["zombies_win"][0], m["humans_win"][0]) == (1, 0)


def test_ssa_alemi_szr_humans_win_as_often_as_the_exact_chance_and_every_run_is_decided() -> None:
    """P(humans win) = alemi_human_win_probability (exact, about α^Z0 = 0.8) inside the 99.9%
    Wilson interval of 400 replicates; the default t_end (150 days) decides every run."""
    m = jonas.run("alemi-szr", seed=3, replicates=400).metrics()
    exact = alemi_human_win_probability(1000, 1, 0.8)
    low, high = wilson_interval(m["humans_win"].sum(), 400, z=3.29)
    assert low < exact < high
    assert np.all(m["humans_win"] + m["zombies_win"] == 1)
    # a human win leaves the bitten few: final size = everyone but the humans left
    won = m["humans_win"] == 1
    assert np.all(m["final_size"][won] == 1001 - m["humans_left"][won])


def test_ssa_sir_minor_outbreaks_as_often_as_the_exact_final_size_distribution() -> None:
    """A minor outbreak infects fewer than 10% (100 people, the first case included): its
    chance is the exact final-size distribution's mass below 99 more infections."""
    m = jonas.run("sir", seed=5, replicates=300, overrides=["run.engine=ssa"]).metrics()
    exact = sir_final_size_distribution(1000, 1, 3.0)[:99].sum()  # about 1/R0 = 1/3
    low, high = wilson_interval(m["minor_outbreak"].sum(), 300, z=3.29)
    assert low < exact < high
    assert np.all((m["final_size"] < 100) == (m["minor_outbreak"] == 1))


def test_munz_humans_win_when_no_zombie_nor_infected_is_left() -> None:
    result = jonas.run("munz-latent", seed=2, replicates=20, overrides=["run.engine=ssa"])
    m, final = result.metrics(), result.final()
    expected = (final["I"] + final["Z"] == 0) & (final["S"] > 0)
    assert np.array_equal(m["humans_win"] == 1, expected)
    assert "final_size" not in m  # natural deaths make it unknowable from the counts


# ---- yes/no metrics as probabilities ----------------------------------------------------


def test_wilson_interval_of_known_cases() -> None:
    # none in 10: the upper limit is z²/(n + z²) (Wilson 1927)
    assert wilson_interval(0, 10) == pytest.approx((0.0, Z95**2 / (10 + Z95**2)))
    # 81 in 263: the interval's ends solve |p̂ − p| = z·sqrt(p(1 − p)/n)
    low, high = wilson_interval(81, 263)
    p = 81 / 263
    for end in (low, high):
        assert abs(p - end) == pytest.approx(Z95 * math.sqrt(end * (1 - end) / 263))
    assert (low, high) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    # all yes mirrors none
    assert wilson_interval(10, 10) == pytest.approx((1 - Z95**2 / (10 + Z95**2), 1.0))


def test_newcombe_paired_interval() -> None:
    # no correlation left after Newcombe's correction: the two Wilson margins add in squares
    low, high = paired_proportion_interval(2, 2, 2, 2)
    la, ha = wilson_interval(4, 8)
    assert (low, high) == pytest.approx((-(ha - 0.5) * math.sqrt(2), (0.5 - la) * math.sqrt(2)))
    # every pair alike: Student's t would give [0, 0]; this keeps an honest width
    low, high = paired_proportion_interval(50, 0, 0, 150)
    assert low < 0 < high < 0.05
    # it covers the true difference about 95% of the time for correlated pairs
    rng = np.random.default_rng(4)
    n, hits, trials = 150, 0, 1000
    for _ in range(trials):
        u = rng.random(n)
        a, b = u < 0.3, u < 0.4  # common random numbers: B says yes whenever A does
        flip = rng.random(n) < 0.2
        b = np.where(flip, rng.random(n) < 0.4, b)
        true = 0.4 - 0.3
        low, high = paired_proportion_interval(
            int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum()), int((~a & ~b).sum())
        )
        hits += low <= true <= high
    assert 0.93 < hits / trials < 0.99


def test_summary_shows_yes_no_metrics_as_probabilities(tmp_path: Path) -> None:
    out = tmp_path / "a"
    result = runner.invoke(
        app, ["run", "alemi-szr", "--set", "initial.S=100", "-r", "40", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "humans_win" in line)
    meta = json.loads((out / "run.json").read_text())
    p = meta["summary"]["metrics"]["humans_win"]["mean"]
    low, high = wilson_interval(p * 40, 40)
    assert f"p = {p:.3f}" in row and f"{low:.3f}–{high:.3f}" in row


def test_compare_shows_probabilities_and_their_paired_difference(tmp_path: Path) -> None:
    args = ["compare", "alemi-szr", "--set", "initial.S=100", "--b-set", "parameters.kappa=1.2"]
    args += ["-r", "60", "-w", "1", "--out", str(tmp_path / "c")]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)["differences"]["humans_win"]
    assert d["interval"].startswith("Newcombe")
    assert d["ci95_a"][0] <= d["mean_a"] <= d["ci95_a"][1]
    assert d["ci95"][0] <= d["difference"] <= d["ci95"][1]
    assert d["difference"] > 0  # more kills, more human wins
    table = runner.invoke(app, [*args, "--resume"])
    assert "humans_win (p)" in table.output


def test_sweep_gives_each_point_a_probability_and_compares_neighbours(tmp_path: Path) -> None:
    args = [
        "sweep",
        "alemi-szr",
        "--set",
        "initial.S=100",
        "--grid",
        "parameters.kappa=0.6:1.0:0.4",
    ]
    args += ["-r", "40", "-w", "1", "--out", str(tmp_path / "s")]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    table = data["table"]
    assert table["parameters.kappa"] == [0.6, 1.0]
    for i in range(2):
        assert table["humans_win:ci_low"][i] <= table["humans_win:probability"][i]
        assert table["humans_win:probability"][i] <= table["humans_win:ci_high"][i]
    (step,) = data["steps"]
    assert (step["from"], step["to"], step["key"]) == (0, 1, "parameters.kappa")
    assert step["differences"]["humans_win"]["difference"] == pytest.approx(
        table["humans_win:mean"][1] - table["humans_win:mean"][0]
    )
    printed = runner.invoke(app, [*args, "--resume"])
    assert "one step along the grid" in printed.output


def test_lattice_reached_edge_shows_as_a_probability(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["run", "alemi-lattice", "--set", "lattice.size=21", "-r", "20", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "reached_edge" in line)
    assert "p = " in row


# ---- --grid ranges ----------------------------------------------------------------------


def test_grid_ranges() -> None:
    assert grid_range("k", "0.5:1.0:0.1") == ["0.5", "0.6", "0.7", "0.8", "0.9", "1.0"]
    assert grid_range("k", "0.5:0.95:0.1") == ["0.5", "0.6", "0.7", "0.8", "0.9"]
    assert grid_range("k", "1:10:3") == ["1", "4", "7", "10"]
    assert grid_range("k", "1:0:-0.5") == ["1.0", "0.5", "0.0"]
    assert parse_grid(["parameters.kappa=0.2,0.6:0.8:0.1"]) == [
        ("parameters.kappa", ["0.2", "0.6", "0.7", "0.8"])
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("0.5:1.0", "START:STOP:STEP"),
        ("0.5:x:0.1", "must be numbers"),
        ("0.5:1.0:0", "other than 0"),
        ("1.0:0.5:0.1", "never reaches"),
        ("0:1:0.00001", "at most"),
        ("0.5:0.7:0.1,0.6", "repeated"),
    ],
)
def test_bad_grid_ranges_are_refused(written: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as refused:
        parse_grid([f"parameters.kappa={written}"])
    assert "--grid parameters.kappa" in str(refused.value)


def test_a_bad_range_on_the_command_line_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["sweep", "alemi-szr", "--grid", "parameters.kappa=1:0.5:0.1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--grid parameters.kappa=1:0.5:0.1" in result.output and "never reaches" in result.output
    assert "Traceback" not in result.output
