"""The ``metapop`` engine: what it accepts, its set-up (:mod:`.setup`) and its run
(:mod:`.kernel`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.metapop.kernel import simulate_metapop
from jonas.engines.metapop.setup import setup
from jonas.engines.output import EngineOutput, Regional
from jonas.engines.prepared import Prepared
from jonas.errors import ScenarioError
from jonas.spec import Scenario

__all__ = ["check", "run", "setup"]


def check(scenario: Scenario) -> None:
    if scenario.metapop is None:
        raise ScenarioError(
            "metapop: the metapop engine needs a [metapop] section (at least "
            "'outbreak', the regions where [initial]'s counts start)"
        )


def run(
    prepared: Prepared,
    seeds: np.ndarray,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Any = None,
    clock: np.ndarray | None = None,
) -> EngineOutput:
    where, spec = prepared.setup, prepared.scenario.run
    dt = spec.dt if spec.dt is not None else 0.0
    out, fired, counts, arrival = simulate_metapop(
        prepared.model, where, prepared.times, seeds, dt, spec.epsilon, progress, clock
    )
    regional = Regional(
        codes=where.codes,
        names=where.names,
        parents=where.parents,
        population=where.population,
        counts=counts,
        arrival=arrival,
        zombies=where.zombies,
    )
    return EngineOutput(out, fired, regional=regional)
