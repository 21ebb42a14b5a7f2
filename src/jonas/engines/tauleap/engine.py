"""The ``tauleap`` engine's run: one compiled tau-leaping replicate per seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.arrays import (
    blank_output,
    by_source,
    event_arrays,
    model_arrays,
    reported,
    transition_totals,
    watched,
)
from jonas.engines.output import EngineOutput, incidence
from jonas.engines.prepared import Prepared
from jonas.engines.tauleap.kernel import tauleap_replicate


def run(
    prepared: Prepared,
    seeds: np.ndarray,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Any = None,
    clock: np.ndarray | None = None,
) -> EngineOutput:
    model, spec, times = prepared.model, prepared.scenario.run, prepared.times
    arrays, events, csr = model_arrays(model), event_arrays(model), by_source(model)
    out, fired = blank_output(model, times, len(seeds))
    flows = transition_totals(model, times, len(seeds))
    dt = spec.dt if spec.dt is not None else 0.0  # 0: choose each step adaptively
    clock = watched(clock)
    for r, seed in enumerate(seeds):
        tauleap_replicate(
            *arrays, *csr, times, events, dt, spec.epsilon, int(seed), out[r], fired[r],
            flows[r], clock,
        )  # fmt: skip
        if progress:
            progress(1)
    return EngineOutput(out, reported(model, fired), incidence=incidence(model, flows))
