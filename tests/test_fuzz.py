"""Fuzzing as a test (issue 21): the built-in scenarios' data with one to three things broken
as a hostile or careless user would break them (deleted keys, wrong types, huge, tiny,
negative, NaN and infinite numbers, unicode and control characters, deep nesting, bad rate
expressions, wrong intervention types), written back as TOML and checked with ``jonas
validate``: each is accepted (exit code 0) or refused with a message naming a field (exit
code 2), never a traceback. A few that validate are run, tiny, in a process of their own
with a timeout: no traceback, no hang, no folder left behind by a refusal.

Plain numpy, seeded: a failing case is reproduced from its seed and index (the failure
message shows the mutations). The long version (``pytest -m long tests/test_fuzz.py``)
runs thousands; CI runs the short one (docs/reliability.md has the counts).

The TOML writer is ours (the standard library reads TOML but does not write it): values
as inline tables and arrays, strings and keys as JSON strings, which TOML reads alike.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import time
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from jonas.cli import app
from jonas.spec import builtin_names, builtin_text, parse_toml

#: numbers that are valid TOML but mostly not valid values
NUMBERS: list[Any] = [
    0, -1, 1, 2**63, -(2**63), 10**30, 1e308, 1e-308, 5e-324, -1e-300, 1e300,
    math.inf, -math.inf, math.nan, 0.5, 3.0, 1e15, 1e-12, 1000, 1001, 2**32,
]
#: text that is valid TOML but mostly not a valid value
TEXTS: list[Any] = [
    "", " ", "3", "true", "Z", "beta", "fast", "ゾンビ", "좀비 " * 3, "a\nb\tc\x01",
    "x" * 5000, "../../etc/passwd", "/dev/zero", "nan", "Z > ", "Z > 1e400", "all",
    "hyosan", "ode", "ssa", "-" * 20000 + "beta", "+".join(["beta"] * 1000),
    "__import__('os').system('true')", "9**9**9", "lambda: 0", "beta ** 1e10",
    "(" * 500 + "beta" + ")" * 500, "beta / 0", "1e-400",
]
OTHERS: list[Any] = [
    True, False, [], {}, [1, 2], ["S"], {"a": 1}, dt.time(1, 2, 3), dt.date(2022, 1, 28),
    dt.datetime(2022, 1, 28, 8, 30),
]
INTERVENTION_TYPES = [
    "cull", "cure", "cordon", "evacuation", "lure", "strike", "set", "lab", "travel_ban",
    "bomb", "", "Strike",
]


def builtin_data() -> dict[str, dict[str, Any]]:
    """Each built-in scenario's data, as read from its file."""
    return {name: parse_toml(builtin_text(name), name) for name in builtin_names()}


class Raw(str):
    """TOML text written as it is: nesting hundreds deep, which neither our writer's nor the
    mutator's recursion should have to walk."""


def nested(depth: int) -> Raw:
    opened = "".join("[" if k % 2 else '{"k" = ' for k in range(depth))
    closed = "".join("]" if k % 2 else "}" for k in reversed(range(depth)))
    return Raw(opened + "1" + closed)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the data (tables' keys, arrays' indices)."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*prefix, i))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def mutate(data: dict[str, Any], rng: np.random.Generator) -> tuple[dict[str, Any], str]:
    """A copy of the data with one to three things broken, and what was done (for the
    failure message)."""
    data = deepcopy(data)
    done = []
    for _ in range(int(rng.integers(1, 4))):
        done.append(_mutate_once(data, rng))
    return data, "; ".join(done)


def _mutate_once(data: dict[str, Any], rng: np.random.Generator) -> str:
    paths = _paths(data)
    path = _pick(rng, paths)
    parent, key = _parent(data, path), path[-1]
    kind = _pick(
        rng,
        ["delete", "number", "text", "other", "deep", "key", "intervention", "scale", "swap"],
    )
    if kind == "delete":
        del parent[key]
    elif kind == "number":
        parent[key] = _pick(rng, NUMBERS)
    elif kind == "text":
        parent[key] = _pick(rng, TEXTS)
    elif kind == "other":
        parent[key] = _pick(rng, OTHERS)
    elif kind == "deep":
        parent[key] = nested(int(_pick(rng, [3, 20, 40, 300, 600])))
    elif kind == "key":  # an unknown key beside this one: odd characters, very long
        table = parent if isinstance(parent, dict) else data
        table[_pick(rng, ["x", "a\nb", "tab\there", "키", "k" * 200_000, "run ", ""])] = 1
    elif kind == "intervention":
        items = data.setdefault("interventions", [])
        listed = items if isinstance(items, list) else []
        tables = [item for item in listed if isinstance(item, dict)]
        if tables:
            _pick(rng, tables)["type"] = _pick(rng, INTERVENTION_TYPES)
        else:
            data["interventions"] = [{"type": _pick(rng, INTERVENTION_TYPES), "at": 1.0}]
    elif kind == "scale":  # a number made huge, tiny or negative: values that may validate
        value = parent[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            parent[key] = type(value)(value * _pick(rng, [1e6, 1e-6, -1, 0, 1e12]))
    elif kind == "swap" and isinstance(parent, dict):  # a value moved to another key
        other = _pick(rng, list(parent))
        parent[key], parent[other] = parent[other], parent[key]
    return f"{kind} at {'.'.join(map(str, path))}"


# --------------------------------------------------------------------------- TOML out


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if -(2**63) <= value < 2**63 else f"{float(value)!r}"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(type(value))


def to_toml(data: dict[str, Any]) -> str:
    """The data as TOML: top-level values first, then one [table] per section."""
    plain = [f"{json.dumps(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [
        f"[{json.dumps(k)}]\n" + "".join(f"{json.dumps(a)} = {_value(b)}\n" for a, b in v.items())
        for k, v in data.items()
        if isinstance(v, dict)
    ]
    return "\n".join(plain) + "\n" + "\n".join(tables)


# --------------------------------------------------------------------------- the tests

#: a refusal names what to fix: a field of the scenario (a section, a dotted path) or the
#: TOML itself
_NAMES_A_FIELD = re.compile(
    r"\b(scenario|model|parameters|initial|run|lattice|agents|metapop|interventions|targets)"
    r"(\.|:| |\]|\[)|\[(scenario|model|run)\]|TOML|--set"
)
SEED = 2026
SHORT = 300
LONG = 3000


def _cases(n: int, seed: int) -> list[tuple[str, dict[str, Any], str]]:
    rng = np.random.default_rng(seed)
    base = builtin_data()
    names = sorted(base)
    cases = []
    for _ in range(n):
        name = _pick(rng, names)
        data, what = mutate(base[name], rng)
        cases.append((name, data, what))
    return cases


def _validate_all(cases: list[tuple[str, dict[str, Any], str]], folder: Path) -> dict[str, int]:
    runner = CliRunner()
    counts = {"accepted": 0, "refused": 0}
    for i, (name, data, what) in enumerate(cases):
        path = folder / f"case{i}.toml"
        path.write_text(to_toml(data), "utf-8")
        result = runner.invoke(app, ["validate", str(path)])
        where = f"case {i} ({name}: {what})"
        assert result.exit_code in (0, 2), f"{where}: exit {result.exit_code}\n{result.output}"
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), f"{where}: {result.exception!r}"
        assert "Traceback" not in result.output, f"{where}:\n{result.output}"
        if result.exit_code == 0:
            counts["accepted"] += 1
            continue
        counts["refused"] += 1
        message = result.output.split("error:", 1)[-1]
        assert _NAMES_A_FIELD.search(message), f"{where}: names no field:\n{result.output}"
        # one or two lines per problem, never a page echoed back
        assert len(result.output) < 8000, f"{where}: {len(result.output)} characters"
    return counts


def test_fuzzed_scenarios_are_accepted_or_refused_with_a_field(tmp_path: Path) -> None:
    start = time.perf_counter()
    counts = _validate_all(_cases(SHORT, SEED), tmp_path)
    assert counts["accepted"] + counts["refused"] == SHORT
    # the mutations must reach both outcomes, or the test tests nothing
    assert counts["accepted"] > 10 and counts["refused"] > SHORT // 2, counts
    assert time.perf_counter() - start < 60


@pytest.mark.long
def test_fuzzed_scenarios_long(tmp_path: Path) -> None:
    counts = _validate_all(_cases(LONG, SEED + 1), tmp_path)
    assert counts["accepted"] + counts["refused"] == LONG


#: the engines a tiny run finishes on in seconds (the map and the country take longer to
#: set up: their inputs are fuzzed by validate above)
_QUICK = ("sir", "munz-basic", "munz-impulsive", "munz-latent", "alemi-szr", "hyosan")


def _tiny(data: dict[str, Any]) -> dict[str, Any]:
    run = data.get("run")
    if isinstance(run, dict):
        run.update({"t_end": 0.5, "replicates": 1})
        run.pop("output_every", None)
    return data


def _runnable(n: int, seed: int, folder: Path) -> list[tuple[Path, str]]:
    """Mutated quick scenarios that validate, made tiny."""
    rng = np.random.default_rng(seed)
    base = builtin_data()
    runner = CliRunner()
    found: list[tuple[Path, str]] = []
    for i in range(400):
        name = _pick(rng, list(_QUICK))
        data, what = mutate(base[name], rng)
        path = folder / f"run{i}.toml"
        path.write_text(to_toml(_tiny(data)), "utf-8")
        if runner.invoke(app, ["validate", str(path)]).exit_code == 0:
            found.append((path, f"{name}: {what}"))
        if len(found) == n:
            break
    return found


def _run_each(cases: list[tuple[Path, str]], folder: Path, timeout: float) -> None:
    jonas = [sys.executable, "-m", "jonas.cli"] if not _script().exists() else [str(_script())]
    for k, (path, what) in enumerate(cases):
        out = folder / f"out{k}"
        try:
            done = subprocess.run(
                [*jonas, "run", str(path), "--out", str(out), "--quiet", "--workers", "1"],
                capture_output=True, text=True, timeout=timeout, cwd=folder,
                env={**os.environ, "NUMBA_NUM_THREADS": "1"},
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{what}: still running after {timeout:g} s")
        output = done.stdout + done.stderr
        assert done.returncode in (0, 2), f"{what}: exit {done.returncode}\n{output[-3000:]}"
        assert "Traceback" not in output, f"{what}:\n{output[-3000:]}"
        if done.returncode == 2:
            assert not out.exists(), f"{what}: refused, but left {sorted(out.iterdir())}"


def _script() -> Path:
    return Path(sys.executable).with_name("jonas")


def test_fuzzed_scenarios_that_validate_run(tmp_path: Path) -> None:
    cases = _runnable(4, SEED + 2, tmp_path)
    assert len(cases) == 4
    _run_each(cases, tmp_path, timeout=90)


@pytest.mark.long
def test_fuzzed_scenarios_that_validate_run_long(tmp_path: Path) -> None:
    _run_each(_runnable(60, SEED + 3, tmp_path), tmp_path, timeout=90)
