"""Inputs refused before any work (issue 21, part A; docs/reliability.md, "Inputs"): each
finding of the hostile-user review, with the message it now gets."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.errors import JonasError, ScenarioError
from jonas.model.expressions import evaluate
from jonas.space.mapfile import load_map, read_landuse_png
from jonas.spec import builtin_text, parse_toml, validate_data

runner = CliRunner()


def refused(*args: str) -> str:
    """The message of a command that must be refused with exit code 2 (no traceback)."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return " ".join(result.output.split())


# --------------------------------------------------------------------------- strict types


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ('run.replicates="3"', "run.replicates"),
        ("run.seed=true", "run.seed"),
        ("run.max_events=1.5", "run.max_events"),
        ('model.stages.I="4"', "model.stages.I"),
        ('parameters.beta="0.3"', "parameters.beta"),
        ('metapop.mobility.work_hours=["8", 18]', "metapop.mobility.work_hours"),
    ],
)
def test_integers_and_numbers_refuse_strings_and_booleans(setting: str, field: str) -> None:
    scenario = "korea" if setting.startswith("metapop") else "sir"
    assert field in refused("validate", scenario, "--set", setting)


def test_booleans_shown_as_toml_writes_them() -> None:
    assert "run.seed: Input should be a valid integer (got true)" in refused(
        "validate", "sir", "--set", "run.seed=true"
    )


def test_a_branch_back_to_its_own_source_is_refused() -> None:
    message = refused(
        "validate", "sir", "--set", "model.family=", "--set",
        'model.compartments=["S", "I", "R"]', "--set",
        'model.transitions=[{from="I", to={I=0.5, R=0.5}, rate=0.1}]',
    )
    assert "model.transitions.0: 'to' has a branch back to 'I', its own 'from'" in message


def test_an_empty_population_is_refused() -> None:
    assert "model.population: must not be empty" in refused(
        "validate", "sir", "--set", "model.population=[]"
    )


def test_a_lure_to_its_own_source_is_refused() -> None:
    data = parse_toml(builtin_text("munz-basic"), "munz-basic")
    data["interventions"] = [
        {"type": "lure", "at": 1.0, "from": ["Z"], "to": "Z", "share": 0.5, "duration": 1.0}
    ]
    with pytest.raises(ScenarioError, match="'to' is 'Z', one of the compartments it lures"):
        validate_data(data)


def test_a_compartment_as_a_rate_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "z.toml"
    path.write_text(
        '[scenario]\nname = "z"\n[model]\ncompartments = ["S", "Z"]\n'
        'transitions = [{from = "S", to = "Z", by = "Z", rate = "Z"}]\n'
        "[initial]\nS = 10\nZ = 1\n[run]\nt_end = 1\n"
    )
    message = refused("validate", str(path))
    assert "model.transitions.0.rate: 'Z' is a compartment, not a parameter" in message
    assert "missing" not in message


# --------------------------------------------------------------------------- the Python API


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: jonas.run("sir", replicates=True), "replicates must be an integer"),
        (lambda: jonas.run("sir", seed="3"), "seed must be an integer"),
        (lambda: jonas.run("sir", overrides=[5]), "overrides[0] must be"),
        (lambda: jonas.run("sir", overrides=5), "overrides must be a list"),
        (lambda: jonas.run("sir", progress=5), "progress must be a function"),
        (lambda: jonas.run(None), "the scenario must be"),
        (lambda: jonas.load(3.5), "the scenario must be"),
        (lambda: jonas.prepare("sir", colour="red"), "unknown option 'colour'"),
    ],
)
def test_the_api_checks_its_arguments(call, named: str) -> None:
    with pytest.raises(JonasError) as caught:
        call()
    assert named in str(caught.value)


def test_the_api_reads_one_override_string_as_one_override() -> None:
    assert jonas.load("sir", "run.t_end=5").run.t_end == 5
    assert jonas.load("sir", None).run.t_end == 200
    with pytest.raises(ScenarioError, match=r"run\.replicates"):
        jonas.load("sir", ['run.replicates="3"'])


# --------------------------------------------------------------------------- messages


def test_messages_escape_control_characters_and_shorten_long_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(
        '[scenario]\nname = "x"\n[model]\nfamily = "sir"\n"a\\nb\\tc" = 1\n'
        f'"{"k" * 200_000}" = 2\n[run]\nt_end = 5\n'
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "model.a\\nb\\tc: unknown key" in result.output
    assert "(200,000 characters)" in result.output
    assert len(result.output) < 2000


def test_messages_name_no_internal_class_or_python_value() -> None:
    assert "instance of" not in refused("validate", "sir", "--set", "model=5")
    message = refused("validate", "sir", "--set", "run.t_end=01:02:03")
    assert "got 01:02:03, a TOML date or time" in message
    assert "datetime" not in message


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    "expression",
    ["-" * 20000 + "beta", "+".join(["beta"] * 1000), "-" * 900 + "beta"],
)
def test_rate_expressions_are_bounded(expression: str) -> None:
    with pytest.raises(ScenarioError, match="at most"):
        evaluate(expression, {"beta": 0.1}, "model.transitions.0.rate")


def test_toml_nesting_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(
        '[scenario]\nname = "x"\n[model]\nfamily = "sir"\n[run]\nt_end = 5\n'
        "[parameters]\nbeta = " + "[" * 2000 + "]" * 2000 + "\n"
    )
    assert "nested more than 32 levels deep" in refused("validate", str(path))
    assert "nested too deeply" in refused(
        "validate", "sir", "--set", "parameters.beta=" + "[" * 3000 + "]" * 3000
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (["run.output_every=1e-12"], "run.output_every: this run would hold about 8,000.0 TB"),
        (["run.output_every=5e-324"], "run.output_every: this run would hold more than any"),
        (["run.t_end=1e5", "run.output_every=1e-3"], "about 4.0 GB of outputs"),
        (["run.engine=ssa", "run.replicates=100000", "run.output_every=0.01"], "run.replicates"),
    ],
)
def test_outputs_too_large_are_refused_with_the_estimate(
    settings: list[str], expected: str
) -> None:
    args = [a for s in settings for a in ("--set", s)]
    message = refused("validate", "sir", *args)
    assert expected in message
    assert "JONAS_MAX_OUTPUT_GB" in message


def test_the_output_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JONAS_MAX_OUTPUT_GB", "5")
    result = runner.invoke(
        app, ["validate", "sir", "--set", "run.t_end=1e5", "--set", "run.output_every=1e-3"]
    )
    assert result.exit_code == 0, result.output


def _png(path: Path, width: int, height: int, rows: int) -> None:
    """A PNG whose header claims width × height, with only ``rows`` rows of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\x00" * (width * 3) for _ in range(rows))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("side", "shown"), [(9000, "9,000 × 9,000 pixels"), (30000, "too many")])
def test_map_images_too_large_are_refused_from_their_header(
    tmp_path: Path, side: int, shown: str
) -> None:
    _png(tmp_path / "big.png", side, side, 1)
    with pytest.raises(ScenarioError, match=shown):
        read_landuse_png(tmp_path / "big.png")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_files_that_are_not_plain_files_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    for name in ("fifo.toml", "zero.toml"):
        assert "not a plain file" in refused("validate", str(tmp_path / name))
        with pytest.raises(ScenarioError, match="not a plain file"):
            load_map(tmp_path / name)
    with pytest.raises(ScenarioError, match="not a plain file"):
        read_landuse_png(tmp_path / "fifo.toml")


def test_a_huge_scenario_file_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    with open(path, "wb") as f:
        f.truncate(50_000_000)
    assert "larger than the 4 MB a scenario file may have" in refused("validate", str(path))


# --------------------------------------------------------------------------- values that hung


@pytest.mark.parametrize(
    ("scenario", "settings", "expected"),
    [
        ("sir", ["parameters.beta=1e300"], "parameters: the transition 'infection' has a rate"),
        ("munz-impulsive", ["interventions.0.at=[1e-300]"], "interventions.0.at: 1e-300 is too"),
        ("hyosan", ["run.dt=5e-324"], "run.dt: 4.94066e-324 hours makes infinitely many steps"),
        ("sir", ["initial.S=1e15", "run.engine=ssa"], "initial: 1e+15 individuals are too many"),
        ("hyosan", ["run.engine=ode", "model.stages.E=1000"], "model.stages: 1020 states"),
    ],
)
def test_values_that_would_hang_are_refused(
    scenario: str, settings: list[str], expected: str
) -> None:
    args = [a for s in settings for a in ("--set", s)]
    assert expected in refused("validate", scenario, *args)


def test_a_refused_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refused("run", "sir", "--set", "run.output_every=1e-12", "--out", str(out))
    assert not out.exists()
