"""What a built-in model family is: a named builder of compartments and transitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from jonas.scenario import TransitionSpec

if TYPE_CHECKING:
    from jonas.results import Result

Metrics = Callable[["Result"], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Structure:
    """A family's compartments, transitions and the parameters they use."""

    compartments: tuple[str, ...]
    transitions: tuple[TransitionSpec, ...]
    population: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Family:
    """A built-in model family.

    ``build(variant)`` returns the structure for a variant ("paper" or "printed-code").
    ``stageable`` names the compartments whose progression may be split into Erlang stages
    with ``[model] stages = {I = k}``, and which transition is that progression.
    ``metrics`` computes the family's own summary figures (one value per replicate);
    ``plot_groups`` sums compartments into the curves that tell its story in a plot.
    """

    name: str
    summary: str
    parameters: tuple[str, ...]
    build: Callable[[str], Structure]
    variants: tuple[str, ...] = ("paper",)
    stageable: dict[str, str] | None = None
    metrics: Metrics | None = None
    metric_names: tuple[str, ...] = ()
    plot_groups: dict[str, tuple[str, ...]] | None = None


def t(
    source: str | None,
    target: str | dict[str, float | str] | None,
    rate: str,
    by: str | None = None,
    mixing: str = "density",
    name: str | None = None,
) -> TransitionSpec:
    """Shorthand for a transition inside family definitions."""
    return TransitionSpec.model_validate(
        {"from": source, "to": target, "by": by, "rate": rate, "mixing": mixing, "name": name}
    )
