"""The Python API and the result object: tables, summaries, plots and atomic files."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

import jonas
from conftest import make_scenario
from jonas.model import output_times


def test_to_pandas_is_long_by_replicate():
    result = jonas.run("munz-basic", engine="tauleap", replicates=3, seed=5)
    frame = result.to_pandas()
    assert list(frame.columns) == ["replicate", "time", "S", "Z", "R"]
    assert len(frame) == 3 * result.times.size
    first = frame[frame.replicate == 1]
    assert np.array_equal(first["Z"].to_numpy(), result.series("Z")[1])


def test_summary_quantiles_match_numpy():
    result = jonas.run("alemi-szr", replicates=40, seed=11)
    final_z = result.counts[:, -1, result.compartments.index("Z")]
    s = result.summary()["final"]["Z"]
    assert s["median"] == pytest.approx(np.median(final_z))
    assert s["q05"] == pytest.approx(np.quantile(final_z, 0.05))
    assert s["q95"] == pytest.approx(np.quantile(final_z, 0.95))
    assert s["per_replicate"] == final_z.tolist()
    assert result.summary()["peak"]["Z"]["median"] >= s["median"]


def test_plot_returns_a_figure_with_bands():
    result = jonas.run("sir", engine="tauleap", replicates=5, seed=1)
    figure = result.plot(log=True)
    ax = figure.axes[0]
    medians = [line for line in ax.lines if line.get_label().endswith("(median)")]
    assert len(medians) == 3  # one median line per compartment
    assert len(ax.lines) == 3 + 3 * 5  # and each compartment's five single runs, thin
    assert len(ax.collections) == 6  # 50% and 90% bands per compartment
    assert ax.get_yscale() == "symlog"


def test_ode_runs_once_and_says_so():
    result = jonas.run("sir", replicates=10)
    assert result.replicates == 1
    assert "deterministic" in result.notes[0]


def test_output_times_include_t_end():
    assert output_times(1.0, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert output_times(1.0, 0.3).tolist() == pytest.approx([0.0, 0.3, 0.6, 0.9, 1.0])
    assert output_times(0.1 * 3, 0.1).size == 4  # no spurious extra point from round-off


@pytest.mark.parametrize("engine", ["ode", "ssa", "tauleap"])
def test_cull_at_an_output_time_shows_the_state_after_it(engine):
    """Nothing else happens (rates zero), so the cull alone changes the counts."""
    scenario = make_scenario(
        ["A", "B"],
        [{"from": "A", "to": "B", "rate": 0.0}],
        initial={"A": 1000},
        engine=engine,
        t_end=2.0,
        output_every=0.5,
    )
    data = scenario.model_dump(by_alias=True)
    data["interventions"] = [
        {"type": "cull", "at": 1.0, "compartments": ["A"], "fraction": 1.0, "to": "B"}
    ]
    result = jonas.run(jonas.spec.validate_data(data))
    a = result.series("A")[0]
    assert a.tolist() == [1000, 1000, 0, 0, 0]
    assert result.series("B")[0].tolist() == [0, 0, 1000, 1000, 1000]


def test_escalating_cull_is_capped_at_everything():
    scenario = jonas.load(
        "munz-impulsive",
        [
            "parameters.beta=0",
            "parameters.zeta=0",
            "parameters.alpha=0",
            "parameters.delta=0",
            "initial.Z=1000",
            "interventions.0.fraction=0.4",
        ],
    )
    z = jonas.run(scenario).series("Z")[0]
    times = jonas.run(scenario).times
    at = {t: z[np.searchsorted(times, t)] for t in (0.0, 2.5, 5.0, 7.5)}
    # 1000 → ×0.6 → ×0.2 → ×0 (1.2 capped at 1)
    assert at[0.0] == pytest.approx(1000)
    assert at[2.5] == pytest.approx(600)
    assert at[5.0] == pytest.approx(120)
    assert at[7.5] == pytest.approx(0)


def test_events_after_t_end_never_happen():
    scenario = jonas.load("munz-impulsive", ["run.t_end=6"])
    assert jonas.compile_model(scenario).events.times.tolist() == [2.5, 5.0]


def test_erlang_stages_expand_and_sum_back():
    scenario = make_scenario(
        ["S", "I", "Z"],
        [
            {"from": "S", "to": "I", "by": "Z", "rate": 0.001},
            {"from": "I", "to": "Z", "rate": 1.0, "stages": 3},
        ],
        initial={"S": 100, "I": 10, "Z": 1},
        engine="ssa",
    )
    model = jonas.compile_model(scenario)
    assert model.states == ("S", "I_1", "I_2", "I_3", "Z")
    assert model.compartments == ("S", "I", "Z")
    assert model.rate[1:4].tolist() == [3.0, 3.0, 3.0]  # each stage at k × rate: mean 1/rate
    assert jonas.run(scenario).counts[0, 0].tolist() == [100, 10, 1]


def test_interrupted_save_leaves_no_file(tmp_path, monkeypatch):
    """A failure while writing leaves neither a half-written file nor a temporary one."""
    result = jonas.run("sir")

    def broken(table, path):
        with open(path, "wb") as handle:
            handle.write(b"PAR1 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(KeyboardInterrupt):
        result.save(tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nor the folder it made


def test_saved_files_round_trip(tmp_path):
    result = jonas.run("munz-quarantine", engine="ssa", replicates=2, seed=4)
    result.save(tmp_path)
    table = pq.read_table(tmp_path / "timeseries.parquet").to_pandas()
    assert table.equals(result.to_pandas())
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["compartments"] == ["S", "I", "Z", "R", "Q"]
    assert meta["wall_time_s"] >= 0


# hyosan-city is written for the map (drones, strike areas): tests/test_agents_engine.py
# runs it, and checks that the compartmental engines refuse it. korea and seoul are written
# for the districts: tests/test_metapop.py runs them.
COMPARTMENTAL = [
    n
    for n in jonas.spec.builtin_names()
    if jonas.load(n).run.engine not in ("agents", "metapop")
]


@pytest.mark.parametrize("engine", ["ode", "ssa", "tauleap"])
@pytest.mark.parametrize("name", COMPARTMENTAL)
def test_every_builtin_runs_on_every_engine(name, engine):
    """Each shipped scenario, as shipped, gives finite, non-negative counts, with the
    population constant where nothing is born, dies or is culled."""
    result = jonas.run(name, engine=engine, replicates=2, seed=1)
    counts = result.counts
    assert np.isfinite(counts).all()
    assert counts.min() >= (-1e-6 * counts.max() if engine == "ode" else 0)
    if result.model.conserves_population() and not len(result.model.events):
        totals = counts.sum(axis=2)
        np.testing.assert_allclose(totals, np.broadcast_to(totals[:, :1], totals.shape), rtol=1e-6)


def test_interventions_after_t_end_are_reported():
    result = jonas.run("munz-impulsive", overrides=["run.t_end=6"])
    assert len(result.notes) == 2
    assert "7.5 comes after t_end = 6" in result.notes[0]
