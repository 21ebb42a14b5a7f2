"""What the metapop engine reports per district, as tables.

``timeseries.parquet`` of a metapop run has a ``region`` column: rows with region ``all``
are the national totals (what every other output is computed from), the others one
district each (its 5-digit code). ``regions.parquet`` has one row per replicate and
district: arrival times, the zombie peak and the final counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: The region label of the national rows in timeseries.parquet.
NATIONAL = "all"
#: How many districts the terminal summary and run.json list.
HARDEST_HIT = 10


@dataclass(eq=False)
class Regional:
    """One batch's district figures: ``counts`` (replicates × times × districts ×
    compartments, int32) and ``arrival`` (replicates × districts × 2: first infected,
    first 100 zombies; NaN if never)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    provinces: tuple[str, ...]
    population: np.ndarray
    counts: np.ndarray
    arrival: np.ndarray
    zombies: np.ndarray  # weights over compartments

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
            "province": np.tile(np.array(self.provinces, dtype=object), r),
            "population": np.tile(self.population, r),
            "first_infected": self.arrival[:, :, 0].reshape(-1),
            "first_100_zombies": self.arrival[:, :, 1].reshape(-1),
            "peak_zombies": peak.reshape(-1).astype(np.int64),
            "peak_zombies_time": times[zombies.argmax(axis=1)].reshape(-1),
        }
        for i, c in enumerate(compartments):
            cols[f"final:{c}"] = self.counts[:, -1, :, i].astype(np.int64).reshape(-1)
        return cols


def hardest_hit(table: Any, n: int = HARDEST_HIT) -> list[dict[str, Any]]:
    """The n districts with the highest median zombie peak per 1,000 residents, with
    their median arrival times (NaN: not reached in most runs). ``table`` is a pandas
    frame of regions.parquet."""
    frame = table.assign(per_1000=1000.0 * table["peak_zombies"] / table["population"])
    grouped = frame.groupby(["region", "name", "province"], sort=False)
    stats = grouped.agg(
        population=("population", "first"),
        peak_per_1000=("per_1000", "median"),
        peak_zombies=("peak_zombies", "median"),
        first_infected=("first_infected", "median"),
        first_100_zombies=("first_100_zombies", "median"),
        reached=("first_infected", lambda s: float(np.isfinite(s).mean())),
    ).reset_index()
    stats = stats.sort_values(["peak_per_1000", "first_infected"], ascending=[False, True])
    rows = []
    for row in stats.head(n).itertuples(index=False):
        rows.append(
            {
                "region": row.region,
                "name": row.name,
                "province": row.province,
                "population": int(row.population),
                "peak_zombies_per_1000": round(float(row.peak_per_1000), 1),
                "peak_zombies": float(row.peak_zombies),
                "first_infected": _number(row.first_infected),
                "first_100_zombies": _number(row.first_100_zombies),
                "share_of_runs_reached": round(float(row.reached), 3),
            }
        )
    return rows


def _number(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 2)
