"""What a built-in model family is: a named builder of compartments and transitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jonas.errors import ScenarioError
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
    ``options`` are rules a scenario switches on by giving their parameters (each option is
    named by its first parameter; the others come with it); ``extend(options)`` returns
    what the chosen options add: compartments (after the family's own, so the built-in
    scenarios keep their compartments and numbers), transitions and mixing population.
    ``stageable`` names the compartments whose progression may be split into Erlang stages
    with ``[model] stages = {I = k}``, and which transition is that progression.
    ``metrics`` are the family's own summary figures, which ``metric_values`` computes
    (one value per replicate); ``plot_groups`` sums compartments into the curves that tell
    its story in a plot. ``infected`` and ``zombies`` are the compartments that count as an
    outbreak's arrival somewhere (the metapop engine's first infected and first 100
    zombies in a region, its maps). ``reports_r0``: each run reports R0 by the
    next-generation matrix at its initial counts with ``infected`` set to 0
    (:func:`jonas.model.analysis.initial_r0`); the classic families and ``jonas`` do.
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
    options: dict[str, tuple[str, ...]] | None = None
    extend: Callable[[frozenset[str]], Structure] | None = None
    option_metrics: dict[str, tuple[Metric, ...]] | None = None
    reports_r0: bool = False

    def metrics_for(self, given: set[str]) -> tuple[Metric, ...]:
        """Its metrics with those of the options the given parameters switch on."""
        more = self.option_metrics or {}
        return self.metrics + tuple(m for o in sorted(self.chosen(given)) for m in more.get(o, ()))

    @property
    def optional(self) -> tuple[str, ...]:
        """The parameters a scenario may leave out (each switches an option off)."""
        return tuple(p for names in (self.options or {}).values() for p in names)

    def chosen(self, given: set[str]) -> frozenset[str]:
        """The options whose parameters a scenario gives (all of an option's, or none)."""
        on = set()
        for option, names in (self.options or {}).items():
            have = [p for p in names if p in given]
            if have and len(have) < len(names):
                lacking = ", ".join(p for p in names if p not in given)
                raise ScenarioError(
                    f"parameters: {option!r} comes with "
                    + ", ".join(names[1:])
                    + f"; give {lacking} too (docs/season2.md)"
                )
            if have:
                on.add(option)
        return frozenset(on)

    def structure(self, variant: str, given: set[str]) -> Structure:
        """The compartments, transitions and population of a variant with the options
        the given parameters switch on."""
        base = self.build(variant)
        options = self.chosen(given)
        if not options or self.extend is None:
            return base
        more = self.extend(options)
        population = base.population
        if population is not None and more.population:
            population = population + more.population
        return Structure(
            base.compartments + more.compartments, base.transitions + more.transitions, population
        )


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
