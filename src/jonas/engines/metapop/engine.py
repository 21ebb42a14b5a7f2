"""The ``metapop`` engine: what it accepts, its set-up (:mod:`.setup`) and its run
(:mod:`.kernel`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.metapop.kernel import simulate_metapop
from jonas.engines.metapop.setup import setup
from jonas.engines.output import EngineOutput, Regional, incidence
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
    out, fired, counts, arrival, flows = simulate_metapop(
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
    notes = blind_strikes(prepared, fired, counts)
    return EngineOutput(
        out, fired, regional=regional, notes=notes, incidence=incidence(prepared.model, flows)
    )


#: the interventions that harm a place whatever is there: said when they hit no zombies
HARMFUL = ("strike", "cordon")


def _waits_for_zombies(prepared: Prepared, e: int) -> bool:
    """Whether event e waits for zombies where it acts (a trigger such as 'Z + Zl >= 1000'
    counted over its own regions): it cannot come down on a place without them, whatever
    the outputs, an hour or a day apart, showed before it."""
    events = prepared.model.events
    k = int(events.trigger[e])
    if k < 0 or int(events.op[k]) > 1 or events.threshold[k] < 0:
        return False
    zombie = prepared.setup.zombies  # per compartment, as a trigger's weights
    weights = events.weights[k]
    only_zombies = bool(np.all(weights[zombie == 0] == 0)) and bool(np.any(weights > 0))
    return only_zombies and int(events.trigger_origin[k]) == int(events.origin[e])


def blind_strikes(prepared: Prepared, fired: np.ndarray, counts: np.ndarray) -> list[str]:
    """A note for each strike or cordon that came down on districts without a zombie (at
    the last output before it) in some replicates: a response written for one place while
    the outbreak is elsewhere (korea's before it followed the outbreak)."""
    where, events, times = prepared.setup, prepared.model.events, prepared.times
    notes = []
    for e, kind in enumerate(events.kinds):
        if kind not in HARMFUL or events.ends[e] or _waits_for_zombies(prepared, e):
            continue
        mask = where.event_mask[e]
        empty = False
        for r in range(fired.shape[0]):
            if np.isnan(fired[r, e]):
                continue
            k = max(0, int(np.searchsorted(times, fired[r, e], side="right")) - 1)
            empty |= bool((counts[r, k][mask] @ where.zombies).sum() == 0)
        if empty:  # (said once for the run: each batch of replicates says it alike)
            notes.append(
                f"{events.labels[e]} ({kind}) came down on {where.regions.words.units} with "
                "no zombies in "
                "them (at the last output before it), in at least one replicate: is the "
                "response where the outbreak is? --start moves the interventions written "
                'for regions = "outbreak"'
            )
    return notes
