"""Metrics: the figures a run reports per replicate (survivors, killed_in_strike, …).

One type for all of them, :class:`Metric`: its name (what ``[targets]`` and
``replicates.parquet`` call it), its unit and what it means. Families, intervention types and
engines each declare the metrics they contribute (``Family.metrics``,
``InterventionType.metrics``, ``Engine.metrics``); :func:`jonas.engines.metrics_of` lists
those of one scenario. Families and intervention types compute theirs from a
:class:`RunView` of the counts; engines report theirs as they run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by whoever makes arrays; `jonas --help` needs none
    import numpy as np

#: a metric's unit: people, the scenario's unit of time, events counted, or a yes/no (1/0)
UNITS = ("people", "time", "events", "(1 = yes)")


@dataclass(frozen=True)
class Metric:
    """A figure reported per replicate."""

    name: str
    unit: str = "people"
    description: str = ""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:  # pragma: no cover - a declaration error in jonas
            raise ValueError(f"metric {self.name!r}: unit must be one of {UNITS}")

    def unit_in(self, time_unit: str) -> str:
        """The unit as run.json shows it (time metrics in the scenario's time unit)."""
        return time_unit if self.unit == "time" else self.unit


@dataclass(frozen=True, eq=False)
class RunView:
    """What metrics are computed from: ``counts`` (replicates × times × compartments) at
    ``times``, and when each event happened (replicates × events; NaN: never), with each
    event's kind (its intervention type)."""

    times: np.ndarray
    counts: np.ndarray
    compartments: tuple[str, ...]
    event_times: np.ndarray
    event_kinds: tuple[str, ...]

    @property
    def replicates(self) -> int:
        return int(self.counts.shape[0])

    def total(self, names: Sequence[str]) -> np.ndarray:
        """The sum of some compartments over time (replicates × times); absent names add 0."""
        columns = [self.compartments.index(n) for n in names if n in self.compartments]
        return self.counts[:, :, columns].sum(axis=2)

    def final(self, names: Sequence[str]) -> np.ndarray:
        """The sum of some compartments at the end, per replicate."""
        return self.total(names)[:, -1]
