"""Running replicates: any replicates of a prepared scenario's ensemble, as a
:class:`~jonas.results.Result` (what :func:`jonas.run` returns and each ensemble batch
computes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines import Prepared
from jonas.engines.seeds import seeds_for
from jonas.results.result import Result


def simulate(
    prepared: Prepared,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Callable[[int, Any], None] | None = None,
    clock: np.ndarray | None = None,
) -> Result:
    """Some replicates of a scenario's ensemble (replicate i has the i-th spawned seed, so
    any split of an ensemble gives the same numbers). Its notes are about these replicates.

    ``frames`` receives pictures of the first replicate of a run on a city map (the agents
    engine); other engines ignore it. ``clock[0]`` follows the simulated time of the running
    replicate (:mod:`jonas.ensemble.clock`), on the engines that run long."""
    spec = prepared.scenario.run
    start = time.perf_counter()
    seeds = seeds_for(spec.seed, replicates)
    run = prepared.engine.hook("run")
    assert run is not None, f"engine {prepared.engine.name} has no run"
    output = run(prepared, seeds, replicates, progress, frames, clock)
    return Result(
        scenario=prepared.scenario,
        model=prepared.model,
        times=prepared.times,
        counts=output.counts,
        event_times=output.event_times,
        seed=spec.seed,
        wall_time=time.perf_counter() - start,
        notes=list(output.notes),
        engine_metrics=output.metrics,
        replicate_ids=replicates,
        seeds=seeds,
        regional=output.regional,
        incidence=output.incidence,
        flow_names=output.incidence_names,
    )
