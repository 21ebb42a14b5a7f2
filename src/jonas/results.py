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
    """Median, 5% and 95% quantiles, mean, and every replicate's value."""
    values = np.asarray(values, dtype=float)
    out: dict[str, Any] = {k: float(np.quantile(values, q)) for k, q in QUANTILES.items()}
    out["mean"] = float(values.mean())
    out["per_replicate"] = [_plain(v) for v in values]
    return out


def _plain(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


@dataclass(eq=False)
class Result:
    """What a run produced. ``counts`` is (replicates, times, compartments)."""

    scenario: Scenario
    model: Model
    times: np.ndarray
    counts: np.ndarray
    seed: int
    wall_time: float = 0.0
    notes: list[str] = field(default_factory=list)

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

    def summary(self) -> dict[str, Any]:
        """Final and peak counts per compartment: median, 5–95% range, mean, per replicate."""
        return {
            "replicates": self.replicates,
            "time_unit": self.model.time_unit,
            "t_end": float(self.times[-1]),
            "final": {c: stats(v) for c, v in self.final().items()},
            "peak": {
                c: stats(self.counts[:, :, i].max(axis=1)) for i, c in enumerate(self.compartments)
            },
        }

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
            "engine": self.engine,
            "seed": self.seed,
            "replicates": self.replicates,
            "wall_time_s": round(self.wall_time, 4),
            "time_unit": self.model.time_unit,
            "compartments": list(self.compartments),
            "events": [
                {"time": float(t), "label": label}
                for t, label in zip(self.model.events.times, self.model.events.labels, strict=True)
            ],
            "notes": self.notes,
            "summary": self.summary(),
            "scenario": self.scenario.resolved(),
        }

    def plot(self, log: bool = False, ax: Any = None) -> Figure:
        from jonas.plot import plot_result

        return plot_result(self, log=log, ax=ax)

    def save(self, out_dir: str | Path, plot: bool = True) -> Path:
        """Write ``timeseries.parquet``, ``run.json`` and ``plot.png``, each atomically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        out = Path(out_dir)
        table = pa.table(self._columns())
        meta = self.metadata()
        write_atomic(out / "timeseries.parquet", lambda p: pq.write_table(table, p))
        if plot:
            figure = self.plot()
            write_atomic(out / "plot.png", lambda p: figure.savefig(p, format="png", dpi=120))
            import matplotlib.pyplot as plt

            plt.close(figure)
        write_json(out / "run.json", meta)
        return out
