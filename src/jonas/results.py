"""Results of a run: counts over time for each replicate, summaries, and files on disk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jonas.model import Model
from jonas.scenario import Scenario
from jonas.summary import (
    AGENT_METRICS,
    LATTICE_METRICS,
    STRIKE_METRICS,
    event_summaries,
    replicate_columns,
    summarize,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def metric_names(scenario: Scenario) -> list[str]:
    """The summary metrics a scenario's runs report (its family's, its strikes', and the
    lattice engine's)."""
    from jonas.models import FAMILIES

    names: list[str] = []
    family = FAMILIES.get(scenario.model.family or "")
    if family is not None:
        names += family.metric_names
    if any(iv.type == "strike" for iv in scenario.interventions):
        names += STRIKE_METRICS
    if scenario.run.engine == "lattice":
        names += LATTICE_METRICS
    if scenario.run.engine == "agents":
        names += AGENT_METRICS
    return names


@dataclass(eq=False)
class Result:
    """What a run produced. ``counts`` is (replicates, times, compartments)."""

    scenario: Scenario
    model: Model
    times: np.ndarray
    counts: np.ndarray
    event_times: np.ndarray  # (replicates, events): when each happened; NaN if never
    seed: int
    wall_time: float = 0.0
    notes: list[str] = field(default_factory=list)
    # Figures an engine reports itself, one value per replicate (the lattice engine's).
    engine_metrics: dict[str, np.ndarray] = field(default_factory=dict)
    # Which replicates of the ensemble these are (0, 1, … unless a part of a larger one),
    # and each one's own seed (from SeedSequence(seed).spawn).
    replicate_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    seeds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The metapop engine's figures per district (jonas.regional.Regional), else None.
    regional: Any = None

    def __post_init__(self) -> None:
        if self.replicate_ids.size == 0:
            self.replicate_ids = np.arange(self.replicates, dtype=np.int64)
        if self.seeds.size == 0:
            from jonas.engines import seeds_for

            self.seeds = seeds_for(self.seed, self.replicate_ids)

    @property
    def engine(self) -> str:
        return self.scenario.run.engine

    @property
    def replicates(self) -> int:
        return int(self.counts.shape[0])

    @property
    def compartments(self) -> tuple[str, ...]:
        return self.model.compartments

    def final(self) -> dict[str, np.ndarray]:
        """Each compartment's count at t_end, per replicate."""
        return {c: self.counts[:, -1, i] for i, c in enumerate(self.compartments)}

    def series(self, compartment: str) -> np.ndarray:
        """One compartment over time: (replicates, times)."""
        return self.counts[:, :, self.compartments.index(compartment)]

    def metrics(self) -> dict[str, np.ndarray]:
        """The scenario's summary figures, one value per replicate (see :func:`metric_names`)."""
        from jonas.models import FAMILIES

        out: dict[str, np.ndarray] = {}
        family = FAMILIES.get(self.scenario.model.family or "")
        if family is not None and family.metrics is not None:
            out.update(family.metrics(self))
        strikes = [iv for iv in self.scenario.interventions if iv.type == "strike"]
        if strikes:
            final = self.final()

            def killed(names: set[str]) -> np.ndarray:
                return sum((final[n] for n in sorted(names)), np.zeros(self.replicates))

            infected = killed({iv.to_infected for iv in strikes})
            uninfected = killed({iv.to_uninfected for iv in strikes})
            struck = [e for e, kind in enumerate(self.model.events.kinds) if kind == "strike"]
            when = self.event_times[:, struck]
            # no strike event at all when every strike comes after t_end
            earliest = np.where(np.isnan(when), np.inf, when).min(axis=1, initial=np.inf)
            first = np.where(np.isinf(earliest), np.nan, earliest)
            out.update(
                killed_in_strike=infected + uninfected,
                killed_in_strike_infected=infected,
                killed_in_strike_uninfected=uninfected,
                strike_time=first,
            )
        out.update(self.engine_metrics)
        return out

    def replicate_table(self) -> dict[str, np.ndarray]:
        """One row per replicate: number, seed, metrics, final and peak counts, event
        times (see :func:`jonas.summary.replicate_columns`)."""
        return replicate_columns(
            self.replicate_ids,
            self.seeds,
            self.metrics(),
            self.counts,
            self.compartments,
            self.event_times,
        )

    def district_tables(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None:
        """The metapop engine's rows per district: (time series, regions table), or None."""
        if self.regional is None:
            return None
        ids, times, names = self.replicate_ids, self.times, self.compartments
        return (
            self.regional.series_columns(ids, times, names),
            self.regional.table(ids, times, names),
        )

    def summary(self) -> dict[str, Any]:
        """Final and peak counts per compartment and the scenario's metrics: median,
        5–95% range, mean, and every replicate's value."""
        return summarize(self.replicate_table(), self.scenario, self.model, self.times[-1])

    def to_pandas(self) -> pd.DataFrame:
        """Long table: columns ``replicate``, ``time``, then one per compartment."""
        import pandas as pd

        return pd.DataFrame(self._columns())

    def _columns(self) -> dict[str, np.ndarray]:
        from jonas.ensemble.store import timeseries_columns

        return timeseries_columns(self.replicate_ids, self.times, self.compartments, self.counts)

    def metadata(self) -> dict[str, Any]:
        """Everything ``run.json`` records: version, scenario, engine, seed, timing, summary."""
        table = self.replicate_table()
        return run_metadata(
            self.scenario,
            self.model,
            self.wall_time,
            self.notes,
            summarize(table, self.scenario, self.model, self.times[-1]),
            event_summaries(table, self.model),
        )

    def plot(self, log: bool = False, ax: Any = None) -> Figure:
        from jonas.plot import plot_result

        return plot_result(self, log=log, ax=ax)

    def save(self, out_dir: str | Path, log: bool = False) -> Path:
        """Write the run's folder as an ensemble run writes it: ``timeseries.parquet``,
        ``replicates.parquet``, ``bands.parquet``, ``plot.png`` and ``run.json`` (each
        atomically, run.json last)."""
        from jonas.ensemble.runner import finish
        from jonas.ensemble.store import Store

        store = Store(Path(out_dir))
        store.clear()
        store.write(
            self.counts,
            self.times,
            self.compartments,
            self.replicate_table(),
            self.district_tables(),
        )
        finish(store, self.scenario, self.model, self.notes, self.wall_time, log)
        return store.root


def run_metadata(
    scenario: Scenario,
    model: Model,
    wall_time: float,
    notes: list[str],
    summary: dict[str, Any],
    events: list[dict[str, Any]],
) -> dict[str, Any]:
    """What ``run.json`` records: the jonas version, the scenario (resolved, and its
    SHA-256), engine, seed, replicates, timing, notes, events and the summary."""
    from jonas import __version__

    return {
        "jonas_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario_name": scenario.scenario.name,
        "scenario_sha256": scenario.digest(),
        "engine": scenario.run.engine,
        "seed": scenario.run.seed,
        "replicates": summary["replicates"],
        "wall_time_s": round(wall_time, 4),
        "time_unit": model.time_unit,
        "compartments": list(model.compartments),
        "events": events,
        "notes": notes,
        "summary": summary,
        "scenario": scenario.resolved(),
    }
