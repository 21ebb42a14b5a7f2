"""Tau-leaping with binomial leaps: counts can never go negative.

In each step of length h, every state s loses Binomial(X_s, 1 − exp(−H_s·h)) individuals,
where H_s is the total per-capita hazard out of s with the catalysts frozen at the start of
the step; the leavers are split among the exits in proportion to their hazards (sequential
binomials = a multinomial). Constant inflows (births) are Poisson(rate·h).

Erlang chains leap as cohorts: every stage of a staged compartment has the same total
hazard H, so each person's moves form a Poisson process of rate H, and of those who made
d moves in the leap, Binomial(·, P(d+1, H·h)/P(d, H·h)) make another (P the regularised
incomplete gamma); each move advances a stage or leaves the chain in proportion to the
hazards. So a person may cross several stages in one leap, exactly, and stages neither lag
nor bound the step. Freezing the catalysts, and letting people who enter a state during a
leap (other than along a chain) leave it only in the next, are the approximations.

The step is chosen afresh each time by Cao, Gillespie & Petzold's (2006) rule, so that no
reactant's count is expected to change by more than a share ``epsilon`` of itself:
h = min over reactant states i of max(ε·X_i/2, 1)/|μ_i| and max(ε·X_i/2, 1)²/σ²_i, where
μ_i and σ²_i are the mean and variance of X_i's change per unit time. A chain's stages are
not reactants (unless the compartment is a catalyst); its exits count everyone in the
chain, since any of them may leave within the leap. A fixed step ``dt`` may be given
instead. Steps are shortened to land exactly on output and event times; triggers are
checked at the end of every step.
"""

from __future__ import annotations

import math

import numpy as np

from jonas.compiled import compiled
from jonas.engines.kernels import (
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
def _cao_step(X, src, dst, hazard, reactant, first, epsilon, mu, var):  # pragma: no cover
    """The largest step that keeps each reactant's expected relative change below ε. A
    chain's exits count everyone in the chain: any of them may leave within the leap."""
    mu[:] = 0.0
    var[:] = 0.0
    for j in range(hazard.size):
        s = src[j]
        people = X[s] if s >= 0 else 1.0
        if s >= 0 and first[s] >= 0:
            for k in range(first[s], s):
                people += X[k]
        a = hazard[j] * people
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
def _gamma_tail(n, x):  # pragma: no cover - compiled
    """P(n, x): the chance that a Poisson process of rate 1 has had n events by time x
    (the regularised lower incomplete gamma for integer n), as e^-x Σ_{i>=n} x^i/i! so that
    it stays accurate when it is tiny."""
    if n == 0:
        return 1.0
    term = 1.0
    for i in range(1, n + 1):
        term *= x / i
    total = term
    i = n
    while term > 1e-17 * total:
        i += 1
        term *= x / i
        total += term
    return math.exp(-x) * total


LEAPS, EVENTS, TRAVEL = 0, 1, 2  # what a stream is drawn for (segment_seed's ``kind``)


@compiled
def segment_seed(seed, t, kind):  # pragma: no cover - compiled
    """The random stream for the leaps (kind 0) or events (1) of a stretch of a run that
    starts at time ``t``: splitmix64 of the seed, t (to a microsecond) and the kind.
    Reseeding at each output and event time makes a stretch's numbers depend only on these,
    so a district of the metapop engine draws exactly what a single-population run with
    its seed draws, whatever else runs and on however many threads."""
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(kind)
    micro = np.int64(round(t * 1e6))  # t >= 0
    x ^= np.uint64(micro) + np.uint64(0x632BE59BD9B4E019)
    return np.uint32(mix64(x) & np.uint64(0xFFFFFFFF))


@compiled
def mix64(x):  # pragma: no cover - compiled
    """splitmix64's finaliser: every bit of x affects every bit of the result."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


@compiled
def leap_scratch(n_states, n_transitions, advance):  # pragma: no cover - compiled
    """Work arrays for :func:`leap`: hazards, changes, exits, the Erlang cohorts, μ and σ²."""
    depth = 1
    for s in range(n_states):
        if advance[s] >= 0:
            depth += 1
    return (
        np.empty(n_transitions),
        np.zeros(n_states, dtype=np.int64),
        np.zeros(n_states),
        np.zeros((n_states, depth + 1), dtype=np.int64),
        np.empty(n_states),
        np.empty(n_states),
    )


@compiled
def leap(
    t,
    t_stop,
    X,
    C,
    D,
    rate,
    state_comp,
    src,
    dst,
    cat,
    den,
    groups,
    offset,
    by_src_ptr,
    by_src_idx,
    births,
    reactant,
    advance,
    first,
    dt,
    epsilon,
    scratch,
    watching,
    events,
    trig_time,
    when,
    fired,
    t_end,
):  # pragma: no cover - compiled
    """Advance one population from t towards t_stop in binomial leaps. With ``watching``,
    triggers are checked after every leap, and a trigger that makes an event due before
    t_stop ends the stretch there. Returns (the time reached, the number of leaps)."""
    hazard, delta, exits, carried, mu, var = scratch
    depth = carried.shape[1] - 1
    n_states = X.size
    steps = 0
    while t < t_stop:
        _hazards(C, D, cat, den, rate, hazard)
        h = dt if dt > 0.0 else _cao_step(X, src, dst, hazard, reactant, first, epsilon, mu, var)
        t_next = min(t + h, t_stop)
        h = t_next - t

        delta[:] = 0
        for s in range(n_states):
            total = 0.0
            for q in range(by_src_ptr[s], by_src_ptr[s + 1]):
                total += hazard[by_src_idx[q]]
            exits[s] = total
        for s in range(n_states):
            total = exits[s]
            x = total * h
            a = advance[s]
            # The next stage takes the movers on within the leap only if it is the same
            # Poisson clock (equal total hazard, as every stage of a chain has).
            chained = a >= 0 and abs(exits[dst[a]] - total) <= 1e-12 * total
            # Only a chain's later stages can have been reached within this leap.
            deepest = depth if s > 0 and advance[s - 1] >= 0 else 0
            for d in range(deepest + 1):
                m = X[s] if d == 0 else carried[s, d]
                if m == 0:
                    continue
                if d > 0:
                    carried[s, d] = 0
                    delta[s] += m
                if total <= 0.0:
                    continue
                # Of those who made d moves in this leap, who makes one more: exact for the
                # Poisson clock of the chain (event times do not depend on event types).
                if d == 0:
                    p = -math.expm1(-x)
                else:
                    below = _gamma_tail(d, x)
                    p = _gamma_tail(d + 1, x) / below if below > 0.0 else 0.0
                leaving = np.random.binomial(m, min(p, 1.0))
                delta[s] -= leaving
                # Split the leavers among the exits: sequential conditional binomials.
                left = total
                for q in range(by_src_ptr[s], by_src_ptr[s + 1]):
                    if leaving == 0:
                        break
                    j = by_src_idx[q]
                    if q == by_src_ptr[s + 1] - 1 or hazard[j] >= left:
                        n = leaving
                    else:
                        n = np.random.binomial(leaving, hazard[j] / left)
                    left -= hazard[j]
                    leaving -= n
                    if j == a and chained and d + 1 <= depth:
                        carried[dst[j], d + 1] += n
                    elif dst[j] >= 0:
                        delta[dst[j]] += n
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
        t = t_next
        steps += 1
        if watching:
            watch(t, C, events, trig_time, when, t_end)
            e = next_event(when, fired)
            if e >= 0 and when[e] < t_stop:
                t_stop = max(when[e], t)
    return t, steps


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
    advance,
    first,
    out_times,
    events,
    dt,
    epsilon,
    seed,
    out,
    fired,
):  # pragma: no cover - compiled
    """One realisation; ``dt > 0`` fixes the step, else it is chosen adaptively with
    ``epsilon``. Fills ``out`` and ``fired`` as the SSA does; returns the number of steps.
    Each stretch between output and event times draws from its own stream
    (:func:`segment_seed`)."""
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    state = start(x0, rate0, state_comp, groups, offset, t_end, events, fired)
    X, C, D, _, _, rate, when, _, trig_time = state
    scratch = leap_scratch(X.size, rate.size, advance)
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
        if e >= 0 and when[e] <= t + eps_t:
            np.random.seed(segment_seed(seed, t, EVENTS))
        while e >= 0 and when[e] <= t + eps_t:
            fire_event(e, when[e], state, state_comp, groups, events, t_end)
            e = next_event(when, fired)
        while k_out < n_out and out_times[k_out] <= t + eps_t:
            record(out, k_out, C)
            k_out += 1
        if k_out == n_out:
            return steps
        t_stop = out_times[k_out]
        if e >= 0:
            t_stop = min(t_stop, when[e])
        np.random.seed(segment_seed(seed, t, LEAPS))
        t, n = leap(
            t, t_stop, X, C, D, rate, state_comp, src, dst, cat, den, groups, offset,
            by_src_ptr, by_src_idx, births, reactant, advance, first, dt, epsilon, scratch,
            has_triggers, events, trig_time, when, fired, t_end,
        )  # fmt: skip
        steps += n
