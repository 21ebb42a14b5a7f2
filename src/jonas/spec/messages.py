"""Validation with messages a person can act on: pydantic's errors turned into one line per
field, naming the field by its path through the user's data."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from jonas.errors import ScenarioError, printable, shown_value, suggest
from jonas.spec.scenario import Scenario


def _data_path(data: Any, loc: tuple[Any, ...], names_key: bool) -> str:
    """The error's location as a path through the user's data, without the tags pydantic
    adds for union members ("constrained-float", a discriminator value such as "cull").
    ``names_key``: the error is about a key itself (missing or unknown), so a last part
    that is not in the data is that key, not a tag."""
    parts: list[str] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif not (names_key and isinstance(node, dict) and i == len(loc) - 1):
            continue  # a union member's tag, not part of the data
        parts.append(printable(str(part), 60))
    return ".".join(parts)


_NAMES_A_FIELD = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_-]+)*: ")
#: pydantic's words for a table name the class behind it ("instance of ModelSpec")
_CLASS_NAME = re.compile(r"a valid dictionary or instance of \w+|a valid dictionary")


def _describe(error: dict[str, Any], data: Any) -> str:
    keyed = error["type"] in ("missing", "extra_forbidden")
    loc = _data_path(data, error["loc"], keyed) or "(top level)"
    msg = _CLASS_NAME.sub("a table", error["msg"].removeprefix("Value error, "))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (not part of the scenario format)"
    if kind == "missing":
        return f"{loc}: required but missing"
    if kind == "too_short":
        return f"{loc}: must not be empty"
    shown = error.get("input")
    # a check of a whole table that names the field itself (model.transitions.0.rate)
    if _NAMES_A_FIELD.match(msg) and msg.startswith(loc.removeprefix("(top level)")):
        return msg
    if isinstance(shown, dict | list):
        return f"{loc}: {msg}"
    return f"{loc}: {msg} (got {shown_value(shown)})"


def _friendly(exc: ValidationError, label: str, data: Any) -> ScenarioError:
    # One message per field. Where a union's members all complain, the members whose type
    # did not even match ("should be a valid number" for a list) say least: skip them.
    by_field: dict[str, list[tuple[bool, str]]] = {}
    for error in exc.errors(include_url=False):
        line = _describe(error, data)
        mismatch = error["type"].endswith("_type") or error["type"] == "model_attributes_type"
        by_field.setdefault(line.split(":", 1)[0], []).append((mismatch, line))
    # (each line is shortened and escaped by JonasError itself)
    lines = [min(found, key=lambda f: f[0])[1] for found in by_field.values()]
    if len(lines) == 1:
        return ScenarioError(f"{label}: {lines[0]}")
    return ScenarioError(f"{label}: {len(lines)} problems:\n  " + "\n  ".join(lines))


#: the deepest nesting of tables and arrays in a scenario (the built-ins need 4): deeper
#: data overflows the recursion of the TOML reader (at about 400 levels) or of later steps
MAX_NESTING = 32


def too_deep(label: str) -> ScenarioError:
    return ScenarioError(
        f"{label}: tables and arrays nested more than {MAX_NESTING} levels deep; a scenario "
        "needs a few"
    )


def check_nesting(data: Any, label: str) -> None:
    """Refuse data nested deeper than :data:`MAX_NESTING`, measured without recursion."""
    todo = [(data, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_NESTING:
            raise too_deep(label)
        if isinstance(node, dict):
            todo.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            todo.extend((v, depth + 1) for v in node)


def validate_data(data: dict[str, Any], label: str = "scenario") -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{label}: a scenario is a table of sections; got {shown_value(data)}")
    check_nesting(data, label)
    unknown = [k for k in data if k not in Scenario.model_fields]
    if unknown:
        key = str(unknown[0])
        raise ScenarioError(
            f"{label}: unknown section [{printable(key, 60)}]; sections are "
            + ", ".join(f"[{s}]" for s in Scenario.model_fields)
            + "."
            + suggest(key, Scenario.model_fields)
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _friendly(exc, label, data) from None
