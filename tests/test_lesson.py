"""Pictures for a lesson: the phase portrait of a classic model's runs and the lattice's
zombie cluster, drawn from the first replicate re-run from its seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from PIL import Image
from typer.testing import CliRunner

from jonas.cli import app
from jonas.engines.lattice.kernel import simulate_lattice

runner = CliRunner()


def test_a_lattice_run_draws_its_first_replicate_as_it_ran(tmp_path: Path) -> None:
    out = tmp_path / "lattice"
    args = ["run", "alemi-lattice", "-r", "4", "--set", "lattice.size=31", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with Image.open(out / "lattice.png") as picture:
        assert picture.format == "PNG" and picture.size[0] > 300
    table = pq.read_table(out / "replicates.parquet").to_pandas().sort_values("replicate")
    first = table.iloc[0]
    grid = np.zeros((31, 31), dtype=np.int8)
    _, metrics = simulate_lattice(31, 1.0, 0.4, np.zeros(1), np.array([first["seed"]]),
                                  grid=grid)  # fmt: skip
    # the picture's lattice is that replicate's: every site that ever turned is a zombie or
    # removed, as many as its cluster size
    assert int((grid > 0).sum()) == int(first["cluster_size"]) == int(metrics["cluster_size"][0])
    assert grid[15, 15] != 0  # the first zombie's site
    assert (out / "phase.png").exists()


def test_a_phase_portrait_for_classic_models_only(tmp_path: Path) -> None:
    munz = tmp_path / "munz"
    assert runner.invoke(app, ["run", "munz-basic", "--out", str(munz)]).exit_code == 0
    assert (munz / "phase.png").exists() and not (munz / "lattice.png").exists()
    hyosan = tmp_path / "hyosan"
    ran = runner.invoke(app, ["run", "hyosan", "-e", "ode", "--out", str(hyosan)])
    assert ran.exit_code == 0 and not (hyosan / "phase.png").exists()
