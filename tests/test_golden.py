"""Golden outputs: every built-in scenario on every engine that runs it gives, seed for
seed, the numbers recorded in tests/golden/data/ (bit for bit), in memory and in the files
`jonas run` writes. The cases and the recorder are in tests/golden/cases.py; re-record only
when a change is meant to change the numbers, and say so in the commit.

The ODE engine's numbers are the exception: they are compared to within 1e-7 of each
array's largest value. LSODA's Fortran and numpy's vectorised loops round differently on
different CPUs (recorded on an AMD EPYC, an Intel Xeon gave hyosan's ODE counts 7.8e-4
apart, 5e-9 of the population), while any change to the model moves them by far more.
The stochastic engines stay bit for bit: their draws come from integer generators and
their counts are integers, and they agreed on both CPUs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))

import cases as golden

MANIFEST = json.loads((golden.DATA / "manifest.json").read_text("utf-8"))
RECORDED_WITH = json.loads((golden.DATA / "environment.json").read_text("utf-8"))
CASES = {case.name: case for case in golden.cases()}


def test_the_same_scenarios_run_on_the_same_engines() -> None:
    """A scenario an engine ran before still runs there, and one refused is still refused."""
    assert sorted(CASES) == sorted(MANIFEST)


#: how far the ODE's floats may be from the recorded ones, relative to each array's largest
ODE_TOLERANCE = 1e-7


def _close(got: np.ndarray, want: np.ndarray, name: str) -> bool:
    if want.dtype.kind != "f" or "--ode" not in name:
        return False
    finite = np.isfinite(want)
    scale = float(np.max(np.abs(want[finite]), initial=1.0))
    return bool(
        np.array_equal(np.isnan(got), np.isnan(want))
        and np.allclose(got, want, rtol=0.0, atol=ODE_TOLERANCE * scale, equal_nan=True)
    )


def _same(found: dict[str, np.ndarray], recorded: np.lib.npyio.NpzFile, name: str) -> None:
    assert sorted(found) == sorted(recorded.files), f"{name}: different outputs"
    for key in recorded.files:
        want, got = recorded[key], np.asarray(found[key])
        assert got.dtype == want.dtype, f"{name}: {key} is {got.dtype}, was {want.dtype}"
        assert got.shape == want.shape, f"{name}: {key} is shaped {got.shape}, was {want.shape}"
        if want.dtype.kind == "f":
            same = np.array_equal(got, want, equal_nan=True)
        else:
            same = np.array_equal(got, want)
        if not same and not _close(got, want, name):
            now = golden.environment()
            changed = {k: f"{v} (recorded with {RECORDED_WITH.get(k)})" for k, v in now.items()}
            where = "" if now == RECORDED_WITH else f"; this machine differs: {changed}"
            if want.dtype.kind in "fiu":
                gap = np.nanmax(np.abs(got.astype(float) - want.astype(float)))
                pytest.fail(f"{name}: {key} differs (largest difference {gap:g}){where}")
            pytest.fail(f"{name}: {key} differs:\n{got!r}\nwas\n{want!r}{where}")


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_a_run_gives_the_recorded_numbers(name: str) -> None:
    if name not in CASES:
        pytest.fail(f"{name} no longer runs")
    with np.load(golden.DATA / f"{name}.npz") as recorded:
        _same(golden.run_case(CASES[name]), recorded, name)


@pytest.mark.parametrize("name", golden.CLI_CASES)
def test_jonas_run_writes_the_recorded_files(name: str, tmp_path: Path) -> None:
    with np.load(golden.DATA / f"{name}--cli.npz") as recorded:
        _same(golden.run_cli(CASES[name], tmp_path / "out"), recorded, f"{name} (jonas run)")
