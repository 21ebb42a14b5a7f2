"""Results held in memory: :class:`Result` (counts, metrics, summary, plot, its folder on
disk) and :func:`simulate`, which runs any replicates of a prepared scenario."""

from jonas.results.result import Result
from jonas.results.simulation import simulate

__all__ = ["Result", "simulate"]
