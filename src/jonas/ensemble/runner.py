"""Run an ensemble in batches on a backend, streaming it to disk; resume one; finish one.

The replicates still to run are cut into batches of consecutive replicates; each batch is a
task (:func:`run_batch`) that prepares the scenario in its worker (once per worker and
scenario; in this process, the parent's own preparation is used) and returns the batch's
counts and replicate table; the parent writes each batch as it arrives
(:class:`~jonas.outputs.RunFolder`) and keeps ``run.json`` current, then finishes the
folder (:func:`jonas.outputs.finish`). Memory stays that of one batch, whatever the number
of replicates.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines import Prepared, digest, notes, prepare, resolved
from jonas.ensemble.backends import Backend, InProcess, check_options, cores, open_backend
from jonas.ensemble.clock import Clock, hands, slot
from jonas.errors import JonasError
from jonas.files import write_atomic, write_json
from jonas.outputs import FinishedRun, RunFolder, finish
from jonas.outputs.claim import Claim
from jonas.outputs.metadata import run_status
from jonas.outputs.names import PLAYBACK
from jonas.results import simulate
from jonas.spec import Scenario

#: the most replicates in one batch (memory: a batch of hyosan is about 33 kB a replicate)
MAX_BATCH = 100
#: batches per worker, so that workers finish together and progress moves
BATCHES_PER_WORKER = 4
#: run.json is rewritten at most this often while a run goes on (seconds)
STATUS_EVERY_S = 1.0


class Interrupted(JonasError):
    """A run stopped by Ctrl-C; what finished is on disk and ``--resume`` continues it."""

    exit_code = 130


class RunFailed(JonasError):
    """The scenario failed while it ran (an engine's error: ``run.max_events`` reached, the
    integrator giving up): the same seeds would fail again, so a new run leaves no files."""


@dataclass
class Batch:
    """What a worker sends back: one batch's counts, its replicate table and its
    incidence (None from engines that do not count transitions)."""

    counts: np.ndarray
    table: dict[str, np.ndarray]
    notes: list[str]
    districts: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None
    playback: bytes | None = None  # replicate 0 on a city map, when asked for
    incidence: np.ndarray | None = None
    incidence_names: tuple[str, ...] = ()


_PREPARED: dict[str, Prepared] = {}


def _prepared(scenario: Scenario) -> Prepared:
    """The scenario prepared (checked, compiled, set up), once per process and scenario."""
    key = digest(scenario)
    if key not in _PREPARED:
        _PREPARED.clear()  # one scenario at a time is what a worker runs
        _PREPARED[key] = prepare(scenario)
    return _PREPARED[key]


def run_batch(
    scenario: Scenario,
    first: int,
    count: int,
    threads: int | None,
    clock: tuple[str, int] | None = None,
    playback: bool = False,
) -> Batch:
    """Replicates ``first … first + count − 1`` of the scenario's ensemble (run anywhere).
    ``clock``: the watcher's file and this batch's slot in it (:mod:`jonas.ensemble.clock`);
    ``playback``: the batch holding replicate 0 records it for the browser (a city run)."""
    if threads is not None:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    tick, done = hands(slot(*clock) if clock is not None else None)
    try:
        prepared = _prepared(scenario)
        recorder = None
        if playback and first == 0 and prepared.city is not None:
            from jonas.outputs.writers.playback import Recorder

            recorder = Recorder(prepared.city)
        replicates = np.arange(first, first + count, dtype=np.int64)
        result = simulate(prepared, replicates, progress=done, frames=recorder, clock=tick)
    except RunFailed:
        raise
    except JonasError as exc:
        raise RunFailed(str(exc)) from None
    return Batch(
        result.counts,
        result.replicate_table(),
        result.notes,
        result.district_tables(),
        None if recorder is None else recorder.bytes(),
        result.incidence,
        result.incidence_names,
    )


def batches(todo: np.ndarray, size: int, workers: int = 1) -> list[tuple[int, int]]:
    """(first, count) for runs of at most ``size`` consecutive replicates covering ``todo``,
    as even as they can be: their number a multiple of ``workers`` where there are enough
    replicates, so that each worker gets the same share (100 replicates on 2 workers in
    batches of 13 gave one worker 52 and the other 48)."""
    out: list[tuple[int, int]] = []
    for run in np.split(todo, np.nonzero(np.diff(todo) != 1)[0] + 1):
        if run.size == 0:
            continue
        n = math.ceil(run.size / size)
        n = min(run.size, math.ceil(n / workers) * workers)
        out.extend((int(chunk[0]), int(chunk.size)) for chunk in np.array_split(run, n))
    return out


def batch_size(replicates: int, workers: int) -> int:
    return max(1, min(MAX_BATCH, math.ceil(replicates / (workers * BATCHES_PER_WORKER))))


def run_ensemble(
    scenario: Scenario | Prepared,
    out: Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    started: Callable[[int, int], None] | None = None,
    log: bool = False,
    pool: Backend | None = None,
    animate: bool = False,
    report: bool = False,
    provenance: dict[str, Any] | None = None,
    clock: Clock | None = None,
    playback: bool = False,
) -> dict[str, Any]:
    """Run the scenario's ensemble into ``out`` and return its ``run.json``. A scenario
    already prepared (:func:`jonas.engines.prepare`) is not prepared again.

    ``out`` is claimed first (:meth:`jonas.outputs.RunFolder.claim`): refused while another
    process writes there, if it is not a folder jonas may write, or if it holds files jonas
    did not write. ``resume`` continues a run left in ``out`` (interrupted, killed at any
    moment, or finished with fewer replicates) and refuses one of another scenario;
    otherwise ``out`` is cleared of an earlier run (once the backend is up: a bad option or
    an unreachable scheduler leaves it alone). run.json is written before any batch:
    Ctrl-C before that leaves nothing, after it a folder that ``--resume`` continues. A
    scenario that fails as it runs (:class:`RunFailed`) leaves no files, unless resumed.
    ``started(done, total)`` is told what is already done before work begins;
    ``progress(k)`` as each batch of k replicates is saved. ``pool`` is a backend already
    open (a sweep runs many ensembles on one); it is left open. ``animate``: the writers
    that draw animations from the folder run too (a regional run's map.gif); ``report``:
    report.html is written too; ``provenance``: where the scenario came from
    (:func:`jonas.spec.sources.provenance`), recorded in run.json; ``clock``: a
    :class:`~jonas.ensemble.clock.Clock` to read how far the run has got in simulated time
    while it runs (from another thread); ``playback``: a run on a city map records its
    first replicate into ``playback.bin`` for the browser
    (:mod:`jonas.outputs.writers.playback`).
    """
    check_options(backend, workers, address)
    prepared = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    scenario = prepared.scenario
    _PREPARED.clear()
    _PREPARED[digest(scenario)] = prepared  # batches run in this process use it as it is
    total = prepared.replicates
    out = Path(out)
    if resume and not os.path.lexists(out):
        raise JonasError(f"--resume: {out} holds no run to resume (no such folder)")
    store = RunFolder(out)
    with store.claim("--out") as claim:
        # An earlier run's folder is left as it was until this run clears it (a bad option,
        # an unreachable scheduler, Ctrl-C while the workers start); one made now goes.
        claim.keep = not claim.created
        status = _Status(
            store, scenario, backend, total, 0, _previous_seconds(out) if resume else 0.0,
            time.perf_counter(),  # worker start-up counts in the run's time
        )  # fmt: skip
        try:
            if resume:
                store.recover()
                _check_resumable(store, scenario, total)
            done = store.done() if resume else np.zeros(0, dtype=np.int64)
            status.saved = int(done.size)
            todo = np.setdiff1d(np.arange(total), done)
            shares = workers or cores()
            plan = batches(todo, batch_size(int(todo.size), shares), shares)
            own = pool is None and bool(plan)
            try:
                if own:
                    pool = open_backend(backend, workers, address, len(plan))
                if not resume:
                    store.clear()  # once the backend is up: a bad option leaves it alone
                    claim.keep = False  # (cleared: what this run writes goes if it fails)
                status.write("running")
                claim.keep = True  # from here on, the folder is one --resume continues
                status.begun = True
                if started is not None:
                    started(status.saved, total)
                found = notes(scenario)
                if pool is not None and plan:
                    status.workers = pool.workers
                    _run_batches(
                        prepared, store, pool, plan, (progress, clock, playback), found, status
                    )
            finally:
                if own and pool is not None:
                    pool.close()  # (a run stopped midway: its workers are killed)
                if clock is not None:
                    clock.close()
            return finish(
                FinishedRun(
                    store, scenario, prepared.model, found, status.seconds, log, animate,
                    extra={"provenance": provenance} if provenance else {},
                    report=report, total=total,
                )
            )  # fmt: skip
        except KeyboardInterrupt:
            if pool is not None:
                pool.close()  # stop the workers now; closing again later does nothing
            raise _interrupted(claim, status) from None
        except RunFailed as exc:
            if resume:
                status.write("failed")
                raise RunFailed(f"{exc}\n{status.store.root}: run.json says failed") from None
            claim.keep = False  # a run that cannot finish leaves no files
            raise RunFailed(f"{exc}\n(the run left no files)") from None
        except JonasError as exc:
            if not status.begun:
                raise
            status.write("failed")
            raise JonasError(f"{exc}\n{_saved(status)}") from None
        except BaseException:
            if status.begun:
                status.write("failed")
            raise


def _saved(status: _Status) -> str:
    root = status.store.root
    return (
        f"{status.saved:,} of {status.total:,} replicates are saved in {root}; run the same "
        f"command with --resume (and --out {root}) to finish them"
    )


def _interrupted(claim: Claim, status: _Status) -> Interrupted:
    """What Ctrl-C leaves: nothing (before run.json), or a folder --resume continues, and
    its run.json says so ("interrupted"; "complete" if the run had just ended)."""
    if not status.begun:
        kept = f"{status.store.root} is as it was" if claim.keep else "nothing was left"
        return Interrupted(f"interrupted before the run began: {kept}")
    meta = status.store.run_json() or {}
    if meta.get("status") == "complete":
        return Interrupted(f"interrupted as the run ended: {status.store.root} holds it whole")
    status.write("interrupted")
    return Interrupted(f"interrupted: {_saved(status)}")


@dataclass
class _Status:
    """How far a run has got; written to run.json while it goes on."""

    store: RunFolder
    scenario: Scenario
    backend: str
    total: int
    saved: int
    before: float  # seconds spent by earlier sessions of a resumed run
    clock: float
    workers: int = 1
    #: this session has written run.json (its status is this session's to write)
    begun: bool = False

    @property
    def seconds(self) -> float:
        return self.before + time.perf_counter() - self.clock

    def write(self, status: str) -> None:
        """run.json while a run goes on: enough to resume it and to see how far it got."""
        write_json(
            self.store.root / "run.json",
            run_status(
                self.scenario,
                status,
                self.total,
                self.saved,
                self.backend,
                self.workers,
                self.seconds,
            ),
        )


def _run_batches(
    prepared: Prepared,
    store: RunFolder,
    pool: Backend,
    plan: list[tuple[int, int]],
    how: tuple[Callable[[int], None] | None, Clock | None, bool],
    notes: list[str],
    status: _Status,
) -> None:
    """``how``: whom to tell as batches are saved, the clock to start, whether to record
    a playback."""
    progress, clock, playback = how
    scenario, model, times = prepared.scenario, prepared.model, prepared.times
    # Each worker's numba kernels get one thread (more would oversubscribe the cores); a
    # run in this process keeps them all.
    threads = None if isinstance(pool, InProcess) else 1
    path = None
    if clock is not None:
        sizes = [n for _, n in plan]
        path = str(clock.start(sizes, status.total, status.saved, float(times[-1])))
    tasks = [
        (scenario, first, n, threads, None if path is None else (path, i), playback)
        for i, (first, n) in enumerate(plan)
    ]
    last = time.monotonic()
    for i, batch in pool.run(run_batch, tasks):
        if clock is not None:
            clock.saved(i)
        if batch.playback is not None:
            write_atomic(store.root / PLAYBACK, partial(_write_bytes, batch.playback))
        store.write(
            batch.counts, times, model.compartments, batch.table, batch.districts,
            batch.incidence, batch.incidence_names,
        )  # fmt: skip
        status.saved += batch.counts.shape[0]
        notes.extend(n for n in batch.notes if n not in notes)
        if progress is not None:
            progress(batch.counts.shape[0])
        if time.monotonic() - last > STATUS_EVERY_S:
            status.write("running")
            last = time.monotonic()


def _resume_key(data: dict[str, Any]) -> str:
    """A scenario's identity for resuming: everything but the number of replicates (more
    may be asked for: replicate i's seed does not depend on how many there are)."""
    import hashlib
    import json

    data = {**data, "run": {k: v for k, v in data["run"].items() if k != "replicates"}}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _check_resumable(store: RunFolder, scenario: Scenario, total: int) -> None:
    """Refuse to resume a run of another scenario or of more replicates than asked for. A
    folder with no run.json (its claim found it empty: a run killed as it began) holds
    nothing to resume: the run starts from the first replicate."""
    meta = store.run_json()
    if meta is None:
        return
    before = meta["scenario"]
    now = resolved(scenario)
    if _resume_key(before) != _resume_key(now):
        changed = sorted(
            section for section in set(before) | set(now) if before.get(section) != now.get(section)
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
    return float(meta.get("wall_time_s", 0.0))


def _write_bytes(data: bytes, path: Path) -> None:
    path.write_bytes(data)
