"""What a finished (or partial) ensemble folder shows: its summary, bands and plot.

Everything here is read back from the folder (:class:`~jonas.ensemble.store.Store`), so
``jonas summarize DIR`` gives the same as the run that wrote it, and works on a run that
was interrupted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from jonas.ensemble.store import BANDS, Store
from jonas.errors import JonasError
from jonas.io import write_atomic
from jonas.scenario import Scenario, validate_data
from jonas.summary import BAND_NAMES, bands, event_summaries, summarize


def curve_bands(
    store: Store, scenario: Scenario, model: Any, times: np.ndarray
) -> tuple[dict[str, np.ndarray], list[tuple[str, np.ndarray]], int]:
    """Quantiles over time of every compartment, and the plot's curves (the family's story
    groups) as quantiles, or as the one history of a single replicate."""
    from jonas.plot import curve_groups

    per_compartment = {}
    curves = []
    n = 0
    for name in model.compartments:
        series = store.series([name], times.size)
        n = series.shape[0]
        per_compartment[name] = np.vstack([bands(series), series.mean(axis=0)])
    for label, names in curve_groups(scenario, model.compartments):
        series = store.series(names, times.size)
        curves.append((label, bands(series) if series.shape[0] > 1 else series))
    return per_compartment, curves, n


def write_outputs(
    store: Store, scenario: Scenario, model: Any, notes: list[str], seconds: float, log: bool
) -> dict[str, Any]:
    """Write ``bands.parquet`` and ``plot.png`` from what is on disk; return the run.json
    contents (summary included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jonas.model import output_times
    from jonas.plot import event_marks, plot_curves
    from jonas.results import run_metadata

    times = output_times(scenario.run.t_end, scenario.run.every)
    table = store.table()
    if table["replicate"].size == 0:
        raise JonasError(f"{store.root}: no replicate has finished yet")
    per_compartment, curves, n = curve_bands(store, scenario, model, times)
    columns: dict[str, Any] = {
        "time": np.tile(times, len(per_compartment)),
        "compartment": np.repeat(list(per_compartment), times.size),
    }
    stacked = np.hstack(list(per_compartment.values()))
    for k, name in enumerate([*BAND_NAMES, "mean"]):
        columns[name] = stacked[k]
    write_atomic(store.root / BANDS, lambda p: pq.write_table(pa.table(columns), p))

    events = np.column_stack(
        [table[f"event:{e}"] for e in range(len(model.events))] or [np.zeros(n)]
    )[:, : len(model.events)]
    marks = event_marks(model.events.labels, events)
    figure = plot_curves(scenario, scenario.run.engine, times, curves, marks, log, None, n)
    write_atomic(store.root / "plot.png", lambda p: figure.savefig(p, format="png", dpi=120))
    import matplotlib.pyplot as plt

    plt.close(figure)
    summary = summarize(table, scenario, model, times[-1])
    regions = store.regions()
    if regions is not None:
        from jonas.maps import write_map
        from jonas.regional import hardest_hit

        summary["hardest_hit"] = hardest_hit(regions)
        write_map(store.root / "map.png", regions, scenario.scenario.name, model.time_unit)
    meta = run_metadata(scenario, model, seconds, notes, summary, event_summaries(table, model))
    meta["status"] = "complete" if store.complete else "partial"
    meta["replicates_done"] = n
    return meta


def summarize_folder(folder: Path, log: bool = False) -> dict[str, Any]:
    """Re-read a run's folder (finished or interrupted) and write its bands and plot again;
    a finished run's run.json is rewritten too, a partial run's is left for --resume."""
    from jonas.model import compile_model

    path = Path(folder) / "run.json"
    try:
        meta = json.loads(path.read_text("utf-8"))
        data = meta["scenario"]
    except FileNotFoundError:
        raise JonasError(f"{folder}: not a jonas run folder (no run.json)") from None
    except (ValueError, KeyError):
        raise JonasError(f"{path}: not a jonas run.json") from None
    scenario = validate_data(data, f"{path} scenario")
    model = compile_model(scenario)
    store = Store(Path(folder))
    if not store.complete:
        store.drop_orphans()
    notes = meta.get("notes", [])
    seconds = float(meta.get("wall_time_s", 0.0))
    out = write_outputs(store, scenario, model, notes, seconds, log)
    out["replicates"] = meta.get("replicates", out["replicates"])
    if store.complete:
        from jonas.io import write_json

        write_json(path, out)
    return out
