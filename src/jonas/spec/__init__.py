"""What users write: the scenario schema, its sources, ``--set`` overrides and the messages
that name a bad field. Knows no arrays and no engine.

Its value types (:mod:`jonas.spec.fields`) are the bottom of the house: intervention schemas
(:mod:`jonas.interventions`) are made of them and the scenario holds those. So this
package's own import is lazy: importing ``jonas.spec.fields`` loads nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jonas.lazy import lazy_names

if TYPE_CHECKING:
    from jonas.spec.messages import validate_data
    from jonas.spec.overrides import apply_override, parse_value
    from jonas.spec.scenario import RunSpec, Scenario, TargetSpec, TransitionSpec
    from jonas.spec.sources import builtin_names, builtin_text, load, parse_toml, source_label

_LAZY = {
    "RunSpec": "jonas.spec.scenario",
    "Scenario": "jonas.spec.scenario",
    "TargetSpec": "jonas.spec.scenario",
    "TransitionSpec": "jonas.spec.scenario",
    "apply_override": "jonas.spec.overrides",
    "parse_value": "jonas.spec.overrides",
    "builtin_names": "jonas.spec.sources",
    "builtin_text": "jonas.spec.sources",
    "load": "jonas.spec.sources",
    "parse_toml": "jonas.spec.sources",
    "source_label": "jonas.spec.sources",
    "validate_data": "jonas.spec.messages",
}

__all__ = [
    "RunSpec",
    "Scenario",
    "TargetSpec",
    "TransitionSpec",
    "apply_override",
    "builtin_names",
    "builtin_text",
    "load",
    "parse_toml",
    "parse_value",
    "source_label",
    "validate_data",
]


__getattr__ = lazy_names(__name__, _LAZY)
