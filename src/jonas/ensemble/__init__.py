"""Ensembles: many replicates on local processes or a Dask cluster, streamed to disk.

- :func:`run_ensemble` runs a scenario's replicates in batches on a backend
  (:mod:`jonas.ensemble.backends`), writing each batch as it finishes
  (:mod:`jonas.ensemble.store`); it resumes an interrupted run.
- :func:`summarize_folder` re-reads a finished or partial run's folder.
"""

from jonas.ensemble.runner import Interrupted, run_ensemble
from jonas.ensemble.summary import summarize_folder

__all__ = ["Interrupted", "run_ensemble", "summarize_folder"]
