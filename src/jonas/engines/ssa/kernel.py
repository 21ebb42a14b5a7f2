"""Exact stochastic simulation: Gillespie's direct method, compiled with numba.

Events are applied exactly at their time: when the next reaction would come after an event,
the clock stops at the event, the event is applied, and the waiting time is drawn afresh
(exact, since waiting times are memoryless). Triggers are checked after every reaction
and event, so they fire at the exact moment their condition first holds.
"""

from __future__ import annotations

import math

import numpy as np

from jonas.compiled import compiled
from jonas.engines.kernels import (
    fire_event,
    move,
    next_event,
    pick,
    propensities,
    record,
    start,
    totals,
    watch,
)


@compiled(nogil=True)
def ssa_replicate(
    x0,
    state_comp,
    src,
    dst,
    cat,
    den,
    rate0,
    groups,
    offset,
    out_times,
    events,
    seed,
    max_events,
    out,
    fired,
    flows,
    clock,
):  # pragma: no cover - compiled
    """One realisation. ``events`` is the tuple :func:`jonas.engines.event_arrays` builds,
    or None for a model with neither events nor triggers.
    Fills ``out`` (times × compartments), ``fired`` (each event's time, NaN if it never
    happened) and ``flows`` (times × transitions: how often each has fired since t = 0,
    for the incidence); returns the number of reactions (−1 if ``max_events`` was reached first).
    ``clock[0]`` follows the simulated time, output by output (someone may be watching)."""
    np.random.seed(seed)
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    # A model with neither events nor triggers comes with `events` None: numba then
    # compiles none of their code (culls and their binomial draws, triggers): a first
    # compile of 1.3 s of CPU instead of 4.7 s; the branches below on `events` are pruned
    # by its type.
    if events is None:
        X = x0.copy()
        C, D = totals(X, state_comp, groups, offset)
        rate = rate0
    else:
        state = start(x0, rate0, state_comp, groups, offset, t_end, events, fired)
        X, C, D, _, _, rate, when, _, trig_time = state
    a = np.empty(rate.size)
    fires = np.zeros(rate.size, dtype=np.int64)
    t = 0.0
    k_out = 0
    reactions = 0
    e = -1
    has_triggers = False
    if events is not None:
        # Checked once: most models have no events or no triggers, and the per-reaction
        # calls (which take the whole events tuple) are then skipped.
        has_triggers = trig_time.size > 0
        watch(t, C, events, trig_time, when, t_end)
        # The next event changes only when one fires or a trigger schedules some: looked
        # for then, not at every reaction (a rate that depends on t brings thousands).
        if when.size > 0:
            e = next_event(when, fired)
    while True:
        a0 = propensities(X, C, D, src, cat, den, rate, a)
        t_next = t - math.log(1.0 - np.random.random()) / a0 if a0 > 0.0 else math.inf
        if events is not None and e >= 0 and when[e] <= t_next:
            t = when[e]
            while k_out < n_out and out_times[k_out] < t:
                record(out, k_out, C)
                record(flows, k_out, fires)
                k_out += 1
            fire_event(e, t, state, state_comp, groups, events, t_end)
            e = next_event(when, fired)
            continue
        while k_out < n_out and out_times[k_out] < t_next:
            record(out, k_out, C)
            record(flows, k_out, fires)
            clock[0] = out_times[k_out]
            k_out += 1
        if k_out == n_out:
            return reactions
        if reactions >= max_events:
            return -1
        j = pick(a, np.random.random() * a0)
        move(X, C, D, state_comp, groups, src[j], dst[j], 1)
        fires[j] += 1
        t = t_next
        reactions += 1
        if events is not None and has_triggers and watch(t, C, events, trig_time, when, t_end):
            e = next_event(when, fired)
