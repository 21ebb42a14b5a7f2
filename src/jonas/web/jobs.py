"""The server's runs: a bounded queue of ensembles, run one after another by one worker
thread on local worker processes (all cores, kept warm between runs), never in a request
handler nor in the server's process (a compiled kernel there would hold the interpreter
and the page would wait).

Each run has its own folder under the server's root (the server made it and removes it
with the run; it keeps the last MAX_KEPT finished runs); a run that is waiting knows its
place in the queue; a running one how far it has got in simulated time
(:class:`jonas.ensemble.Clock`) and about how long it has left; a cancelled run stops at
once (its workers are killed and fresh ones started) and its folder is removed.
Deterministic runs (the ODE) are quick and do not wait: the app runs them at once, off
the event loop (:meth:`Jobs.run_now`).
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jonas.ensemble import Clock
from jonas.errors import JonasError

#: runs that may wait at once (more are refused, with a message to try again)
MAX_WAITING = 8
#: finished runs the server keeps (their folders and results); the oldest go first
MAX_KEPT = 200


ENDED = ("done", "failed", "cancelled")


@dataclass
class Job:
    """One run asked for: its request, where it stands and its folder."""

    id: str
    request: dict[str, Any]
    prepared: Any
    folder: Path
    status: str = "queued"  # queued, running, done, failed, cancelled
    done: int = 0
    total: int = 0
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None  # when it began to run (time.monotonic)
    cancel: threading.Event = field(default_factory=threading.Event)
    clock: Clock = field(default_factory=Clock)
    #: about how long its engine compiles first (a first run on this machine), or None
    compile_s: float | None = None

    def state(self, position: int | None) -> dict[str, Any]:
        """What the page shows: ``progress`` in replicates (running ones counted by how far
        they got in simulated time), ``t`` of ``t_end`` for the least advanced running
        replicate, ``left_s`` an estimate of the seconds left, ``compiling_s`` about how
        long a first run compiles its engine, while nothing has moved yet."""
        now = self.clock.reading()
        left = None
        if self.status == "running" and now.total and self.started and now.fraction > 0.02:
            spent = time.monotonic() - self.started
            left = round(spent * (1 - now.fraction) / now.fraction, 1)
        return {
            "id": self.id,
            "status": self.status,
            "position": position,
            "done": self.done,
            "total": self.total,
            "progress": round(float(now.replicates), 3) if self.status == "running" else self.done,
            "t": None if now.t is None else float(now.t),
            "t_end": float(now.t_end),
            "unit": self.prepared.scenario.scenario.time_unit,
            "left_s": left,
            "compiling_s": (
                self.compile_s
                if self.status == "running" and now.replicates == 0 and now.t is None
                else None
            ),
            "error": self.error,
            "request": {k: v for k, v in self.request.items() if k != "provenance"},
        }


class Jobs:
    """The queue and its worker thread."""

    def __init__(
        self,
        root: Path,
        max_waiting: int = MAX_WAITING,
        workers: int | None = None,
        max_kept: int = MAX_KEPT,
    ):
        self.root = root
        self.max_waiting = max_waiting
        self.max_kept = max_kept
        self.workers = workers
        self._jobs: dict[str, Job] = {}
        self._waiting: deque[Job] = deque()
        self._lock = threading.Condition()
        self._stopped = False
        self._pool: Any = None  # the worker processes, started with the first run
        self._running: Job | None = None
        self._thread = threading.Thread(target=self._work, name="jonas-runs", daemon=True)
        self._thread.start()

    def new(self, request: dict[str, Any], prepared: Any) -> Job:
        self._forget()
        job_id = uuid.uuid4().hex[:12]
        compile_s = prepared.engine.compiling(prepared.scenario)
        return Job(
            job_id,
            request,
            prepared,
            self.root / job_id,
            total=prepared.replicates,
            compile_s=compile_s,
        )

    def _forget(self) -> None:
        """Drop the oldest finished runs (and their folders) beyond ``max_kept``."""
        with self._lock:
            ended = [j for j in self._jobs.values() if j.status in ENDED]
            for job in sorted(ended, key=lambda j: j.created)[: max(0, len(ended) - self.max_kept)]:
                del self._jobs[job.id]
                shutil.rmtree(job.folder, ignore_errors=True)

    def submit(self, job: Job) -> Job:
        with self._lock:
            if len(self._waiting) >= self.max_waiting:
                raise JonasError(
                    f"the server has {len(self._waiting)} runs waiting (at most "
                    f"{self.max_waiting}): try again when one has finished"
                )
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._lock.notify()
        return job

    def run_now(self, job: Job) -> Job:
        """Run a job in the calling thread (quick, deterministic runs)."""
        with self._lock:
            self._jobs[job.id] = job
        self._run(job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def position(self, job: Job) -> int | None:
        """1 for the next to run; None once it runs."""
        with self._lock:
            for i, waiting in enumerate(self._waiting):
                if waiting is job:
                    return i + 1
        return None

    def cancel(self, job: Job) -> None:
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                shutil.rmtree(job.folder, ignore_errors=True)
                job.status = "cancelled"  # (once its folder is gone: the page may look)
                return
            job.cancel.set()
            if job is self._running and self._pool is not None:
                self._pool.stop()  # now, not when its replicate ends

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            for job in self._waiting:
                job.status = "cancelled"
            self._waiting.clear()
            for job in self._jobs.values():
                job.cancel.set()
            if self._pool is not None:
                self._pool.stop()
            self._lock.notify_all()
        self._thread.join(timeout=30)
        if self._pool is not None:
            self._pool.close()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                job = self._waiting.popleft()
            self._run(job)

    def _run(self, job: Job) -> None:
        from jonas.ensemble import run_ensemble
        from jonas.ensemble.backends import Processes, Stopped, cores

        def progress(k: int) -> None:
            job.done += k
            if job.cancel.is_set():  # cancelled before its workers began: stop here
                raise Stopped

        deterministic = job.prepared.engine.deterministic
        with self._lock:
            if job.cancel.is_set():
                job.status = "cancelled"
                return
            if self._pool is None and not deterministic:
                self._pool = Processes(self.workers or cores())
            if not deterministic:
                self._running = job
            job.status, job.started = "running", time.monotonic()
        try:
            run_ensemble(
                job.prepared,
                job.folder,
                workers=self.workers,
                progress=progress,
                provenance=job.request.get("provenance"),
                pool=None if deterministic else _Watched(self._pool, job),
                clock=job.clock,
                playback=job.prepared.engine.on_map(job.prepared.scenario),
            )
        except Stopped:
            shutil.rmtree(job.folder, ignore_errors=True)
            job.status = "cancelled"  # (once its folder is gone: the page may look)
            return
        except JonasError as exc:
            job.status, job.error = "failed", str(exc)
            return
        except Exception as exc:  # a bug: say so in the page rather than hang the queue
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            return
        finally:
            with self._lock:
                if self._running is job:
                    self._running = None
        if job.cancel.is_set():
            shutil.rmtree(job.folder, ignore_errors=True)
            job.status = "cancelled"  # (once its folder is gone: the page may look)
            return
        job.status = "done"


class _Watched:
    """The server's pool as one job sees it: a job cancelled before its tasks were sent
    stops there (:meth:`Jobs.cancel` stops the workers of one that has begun); the pool
    outlives the job."""

    def __init__(self, pool: Any, job: Job) -> None:
        self.pool, self.job, self.workers = pool, job, pool.workers

    def run(self, fn: Any, tasks: Any) -> Any:
        from jonas.ensemble.backends import Stopped

        if self.job.cancel.is_set():
            raise Stopped
        yield from self.pool.run(fn, tasks)

    def close(self) -> None:
        pass
