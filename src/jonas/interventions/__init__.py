"""The response to an outbreak: one module per intervention type, found here by name.

Each module declares ``TYPES``: :class:`~jonas.interventions.base.InterventionType` objects
holding a type's schema, its compilation into transitions and events, its metrics, and how
it acts on a city map and between regions. Adding a type is adding a module to this folder
(docs/ARCHITECTURE.md, "How to add an intervention type").
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Union

from pydantic import Field

from jonas.interventions.base import AreaSpec, InterventionType, Timed, area_list
from jonas.modes import COMPARTMENTS, MAP, REGIONS

__all__ = [
    "COMPARTMENTS",
    "INTERVENTION_TYPES",
    "MAP",
    "REGIONS",
    "TYPES",
    "AreaSpec",
    "Intervention",
    "InterventionType",
    "Timed",
    "area_list",
    "kind_of",
]


def _discover() -> dict[str, InterventionType]:
    found: dict[str, InterventionType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for kind in getattr(module, "TYPES", ()):
            if kind.name in found:  # pragma: no cover - a declaration error in jonas
                raise RuntimeError(f"intervention type {kind.name!r} is declared twice")
            found[kind.name] = kind
    return found


#: every intervention type, by the name scenario files give it
TYPES: dict[str, InterventionType] = _discover()
INTERVENTION_TYPES: tuple[str, ...] = tuple(TYPES)

# The schema of an ``[[interventions]]`` entry: one of the types' specs, chosen by ``type``.
_SPECS = tuple(dict.fromkeys(kind.spec for kind in TYPES.values()))
Intervention: Any = Annotated[Union[_SPECS], Field(discriminator="type")]  # noqa: UP007


def kind_of(spec: Timed) -> InterventionType:
    """The type of an intervention as written."""
    return TYPES[spec.type]  # type: ignore[attr-defined]
