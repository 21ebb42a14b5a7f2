"""When the ODE's integrator fails, the error names what to change (issue 19): the
tolerances, the method, the fastest rate; and the run leaves no files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.errors import JonasError

#: tolerances below what floating point can reach: LSODA stops at once ("Unexpected
#: istate in LSODA", "Excess accuracy requested")
TOO_TIGHT = ["run.rtol=1e-15", "run.atol=1e-30"]


def test_a_failed_integration_names_the_settings_to_change() -> None:
    with pytest.raises(JonasError) as caught:
        jonas.run("sir", overrides=TOO_TIGHT)
    message = str(caught.value)
    assert "the integrator (LSODA) failed" in message
    assert "Unexpected istate in LSODA" in message  # what the solver said, kept
    assert "run.rtol = 1e-15, run.atol = 1e-30" in message
    assert "'infection', has a rate of 0.3 per day" in message  # the fastest transition
    assert 'run.method = \'LSODA\': for a stiff model use "Radau" or "BDF"' in message


def test_a_failed_integration_leaves_no_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    sets = [arg for s in TOO_TIGHT for arg in ("--set", s)]
    result = CliRunner().invoke(app, ["run", "sir", *sets, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "run.rtol" in result.output and "run.method" in result.output
    assert not out.exists()
