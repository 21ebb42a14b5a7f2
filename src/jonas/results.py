"""Results of a run: counts over time for each replicate, summaries, and files on disk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jonas.io import write_atomic, write_json
from jonas.model import Model
from jonas.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

QUANTILES = {"median": 0.5, "q05": 0.05, "q95": 0.95}


def stats(values: np.ndarray) -> dict[str, Any]:
    """Median, 5% and 95% quantiles, mean, and every replicate's value.

    NaN marks a replicate where the figure does not exist (a threshold never reached):
    it is reported as null, counted in ``missing``, and left out of the quantiles.
    """
    values = np.asarray(values, dtype=float)
    present = values[~np.isnan(values)]
    out: dict[str, Any] = {
        k: float(np.quantile(present, q)) if present.size else None for k, q in QUANTILES.items()
    }
    out["mean"] = float(present.mean()) if present.size else None
    out["missing"] = int(values.size - present.size)
    out["per_replicate"] = [_plain(v) for v in values]
    return out


def _plain(v: float) -> float | int | None:
    if np.isnan(v):
        return None
    return int(v) if float(v).is_integer() else float(v)


STRIKE_METRICS = (
    "killed_in_strike",
    "killed_in_strike_infected",
    "killed_in_strike_uninfected",
    "strike_time",
)
LATTICE_METRICS = ("reached_edge", "cluster_size", "duration")
TIME_METRICS = ("strike_time", "time_to_1000_zombies", "duration")
#: what the agents engine's rules counted in each replicate (events, not people)
AGENT_METRICS = ("bites", "halfbie_bites", "zombies_destroyed", "became_afraid", "left_city")
# otherwise: the time unit (TIME_METRICS) or people
UNITS = {"reached_edge": "(1 = yes)"} | dict.fromkeys(AGENT_METRICS, "events")


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

    def summary(self) -> dict[str, Any]:
        """Final and peak counts per compartment and the scenario's metrics: median,
        5–95% range, mean, and every replicate's value."""
        metrics = {}
        for name, values in self.metrics().items():
            metrics[name] = stats(values)
            metrics[name]["unit"] = UNITS.get(
                name, self.model.time_unit if name in TIME_METRICS else "people"
            )
        return {
            "replicates": self.replicates,
            "time_unit": self.model.time_unit,
            "t_end": float(self.times[-1]),
            "metrics": metrics,
            "targets": self.target_check(metrics),
            "final": {c: stats(v) for c, v in self.final().items()},
            "peak": {
                c: stats(self.counts[:, :, i].max(axis=1)) for i, c in enumerate(self.compartments)
            },
        }

    def target_check(self, metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Each ``[targets]`` entry against the simulated median: the range allowed, and
        whether the median is inside it."""
        out = {}
        for name, target in self.scenario.targets.items():
            low, high = target.bounds
            median = metrics[name]["median"]
            out[name] = {
                **target.model_dump(exclude_none=True),
                "low": low,
                "high": high,
                "median": median,
                "within": median is not None and low <= median <= high,
            }
        return out

    def to_pandas(self) -> pd.DataFrame:
        """Long table: columns ``replicate``, ``time``, then one per compartment."""
        import pandas as pd

        return pd.DataFrame(self._columns())

    def _columns(self) -> dict[str, np.ndarray]:
        r, t, _ = self.counts.shape
        cols: dict[str, np.ndarray] = {
            "replicate": np.repeat(np.arange(r, dtype=np.int32), t),
            "time": np.tile(self.times, r),
        }
        for i, c in enumerate(self.compartments):
            cols[c] = self.counts[:, :, i].reshape(-1)
        return cols

    def metadata(self) -> dict[str, Any]:
        """Everything ``run.json`` records: version, scenario, engine, seed, timing, summary."""
        from jonas import __version__

        return {
            "jonas_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario_name": self.scenario.scenario.name,
            "scenario_sha256": self.scenario.digest(),
            "engine": self.engine,
            "seed": self.seed,
            "replicates": self.replicates,
            "wall_time_s": round(self.wall_time, 4),
            "time_unit": self.model.time_unit,
            "compartments": list(self.compartments),
            "events": [
                {
                    "label": label,
                    "kind": kind,
                    "happened": stats(self.event_times[:, e]),
                }
                for e, (label, kind) in enumerate(
                    zip(self.model.events.labels, self.model.events.kinds, strict=True)
                )
            ],
            "notes": self.notes,
            "summary": self.summary(),
            "scenario": self.scenario.resolved(),
        }

    def plot(self, log: bool = False, ax: Any = None) -> Figure:
        from jonas.plot import plot_result

        return plot_result(self, log=log, ax=ax)

    def save(self, out_dir: str | Path, plot: bool = True, log: bool = False) -> Path:
        """Write ``timeseries.parquet``, ``run.json`` and ``plot.png``, each atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        out = Path(out_dir)
        table = pa.table(self._columns())
        meta = self.metadata()
        write_atomic(out / "timeseries.parquet", lambda p: pq.write_table(table, p))
        if plot:
            figure = self.plot(log=log)
            write_atomic(out / "plot.png", lambda p: figure.savefig(p, format="png", dpi=120))
            import matplotlib.pyplot as plt

            plt.close(figure)
        write_json(out / "run.json", meta)
        return out
