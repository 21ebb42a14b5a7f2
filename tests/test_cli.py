"""The command line end to end: listing, validating, running, and every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jonas.cli import app
from jonas.spec import builtin_names

runner = CliRunner()

BUILTINS = {
    "sir",
    "munz-basic",
    "munz-latent",
    "munz-quarantine",
    "munz-treatment",
    "munz-impulsive",
    "alemi-szr",
}


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_list_shows_every_builtin_once():
    result = invoke("list")
    assert result.exit_code == 0
    assert set(builtin_names()) >= BUILTINS
    for name in builtin_names():
        assert result.output.count(f"{name} ") == 1, name


def test_validate_reports_the_model(in_tmp):
    result = invoke("validate", "munz-quarantine")
    assert result.exit_code == 0, result.output
    assert "5 compartments (S, I, Z, R, Q)" in result.output


def test_run_writes_its_files(in_tmp):
    result = invoke("run", "munz-basic", "--engine", "ssa", "-r", "5", "--seed", "3", "--out", "o")
    assert result.exit_code == 0, result.output
    out = in_tmp / "o"
    assert sorted(p.name for p in out.iterdir()) == [
        "bands.parquet",
        "incidence.parquet",
        "phase.png",
        "plot.png",
        "replicates.parquet",
        "run.json",
        "timeseries.parquet",
    ]
    table = pq.read_table(out / "timeseries.parquet")
    assert table.column_names == ["replicate", "time", "S", "Z", "R"]
    assert set(table.column("replicate").to_pylist()) == set(range(5))
    meta = json.loads((out / "run.json").read_text())
    assert meta["engine"] == "ssa" and meta["seed"] == 3 and meta["replicates"] == 5
    assert meta["jonas_version"]
    assert meta["scenario"]["model"]["family"] == "munz-basic"
    assert meta["scenario"]["run"]["engine"] == "ssa"  # the resolved scenario, overrides applied
    final = meta["summary"]["final"]["S"]
    assert len(final["per_replicate"]) == 5
    assert final["q05"] <= final["median"] <= final["q95"]
    assert (out / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_run_default_folder_and_summary_table(in_tmp):
    result = invoke("run", "sir", "--set", "run.t_end=20")
    assert result.exit_code == 0, result.output
    folders = list((in_tmp / "results").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("sir-")
    assert "compartment" in result.output and "wrote" in result.output


def test_run_json_flag_prints_the_metadata(in_tmp):
    result = invoke("run", "munz-impulsive", "--json", "--out", "o")
    assert result.exit_code == 0
    meta = json.loads(result.stdout)
    assert [e["happened"]["median"] for e in meta["events"]] == [2.5, 5.0, 7.5, 10.0]
    assert meta["output_folder"] == "o"


def test_quiet_prints_nothing(in_tmp):
    result = invoke("run", "sir", "-q", "--out", "o", "--set", "run.t_end=5")
    assert result.exit_code == 0 and result.output == ""


def test_set_overrides_reach_the_run(in_tmp):
    result = invoke(
        "run",
        "munz-basic",
        "--json",
        "--out",
        "o",
        "--set",
        "parameters.alpha=0.8",
        "--set",
        "initial.Z=3",
        "--set",
        "run.t_end=4",
    )
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)
    assert meta["scenario"]["parameters"]["alpha"] == 0.8
    assert meta["scenario"]["initial"]["Z"] == 3
    assert meta["summary"]["t_end"] == 4


BAD_INPUTS = [
    (["run", "munz-basc"], "Did you mean 'munz-basic'"),
    (["run", "munz-basic", "--set", "parameters.alpah=1"], "parameters.alpah"),
    (["run", "munz-basic", "--set", "parameters.alpha=-1"], "parameters.alpha"),
    (["run", "munz-basic", "--set", "parameters.alpha=fast"], "valid number"),
    (["run", "munz-basic", "-e", "ssa", "--set", "initial.S=10.5"], "not a whole number"),
    (["run", "munz-basic", "-e", "tauleap", "--set", "initial.S=10.5"], "initial.S"),
    (["run", "munz-basic", "--set", "run.t_end=0"], "run.t_end"),
    (["run", "munz-basic", "--set", "run.t_end=-3"], "run.t_end"),
    (["run", "munz-basic", "--set", "runn.t_end=3"], "no section 'runn'"),
    (["run", "munz-basic", "--set", "run.tend=3"], "Did you mean 't_end'"),
    (["run", "munz-basic", "--set", "initial.Q=3"], "initial.Q"),
    (["run", "munz-basic", "--set", "model.family=munz-basik"], "Did you mean 'munz-basic'"),
    (["run", "munz-basic", "--set", "interventions.0.fraction=0.5"], "no interventions"),
    (
        ["run", "munz-impulsive", "--set", "interventions.0.fraction=1.5"],
        "interventions.0.fraction",
    ),
    (["run", "munz-impulsive", "--set", "interventions.4.fraction=0.5"], "indices run from 0 to 0"),
    (["run", "munz-basic", "--set", "parameters"], "section.key=value"),
    (["run", "munz-basic", "--engine", "warp"], "run.engine"),
    (["run", "munz-basic", "-e", "ssa", "-r", "0"], "run.replicates"),
    (["run", "munz-latent", "--set", "model.variant=printed-code"], "model.variant"),
    (["run", "nowhere/missing.toml"], "no such scenario file"),
    (["validate", "munz-basc"], "Did you mean"),
]


@pytest.mark.parametrize(("args", "expected"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_clear_error(in_tmp, args, expected):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("error:")
    assert expected in result.output.replace("\n", " ")
    assert not (in_tmp / "results").exists()


BAD_FILES = {
    "toml-syntax": ('[scenario]\nname = "x"\n[model\nfamily = "sir"\n', "line 3"),
    "unknown-section": ('[scenario]\nname="x"\n[modle]\nfamily="sir"\n', "unknown section [modle]"),
    "unknown-key": (
        '[scenario]\nname="x"\n[model]\nfamily="sir"\n[run]\nt_end=1\nspeed=2\n',
        "run.speed: unknown key",
    ),
    "missing-run": ('[scenario]\nname="x"\n[model]\nfamily="sir"\n', "run: required"),
    "family-and-inline": (
        '[scenario]\nname="x"\n[model]\nfamily="sir"\ncompartments=["A"]\n[run]\nt_end=1\n',
        "either 'family'",
    ),
    "bad-rate-expression": (
        '[scenario]\nname="x"\n[model]\ncompartments=["A","B"]\n'
        '[[model.transitions]]\nfrom="A"\nto="B"\nrate="k*"\n[parameters]\nk=1\n[initial]\nA=1\n[run]\nt_end=1\n',
        "not a valid rate expression",
    ),
    "unknown-compartment-in-transition": (
        '[scenario]\nname="x"\n[model]\ncompartments=["A","B"]\n'
        '[[model.transitions]]\nfrom="A"\nto="C"\nrate=1\n[initial]\nA=1\n[run]\nt_end=1\n',
        "model.transitions.0.to: unknown compartment 'C'",
    ),
    "missing-parameter": (
        '[scenario]\nname="x"\n[model]\ncompartments=["A","B"]\n'
        '[[model.transitions]]\nfrom="A"\nto="B"\nrate="k"\n[initial]\nA=1\n[run]\nt_end=1\n',
        "missing value(s) for k",
    ),
    "bad-time-unit": (
        '[scenario]\nname="x"\ntime_unit="weeks"\n[model]\nfamily="sir"\n[run]\nt_end=1\n',
        "scenario.time_unit",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_one_clear_error(in_tmp, case):
    text, expected = BAD_FILES[case]
    Path("bad.toml").write_text(text)
    for command in ("validate", "run"):
        result = invoke(command, "bad.toml")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert expected in result.output.replace("\n", " "), result.output
    assert not Path("results").exists()


def test_real_process_exit_code_and_no_traceback(in_tmp):
    """The installed console script, as a user runs it."""
    env = {**os.environ, "COLUMNS": "200"}
    exe = Path(sys.executable).with_name("jonas")
    done = subprocess.run(
        [str(exe), "run", "munz-basic", "--set", "parameters.alpha=-1"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "parameters.alpha" in done.stderr
    assert not Path("results").exists()
    helped = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and "run" in helped.stdout
