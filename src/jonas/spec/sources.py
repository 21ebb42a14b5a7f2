"""Scenario sources: the built-in scenarios shipped in the package, files, TOML parsing, and
loading with ``--set`` overrides."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from jonas.errors import ScenarioError, clipped, suggest
from jonas.files import read_text_capped
from jonas.spec.messages import check_nesting, too_deep, validate_data
from jonas.spec.overrides import apply_override
from jonas.spec.scenario import Scenario

_BUILTIN_PACKAGE = "jonas.data.scenarios"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped inside the package, sorted."""
    folder = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    return resources.files(_BUILTIN_PACKAGE).joinpath(f"{name}.toml").read_text("utf-8")


def source_label(source: str | Path) -> str:
    """How messages name a scenario source: a built-in name or a file path."""
    if str(source) in builtin_names():
        return f"built-in scenario {str(source)!r}"
    return str(source)


def _read_source(source: str | Path) -> tuple[str, str]:
    """The TOML text of a built-in name or a file path, and a label for messages."""
    text_source = str(source)
    if text_source in builtin_names():
        return builtin_text(text_source), source_label(text_source)
    path = Path(source)
    if path.exists():
        try:
            return read_text_capped(path, MAX_FILE_BYTES, "scenario file"), source_label(path)
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if path.suffix == ".toml" or path.parent != Path("."):
        raise ScenarioError(f"{path}: no such scenario file")
    raise ScenarioError(
        f"unknown scenario {text_source!r}: not a built-in name and not a file."
        + suggest(text_source, builtin_names())
        + " Run 'jonas list' for the built-in scenarios."
    )


def provenance(
    source: str | Path, overrides: list[str] | tuple[str, ...], options: dict[str, Any]
) -> dict[str, Any]:
    """Where a run's scenario came from, for run.json and report.html: the built-in name or
    file, its text as it was (comments and canon notes included), the ``--set`` overrides,
    the command-line options that changed it, and the command that runs it again."""
    import shlex

    text, label = _read_source(source)
    words = ["jonas", "run", str(source)]
    for assignment in overrides:
        words += ["--set", assignment]
    for option, value in options.items():
        if value is not None:
            words += [f"--{option}", str(value)]
    return {
        "source": str(source),
        "source_label": label,
        "overrides": list(overrides),
        "options": {k: v for k, v in options.items() if v is not None},
        "text": text,
        "command": shlex.join(words),
    }


#: the largest scenario file read (the largest built-in is under 40 kB)
MAX_FILE_BYTES = 4_000_000
def parse_toml(text: str, label: str) -> dict[str, Any]:
    """TOML text as data, refused with a message when it is not TOML or is nested deeper
    than :data:`MAX_NESTING`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: TOML syntax error: {clipped(str(exc))}") from None
    except (RecursionError, MemoryError):
        raise too_deep(label) from None
    check_nesting(data, label)
    return data


def load(source: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load a built-in scenario by name, or a TOML file by path, and apply ``--set`` overrides."""
    text, label = _read_source(source)
    data = parse_toml(text, label)
    for assignment in overrides:
        apply_override(data, assignment)
    _files_beside(data, source)
    return validate_data(data, label)


#: the keys that name files (section, key, the names that are not files)
FILE_KEYS = (("agents", "map", ("hyosan",)), ("metapop", "boundaries", ()))


def _files_beside(data: dict[str, Any], source: str | Path) -> None:
    """A file named by a scenario file (a map, a country's regions and boundaries) is found
    beside that file (as users expect of relative paths in a file), not in the working
    directory."""
    if str(source) in builtin_names():
        return
    keys = [*FILE_KEYS]
    metapop = data.get("metapop")
    if isinstance(metapop, dict) and str(metapop.get("country", "")).lower().endswith(".csv"):
        keys.append(("metapop", "country", ()))
    for section, key, builtin in keys:
        table = data.get(section)
        if not isinstance(table, dict) or not isinstance(table.get(key), str):
            continue
        name = table[key]
        if name in builtin or not name or Path(name).is_absolute():
            continue
        table[key] = str(Path(source).parent / name)


#: a TOML line ``name = value  # note``
_NOTED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[^#]*#\s*(.+?)\s*$")


def parameter_notes(text: str) -> dict[str, str]:
    """The comment after each value of the file's [parameters] table."""
    notes: dict[str, str] = {}
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[]").strip()
            continue
        if section == "parameters":
            found = _NOTED.match(line)
            if found:
                notes[found.group(1)] = found.group(2)
    return notes
