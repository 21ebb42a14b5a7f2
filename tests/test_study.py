"""jonas compare (paired differences on common random numbers) and jonas sweep (a grid)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from jonas.cli import app
from jonas.errors import JonasError
from jonas.workflows.compare import paired_differences
from jonas.workflows.sweep import grid_points, parse_grid

runner = CliRunner()
SIR = ["--set", "run.engine=tauleap", "--set", "run.t_end=60"]


def test_paired_differences_by_hand() -> None:
    a = {"replicate": np.array([0, 1, 2, 3]), "m": np.array([10.0, 12.0, 14.0, np.nan])}
    b = {"replicate": np.array([3, 2, 1, 0]), "m": np.array([1.0, 15.0, 15.0, 11.0])}
    d = paired_differences(a, b, ["m"])["m"]
    # pairs by replicate: (10, 11), (12, 15), (14, 15); replicate 3 has no A value
    assert d["pairs"] == 3 and d["missing"] == 1
    assert d["difference"] == pytest.approx(5 / 3)
    assert d["se"] == pytest.approx(np.std([1, 3, 1], ddof=1) / np.sqrt(3))
    low, high = d["ci95"]
    assert low < d["difference"] < high
    assert high - d["difference"] == pytest.approx(4.302653 * d["se"], rel=1e-6)  # t(2)
    assert d["share_b_higher"] == 1.0


def test_paired_differences_refuse_unmatched_replicates() -> None:
    a = {"replicate": np.array([0, 1]), "m": np.array([1.0, 2.0])}
    b = {"replicate": np.array([0, 2]), "m": np.array([1.0, 2.0])}
    with pytest.raises(JonasError, match="same replicates"):
        paired_differences(a, b, ["m"])


def test_compare_shares_random_numbers(tmp_path: Path) -> None:
    out = tmp_path / "c"
    result = runner.invoke(
        app,
        [
            "compare",
            "sir",
            *SIR,
            # Ten first cases, so that no replicate dies out by chance: whether one does is
            # not what beta changes the most, and a pair where one side dies out hides the
            # effect.
            "--set",
            "initial.S=990",
            "--set",
            "initial.I=10",
            "--b-set",
            "parameters.beta=0.4",
            "-r",
            "30",
            "-w",
            "1",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for name in ("a", "b"):
        assert (out / name / "replicates.parquet").exists()
    a = pd.read_parquet(out / "a" / "replicates.parquet")
    b = pd.read_parquet(out / "b" / "replicates.parquet")
    assert a["seed"].tolist() == b["seed"].tolist()  # common random numbers
    # A faster spread (beta 0.4 against 0.3) leaves fewer susceptible people
    s = paired_differences(
        {k: a[k].to_numpy() for k in a}, {k: b[k].to_numpy() for k in b}, ["final:S"]
    )["final:S"]
    assert s["difference"] < 0 and s["ci95"][1] < 0
    assert (out / "compare.png").exists() and (out / "compare.json").exists()
    assert data["seed"] == 1 and data["replicates"] == 30


def test_compare_needs_two_different_variants() -> None:
    result = runner.invoke(app, ["compare", "sir"])
    assert result.exit_code == 2
    assert "A and B are the same" in result.output


def test_sweep_runs_every_combination(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = runner.invoke(
        app,
        [
            "sweep",
            "hyosan",
            "--grid",
            "parameters.alpha=0.01,0.1",
            "--grid",
            "parameters.rage=0,1",
            "-r",
            "4",
            "-w",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "sweep.parquet")
    assert table[["parameters.alpha", "parameters.rage"]].values.tolist() == [
        [0.01, 0],
        [0.01, 1],
        [0.1, 0],
        [0.1, 1],
    ]
    # More zombies destroyed (alpha 0.1) means fewer infected in the strike, every time
    infected = table["killed_in_strike_infected:median"].to_numpy()
    assert infected[2] < infected[0] and infected[3] < infected[1]
    assert {p.name for p in (out / "plots").iterdir()} >= {"survivors.png", "peak_zombies.png"}
    assert len(list((out / "points").iterdir())) == 4
    meta = json.loads((out / "points" / "003" / "run.json").read_text())
    assert meta["scenario"]["parameters"]["alpha"] == 0.1


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ([], "at least one --grid"),
        (["parameters.alpha"], "write SECTION.KEY=V1,V2"),
        (["parameters.alpha=0.1,,0.2"], "write SECTION.KEY=V1,V2"),
        (["parameters.alpha=1,1"], "repeated"),
        (["parameters.alpha=1", "parameters.alpha=2"], "given twice"),
    ],
)
def test_bad_grids_are_refused(grid: list[str], message: str) -> None:
    with pytest.raises(JonasError, match=message):
        parse_grid(grid)


def test_a_grid_value_the_scenario_refuses_stops_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "bad"
    result = runner.invoke(
        app, ["sweep", "sir", "--grid", "parameters.beta=0.3,-1", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "parameters.beta" in result.output
    assert not out.exists()


def test_grid_points_first_key_slowest() -> None:
    points = grid_points([("a", ["1", "2"]), ("b", ["x", "y"])])
    assert points == [
        {"a": "1", "b": "x"},
        {"a": "1", "b": "y"},
        {"a": "2", "b": "x"},
        {"a": "2", "b": "y"},
    ]
