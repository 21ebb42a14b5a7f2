"""Incidence: how often each named transition happened in each output interval, on every
compartmental engine; incidence.parquet, and the CSV copies of a run's tables."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy.integrate import solve_ivp
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.engines.agents.engine import INCIDENCE_NAMES
from jonas.engines.ode.solver import RightHandSide
from jonas.spec import validate_data
from test_agents_engine import mixed

ROOT = Path(__file__).resolve().parent.parent
#: SEIR with a 4-stage latent period ("onset") and a cull on day 40 (half of I to R)
SEIR = str(ROOT / "docs" / "examples" / "seir-erlang.toml")
#: the korea scenario cut down to one province and two days
KOREA = ["metapop.regions=Gyeonggi", "run.t_end=48.0", "run.output_every=6.0"]


def _run(source: str, engine: str, replicates: int = 2, seed: int = 4, sets=()) -> jonas.Result:
    return jonas.run(
        source, seed=seed, replicates=replicates, overrides=[*sets, f"run.engine={engine}"]
    )


def _residual(result: jonas.Result) -> np.ndarray:
    """What the incidence leaves unexplained of the change in the counts, per replicate,
    interval and compartment: Δcounts − ν · incidence."""
    nu = result.model.named_stoichiometry()
    change = np.diff(result.counts.astype(float), axis=1)
    return change - result.incidence[:, 1:].astype(float) @ nu.T


def _with_events(result: jonas.Result, r: int) -> np.ndarray:
    """Which intervals (t_{k-1}, t_k] of replicate r had an event in them."""
    t, fired = result.times, result.event_times[r]
    return np.array([np.any((fired > a) & (fired <= b)) for a, b in itertools.pairwise(t)])


def test_named_transitions_are_the_scenarios_not_the_stages() -> None:
    model = jonas.compile_model(jonas.load(SEIR))
    assert model.transitions == (
        "infection", "onset[1]", "onset[2]", "onset[3]", "onset[4]", "recovery"
    )  # fmt: skip
    assert model.named_transitions == ("infection", "onset", "recovery")
    assert model.named_of.tolist() == [0, -1, -1, -1, 1, 2]
    # a transition with two destinations is one named transition per destination
    hyosan = jonas.compile_model(jonas.load("hyosan"))
    assert {"turning → Z", "turning → H", "zombie destroyed"} <= set(hyosan.named_transitions)
    assert not any("[" in name for name in hyosan.named_transitions)


@pytest.mark.parametrize("engine", ["ssa", "tauleap"])
def test_incidence_adds_up_to_the_counts_exactly(engine: str) -> None:
    """Between events the counts change by exactly what the transitions did; in the
    interval of the cull, by that and the cull's one-off move (half of I to R), which is
    no transition."""
    result = _run(SEIR, engine)
    assert result.incidence.shape == (2, result.times.size, 3)
    assert result.incidence.dtype == np.int64
    assert (result.incidence[:, 0] == 0).all() and (result.incidence >= 0).all()
    residual = _residual(result)
    for r in range(result.replicates):
        culled = _with_events(result, r)
        assert culled.sum() == 1
        assert (residual[r, ~culled] == 0).all()
        i, rr = result.compartments.index("I"), result.compartments.index("R")
        moved = residual[r, culled][0]
        assert moved[i] < 0 and moved[rr] == -moved[i] and np.count_nonzero(moved) == 2


def test_a_staged_transition_counts_once_per_individual() -> None:
    """Onset is four stages: each person who ends the latent period counts once, as the
    last stage ends (counting every stage would give four times the people)."""
    result = _run(SEIR, "ssa", sets=["interventions.0.enabled=false"])
    inc = dict(zip(result.incidence_names, result.incidence.sum(axis=1).T, strict=True))
    e = result.compartments.index("E")
    left_e = 10 + inc["infection"] - result.counts[:, -1, e]
    np.testing.assert_array_equal(inc["onset"], left_e)
    assert (inc["onset"] > 1000).all()


def test_sir_infections_are_the_susceptibles_lost() -> None:
    result = _run("sir", "ssa", replicates=3)
    s, r = result.compartments.index("S"), result.compartments.index("R")
    infection = result.incidence[:, :, result.incidence_names.index("infection")].sum(axis=1)
    recovery = result.incidence[:, :, result.incidence_names.index("recovery")].sum(axis=1)
    np.testing.assert_array_equal(infection, result.counts[:, 0, s] - result.counts[:, -1, s])
    np.testing.assert_array_equal(recovery, result.counts[:, -1, r] - result.counts[:, 0, r])
    assert (infection > 0).all()


@pytest.mark.parametrize("method", ["RK45", "LSODA", "euler"])
def test_ode_incidence_is_the_integrated_flow(method: str) -> None:
    """The ODE's incidence adds up to its counts to the solver's tolerance (Euler's
    exactly, to rounding), cull aside; and SIR's infections are S's loss."""
    result = _run(SEIR, "ode", replicates=1, sets=[f"run.method={method}"])
    assert result.incidence.dtype == np.float64
    residual = _residual(result)[0]
    culled = _with_events(result, 0)
    # (10 × the solver's relative tolerance, of a population of 10,000)
    tolerance = 1e-9 if method == "euler" else 10 * result.scenario.run.rtol
    assert np.abs(residual[~culled]).max() < tolerance * 10_000
    assert np.abs(residual[culled]).max() > 10  # the cull moved half of I
    sir = _run("sir", "ode", replicates=1, sets=[f"run.method={method}"])
    s = sir.compartments.index("S")
    lost = sir.counts[0, 0, s] - sir.counts[0, -1, s]
    assert sir.incidence[0, :, 0].sum() == pytest.approx(lost, rel=tolerance)
    assert lost > 500


def test_the_dense_output_leaves_the_solvers_steps_alone() -> None:
    """The ODE engine asks solve_ivp for its dense output (to integrate the flows): the
    outputs must be bit for bit what they are without it."""
    model = jonas.compile_model(jonas.load(SEIR))
    f = RightHandSide(model)
    times = np.linspace(0.0, 100.0, 201)
    plain, dense = (
        solve_ivp(f, (0.0, 100.0), model.x0.astype(float), t_eval=times, rtol=1e-6,
                  atol=1e-9, dense_output=d)
        for d in (False, True)
    )  # fmt: skip
    np.testing.assert_array_equal(plain.y, dense.y)


def test_metapop_national_incidence_adds_up() -> None:
    result = _run("korea", "metapop", replicates=1, sets=KOREA)
    residual = _residual(result)[0]
    culled = _with_events(result, 0)
    assert (residual[~culled] == 0).all()
    bites = result.incidence[0, :, result.incidence_names.index("bite → E")]
    assert bites.sum() > 0


@pytest.mark.parametrize("engine", ["ssa", "tauleap"])
def test_incidence_is_reproducible_by_seed(engine: str) -> None:
    a, b = _run(SEIR, engine, seed=9), _run(SEIR, engine, seed=9)
    np.testing.assert_array_equal(a.incidence, b.incidence)
    assert not np.array_equal(a.incidence, _run(SEIR, engine, seed=10).incidence)


def test_lattice_counts_bites_and_kills(tmp_path: Path) -> None:
    """On the lattice the bites are the humans lost and the kills the removed gained; over a
    whole outbreak the bites are the cluster less its first zombie."""
    result = _run("alemi-lattice", "lattice", replicates=3, sets=["lattice.size=21"])
    assert result.incidence_names == ("bite", "zombie killed")
    assert (result.incidence[:, 0] == 0).all() and (result.incidence >= 0).all()
    assert np.abs(_residual(result)).max() == 0
    bites = result.incidence[..., 0].sum(axis=1)
    over = result.engine_metrics["duration"] <= result.times[-1]
    assert over.any()
    np.testing.assert_array_equal(bites[over], result.engine_metrics["cluster_size"][over] - 1)
    result.save(tmp_path / "run")
    table = pq.read_table(tmp_path / "run" / "incidence.parquet").to_pandas()
    np.testing.assert_array_equal(table["bite"], result.incidence[..., 0].reshape(-1))


def test_agents_count_their_rules_events() -> None:
    """The agents engine's incidence is its rules' events per interval (a bite is one event
    however the bitten turns): they add up to the rules' totals, and the zombies' count
    changes by the turnings less the zombies destroyed, starved or killed by halfbies."""
    result = jonas.run(validate_data(mixed(replicates=2)))
    assert result.incidence_names == INCIDENCE_NAMES
    assert result.incidence.shape == (2, result.times.size, len(INCIDENCE_NAMES))
    assert (result.incidence[:, 0] == 0).all() and (result.incidence >= 0).all()
    each = dict(zip(result.incidence_names, np.moveaxis(result.incidence, -1, 0), strict=True))
    np.testing.assert_array_equal(each["bites"].sum(axis=1), result.engine_metrics["bites"])
    z = result.counts[..., result.compartments.index("Z")]
    lost = each["zombies destroyed"] + each["destroyed by halfbies"] + each["starved"]
    np.testing.assert_array_equal(np.diff(z, axis=1), (each["turned zombie"] - lost)[:, 1:])
    assert each["bites"].sum() > 1000


def _cli(*args: str) -> None:
    done = CliRunner().invoke(app, [*args, "--quiet"] if args[0] == "run" else list(args))
    assert done.exit_code == 0, done.output


def test_jonas_run_writes_incidence_and_csv(tmp_path: Path) -> None:
    """incidence.parquet holds Result.incidence (long: replicate, time, one column per
    named transition), whatever the batches; --csv writes the same tables as CSV, and
    jonas export writes them from a run's folder afterwards."""
    out = tmp_path / "run"
    _cli("run", SEIR, "-e", "ssa", "-r", "3", "--seed", "5", "--out", str(out), "--csv",
         "--workers", "1")  # fmt: skip
    result = _run(SEIR, "ssa", replicates=3, seed=5)
    table = pq.read_table(out / "incidence.parquet").to_pandas()
    assert list(table.columns) == ["replicate", "time", "infection", "onset", "recovery"]
    np.testing.assert_array_equal(table["replicate"], np.repeat([0, 1, 2], result.times.size))
    np.testing.assert_array_equal(table["time"], np.tile(result.times, 3))
    for k, name in enumerate(result.incidence_names):
        np.testing.assert_array_equal(table[name], result.incidence[:, :, k].reshape(-1))
    for name in ("timeseries", "incidence", "replicates"):
        parquet = pq.read_table(out / f"{name}.parquet").to_pandas()
        csv = pd.read_csv(out / f"{name}.csv")
        pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    # an event that never happened is an empty cell, not the word "nan"
    assert ",nan" not in (out / "replicates.csv").read_text()
    written = {name: (out / f"{name}.csv").read_bytes() for name in ("incidence", "replicates")}
    for name in written:
        (out / f"{name}.csv").unlink()
    _cli("export", str(out))
    for name, data in written.items():
        assert (out / f"{name}.csv").read_bytes() == data


def test_jonas_export_needs_a_run_folder(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["export", str(tmp_path)])
    assert done.exit_code != 0
    assert "not a jonas run folder" in done.output
