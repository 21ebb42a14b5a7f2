"""Outputs: what a run leaves in its folder, written by one :func:`finish` that runs every
writer of :mod:`jonas.outputs.writers` (tables, curves, maps, animations, run.json) over
the folder (:class:`RunFolder`), for the command line, the ensemble runner and
:meth:`jonas.results.Result.save` alike."""

from jonas.outputs.finished import FinishedRun, Pictures, finish, refresh, writers
from jonas.outputs.folder import RunFolder

__all__ = ["FinishedRun", "Pictures", "RunFolder", "finish", "refresh", "writers"]
