"""What an engine's run returns: :class:`EngineOutput`, with :class:`Regional` figures from
engines with regions.

The incidence is how often each of the model's named transitions
(:attr:`jonas.model.Model.named_transitions`) happened in each output interval
(t_{k−1}, t_k], 0 at the first output time: engines count each transition's firings (or
integrate its flow) from t = 0 and hand the running totals at the output times to
:func:`incidence`. Events' one-off moves (a cull, a strike) are not transitions and are
not in it.

A regional run's figures become tables: ``timeseries.parquet`` gets a ``region`` column
(the whole country's rows are labelled ``all``, the others one region each, by code) and
``regions.parquet`` has one row per replicate and region: arrival times, the zombie peak
and the final counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jonas.model import Model


@dataclass(eq=False)
class EngineOutput:
    """Some replicates of a run: ``counts`` (replicates × times × compartments; int64 from
    engines that count individuals, float64 from the ODE), ``event_times`` (replicates ×
    events: when each happened, NaN if never), the engine's own ``metrics`` (one value
    per replicate), ``regional`` figures (engines with regions), ``notes`` about these
    replicates, and the ``incidence`` (replicates × times × named transitions, as
    ``counts``; None from engines that do not count transitions). An engine that counts
    events of its own instead of the model's transitions (the agents' rules) names them in
    ``incidence_names``."""

    counts: np.ndarray
    event_times: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    regional: Regional | None = None
    notes: list[str] = field(default_factory=list)
    incidence: np.ndarray | None = None
    incidence_names: tuple[str, ...] | None = None


def incidence(model: Model, cumulative: np.ndarray) -> np.ndarray:
    """The incidence per output interval from each engine transition's running total at
    the output times (… × times × transitions, from t = 0): the totals of the named
    transitions, differenced over time (… × times × named transitions; 0 at the first
    output time)."""
    named = np.zeros((*cumulative.shape[:-1], len(model.named_transitions)), cumulative.dtype)
    for j, n in enumerate(model.named_of):
        if n >= 0:
            named[..., n] += cumulative[..., j]
    return per_interval(named)


def per_interval(cumulative: np.ndarray) -> np.ndarray:
    """Running totals at the output times (… × times × series) differenced over time: what
    happened in each interval (t_{k−1}, t_k], 0 at the first output time."""
    return np.diff(cumulative, axis=-2, prepend=cumulative[..., :1, :])


@dataclass(eq=False)
class Regional:
    """Some replicates' figures per region: ``counts`` (replicates × times × regions ×
    compartments, int32) and ``arrival`` (replicates × regions × 2: first infected,
    first 100 zombies; NaN if never). ``parents`` are the regions' parents' names
    (Korea's provinces)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    parents: tuple[str, ...]
    population: np.ndarray
    counts: np.ndarray
    arrival: np.ndarray
    zombies: np.ndarray  # weights over compartments

    @property
    def provinces(self) -> tuple[str, ...]:
        """Deprecated (jonas 0.2): the regions' parents are :attr:`parents`."""
        warnings.warn(
            "Regional.provinces is now Regional.parents", DeprecationWarning, stacklevel=2
        )
        return self.parents

    def series_columns(
        self, replicates: np.ndarray, times: np.ndarray, compartments: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        """Long rows ordered replicate, time, district: ``replicate``, ``time``, ``region``,
        then one column per compartment."""
        r, t, d, _ = self.counts.shape
        cols: dict[str, Any] = {
            "replicate": np.repeat(np.asarray(replicates, dtype=np.int32), t * d),
            "time": np.tile(np.repeat(times, d), r),
            "region": np.tile(np.array(self.codes, dtype=object), r * t),
        }
        for i, c in enumerate(compartments):
            cols[c] = self.counts[:, :, :, i].astype(np.int64).reshape(-1)
        return cols

    def table(
        self, replicates: np.ndarray, times: np.ndarray, compartments: tuple[str, ...]
    ) -> dict[str, np.ndarray]:
        """``regions.parquet`` rows: replicate, region, name, province, population,
        first_infected, first_100_zombies, peak_zombies, peak_zombies_time, final:C…"""
        r, _, d, _ = self.counts.shape
        zombies = np.tensordot(self.counts.astype(np.int64), self.zombies, axes=([3], [0]))
        peak = zombies.max(axis=1)  # (replicates, districts)
        cols: dict[str, Any] = {
            "replicate": np.repeat(np.asarray(replicates, dtype=np.int32), d),
            "region": np.tile(np.array(self.codes, dtype=object), r),
            "name": np.tile(np.array(self.names, dtype=object), r),
            "province": np.tile(np.array(self.parents, dtype=object), r),
            "population": np.tile(self.population, r),
            "first_infected": self.arrival[:, :, 0].reshape(-1),
            "first_100_zombies": self.arrival[:, :, 1].reshape(-1),
            "peak_zombies": peak.reshape(-1).astype(np.int64),
            "peak_zombies_time": times[zombies.argmax(axis=1)].reshape(-1),
        }
        for i, c in enumerate(compartments):
            cols[f"final:{c}"] = self.counts[:, -1, :, i].astype(np.int64).reshape(-1)
        return cols
