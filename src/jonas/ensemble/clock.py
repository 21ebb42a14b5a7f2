"""How far a run has got in simulated time, seen while it runs.

Replicates finish in worker processes, batch by batch; a batch of one long replicate (the
city, the country) would otherwise show nothing until it ends. So each batch has a slot
in one small shared file (memory-mapped, in the temporary folder, removed with the run):
the worker's engine writes the simulated time of the replicate it is running into the
slot's first number (the compiled kernels write it at each output time or step; see
``clock`` in :mod:`jonas.engines`), and the batch counts its finished replicates in the
second. The process that waits reads the file whenever it likes (:meth:`Clock.reading`):
nothing is sent, nothing waits on the watcher. A worker on another machine (Dask) finds no
such file and writes nowhere: its batches show when they are saved, as before.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: numbers per batch's slot: the running replicate's simulated time, replicates finished
SLOT = 2


@dataclass(frozen=True)
class Reading:
    """Where a run stands: ``replicates`` done, counting the running ones by how far they
    got in simulated time (of ``total``); ``t``: the simulated time of the least advanced
    running replicate (None when none runs), of ``t_end``."""

    replicates: float
    total: int
    t: float | None
    t_end: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.replicates / self.total) if self.total else 1.0


class Clock:
    """The waiting side: made by whoever wants to watch, handed to
    :func:`jonas.ensemble.run_ensemble`, read with :meth:`reading` from any thread."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._map: mmap.mmap | None = None
        self._sizes: list[int] = []
        self._open: set[int] = set()  # batches not yet saved
        self._saved = 0
        self.total = 0
        self.t_end = 0.0
        self._lock = threading.Lock()  # the run's thread starts and closes; others read

    def start(self, sizes: list[int], total: int, saved: int, t_end: float) -> Path:
        """A fresh file for batches of these ``sizes`` (``saved`` replicates are done
        already); returns its path, for the workers."""
        self.close()
        fd, name = tempfile.mkstemp(prefix="jonas-clock-")
        with os.fdopen(fd, "r+b") as f:
            f.write(bytes(8 * SLOT * max(1, len(sizes))))
            f.flush()
            shared = mmap.mmap(f.fileno(), 0)
        with self._lock:
            self._path, self._map = Path(name), shared
            self._sizes = list(sizes)
            self._open = set(range(len(sizes)))
            self._saved, self.total, self.t_end = saved, total, t_end
        return self._path

    def saved(self, batch: int) -> None:
        """Batch ``batch`` came back and is on disk."""
        with self._lock:
            if batch in self._open:
                self._open.discard(batch)
                self._saved += self._sizes[batch]

    def reading(self) -> Reading:
        with self._lock:
            if self._map is None:
                return Reading(float(self._saved), self.total, None, self.t_end)
            slots = np.frombuffer(self._map, dtype=np.float64).reshape(-1, SLOT).copy()
            return self._read(slots)

    def _read(self, slots: np.ndarray) -> Reading:
        done = float(self._saved)
        running: list[float] = []
        for b in list(self._open):
            t, finished = slots[b]
            finished = min(finished, self._sizes[b])
            share = min(1.0, t / self.t_end) if self.t_end > 0 else 0.0
            if finished < self._sizes[b] and t > 0:
                running.append(float(t))
            else:
                share = 0.0
            done += finished + share
        return Reading(done, self.total, min(running) if running else None, self.t_end)

    def close(self) -> None:
        """Stop watching (what was saved still reads) and remove the file."""
        with self._lock:
            self._map = None  # closed when the last view of it goes
            self._open.clear()
            if self._path is not None:
                self._path.unlink(missing_ok=True)
                self._path = None


# -------------------------------------------------------------------------- the workers' side

_attached: dict[str, np.ndarray] = {}


def slot(path: str | None, batch: int) -> np.ndarray | None:
    """Batch ``batch``'s two numbers in the clock file at ``path`` (None where there is no
    such file: nobody watches, or this worker runs on another machine). A worker keeps the
    last run's file open and lets go of it when the next run's comes."""
    if path is None:
        return None
    if path not in _attached:
        _attached.clear()  # the last run's map closes when its last view goes
        try:
            with open(path, "r+b") as f:
                shared = mmap.mmap(f.fileno(), 0)
        except (OSError, ValueError):
            return None
        _attached[path] = np.frombuffer(shared, dtype=np.float64)
    view = _attached[path]
    if view.size < SLOT * (batch + 1):
        return None
    return view[SLOT * batch : SLOT * (batch + 1)]


def hands(shared: np.ndarray | None) -> tuple[np.ndarray | None, Callable[[int], None] | None]:
    """For a slot: the array an engine writes its simulated time into and the callback
    that counts the batch's finished replicates (Nones when nobody watches)."""
    if shared is None:
        return None, None

    def done(k: int) -> None:
        shared[0] = 0.0  # the next replicate starts at t = 0
        shared[1] += k

    return shared[:1], done
