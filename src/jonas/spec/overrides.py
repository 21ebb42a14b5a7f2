"""``--set section.key=value``: one scenario value changed, in the plain data read from TOML,
before validation (so that an override is checked exactly like a value in the file)."""

from __future__ import annotations

import tomllib
from typing import Any

from pydantic import BaseModel

from jonas.errors import ScenarioError, suggest
from jonas.interventions import INTERVENTION_TYPES, TYPES
from jonas.spec.scenario import Scenario


def parse_value(raw: str) -> Any:
    """A ``--set`` value read as TOML (numbers, booleans, strings, arrays), else a bare string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _fields_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``section.key=value`` (or ``interventions.0.fraction=0.5``) in place."""
    path, sep, raw = assignment.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(f"--set {assignment!r}: expected section.key=value")
    parts = path.split(".")
    if len(parts) < 2:
        raise ScenarioError(f"--set {assignment!r}: expected section.key=value")
    section = parts[0]
    if section not in Scenario.model_fields:
        raise ScenarioError(
            f"--set {path}: no section {section!r}; sections are "
            + ", ".join(Scenario.model_fields)
            + "."
            + suggest(section, Scenario.model_fields)
        )
    value = parse_value(raw.strip())
    if section == "interventions":
        _override_intervention(data, parts, value, path)
        return
    spec = Scenario.model_fields[section].annotation
    target = data.setdefault(section, {})
    if not isinstance(target, dict):
        raise ScenarioError(f"--set {path}: section {section!r} is not a table")
    key = parts[1]
    if isinstance(spec, type) and issubclass(spec, BaseModel):
        allowed = _fields_of(spec)
        if key not in allowed:
            raise ScenarioError(
                f"--set {path}: [{section}] has no key {key!r}; allowed: "
                + ", ".join(allowed)
                + "."
                + suggest(key, allowed)
            )
    if len(parts) == 3 and (section, key) in (("model", "stages"), ("agents", "rules")):
        target.setdefault(key, {})[parts[2]] = value
        return
    if section == "metapop" and len(parts) > 2:  # metapop.mobility.trips, …move.Z
        node = target
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ScenarioError(f"--set {path}: {part!r} is not a table")
        node[parts[-1]] = value
        return
    if len(parts) != 2:
        raise ScenarioError(f"--set {path}: too deep; expected section.key=value")
    target[key] = value


def _override_intervention(data: dict[str, Any], parts: list[str], value: Any, path: str) -> None:
    items = data.get("interventions", [])
    if len(parts) != 3 or not parts[1].isdigit():
        raise ScenarioError(f"--set {path}: expected interventions.N.key=value (N from 0)")
    index = int(parts[1])
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
            f"--set {path}: a {kind} intervention has no key {parts[2]!r}; allowed: "
            + ", ".join(allowed)
            + "."
            + suggest(parts[2], allowed)
        )
    items[index][parts[2]] = value
