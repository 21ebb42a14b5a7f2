"""The ``ode`` engine's run: one integration, whatever the number of replicates asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.ode.solver import simulate_ode
from jonas.engines.output import EngineOutput, incidence
from jonas.engines.prepared import Prepared
from jonas.spec import Scenario


def resolve(scenario: Scenario, data: dict[str, Any]) -> None:
    """Euler's step, when the default (a tenth of the output interval) chose it."""
    if scenario.run.method == "euler":
        data["run"]["dt"] = scenario.run.euler_step


def run(
    prepared: Prepared,
    seeds: np.ndarray,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Any = None,
    clock: np.ndarray | None = None,
) -> EngineOutput:
    spec = prepared.scenario.run
    out, fired, flows = simulate_ode(
        prepared.model, prepared.times, spec.method, spec.rtol, spec.atol, spec.euler_step
    )
    if progress:
        progress(1)
    return EngineOutput(
        out[np.newaxis], fired[np.newaxis], incidence=incidence(prepared.model, flows[np.newaxis])
    )
