"""``jonas sweep``: a grid of scenario values (every combination, same seeds), one table
(sweep.parquet, sweep.csv) and one plot per metric."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jonas.engines import get, metric_names
from jonas.errors import ScenarioError
from jonas.files import write_atomic, write_json
from jonas.metrics import is_yes_no, wilson_interval
from jonas.outputs import RunFolder
from jonas.plots.studies import plot_sweep
from jonas.spec import parse_value
from jonas.version import __version__
from jonas.workflows.compare import paired_differences
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
    yes_no = {n for n in names if is_yes_no(metas[0]["summary"]["metrics"][n]["unit"])}
    tables = [RunFolder(v.folder).table() for v in variants]
    once = get(metas[0]["engine"]).deterministic
    steps = [
        {"from": i, "to": j, "key": key}
        | {"differences": paired_differences(tables[i], tables[j], names, yes_no, once)}
        for i, j, key in neighbours(grid)
    ]
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
        "steps": steps,
        "plots": plots,
    }
    write_json(folder / "sweep.json", result)
    return result


def parse_grid(entries: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``--grid KEY=V1,V2,…`` → (key, [values as written]); keys are --set paths. A value
    may be a range ``START:STOP:STEP`` (:func:`grid_range`)."""
    grid: list[tuple[str, list[str]]] = []
    for entry in entries:
        key, sep, values = entry.partition("=")
        key = key.strip()
        written = [v.strip() for v in values.split(",")]
        if not sep or not key or not values.strip() or any(not v for v in written):
            raise ScenarioError(
                f"--grid {entry!r}: write SECTION.KEY=V1,V2,… or START:STOP:STEP "
                "(e.g. parameters.alpha=0.5,0.8 or parameters.alpha=0.5:1.0:0.1)"
            )
        parts = [v for w in written for v in (grid_range(key, w) if ":" in w else [w])]
        if key in (k for k, _ in grid):
            raise ScenarioError(f"--grid {key}: given twice; list all its values in one --grid")
        if len(set(parts)) != len(parts):
            raise ScenarioError(f"--grid {key}: a value is repeated ({', '.join(parts)})")
        grid.append((key, parts))
    if not grid:
        raise ScenarioError("sweep: give at least one --grid KEY=V1,V2,…")
    return grid


#: a range's stop is included when the steps land within this share of a step of it
RANGE_TOLERANCE = 1e-9
#: at most this many values in one range (a mistyped step would start thousands of runs)
RANGE_LIMIT = 1000


def grid_range(key: str, written: str) -> list[str]:
    """``START:STOP:STEP`` → START, START + STEP, … up to STOP, included when a step lands
    on it (within ``RANGE_TOLERANCE`` of a step, so that 0.5:1.0:0.1 ends at 1.0 despite
    rounding); a negative STEP counts down. Values are written as a person would (0.7, not
    0.7000000000000001), as integers when all three are."""
    bad = f"--grid {key}={written}: "
    fields = written.split(":")
    if len(fields) != 3:
        raise ScenarioError(bad + "a range is START:STOP:STEP, e.g. 0.5:1.0:0.1")
    numbers = [parse_value(f.strip()) for f in fields]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        raise ScenarioError(bad + "START, STOP and STEP must be numbers, e.g. 0.5:1.0:0.1")
    start, stop, step = (float(v) for v in numbers)
    if not all(math.isfinite(v) for v in (start, stop, step)) or step == 0:
        raise ScenarioError(bad + "STEP must be a finite number other than 0")
    steps = (stop - start) / step
    if steps < -RANGE_TOLERANCE:
        raise ScenarioError(
            bad + f"a step of {fields[2].strip()} never reaches {fields[1].strip()} "
            f"from {fields[0].strip()}"
        )
    count = math.floor(steps + RANGE_TOLERANCE) + 1
    if count > RANGE_LIMIT:
        raise ScenarioError(bad + f"{count:,} values; a range gives at most {RANGE_LIMIT:,}")
    whole = all(isinstance(v, int) for v in numbers)
    values = [start + k * step for k in range(count)]
    return [str(round(v)) if whole else repr(float(f"{v:.12g}")) for v in values]


def neighbours(grid: list[tuple[str, list[str]]]) -> list[tuple[int, int, str]]:
    """Pairs of grid points one step apart along one key (the indices of
    :func:`grid_points`, and the key): the steps a sweep compares replicate by replicate."""
    sizes = [len(values) for _, values in grid]
    strides = [math.prod(sizes[i + 1 :]) for i in range(len(sizes))]
    found = []
    for index in range(math.prod(sizes)):
        for (key, _), size, stride in zip(grid, sizes, strides, strict=True):
            if (index // stride) % size + 1 < size:
                found.append((index, index + stride, key))
    return found


def grid_points(grid: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """Every combination of the grid's values, the first key varying slowest."""
    keys = [k for k, _ in grid]
    return [
        dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in grid))
    ]


def sweep_table(
    points: list[dict[str, str]], metas: list[dict[str, Any]], names: list[str]
) -> dict[str, list[Any]]:
    """One row per grid point: its values, then each metric's median, 5%, 95% and mean;
    a yes/no metric's mean is a probability, given with its 95% Wilson interval
    (``:probability``, ``:ci_low``, ``:ci_high``)."""
    table: dict[str, list[Any]] = {"point": list(range(len(points)))}
    for key in points[0]:
        table[key] = [parse_value(p[key]) for p in points]
    for name in names:
        found = [m["summary"]["metrics"].get(name, {}) for m in metas]
        for stat in ("median", "q05", "q95", "mean"):
            table[f"{name}:{stat}"] = [f.get(stat) for f in found]
        if found and is_yes_no(found[0].get("unit", "")):
            counts = [m["summary"]["replicates"] for m in metas]
            intervals = [_wilson(f, n) for f, n in zip(found, counts, strict=True)]
            if get(metas[0]["engine"]).deterministic:  # one course: no sampling error
                intervals = [(None, None)] * len(found)
            table[f"{name}:probability"] = [f.get("mean") for f in found]
            table[f"{name}:ci_low"] = [low for low, _ in intervals]
            table[f"{name}:ci_high"] = [high for _, high in intervals]
    return table


def _wilson(stats: dict[str, Any], replicates: int) -> tuple[float | None, float | None]:
    if stats.get("mean") is None:
        return None, None
    n = replicates - stats["missing"]
    return wilson_interval(stats["mean"] * n, n)
