"""Ensembles: many replicates on local processes or a Dask cluster, streamed to disk.

- :func:`run_ensemble` runs a scenario's replicates in batches on a backend
  (:mod:`jonas.ensemble.backends`), writing each batch as it finishes into the run's folder
  (:class:`jonas.outputs.RunFolder`); it resumes an interrupted run, and finishes the
  folder with every writer (:func:`jonas.outputs.finish`).
- :class:`Clock` tells, while a run goes on, how far it has got in simulated time
  (:mod:`jonas.ensemble.clock`).
- :func:`summarize_folder` re-reads a finished or partial run's folder
  (:func:`jonas.outputs.refresh`).
"""

from jonas.ensemble.clock import Clock, Reading
from jonas.ensemble.runner import Interrupted, run_ensemble
from jonas.outputs import refresh as summarize_folder

__all__ = ["Clock", "Interrupted", "Reading", "run_ensemble", "summarize_folder"]
