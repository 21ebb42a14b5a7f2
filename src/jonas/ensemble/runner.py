"""Run an ensemble in batches on a backend, streaming it to disk; resume one; finish one.

The replicates still to run are cut into batches of consecutive replicates; each batch is a
task (:func:`run_batch`) that recompiles the scenario in its worker and returns the
batch's counts and replicate table; the parent writes each batch as it arrives
(:class:`~jonas.ensemble.store.Store`) and keeps ``run.json`` current. Memory stays that of
one batch, whatever the number of replicates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jonas.ensemble.backends import Backend, cores, open_backend
from jonas.ensemble.store import Store
from jonas.errors import JonasError
from jonas.io import write_json
from jonas.scenario import Scenario

#: the most replicates in one batch (memory: a batch of hyosan is about 33 kB a replicate)
MAX_BATCH = 100
#: batches per worker, so that workers finish together and progress moves
BATCHES_PER_WORKER = 4
#: run.json is rewritten at most this often while a run goes on (seconds)
STATUS_EVERY_S = 1.0


class Interrupted(JonasError):
    """A run stopped by Ctrl-C; what finished is on disk and ``--resume`` continues it."""

    exit_code = 130


@dataclass
class Batch:
    """What a worker sends back: one batch's counts and its replicate table."""

    counts: np.ndarray
    table: dict[str, np.ndarray]
    notes: list[str]


_MODELS: dict[str, Any] = {}


def _compiled(scenario: Scenario) -> Any:
    """The compiled model, once per worker process and scenario."""
    from jonas.model import compile_model

    key = scenario.digest()
    if key not in _MODELS:
        _MODELS.clear()  # one scenario at a time is what a worker runs
        _MODELS[key] = compile_model(scenario)
    return _MODELS[key]


def run_batch(scenario: Scenario, first: int, count: int, threads: int | None) -> Batch:
    """Replicates ``first … first + count − 1`` of the scenario's ensemble (run anywhere)."""
    from jonas.api import simulate_replicates

    if threads is not None:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    result = simulate_replicates(
        scenario, _compiled(scenario), np.arange(first, first + count, dtype=np.int64)
    )
    return Batch(result.counts, result.replicate_table(), result.notes)


def batches(todo: np.ndarray, size: int) -> list[tuple[int, int]]:
    """(first, count) for runs of at most ``size`` consecutive replicates covering ``todo``."""
    out: list[tuple[int, int]] = []
    for run in np.split(todo, np.nonzero(np.diff(todo) != 1)[0] + 1):
        for start in range(0, run.size, size):
            chunk = run[start : start + size]
            out.append((int(chunk[0]), int(chunk.size)))
    return out


def batch_size(replicates: int, workers: int) -> int:
    return max(1, min(MAX_BATCH, math.ceil(replicates / (workers * BATCHES_PER_WORKER))))


def run_ensemble(
    scenario: Scenario,
    out: Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    started: Callable[[int, int], None] | None = None,
    log: bool = False,
) -> dict[str, Any]:
    """Run the scenario's ensemble into ``out`` and return its ``run.json``.

    ``resume`` continues a run left in ``out`` (interrupted, killed, or finished with fewer
    replicates) and refuses one of another scenario; otherwise ``out`` is cleared of an
    earlier run. ``started(done, total)`` is told what is already done before work begins;
    ``progress(k)`` as each batch of k replicates is saved.
    """
    from jonas.api import replicate_count, run_notes
    from jonas.model import compile_model

    model = compile_model(scenario)
    total = replicate_count(scenario)
    store = Store(out)
    if resume:
        _check_resumable(store, scenario, total)
        store.reopen()
        store.drop_orphans()
    else:
        store.clear()
    done = store.done()
    todo = np.setdiff1d(np.arange(total), done)
    if started is not None:
        started(int(done.size), total)
    notes = run_notes(scenario)
    state = {"seconds": _previous_seconds(out) if resume else 0.0}
    if todo.size:
        _run_batches(scenario, store, todo, backend, workers, address, progress, notes, state)
    return finish(store, scenario, model, notes, state["seconds"], log)


def _run_batches(
    scenario: Scenario,
    store: Store,
    todo: np.ndarray,
    backend: str,
    workers: int | None,
    address: str | None,
    progress: Callable[[int], None] | None,
    notes: list[str],
    state: dict[str, float],
) -> None:
    from jonas.model import output_times

    model = _compiled(scenario)
    times = output_times(scenario.run.t_end, scenario.run.every)
    total = int(todo.size + store.done().size)
    count = workers or cores()
    tasks_plan = batches(todo, batch_size(int(todo.size), count))
    base, clock = state["seconds"], time.perf_counter()  # worker start-up counts too
    pool: Backend = open_backend(backend, workers, address, len(tasks_plan))
    threads = None if pool.workers == 1 and backend == "local" else 1
    tasks = [(scenario, first, n, threads) for first, n in tasks_plan]
    saved = int(total - todo.size)
    _status(store, scenario, "running", saved, total, state["seconds"], pool.workers, backend)
    last = time.monotonic()
    try:
        for _, batch in pool.run(run_batch, tasks):
            store.write(batch.counts, times, model.compartments, batch.table)
            state["seconds"] = base + time.perf_counter() - clock
            saved += batch.counts.shape[0]
            notes.extend(n for n in batch.notes if n not in notes)
            if progress is not None:
                progress(batch.counts.shape[0])
            if time.monotonic() - last > STATUS_EVERY_S:
                _status(
                    store,
                    scenario,
                    "running",
                    saved,
                    total,
                    state["seconds"],
                    pool.workers,
                    backend,
                )
                last = time.monotonic()
    except KeyboardInterrupt:
        pool.close()
        _status(
            store, scenario, "interrupted", saved, total, state["seconds"], pool.workers, backend
        )
        raise Interrupted(
            f"interrupted: {saved:,} of {total:,} replicates are saved in {store.root}; "
            "run the same command with --resume (and --out "
            f"{store.root}) to finish them"
        ) from None
    except BaseException:
        pool.close()
        _status(store, scenario, "failed", saved, total, state["seconds"], pool.workers, backend)
        raise
    pool.close()


def _status(
    store: Store,
    scenario: Scenario,
    status: str,
    saved: int,
    total: int,
    seconds: float,
    workers: int,
    backend: str,
) -> None:
    """run.json while a run goes on: enough to resume it and to see how far it got."""
    from jonas import __version__

    write_json(
        store.root / "run.json",
        {
            "jonas_version": __version__,
            "status": status,
            "scenario_name": scenario.scenario.name,
            "scenario_sha256": scenario.digest(),
            "engine": scenario.run.engine,
            "seed": scenario.run.seed,
            "replicates": total,
            "replicates_done": saved,
            "backend": backend,
            "workers": workers,
            "simulation_s": round(seconds, 4),
            "scenario": scenario.resolved(),
        },
    )


def _resume_key(data: dict[str, Any]) -> str:
    """A scenario's identity for resuming: everything but the number of replicates (more
    may be asked for: replicate i's seed does not depend on how many there are)."""
    import hashlib
    import json

    data = {**data, "run": {k: v for k, v in data["run"].items() if k != "replicates"}}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _check_resumable(store: Store, scenario: Scenario, total: int) -> None:
    import json

    path = store.root / "run.json"
    if not path.exists():
        raise JonasError(f"--resume: {store.root} holds no run to resume (no run.json)")
    try:
        meta = json.loads(path.read_text("utf-8"))
        before = meta["scenario"]
    except (ValueError, KeyError):
        raise JonasError(f"--resume: {path} is not a jonas run.json") from None
    if _resume_key(before) != _resume_key(scenario.resolved()):
        changed = sorted(
            section
            for section in set(before) | set(scenario.resolved())
            if before.get(section) != scenario.resolved().get(section)
        )
        raise JonasError(
            f"--resume: {store.root} holds a run of a different scenario or options "
            f"(differs in: {', '.join(changed)}); resume with the same scenario, --set, "
            "--engine and --seed, or choose another --out"
        )
    done = store.done().size
    if done > total:
        raise JonasError(
            f"--resume: {store.root} already holds {done} replicates; ask for at least "
            f"{done} (--replicates)"
        )


def _previous_seconds(out: Path) -> float:
    import json

    try:
        meta = json.loads((out / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        return 0.0
    return float(meta.get("simulation_s", meta.get("wall_time_s", 0.0)))


def finish(
    store: Store,
    scenario: Scenario,
    model: Any,
    notes: list[str],
    seconds: float,
    log: bool = False,
) -> dict[str, Any]:
    """Merge the parts and write bands.parquet, plot.png and the final run.json."""
    from jonas.ensemble.summary import write_outputs

    if not store.complete:
        store.merge()
    meta = write_outputs(store, scenario, model, notes, seconds, log)
    write_json(store.root / "run.json", meta)
    return meta
