"""The ``agents`` engine: what it accepts, how it carries out interventions, its set-up and
its run (:mod:`.setup`, :mod:`.replicate`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.abm.rules import EVENTS
from jonas.engines.agents import ENGINE
from jonas.engines.agents.replicate import simulate_agents
from jonas.engines.agents.setup import setup
from jonas.engines.output import EngineOutput, per_interval
from jonas.engines.prepared import Prepared, options
from jonas.errors import ScenarioError
from jonas.modes import COMPARTMENTS, MAP
from jonas.spec import Scenario

FAMILY = "jonas"

#: the incidence's columns: the rules' events (`jonas.abm.rules.EVENTS`), not the model's
#: named transitions, which the agents do not follow one by one (a bite is one event
#: whether the bitten turns fast or slowly, calm or afraid)
INCIDENCE_NAMES = tuple(name.replace("_", " ") for name in EVENTS)

__all__ = ["check", "kernels", "modes", "run", "setup"]


def check(scenario: Scenario) -> None:
    if scenario.model.family != FAMILY:
        got = f"family {scenario.model.family!r}" if scenario.model.family else "an inline model"
        raise ScenarioError(
            f"model.family: the agents engine runs the family {FAMILY!r} (its "
            f"rules are the Jonas virus's, person by person), not {got}"
        )
    if scenario.scenario.time_unit != "hours":
        raise ScenarioError(
            "scenario.time_unit: the agents engine counts time in hours (its rates are "
            f'per hour); got {scenario.scenario.time_unit!r}: set time_unit = "hours"'
        )


def modes(scenario: Scenario) -> tuple[str, ...]:
    """On a map, interventions act there where they can; well mixed, on compartments."""
    on_map = options(scenario, "agents").mode == "spatial"
    return (MAP, COMPARTMENTS) if on_map else (COMPARTMENTS,)


def kernels(scenario: Scenario) -> tuple[str, ...]:
    """The step its runs compile: the map's or the well-mixed one (ENGINE.kernels)."""
    spatial, mixed = ENGINE.kernels
    return (spatial,) if MAP in modes(scenario) else (mixed,)


def run(
    prepared: Prepared,
    seeds: np.ndarray,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Callable[[int, Any], None] | None = None,
    clock: np.ndarray | None = None,
) -> EngineOutput:
    counted = tuple(m.name for m in ENGINE.metrics)
    out, fired, found, totals = simulate_agents(
        prepared.setup, prepared.times, seeds, counted, progress, frames, clock
    )
    return EngineOutput(
        out, fired, found, incidence=per_interval(totals), incidence_names=INCIDENCE_NAMES
    )


def compile_step() -> None:
    """What a helper process does at a first run (``ENGINE.aside``): compile the strips of
    the map's step for the types of a step of hyosan-city (every map's are the same)."""
    from jonas.abm.step import step_agents
    from jonas.engines.agents.replicate import Replicate
    from jonas.engines.prepared import prepare_source

    prepared = prepare_source("hyosan-city", ["initial.S=200", "initial.Z=2"])
    step_agents(*Replicate(prepared.setup, 1).world.step_arguments(), compile_only=True)
