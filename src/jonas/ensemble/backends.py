"""Where replicate batches run: this process, local worker processes, or a Dask cluster.

All three answer to one small interface, :class:`Backend`: ``run(fn, tasks)`` calls
``fn(*task)`` for every task somewhere and yields ``(index, result)`` as each finishes, in
whatever order they finish. A task lost with its worker is run again; each index is yielded
exactly once. What a task computes depends only on its arguments (each replicate has its
own seed), so the backend and the number of workers never change the numbers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from jonas.errors import JonasError

#: how often a pool of local workers may be rebuilt after workers died
MAX_RESTARTS = 3
#: how long to try to reach a Dask scheduler before giving up
CONNECT_TIMEOUT_S = 10
#: how long a dead local worker may go unnoticed by its pool before the pool is taken as
#: wedged (the pool itself notices within milliseconds when it can; see Processes.run)
WEDGED_AFTER_S = 3.0
#: how often a waiting run looks at its local workers
WATCH_EVERY_S = 0.5
#: how long to wait for a dead worker's exit code before telling of it without one
LOST_WAIT_S = 2.0
BACKENDS = ("local", "dask")
#: where a lost worker is told (a warning reaches the terminal with no logging set up)
_LOG = logging.getLogger(__name__)


class Stopped(Exception):
    """A run stopped on purpose while it ran (:meth:`Processes.stop`)."""


class Backend(Protocol):
    workers: int

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]) -> Iterator[Any]: ...

    def close(self) -> None: ...


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def check_options(name: str, workers: int | None, address: str | None) -> None:
    """Refuse bad backend options before any work is done."""
    if name not in BACKENDS:
        raise JonasError(f"--backend {name!r}: choose one of {', '.join(BACKENDS)}")
    if workers is not None and workers < 1:
        raise JonasError(f"--workers {workers}: give at least 1 worker")
    if address is not None and name != "dask":
        raise JonasError("--address names a Dask scheduler: use it with --backend dask")


def open_backend(name: str, workers: int | None, address: str | None, tasks: int) -> Backend:
    """The backend a run asked for. Local runs use at most one worker per task, and run in
    this process when that is one; ``address`` joins an existing Dask scheduler."""
    check_options(name, workers, address)
    if name == "dask":
        return DaskBackend(workers or cores(), address)
    count = min(workers or cores(), max(tasks, 1))
    return InProcess() if count == 1 else Processes(count)


class InProcess:
    """Tasks run one after another in this process (one worker, nothing to start)."""

    workers = 1

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        for i, task in enumerate(tasks):
            yield i, fn(*task)

    def close(self) -> None:
        pass


#: prctl's option that has the kernel signal a process when its parent dies (Linux)
_PR_SET_PDEATHSIG = 1


def _worker_start(parent: int) -> None:
    """Each local worker as it starts: it leaves Ctrl-C to the parent, which stops it (no
    traceback from each), and ends when the parent does, however the parent died (kill -9
    included: a worker would otherwise wait forever, re-parented to PID 1, holding its
    memory; the resource tracker then ends too, as the last of its users is gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        # the kernel's own watch: it acts even while a compiled kernel holds the GIL
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:  # pragma: no cover - elsewhere, a thread looks
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the watch began
        os._exit(1)


def _watch_parent(parent: int) -> None:  # pragma: no cover - not on Linux
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY_S)
    os._exit(1)


class Processes:
    """Local worker processes (started fresh: numba's threads do not survive a fork)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # every worker process seen, by pid: the pool forgets a dead one as it breaks,
        # and the terminal should still be told which died and how (_lost)
        self._seen: dict[int, Any] = {}
        self._pool = self._start()
        self._busy = False
        self._stopping = False

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self._seen = {}
        return ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
        )

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        from concurrent.futures import FIRST_COMPLETED, CancelledError, wait
        from concurrent.futures.process import BrokenProcessPool

        pending = set(range(len(tasks)))
        restarts = 0
        if self._stopping:  # stopped as the last run ended: its workers are gone
            self._pool = self._start()
            self._stopping = False
        self._busy = True
        while pending:
            dead_since: float | None = None
            try:
                try:
                    futures = {self._pool.submit(fn, *tasks[i]): i for i in sorted(pending)}
                except RuntimeError:  # the pool was shut down: stopped just now
                    if not self._stopping:
                        raise
                    raise CancelledError from None
                waiting = set(futures)
                while waiting:
                    self._seen.update(_workers(self._pool))
                    done, waiting = wait(
                        waiting, timeout=WATCH_EVERY_S, return_when=FIRST_COMPLETED
                    )
                    if not done:
                        dead_since = self._watch(dead_since)
                        continue
                    for future in done:
                        # Dropped once handed on: a finished future keeps its result, and
                        # 10,000 replicates' counts would pile up in this process.
                        index = futures.pop(future)
                        result = future.result()
                        pending.discard(index)
                        yield index, result
                    del done, future, result
            except (BrokenProcessPool, CancelledError):
                if self._stopping:  # stopped on purpose (:meth:`stop`): a fresh pool waits
                    self._pool = self._start()
                    self._busy = self._stopping = False
                    raise Stopped("the run was stopped") from None
                # A worker died (killed, out of memory): every unfinished task goes again.
                restarts += 1
                _LOG.warning(
                    "jonas: %s; its batches run again on fresh workers (%d of at most %d restarts)",
                    _lost({**self._seen, **_workers(self._pool)}),
                    restarts,
                    MAX_RESTARTS,
                )
                if restarts > MAX_RESTARTS:
                    raise JonasError(
                        f"local workers died {restarts} times; giving up (is memory short? "
                        "try fewer --workers)"
                    ) from None
                _abandon(self._pool)
                self._pool = self._start()
        self._busy = False

    def _watch(self, dead_since: float | None) -> float | None:
        """Raise BrokenProcessPool if a worker has been dead for WEDGED_AFTER_S and the
        pool has not said so. A worker killed while sending its result (SIGKILL, the
        out-of-memory killer) leaves half a message in the pool's result pipe, and
        ``concurrent.futures`` (3.11 at least) then waits for the rest forever: no future
        ever finishes or fails. Returns when the first dead worker was seen."""
        from concurrent.futures.process import BrokenProcessPool

        processes = _workers(self._pool).values()
        if not any(process.exitcode is not None for process in processes):
            return None
        now = time.monotonic()
        if dead_since is None:
            return now
        if now - dead_since < WEDGED_AFTER_S:
            return dead_since
        raise BrokenProcessPool("a local worker died and its pool did not notice")

    def close(self) -> None:
        if not self._busy:
            self._pool.shutdown(wait=True)
            return
        # Stopped mid-run (Ctrl-C, an error): running tasks are abandoned, workers killed.
        _abandon(self._pool)

    def stop(self) -> None:
        """Stop the run going on now, from another thread, without waiting for its tasks:
        its workers are killed, and :meth:`run` raises :class:`Stopped` (then takes new
        runs on fresh workers). Does nothing between runs."""
        if self._busy:
            self._stopping = True
            _abandon(self._pool)


def _workers(pool: Any) -> dict[int, Any]:
    """The pool's worker processes now, by pid."""
    return dict(getattr(pool, "_processes", None) or {})


def _lost(processes: dict[int, Any]) -> str:
    """Which local workers died, and how, in words. The pool may say it broke before its
    own thread has reaped the dead worker (no exit code yet): wait a moment for it."""
    deadline = time.monotonic() + LOST_WAIT_S
    while time.monotonic() < deadline and all(p.exitcode is None for p in processes.values()):
        time.sleep(0.05)
    ended = {
        process.pid: process.exitcode
        for process in processes.values()
        if process.exitcode is not None
    }
    # once one has died, the pool ends the others with SIGTERM: not news
    dead = {pid: code for pid, code in ended.items() if code != -signal.SIGTERM} or ended
    said = [
        f"pid {pid}, " + (f"killed by signal {-code}" if code < 0 else f"exit code {code}")
        for pid, code in dead.items()
    ]
    return f"a local worker died ({'; '.join(said)})" if said else "a local worker died"


def _abandon(pool: Any) -> None:
    """Stop a pool of local workers without waiting for anything: kill its workers, then
    close this process's end of their result pipe, so that a pool thread stuck reading half
    a result (see Processes._watch) reads the end of it and finishes; otherwise it would
    block this process's exit, where Python joins such threads."""
    processes = list(_workers(pool).values())
    # (taken before shutdown, which forgets the queue)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=WEDGED_AFTER_S)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


# Dask writes its "pre-spawn" variables into this process's os.environ each time a nanny
# (re)starts a worker, including after a lost worker, long after the cluster started. So
# nothing of ours goes there: Dask's thread limits are dropped from it, and together with
# ours they reach the workers through the nanny's ``env``, set in the worker before it
# imports numpy or numba. A stray NUMBA_NUM_THREADS in this process would make numba refuse
# to compile anything once its threads are running.
PRE_SPAWN_DROPPED = (
    "MALLOC_TRIM_THRESHOLD_",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
)


def worker_environment() -> dict[str, str]:
    """What local Dask workers get when they start. Dask's default
    ``MALLOC_TRIM_THRESHOLD_`` (64 KiB) made numpy-heavy simulations 2.3× slower here, so it
    is not set; numba and BLAS get one thread per worker so that workers do not
    oversubscribe the cores."""
    return {
        name: "1"
        for name in (
            "NUMBA_NUM_THREADS",
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
        )
    }


class DaskBackend:
    """A Dask distributed cluster: an existing scheduler (``address``) or a local cluster of
    ``workers`` single-threaded worker processes. Dask reruns the tasks of a lost worker."""

    def __init__(self, workers: int, address: str | None) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise JonasError(
                "--backend dask needs Dask's distributed scheduler; install it with "
                "pip install 'jonas[dask]'"
            ) from None
        self._cluster = None
        if address is not None:
            try:
                self._client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
            except (OSError, TimeoutError) as exc:
                raise JonasError(
                    f"--address {address}: no Dask scheduler answered within "
                    f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__}: {exc}); start one with "
                    "`dask scheduler`, or leave out --address for a local cluster"
                ) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
            return
        # Dask's nanny writes the workers' environment into this process's os.environ
        # before spawning them; put ours back afterwards.
        saved = dict(os.environ)
        try:
            dropped = dict.fromkeys(PRE_SPAWN_DROPPED)
            with dask.config.set({"distributed.nanny.pre-spawn-environ": dropped}):
                self._cluster = LocalCluster(
                    env=worker_environment(),
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.workers = workers

    @property
    def client(self) -> Any:
        return self._client

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]) -> Iterator[Any]:
        from distributed import as_completed

        futures = {
            self._client.submit(fn, *task, pure=False, retries=MAX_RESTARTS): i
            for i, task in enumerate(tasks)
        }
        for future in as_completed(futures):
            yield futures.pop(future), future.result()
            future.release()

    def close(self) -> None:
        saved = dict(os.environ)
        try:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            os.environ.clear()
            os.environ.update(saved)
