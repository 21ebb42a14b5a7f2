"""What a built-in model family is: a named builder of compartments and transitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jonas.metrics import Metric, RunView
from jonas.spec.scenario import TransitionSpec

#: a family's metric values from a run: name -> one value per replicate
MetricValues = Callable[[RunView], dict[str, np.ndarray]]


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
    ``metrics`` are the family's own summary figures, which ``metric_values`` computes
    (one value per replicate); ``plot_groups`` sums compartments into the curves that tell
    its story in a plot. ``infected`` and ``zombies`` are the compartments that count as an
    outbreak's arrival somewhere (the metapop engine's first infected and first 100
    zombies in a region, its maps).
    """

    name: str
    summary: str
    parameters: tuple[str, ...]
    build: Callable[[str], Structure]
    variants: tuple[str, ...] = ("paper",)
    stageable: dict[str, str] | None = None
    metrics: tuple[Metric, ...] = ()
    metric_values: MetricValues | None = None
    plot_groups: dict[str, tuple[str, ...]] | None = None
    infected: tuple[str, ...] = ()
    zombies: tuple[str, ...] = ()


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
