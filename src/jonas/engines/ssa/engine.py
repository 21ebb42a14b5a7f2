"""The ``ssa`` engine's run: one compiled Gillespie replicate per seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.arrays import (
    blank_output,
    event_arrays,
    model_arrays,
    reported,
    transition_totals,
    watched,
)
from jonas.engines.output import EngineOutput, incidence
from jonas.engines.prepared import Prepared
from jonas.engines.ssa.kernel import ssa_replicate
from jonas.errors import JonasError


def run(
    prepared: Prepared,
    seeds: np.ndarray,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Any = None,
    clock: np.ndarray | None = None,
) -> EngineOutput:
    model, spec, times = prepared.model, prepared.scenario.run, prepared.times
    arrays, events = model_arrays(model), event_arrays(model)
    if events[0].size == 0 and model.events.threshold.size == 0:  # no events, no triggers
        events = None  # the kernel compiled without their code (ssa_replicate)
    out, fired = blank_output(model, times, len(seeds))
    flows = transition_totals(model, times, len(seeds))
    clock = watched(clock)
    for r, seed in enumerate(seeds):
        n = ssa_replicate(
            *arrays, times, events, int(seed), spec.max_events, out[r], fired[r], flows[r],
            clock,
        )  # fmt: skip
        if n < 0:
            raise JonasError(
                f"ssa engine: replicate {int(replicates[r])} reached run.max_events = "
                f"{spec.max_events} before t_end; raise it, or use the tauleap engine for "
                "large populations"
            )
        if progress:
            progress(1)
    return EngineOutput(out, reported(model, fired), incidence=incidence(model, flows))
