"""``jonas sweep``: a grid of scenario values (every combination, same seeds), one table
(sweep.parquet, sweep.csv) and one plot per metric."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jonas.engines import metric_names
from jonas.errors import JonasError
from jonas.files import write_atomic, write_json
from jonas.plots.studies import plot_sweep
from jonas.spec import parse_value
from jonas.version import __version__
from jonas.workflows.variants import Execution, Variant, load_variant, run_variants


def sweep(
    source: str,
    grid: list[tuple[str, list[str]]],
    overrides: list[str],
    run_options: dict[str, Any],
    folder: Path,
    how: Execution | None = None,
) -> dict[str, Any]:
    """Run every point of ``grid`` (see :func:`parse_grid`) into ``folder/points/NNN``;
    write sweep.parquet, sweep.csv, sweep.json and plots/; return sweep.json's contents."""
    import matplotlib.pyplot as plt
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    points = grid_points(grid)
    variants = [
        Variant(
            ", ".join(f"{k} = {v}" for k, v in point.items()),
            source,
            [*overrides, *(f"{k}={v}" for k, v in point.items())],
            folder / "points" / f"{i:03d}",
        )
        for i, point in enumerate(points)
    ]
    metas = run_variants(variants, run_options, how or Execution())
    first = load_variant(variants[0], run_options).scenario
    names = [n for n in metric_names(first) if n in metas[0]["summary"]["metrics"]]
    table = sweep_table(points, metas, names)
    arrow = pa.table(table)
    write_atomic(folder / "sweep.parquet", lambda p: pq.write_table(arrow, p))
    write_atomic(folder / "sweep.csv", lambda p: pacsv.write_csv(arrow, p))
    keys = [k for k, _ in grid]
    plots = []
    for name in names:
        unit = metas[0]["summary"]["metrics"][name]["unit"]
        figure = plot_sweep(table, keys, name, unit, first.scenario.name)
        path = folder / "plots" / f"{name}.png"
        write_atomic(path, lambda p, f=figure: f.savefig(p, format="png", dpi=120))
        plt.close(figure)
        plots.append(str(path.relative_to(folder)))
    result = {
        "jonas_version": __version__,
        "scenario": source,
        "overrides": overrides,
        "grid": {k: v for k, v in grid},
        "seed": metas[0]["seed"],
        "engine": metas[0]["engine"],
        "replicates": metas[0]["replicates"],
        "points": [
            {"values": p, "folder": str(v.folder.relative_to(folder))}
            for p, v in zip(points, variants, strict=True)
        ],
        "table": table,
        "plots": plots,
    }
    write_json(folder / "sweep.json", result)
    return result


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
    table: dict[str, list[Any]] = {"point": list(range(len(points)))}
    for key in points[0]:
        table[key] = [parse_value(p[key]) for p in points]
    for name in names:
        for stat in ("median", "q05", "q95", "mean"):
            table[f"{name}:{stat}"] = [
                m["summary"]["metrics"].get(name, {}).get(stat) for m in metas
            ]
    return table
