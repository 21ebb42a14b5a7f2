"""``--set section.key=value``: one scenario value changed, in the plain data read from TOML,
before validation (so that an override is checked exactly like a value in the file)."""

from __future__ import annotations

import tomllib
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from jonas.errors import ScenarioError, printable, shown_value, suggest
from jonas.interventions import INTERVENTION_TYPES, TYPES
from jonas.spec.scenario import Scenario


def parse_value(raw: str) -> Any:
    """A ``--set`` value read as TOML (numbers, booleans, strings, arrays), else a bare string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw
    except (RecursionError, MemoryError):  # thousands of nested brackets
        raise ScenarioError(f"--set value {shown_value(raw)}: nested too deeply") from None


def _fields_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``section.key=value`` (or ``interventions.0.fraction=0.5``) in place."""
    path, sep, raw = assignment.partition("=")
    parts = path.strip().split(".")
    # messages quote the path as it can be shown: escaped and short
    path = printable(path.strip(), 120)
    if not sep or not path or len(parts) < 2:
        raise ScenarioError(f"--set {shown_value(assignment)}: expected section.key=value")
    section = parts[0]
    if section not in Scenario.model_fields:
        raise ScenarioError(
            f"--set {path}: no section {shown_value(section)}; sections are "
            + ", ".join(Scenario.model_fields)
            + "."
            + suggest(section, Scenario.model_fields)
        )
    value = parse_value(raw.strip())
    if section == "interventions":
        _override_intervention(data, parts, value, path)
        return
    _set_in(data, parts, value, path)


def _holds(annotation: Any) -> tuple[bool, type[BaseModel] | None, type[BaseModel] | None]:
    """What a field holds: whether it is a table, the model of its keys (a section) and
    the model of its values (a table of any keys whose values are tables: ``targets``)."""
    members = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    for member in members or (annotation,):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return True, member, None
    for member in members or (annotation,):
        if get_origin(member) is dict:
            values = get_args(member)[1] if len(get_args(member)) == 2 else None
            _, inner, _ = _holds(values) if values is not None else (False, None, None)
            return True, None, inner
    return False, None, None


def _set_in(data: dict[str, Any], parts: list[str], value: Any, path: str) -> None:
    """Set ``section.key…=value``, walking the schema: sections and their tables
    (``metapop.mobility.trips``) by their keys, tables of values (``agents.rules.beta``,
    ``model.stages.E``) by any key."""
    node: dict[str, Any] = data
    keys: type[BaseModel] | None = Scenario  # the model of this table's keys; None: any key
    values: type[BaseModel] | None = None  # for any key: the model of its value, if a table
    for depth, part in enumerate(parts):
        if keys is not None:
            fields = {f.alias or name: f for name, f in keys.model_fields.items()}
            if part not in fields:
                where = ".".join(parts[:depth])
                raise ScenarioError(
                    f"--set {path}: [{printable(where, 60)}] has no key {shown_value(part)}; "
                    "allowed: "
                    + ", ".join(fields)
                    + "."
                    + suggest(part, fields)
                )
            table, keys, values = _holds(fields[part].annotation)
        else:
            table, keys, values = values is not None, values, None
        if depth == len(parts) - 1:
            node[part] = value
            return
        if not table:
            here = ".".join(parts[: depth + 1])
            raise ScenarioError(f"--set {path}: too deep; {here} is a value")
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ScenarioError(f"--set {path}: {shown_value(part)} is not a table")
        node = child


def _override_intervention(data: dict[str, Any], parts: list[str], value: Any, path: str) -> None:
    """``interventions.N.key=value``: N is the intervention's index (from 0), its name
    (``interventions.strike on Uiwang.enabled=false``, any case) or its type when one
    intervention has it (``interventions.strike.at=80``)."""
    items = data.get("interventions", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ScenarioError(
            f"--set {path}: the scenario's interventions are not a list of tables "
            "([[interventions]]); fix the file first"
        )
    if len(parts) != 3:
        raise ScenarioError(
            f"--set {path}: expected interventions.N.key=value (N: the intervention's "
            "index from 0, its name or its type)"
        )
    number = parts[1].isascii() and parts[1].isdigit()  # not '²', which int() refuses
    index = int(parts[1]) if number else _named(items, parts[1], path)
    if index >= len(items):
        raise ScenarioError(
            f"--set {path}: this scenario has {len(items)} intervention(s); "
            f"indices run from 0 to {len(items) - 1}"
            if items
            else f"--set {path}: this scenario has no interventions"
        )
    kind = items[index].get("type")
    spec = TYPES[kind].spec if isinstance(kind, str) and kind in TYPES else None
    if spec is None:
        raise ScenarioError(
            f"--set {path}: intervention {index} has type {kind!r}; types are "
            + ", ".join(INTERVENTION_TYPES)
        )
    allowed = _fields_of(spec)
    if parts[2] not in allowed:
        raise ScenarioError(
            f"--set {path}: a {kind} intervention has no key {shown_value(parts[2])}; "
            "allowed: "
            + ", ".join(allowed)
            + "."
            + suggest(parts[2], allowed)
        )
    items[index][parts[2]] = value


def _named(items: list[Any], key: str, path: str) -> int:
    """The index of the intervention named ``key`` (any case), else of the only one of
    type ``key``."""
    word = key.strip().lower()
    named = [i for i, item in enumerate(items) if str(item.get("name", "")).lower() == word]
    if not named:
        named = [i for i, item in enumerate(items) if str(item.get("type", "")).lower() == word]
    if len(named) == 1:
        return named[0]
    names = [str(item.get("name") or item.get("type")) for item in items]
    listed = "; ".join(f"{i}: {n}" for i, n in enumerate(names))
    if named:
        raise ScenarioError(
            f"--set {path}: {len(named)} interventions are {shown_value(key)} ({listed}); "
            "give its index or its name"
        )
    if not items:
        raise ScenarioError(f"--set {path}: this scenario has no interventions")
    raise ScenarioError(
        f"--set {path}: no intervention is named {shown_value(key)}; they are {listed}."
        + suggest(key, names)
    )
