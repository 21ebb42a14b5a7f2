"""The summary of a run: what each replicate ended with, and its quantiles (the
``summary`` of ``run.json``, what ``jonas run`` and ``jonas summarize`` print).

A run's per-replicate figures form one table (:func:`replicate_columns`): the replicate's
number and seed, each metric, each compartment's final and peak count, and when each event
happened. The summary is computed from that table alone, so an ensemble held in memory
(:class:`~jonas.results.Result`) and one streamed to disk in parts (:mod:`jonas.ensemble`)
are summarised by the same code and give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jonas.engines.prepared import metrics_of
from jonas.metrics import is_yes_no
from jonas.model import Model
from jonas.spec import Scenario

QUANTILES = {"median": 0.5, "q05": 0.05, "q95": 0.95}
#: quantiles of the curves over time: the median and the 50% and 90% bands
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BAND_NAMES = ("q05", "q25", "median", "q75", "q95")

#: How many regions the terminal summary and run.json list (the hardest hit).
HARDEST_HIT = 10

#: run.json lists every replicate's value up to this many replicates; beyond, the values
#: are in replicates.parquet only (10,000 replicates would make run.json megabytes long)
PER_REPLICATE_LIMIT = 1000


def stats(values: np.ndarray, per_replicate: bool = True) -> dict[str, Any]:
    """Median, 5% and 95% quantiles, mean, and (optionally) every replicate's value.

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
    if per_replicate:
        out["per_replicate"] = [_plain(v) for v in values]
    return out


def _plain(v: float) -> float | int | None:
    if np.isnan(v):
        return None
    return int(v) if float(v).is_integer() else float(v)


def replicate_columns(
    replicates: np.ndarray,
    seeds: np.ndarray,
    metrics: Mapping[str, np.ndarray],
    counts: np.ndarray,
    compartments: Sequence[str],
    event_times: np.ndarray,
) -> dict[str, np.ndarray]:
    """One row per replicate: ``replicate``, ``seed``, each metric, ``final:C`` and
    ``peak:C`` for each compartment C, and ``event:e`` (when event e happened; NaN if never)."""
    cols: dict[str, np.ndarray] = {
        "replicate": np.asarray(replicates, dtype=np.int64),
        "seed": np.asarray(seeds, dtype=np.int64),
    }
    for name, values in metrics.items():
        cols[name] = np.asarray(values, dtype=float)
    for i, c in enumerate(compartments):
        cols[f"final:{c}"] = counts[:, -1, i]
        cols[f"peak:{c}"] = counts[:, :, i].max(axis=1)
    for e in range(event_times.shape[1]):
        cols[f"event:{e}"] = event_times[:, e]
    return cols


def summarize(
    table: Mapping[str, np.ndarray], scenario: Scenario, model: Model, t_end: float
) -> dict[str, Any]:
    """Final and peak counts per compartment and the scenario's metrics (median, 5–95%
    range, mean, and every replicate's value while there are few), from a replicate table."""
    n = len(table["replicate"])
    listed = n <= PER_REPLICATE_LIMIT
    metrics = {}
    for metric in metrics_of(scenario):
        if metric.name in table:
            metrics[metric.name] = stats(table[metric.name], listed)
            metrics[metric.name]["unit"] = metric.unit_in(model.time_unit)
    return {
        "replicates": n,
        "time_unit": model.time_unit,
        "t_end": float(t_end),
        "metrics": metrics,
        "targets": target_check(scenario, metrics),
        "final": {c: stats(table[f"final:{c}"], listed) for c in model.compartments},
        "peak": {c: stats(table[f"peak:{c}"], listed) for c in model.compartments},
    }


def event_summaries(table: Mapping[str, np.ndarray], model: Model) -> list[dict[str, Any]]:
    """Each event's label, kind, and when it happened across the replicates."""
    listed = len(table["replicate"]) <= PER_REPLICATE_LIMIT
    return [
        {"label": label, "kind": kind, "happened": stats(table[f"event:{e}"], listed)}
        for e, (label, kind) in enumerate(zip(model.events.labels, model.events.kinds, strict=True))
    ]


def target_check(scenario: Scenario, metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each ``[targets]`` entry against the simulated median (a yes/no metric: its mean, the
    probability; a median of 0s and 1s says only which is commoner): the range allowed, and
    whether the figure is inside it."""
    out = {}
    for name, target in scenario.targets.items():
        low, high = target.bounds
        found = metrics.get(name, {})
        median = found.get("median")
        row = {**target.model_dump(exclude_none=True), "low": low, "high": high, "median": median}
        figure = median
        if is_yes_no(found.get("unit", "")):
            figure = found.get("mean")
            row |= {"compared": "mean", "mean": figure}
        out[name] = row | {"within": figure is not None and low <= figure <= high}
    return out


def bands(series: np.ndarray) -> np.ndarray:
    """(5, times): the 5, 25, 50, 75 and 95% quantiles over replicates of (replicates, times)."""
    return np.quantile(np.asarray(series, dtype=float), BAND_QUANTILES, axis=0)


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
