"""Numba helpers shared by the stochastic engines: counts, events and triggers.

All counts are int64. ``X`` holds state counts, ``C`` compartment totals, and ``D`` the
group denominators: weighted totals (group 0: N, the mixing population, weights 0 or 1;
others: the pools that capacity-limited flows share, weighted by priority). The event
bookkeeping mirrors :mod:`jonas.engines.schedule` (the ODE's).
"""

from __future__ import annotations

import math

import numpy as np

from jonas.compiled import compiled


@compiled
def group_totals(C, groups, offset, D):  # pragma: no cover - compiled
    """Fill D[g]: the weighted total of the compartments in group g plus its offset."""
    for g in range(groups.shape[0]):
        total = offset[g]
        for c in range(C.size):
            total += groups[g, c] * C[c]
        D[g] = total


@compiled
def totals(X, state_comp, groups, offset):  # pragma: no cover - compiled
    """Compartment totals C and group denominators D of the state counts X."""
    C = np.zeros(groups.shape[1], dtype=np.int64)
    for s in range(X.size):
        C[state_comp[s]] += X[s]
    D = np.empty(offset.size)
    group_totals(C, groups, offset, D)
    return C, D


@compiled
def pick(a, r):  # pragma: no cover - compiled
    """The reaction that fires: the first j whose cumulative propensity passes r, with r
    uniform on [0, Σa) (a[j] > 0)."""
    j = 0
    acc = a[0]
    last = a.size - 1
    while acc <= r and j < last:
        j += 1
        acc += a[j]
    while a[j] == 0.0:  # guard against round-off landing on a zero propensity
        j -= 1
    return j


@compiled
def watched_stop(t, t_stop, C, events, trig_time, when, fired, t_end):
    # pragma: no cover - compiled
    """After a step ending at t: check the triggers, and bring the stop forward to the
    first event they made due before it."""
    watch(t, C, events, trig_time, when, t_end)
    e = next_event(when, fired)
    if e >= 0 and when[e] < t_stop:
        return max(when[e], t)
    return t_stop


@compiled
def propensities(X, C, D, src, cat, den, rate, a):  # pragma: no cover - compiled
    """Each transition's propensity a[j] (events per unit time) and their sum. The same
    per-capita hazard as tau-leaping's, times X[src], fused into one pass and summed on the
    way: this runs once per reaction, the exact simulation's hot loop."""
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
def move(X, C, D, state_comp, groups, s, d, k):  # pragma: no cover - compiled
    """Move k individuals from state s to state d (−1: from or to nothing)."""
    if s >= 0:
        X[s] -= k
        c = state_comp[s]
        C[c] -= k
        for g in range(groups.shape[0]):
            D[g] -= groups[g, c] * k
    if d >= 0:
        X[d] += k
        c = state_comp[d]
        C[c] += k
        for g in range(groups.shape[0]):
            D[g] += groups[g, c] * k


@compiled
def apply_event(
    e, X, C, D, state_comp, groups, ev_fraction, ev_dest, ev_base, ev_factor, base, factor, rate
):  # pragma: no cover - compiled
    """Event e: cull Binomial(X[s], fraction) of each state s into dest[s]; then change
    transitions' base rates (parameter changes, flows switched) and factors (cordons):
    a rate is always base × factor, so the two kinds of change compose."""
    cull(e, X, C, D, state_comp, groups, ev_fraction, ev_dest)
    set_rates(e, ev_base, ev_factor, base, factor, rate)


@compiled
def cull(e, X, C, D, state_comp, groups, ev_fraction, ev_dest):  # pragma: no cover - compiled
    """Event e's moves: Binomial(X[s], fraction) of each state s into dest[s]."""
    for s in range(X.size):
        f = ev_fraction[e, s]
        if f <= 0.0 or X[s] == 0:
            continue
        k = X[s] if f >= 1.0 else np.random.binomial(X[s], f)
        move(X, C, D, state_comp, groups, s, ev_dest[e, s], k)


@compiled
def set_rates(e, ev_base, ev_factor, base, factor, rate):  # pragma: no cover - compiled
    """Event e's changes of rates: new base rates and factors (NaN: unchanged)."""
    for j in range(rate.size):
        b = ev_base[e, j]
        f = ev_factor[e, j]
        if not math.isnan(b):
            base[j] = b
        if not math.isnan(f):
            factor[j] = f
        if not (math.isnan(b) and math.isnan(f)):
            rate[j] = base[j] * factor[j]


@compiled
def schedule(ev_time, ev_trigger, t_end):  # pragma: no cover - compiled
    """When each event is due: fixed times now, triggered ones once their trigger fires."""
    when = np.full(ev_time.size, np.inf)
    for e in range(ev_time.size):
        if ev_trigger[e] < 0 and ev_time[e] <= t_end:
            when[e] = ev_time[e]
    return when


@compiled
def next_event(when, fired):  # pragma: no cover - compiled
    """The unfired event due first (the lowest index among ties), or −1."""
    best = -1
    for e in range(when.size):
        if math.isnan(fired[e]) and when[e] < np.inf and (best < 0 or when[e] < when[best]):
            best = e
    return best


@compiled
def check_triggers(
    t, C, trig_time, weights, threshold, op, ev_time, ev_trigger, when, t_end
):  # pragma: no cover - compiled
    """Fire every pending trigger whose condition holds now; schedule its events. Returns
    whether any fired."""
    any_fired = False
    for k in range(threshold.size):
        if not math.isnan(trig_time[k]):
            continue
        v = 0.0
        for c in range(C.size):
            v += weights[k, c] * C[c]
        trigger_if(k, v, t, threshold, op, trig_time, ev_time, ev_trigger, when, t_end)
        any_fired |= not math.isnan(trig_time[k])
    return any_fired


@compiled
def trigger_if(
    k, v, t, threshold, op, trig_time, ev_time, ev_trigger, when, t_end
):  # pragma: no cover - compiled
    """Trigger k fires at t if its count v meets its condition: its events become due."""
    o = op[k]
    hit = (
        v > threshold[k]
        if o == 0
        else (v >= threshold[k] if o == 1 else (v < threshold[k] if o == 2 else v <= threshold[k]))
    )
    if hit:
        trig_time[k] = t
        for e in range(ev_time.size):
            if ev_trigger[e] == k and t + ev_time[e] <= t_end:
                when[e] = t + ev_time[e]


@compiled
def start(
    x0, rate0, state_comp, groups, offset, t_end, events, fired
):  # pragma: no cover - compiled
    """A replicate's mutable state at t = 0: counts X, totals C, denominators D, the rates
    (base × factor), when each event is due, when each trigger fired. ``fired`` is reset."""
    X = x0.copy()
    C, D = totals(X, state_comp, groups, offset)
    base = rate0.copy()
    factor = np.ones(rate0.size)
    rate = rate0.copy()
    when = schedule(events[0], events[1], t_end)
    fired[:] = np.nan
    trig_time = np.full(events[7].size, np.nan)
    return X, C, D, base, factor, rate, when, fired, trig_time


@compiled
def watch(t, C, events, trig_time, when, t_end):  # pragma: no cover - compiled
    """Check the pending triggers (if the model has any) against the counts at time t;
    returns whether any fired (its events may now be due)."""
    ev_time, ev_trigger, _, _, _, _, weights, threshold, op = events
    if threshold.size:
        return check_triggers(
            t, C, trig_time, weights, threshold, op, ev_time, ev_trigger, when, t_end
        )
    return False


@compiled
def fire_event(e, t, state, state_comp, groups, events, t_end):  # pragma: no cover - compiled
    """Apply event e at time t, record when it happened, and check the triggers after it."""
    X, C, D, base, factor, rate, when, fired, trig_time = state
    _, _, fraction, dest, ev_base, ev_factor, _, _, _ = events
    apply_event(
        e, X, C, D, state_comp, groups, fraction, dest, ev_base, ev_factor, base, factor, rate
    )
    fired[e] = t
    watch(t, C, events, trig_time, when, t_end)


@compiled
def record(out, row, C):  # pragma: no cover - compiled
    for c in range(C.size):
        out[row, c] = C[c]
