"""The ``metapop`` engine: what it accepts, its set-up (:mod:`.setup`) and its run: the
move times, and the compiled replicates (:mod:`.kernel`) one per seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.arrays import (
    blank_output,
    by_source,
    event_arrays,
    per_kernel_event,
    reported,
    transition_totals,
    watched,
)
from jonas.engines.metapop.kernel import BACK, COMMUTER_STEP_HOURS, MOVES, OUT, metapop_replicate
from jonas.engines.metapop.setup import MetapopSetup, setup
from jonas.engines.output import EngineOutput, Regional, incidence
from jonas.engines.prepared import Prepared
from jonas.errors import ScenarioError
from jonas.model import Model, output_times
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


def stop_times(setup: MetapopSetup, t_end: float) -> tuple[np.ndarray, np.ndarray]:
    """The move times up to t_end and what happens at each (MOVES | OUT | BACK): commuters
    leaving and coming back at the hours of ``work`` every day, and every ``move_every``
    (from t = move_every on) the one-way moves and, while commuters are out, the sharing of
    the districts' counts. None without commuting or moves."""
    commuting = setup.edge_dest.size > 0
    moving = setup.moves.any() and setup.move_dest.size > 0
    if not (commuting or moving):
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    found: dict[float, int] = {}

    def add(values: np.ndarray, kind: int) -> None:
        for v in values:
            if 0.0 <= v <= t_end:
                key = round(float(v), 9)  # the same moment, however it was computed
                found[key] = found.get(key, 0) | kind

    add(output_times(t_end, setup.move_every)[1:], MOVES)
    if commuting:
        days = np.arange(int(np.ceil(t_end / setup.day)) + 1) * setup.day
        add(days + setup.work[0], OUT)
        add(days + setup.work[1], BACK)
    times = np.array(sorted(found))
    return times, np.array([found[t] for t in times], dtype=np.int64)


def simulate_metapop(
    model: Model,
    setup: MetapopSetup,
    times: np.ndarray,
    seeds: np.ndarray,
    dt: float,
    epsilon: float,
    progress: Callable[[int], None] | None = None,
    clock: np.ndarray | None = None,
    commuter_hours: float = COMMUTER_STEP_HOURS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run one replicate per seed. Returns the national counts (replicates × times ×
    compartments, int64), the event times (replicates × events), the regional counts
    (replicates × times × districts × compartments, int32), the arrival times
    (replicates × districts × 2) and how often each transition has fired in the whole
    country since t = 0 (replicates × times × transitions, int64). Commuters at work leap
    in fixed steps of ``commuter_hours`` (0: adaptively, as the residents do;
    benchmarks/bench_commuters.py compares the two)."""
    n_r, n_t, n_d, n_c = len(seeds), times.size, setup.n_regions, model.n_compartments
    out, fired = blank_output(model, times, n_r)
    regional = np.zeros((n_r, n_t, n_d, n_c), dtype=np.int32)
    arrival = np.full((n_r, n_d, 2), np.nan)
    flows = transition_totals(model, times, n_r)
    stops, kinds = stop_times(setup, float(times[-1]))
    clock = watched(clock)
    # the steps of rates that depend on t act everywhere and on no barrier or screen
    mask = per_kernel_event(model, setup.event_mask, True)
    barrier = per_kernel_event(model, setup.event_barrier, -1)
    leak = per_kernel_event(model, setup.event_leak, 1.0)
    screen = per_kernel_event(model, setup.event_screen, -1)
    screen_on = per_kernel_event(model, setup.event_screen_on, False)
    for r, seed in enumerate(seeds):
        metapop_replicate(
            setup.x0, model.state_compartment, model.src, model.dst, model.cat, model.den,
            model.rate, model.groups, model.offset, *by_source(model),
            times, event_arrays(model), mask, setup.trigger_mask,
            setup.edge_ptr, setup.edge_src, setup.edge_dest, setup.edge_rate,
            setup.commute, setup.returns, setup.moves, setup.move_ptr, setup.move_dest,
            setup.move_rate, stops, kinds, setup.crosses, setup.move_crosses,
            barrier, leak,
            (setup.screen_edges, setup.screen_sens, setup.screen_into, setup.screen_arrival,
             screen, screen_on), setup.infected,
            setup.zombies, dt, commuter_hours * setup.day / 24.0, epsilon, int(seed),
            out[r], regional[r], fired[r], arrival[r], flows[r], clock,
        )  # fmt: skip
        if progress:
            progress(1)
    return out, reported(model, fired), regional, arrival, flows
