"""Metrics: the figures a run reports per replicate (survivors, killed_in_strike, …).

One type for all of them, :class:`Metric`: its name (what ``[targets]`` and
``replicates.parquet`` call it), its unit and what it means. Families, intervention types and
engines each declare the metrics they contribute (``Family.metrics``,
``InterventionType.metrics``, ``Engine.metrics``); :func:`jonas.engines.metrics_of` lists
those of one scenario. Families and intervention types compute theirs from a
:class:`RunView` of the counts; engines report theirs as they run. A yes/no metric (unit
``(1 = yes)``) is summarised by its mean, a probability, with :func:`wilson_interval`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by whoever makes arrays; `jonas --help` needs none
    import numpy as np

#: the unit of a yes/no metric
YES_NO = "(1 = yes)"
#: a metric's unit: people, the scenario's unit of time, events counted, or a yes/no (1/0)
UNITS = ("people", "time", "events", YES_NO)
#: the normal quantile of a two-sided 95% interval
Z95 = 1.959963984540054


def is_yes_no(unit: str) -> bool:
    """Whether a metric's unit (as declared or as run.json shows it) is yes/no."""
    return unit == YES_NO


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's (1927) score interval for a probability seen ``successes`` times in ``n``
    tries (95% by default): unlike p ± z·SE it stays within [0, 1] and keeps its coverage
    near 0 and 1, where yes/no outcomes of outbreaks often lie."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Metric:
    """A figure reported per replicate."""

    name: str
    unit: str = "people"
    description: str = ""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:  # pragma: no cover - a declaration error in jonas
            raise ValueError(f"metric {self.name!r}: unit must be one of {UNITS}")

    @property
    def yes_no(self) -> bool:
        """A yes/no outcome (1/0): summarised by its mean, a probability, not a median."""
        return is_yes_no(self.unit)

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



def threshold_time(run: RunView, names: Sequence[str], op: str, threshold: float) -> np.ndarray:
    """When ``sum of names  op  threshold`` first held, per replicate: the first output time
    at which it did, NaN if never (a ``[thresholds]`` metric)."""
    import operator

    import numpy as np

    compare = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}[op]
    held = compare(run.total(names), threshold)
    return np.where(held.any(axis=1), run.times[held.argmax(axis=1)], np.nan)
