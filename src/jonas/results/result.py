"""A run held in memory: counts over time for each replicate, its metrics, its summary, and
its folder on disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jonas.engines.output import Regional
from jonas.engines.seeds import seeds_for
from jonas.interventions import InterventionType, kind_of
from jonas.interventions.base import parse_condition
from jonas.metrics import RunView, threshold_time
from jonas.model import Model
from jonas.model.families import FAMILIES
from jonas.outputs.folder import timeseries_columns
from jonas.outputs.summary import event_summaries, replicate_columns, summarize
from jonas.spec import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from jonas.outputs import Pictures


@dataclass(eq=False)
class Result:
    """What a run produced. ``counts`` is (replicates, times, compartments); ``incidence``
    (replicates, times, :attr:`incidence_names`) how often each named transition happened
    in each output interval (t_{k−1}, t_k] (0 at the first output time), or None from an
    engine that does not count transitions (lattice). The agents engine counts its rules'
    events (bites, turnings, …) instead, named in ``flow_names``."""

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
    # The figures per region of an engine with regions (the metapop engine), else None.
    regional: Regional | None = None
    incidence: np.ndarray | None = None
    flow_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.replicate_ids.size == 0:
            self.replicate_ids = np.arange(self.replicates, dtype=np.int64)
        if self.seeds.size == 0:
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

    @property
    def incidence_names(self) -> tuple[str, ...]:
        """What the incidence counts: the model's named transitions
        (:attr:`Model.named_transitions`), or the engine's own events (``flow_names``)."""
        return self.flow_names if self.flow_names is not None else self.model.named_transitions

    def final(self) -> dict[str, np.ndarray]:
        """Each compartment's count at t_end, per replicate."""
        return {c: self.counts[:, -1, i] for i, c in enumerate(self.compartments)}

    def series(self, compartment: str) -> np.ndarray:
        """One compartment over time: (replicates, times)."""
        return self.counts[:, :, self.compartments.index(compartment)]

    def view(self) -> RunView:
        """What metrics are computed from."""
        return RunView(
            self.times, self.counts, self.compartments, self.event_times, self.model.events.kinds
        )

    def metrics(self) -> dict[str, np.ndarray]:
        """The scenario's metrics, one value per replicate: its family's, its intervention
        types' and its engine's (:func:`jonas.engines.metrics_of` lists them)."""
        out: dict[str, np.ndarray] = {}
        view = self.view()
        family = FAMILIES.get(self.scenario.model.family or "")
        if family is not None and family.metric_values is not None:
            out.update(family.metric_values(view))
        by_type: dict[InterventionType, list[Any]] = {}
        for iv in self.scenario.interventions:
            by_type.setdefault(kind_of(iv), []).append(iv)
        for kind, specs in by_type.items():
            out.update(kind.metric_values(specs, view))
        out.update(self.engine_metrics)
        for name, text in self.scenario.thresholds.items():
            held = parse_condition(text, list(self.compartments), f"thresholds.{name}", key="")
            out[name] = threshold_time(view, held.compartments, held.op, held.threshold)
        return out

    def replicate_table(self) -> dict[str, np.ndarray]:
        """One row per replicate: number, seed, metrics, final and peak counts, event
        times (see :func:`jonas.outputs.summary.replicate_columns`)."""
        return replicate_columns(
            self.replicate_ids,
            self.seeds,
            self.metrics(),
            self.counts,
            self.compartments,
            self.event_times,
        )

    def district_tables(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None:
        """The rows per region of an engine with regions: (time series, regions table), or
        None."""
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

        return pd.DataFrame(
            timeseries_columns(self.replicate_ids, self.times, self.compartments, self.counts)
        )

    def metadata(self) -> dict[str, Any]:
        """Everything ``run.json`` records: version, scenario, engine, seed, timing, summary."""
        from jonas.outputs.metadata import run_metadata

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
        """The curves over time: each one history, or the median with 50% and 90% bands."""
        from jonas.outputs.writers.curves import story
        from jonas.plots.curves import event_marks, plot_curves

        def series(names: list[str]) -> np.ndarray:
            return self.counts[:, :, [self.compartments.index(n) for n in names]].sum(axis=2)

        told = story(self.scenario, self.compartments, series)
        marks = event_marks(self.model.events.labels, self.event_times)
        return plot_curves(self.scenario, self.engine, self.times, told.curves, marks, log, ax,
                           self.replicates, told.samples, told.branches)  # fmt: skip

    def save(
        self,
        out_dir: str | Path,
        log: bool = False,
        *,
        pictures: Pictures | None = None,
        report: bool = False,
        provenance: dict[str, Any] | None = None,
        named: str = "out_dir",
    ) -> Path:
        """Write the run's folder as an ensemble run writes it: ``timeseries.parquet``,
        ``incidence.parquet`` (engines that count transitions), ``replicates.parquet``,
        ``bands.parquet``, ``plot.png`` and ``run.json`` (each atomically, run.json last;
        maps for a regional run; ``pictures``: the animation and snapshots of a run on a
        city map; ``report``: report.html, which needs ``jonas[web]``; ``provenance``:
        where the scenario came from, for run.json; ``named``: what an error calls the
        folder, such as the command line's ``--out``)."""
        from jonas.outputs import FinishedRun, RunFolder, finish

        folder = RunFolder(Path(out_dir))
        # one writer, jonas's files only; a save cut short leaves nothing (RunFolder.claim)
        with folder.claim(named):
            folder.clear()
            folder.write(
                self.counts,
                self.times,
                self.compartments,
                self.replicate_table(),
                self.district_tables(),
                self.incidence,
                self.incidence_names,
            )
            finish(
                FinishedRun(
                    folder, self.scenario, self.model, self.notes, self.wall_time, log,
                    pictures=pictures, report=report,
                    extra={"provenance": provenance} if provenance else {},
                )
            )  # fmt: skip
        return folder.root
