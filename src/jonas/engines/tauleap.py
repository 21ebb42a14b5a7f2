"""Tau-leaping with binomial leaps: counts can never go negative.

In each step of length h, every state s loses Binomial(X_s, 1 − exp(−H_s·h)) individuals,
where H_s is the total per-capita hazard out of s with the catalysts frozen at the start of
the step; the leavers are split among the exits in proportion to their hazards (sequential
binomials = a multinomial). Constant inflows (births) are Poisson(rate·h). Freezing the
catalysts, and letting each individual move at most once per step, are the approximations.

The step is chosen afresh each time by Cao, Gillespie & Petzold's (2006) rule, so that no
reactant's count is expected to change by more than a share ``epsilon`` of itself:
h = min over reactant states i of max(ε·X_i/2, 1)/|μ_i| and max(ε·X_i/2, 1)²/σ²_i, where
μ_i and σ²_i are the mean and variance of X_i's change per unit time. A fixed step ``dt``
may be given instead. Steps are shortened to land exactly on output and event times;
triggers are checked at the end of every step.
"""

from __future__ import annotations

import math

import numpy as np

from jonas.engines.kernels import (
    compiled,
    fire_event,
    group_totals,
    next_event,
    record,
    start,
    watch,
)


@compiled
def _hazards(C, D, cat, den, rate, hazard):  # pragma: no cover - compiled
    """Per-capita hazard of each transition (absolute rate for sourceless ones)."""
    for j in range(rate.size):
        v = rate[j]
        c = cat[j]
        if c >= 0:
            v *= C[c]
        g = den[j]
        if g >= 0:
            v = v / D[g] if D[g] > 0 else 0.0
        hazard[j] = v


@compiled
def _cao_step(X, src, dst, hazard, reactant, epsilon, mu, var):  # pragma: no cover - compiled
    """The largest step that keeps each reactant's expected relative change below ε."""
    mu[:] = 0.0
    var[:] = 0.0
    for j in range(hazard.size):
        s = src[j]
        a = hazard[j] * (X[s] if s >= 0 else 1.0)
        if a <= 0.0:
            continue
        if s >= 0:
            mu[s] -= a
            var[s] += a
        d = dst[j]
        if d >= 0:
            mu[d] += a
            var[d] += a
    h = math.inf
    for i in range(X.size):
        if not reactant[i]:
            continue
        bound = max(epsilon * X[i] / 2.0, 1.0)
        if mu[i] != 0.0:
            h = min(h, bound / abs(mu[i]))
        if var[i] > 0.0:
            h = min(h, bound * bound / var[i])
    return h


@compiled
def tauleap_replicate(
    x0,
    state_comp,
    src,
    dst,
    cat,
    den,
    rate0,
    groups,
    offset,
    by_src_ptr,
    by_src_idx,
    births,
    reactant,
    out_times,
    events,
    dt,
    epsilon,
    seed,
    out,
    fired,
):  # pragma: no cover - compiled
    """One realisation; ``dt > 0`` fixes the step, else it is chosen adaptively with
    ``epsilon``. Fills ``out`` and ``fired`` as the SSA does; returns the number of steps."""
    np.random.seed(seed)
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    state = start(x0, rate0, state_comp, groups, offset, t_end, events, fired)
    X, C, D, _, _, rate, when, _, trig_time = state
    n_states = X.size
    hazard = np.empty(rate.size)
    delta = np.zeros(n_states, dtype=np.int64)
    mu = np.empty(n_states)
    var = np.empty(n_states)
    # Checked once: the per-step calls take the whole events tuple; skip them when idle.
    has_events = when.size > 0
    has_triggers = trig_time.size > 0
    t = 0.0
    k_out = 0
    steps = 0
    eps_t = 1e-12 * max(1.0, t_end)
    watch(t, C, events, trig_time, when, t_end)
    while True:
        # Events due now (each may fire triggers that make more events due), then outputs.
        e = next_event(when, fired) if has_events else -1
        while e >= 0 and when[e] <= t + eps_t:
            fire_event(e, when[e], state, state_comp, groups, events, t_end)
            e = next_event(when, fired)
        while k_out < n_out and out_times[k_out] <= t + eps_t:
            record(out, k_out, C)
            k_out += 1
        if k_out == n_out:
            return steps
        _hazards(C, D, cat, den, rate, hazard)
        h = dt if dt > 0.0 else _cao_step(X, src, dst, hazard, reactant, epsilon, mu, var)
        t_stop = min(t + h, out_times[k_out])
        if e >= 0:
            t_stop = min(t_stop, when[e])
        h = t_stop - t

        delta[:] = 0
        for s in range(n_states):
            if X[s] == 0:
                continue
            lo = by_src_ptr[s]
            hi = by_src_ptr[s + 1]
            total = 0.0
            for q in range(lo, hi):
                total += hazard[by_src_idx[q]]
            if total <= 0.0:
                continue
            leaving = np.random.binomial(X[s], -math.expm1(-total * h))
            delta[s] -= leaving
            # Split the leavers among the exits: sequential conditional binomials.
            for q in range(lo, hi):
                if leaving == 0:
                    break
                j = by_src_idx[q]
                if q == hi - 1 or hazard[j] >= total:
                    m = leaving
                else:
                    m = np.random.binomial(leaving, hazard[j] / total)
                total -= hazard[j]
                leaving -= m
                if dst[j] >= 0:
                    delta[dst[j]] += m
        for q in range(births.size):
            j = births[q]
            m = np.random.poisson(hazard[j] * h)
            if dst[j] >= 0:
                delta[dst[j]] += m
        # Apply the changes in place (no allocation per step).
        for s in range(n_states):
            d = delta[s]
            if d != 0:
                X[s] += d
                C[state_comp[s]] += d
        group_totals(C, groups, offset, D)
        t = t_stop
        steps += 1
        if has_triggers:
            watch(t, C, events, trig_time, when, t_end)
