"""Outputs: what a run leaves in its folder, written by one :func:`finish` that runs every
writer of :mod:`jonas.outputs.writers` (tables, curves, maps, animations, run.json) over
the folder (:class:`RunFolder`), for the command line, the ensemble runner and
:meth:`jonas.results.Result.save` alike. (Names are imported on first use: a run held in
memory needs the folder's table layout, not the writers.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jonas.lazy import lazy_names

if TYPE_CHECKING:
    from jonas.outputs.finished import FinishedRun, Pictures, all_writers, finish, refresh
    from jonas.outputs.folder import RunFolder
    from jonas.outputs.writers.report import write_report

_LAZY = {
    "FinishedRun": "jonas.outputs.finished",
    "Pictures": "jonas.outputs.finished",
    "finish": "jonas.outputs.finished",
    "refresh": "jonas.outputs.finished",
    "write_report": "jonas.outputs.writers.report",
    "all_writers": "jonas.outputs.finished",
    "RunFolder": "jonas.outputs.folder",
}

# (not "writers": that is the subpackage's name, which its import sets on this package)
__all__ = [
    "FinishedRun",
    "Pictures",
    "RunFolder",
    "all_writers",
    "finish",
    "refresh",
    "write_report",
]

__getattr__ = lazy_names(__name__, _LAZY)
