"""Exact stochastic simulation: Gillespie's direct method, compiled with numba.

Events are applied exactly at their time: when the next reaction would come after an event,
the clock stops at the event, the event is applied, and the waiting time is drawn afresh
(exact, since waiting times are memoryless). Triggers are checked after every reaction
and event, so they fire at the exact moment their condition first holds.
"""

from __future__ import annotations

import math

import numpy as np

from jonas.engines.kernels import (
    apply_event,
    check_triggers,
    compiled,
    move,
    next_event,
    record,
    schedule,
    totals,
)


@compiled
def _propensities(X, C, D, src, cat, den, rate, a):  # pragma: no cover - compiled
    total = 0.0
    for j in range(rate.size):
        v = rate[j]
        s = src[j]
        if s >= 0:
            v *= X[s]
        c = cat[j]
        if c >= 0:
            v *= C[c]
        g = den[j]
        if g >= 0:
            v = v / D[g] if D[g] > 0 else 0.0
        a[j] = v
        total += v
    return total


@compiled
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
    ev_time,
    ev_trigger,
    ev_fraction,
    ev_dest,
    ev_base,
    ev_factor,
    trig_weights,
    trig_threshold,
    trig_op,
    seed,
    max_events,
    out,
    fired,
):  # pragma: no cover - compiled
    """One realisation. Fills ``out`` (times × compartments) and ``fired`` (each event's
    time, NaN if it never happened); returns the number of reactions (−1 if
    ``max_events`` was reached before the end)."""
    np.random.seed(seed)
    X = x0.copy()
    rate = rate0.copy()
    base = rate0.copy()
    factor = np.ones(rate0.size)
    C, D = totals(X, state_comp, groups, offset)
    a = np.empty(rate.size)
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    when = schedule(ev_time, ev_trigger, t_end)
    fired[:] = np.nan
    trig_time = np.full(trig_threshold.size, np.nan)
    watching = trig_threshold.size > 0
    t = 0.0
    k_out = 0
    events = 0
    if watching:
        check_triggers(
            t, C, trig_time, trig_weights, trig_threshold, trig_op, ev_time, ev_trigger, when, t_end
        )
    while True:
        a0 = _propensities(X, C, D, src, cat, den, rate, a)
        t_next = t - math.log(1.0 - np.random.random()) / a0 if a0 > 0.0 else math.inf
        e = next_event(when, fired) if when.size else -1
        if e >= 0 and when[e] <= t_next:
            t_ev = when[e]
            while k_out < n_out and out_times[k_out] < t_ev:
                record(out, k_out, C)
                k_out += 1
            apply_event(
                e,
                X,
                C,
                D,
                state_comp,
                groups,
                ev_fraction,
                ev_dest,
                ev_base,
                ev_factor,
                base,
                factor,
                rate,
            )
            fired[e] = t_ev
            t = t_ev
            if watching:
                check_triggers(
                    t,
                    C,
                    trig_time,
                    trig_weights,
                    trig_threshold,
                    trig_op,
                    ev_time,
                    ev_trigger,
                    when,
                    t_end,
                )
            continue
        while k_out < n_out and out_times[k_out] < t_next:
            record(out, k_out, C)
            k_out += 1
        if k_out == n_out:
            return events
        if events >= max_events:
            return -1
        # Choose the reaction: the first j whose cumulative propensity passes r.
        r = np.random.random() * a0
        j = 0
        acc = a[0]
        last = rate.size - 1
        while acc <= r and j < last:
            j += 1
            acc += a[j]
        while a[j] == 0.0:  # guard against round-off landing on a zero propensity
            j -= 1
        move(X, C, D, state_comp, groups, src[j], dst[j], 1)
        t = t_next
        events += 1
        if watching:
            check_triggers(
                t,
                C,
                trig_time,
                trig_weights,
                trig_threshold,
                trig_op,
                ev_time,
                ev_trigger,
                when,
                t_end,
            )
