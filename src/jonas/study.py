"""Studies of several ensembles: two scenarios compared with common random numbers, and a
grid of parameter values swept.

Both run every ensemble with the same seed, so replicate i of every variant starts from the
same random numbers (common random numbers): differences between variants are then paired,
replicate by replicate, and far less noisy than differences between independent ensembles.
Each ensemble is an ordinary run folder (:func:`jonas.ensemble.run_ensemble`), so it can be
resumed, summarised or read on its own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jonas.errors import JonasError
from jonas.scenario import Scenario


@dataclass
class Variant:
    """One scenario of a study: where it comes from, its overrides, and its folder."""

    label: str
    source: str
    overrides: list[str]
    folder: Path


def load_variant(variant: Variant, run_options: dict[str, Any]) -> Scenario:
    """The variant's scenario, checked (every error surfaces before any work)."""
    from jonas.api import prepare

    scenario, _ = prepare(variant.source, variant.overrides, **run_options)
    return scenario


def run_variants(
    variants: Sequence[Variant],
    run_options: dict[str, Any],
    *,
    backend: str,
    workers: int | None,
    address: str | None,
    resume: bool,
    progress: Callable[[int], None] | None = None,
    started: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run each variant's ensemble into its folder on one backend; return their run.json."""
    from jonas.api import replicate_count
    from jonas.ensemble import run_ensemble
    from jonas.ensemble.backends import check_options, open_backend

    check_options(backend, workers, address)
    scenarios = [load_variant(v, run_options) for v in variants]
    seeds = {s.run.seed for s in scenarios}
    if len(seeds) > 1:  # only a --set run.seed=… per variant could do this
        raise JonasError("the variants must share one seed (common random numbers)")
    total = sum(replicate_count(s) for s in scenarios)
    if started is not None:
        started(0, total)
    pool = open_backend(backend, workers, address, total)
    try:
        return [
            run_ensemble(
                scenario,
                variant.folder,
                resume=resume and (variant.folder / "run.json").exists(),
                progress=progress,
                pool=pool,
            )
            for variant, scenario in zip(variants, scenarios, strict=True)
        ]
    finally:
        pool.close()


# --------------------------------------------------------------------------- compare


def paired_differences(
    a: dict[str, np.ndarray], b: dict[str, np.ndarray], names: list[str]
) -> dict[str, dict[str, Any]]:
    """B − A for each metric, replicate by replicate: mean, its standard error and 95%
    confidence interval (Student t), the median difference, the share of replicates where B
    is higher, and how much pairing narrowed the interval (SE if the two ensembles had been
    independent, over the paired SE)."""
    from scipy import stats

    order_a = np.argsort(a["replicate"])
    order_b = np.argsort(b["replicate"])
    if not np.array_equal(a["replicate"][order_a], b["replicate"][order_b]):
        raise JonasError("the two runs do not hold the same replicates; run both in full")
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        x, y = a[name][order_a].astype(float), b[name][order_b].astype(float)
        both = ~(np.isnan(x) | np.isnan(y))
        d = y[both] - x[both]
        n = int(d.size)
        row: dict[str, Any] = {"pairs": n, "missing": int(both.size - n)}
        if n == 0:
            out[name] = row | {"mean_a": None, "mean_b": None, "difference": None}
            continue
        se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        half = float(stats.t.ppf(0.975, n - 1) * se) if n > 1 else math.nan
        unpaired = math.sqrt((x[both].var(ddof=1) + y[both].var(ddof=1)) / n) if n > 1 else math.nan
        row |= {
            "mean_a": float(x[both].mean()),
            "mean_b": float(y[both].mean()),
            "difference": float(d.mean()),
            "se": _finite(se),
            "ci95": [_finite(d.mean() - half), _finite(d.mean() + half)],
            "median_difference": float(np.median(d)),
            "share_b_higher": float(np.mean(d > 0)),
            "share_equal": float(np.mean(d == 0)),
            "variance_reduction": _finite(unpaired / se) if se > 0 else None,
        }
        out[name] = row
    return out


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


# --------------------------------------------------------------------------- sweep


def parse_grid(entries: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``--grid KEY=V1,V2,…`` → (key, [values as written]); keys are --set paths."""
    grid: list[tuple[str, list[str]]] = []
    for entry in entries:
        key, sep, values = entry.partition("=")
        key = key.strip()
        parts = [v.strip() for v in values.split(",")]
        if not sep or not key or not values.strip() or any(not v for v in parts):
            raise JonasError(
                f"--grid {entry!r}: write SECTION.KEY=V1,V2,… (e.g. parameters.alpha=0.5,0.8)"
            )
        if key in (k for k, _ in grid):
            raise JonasError(f"--grid {key}: given twice; list all its values in one --grid")
        if len(set(parts)) != len(parts):
            raise JonasError(f"--grid {key}: a value is repeated ({values})")
        grid.append((key, parts))
    if not grid:
        raise JonasError("sweep: give at least one --grid KEY=V1,V2,…")
    return grid


def grid_points(grid: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination of the grid's values, the first key varying slowest."""
    keys = [k for k, _ in grid]
    return [
        dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in grid))
    ]


def sweep_table(
    points: list[dict[str, str]], metas: list[dict[str, Any]], names: list[str]
) -> dict[str, list[Any]]:
    """One row per grid point: its values, then each metric's median, 5%, 95% and mean."""
    from jonas.scenario import parse_value

    table: dict[str, list[Any]] = {"point": list(range(len(points)))}
    for key in points[0]:
        table[key] = [parse_value(p[key]) for p in points]
    for name in names:
        for stat in ("median", "q05", "q95", "mean"):
            table[f"{name}:{stat}"] = [
                m["summary"]["metrics"].get(name, {}).get(stat) for m in metas
            ]
    return table


def plot_sweep(
    table: dict[str, list[Any]], keys: list[str], name: str, unit: str, title: str
) -> Any:
    """A metric against the first grid key: the median with its 5–95% band, one line per
    combination of the other keys."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    x_key, others = keys[0], keys[1:]
    rows = range(len(table["point"]))
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i in rows:
        groups.setdefault(tuple(table[k][i] for k in others), []).append(i)
    numeric = all(isinstance(table[x_key][i], int | float) for i in rows)
    for combo, members in groups.items():
        xs = [table[x_key][i] for i in members]
        positions = xs if numeric else list(range(len(xs)))
        med = np.array([_nan(table[f"{name}:median"][i]) for i in members])
        low = np.array([_nan(table[f"{name}:q05"][i]) for i in members])
        high = np.array([_nan(table[f"{name}:q95"][i]) for i in members])
        label = ", ".join(f"{k} = {v}" for k, v in zip(others, combo, strict=True)) or None
        (line,) = ax.plot(positions, med, marker="o", label=label)
        ax.fill_between(positions, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        if not numeric:
            ax.set_xticks(positions, [str(x) for x in xs])
    ax.set_xlabel(x_key)
    ax.set_ylabel(f"{name} ({unit})")
    ax.set_title(f"{title}: {name} — median and 5–95% of the replicates", fontsize=10)
    if others:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def _nan(v: float | None) -> float:
    return math.nan if v is None else float(v)
