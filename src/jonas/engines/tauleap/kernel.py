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
    move,
    next_event,
    pick,
    propensities,
    record,
    start,
    watch,
    watched_stop,
)


@compiled
def _hazards(C, D, src, cat, den, rate, hazard, exits):  # pragma: no cover - compiled
    """Per-capita hazard of each transition (absolute rate for sourceless ones), and each
    state's total hazard out (``exits``), summed in one pass: a state's transitions in
    their order, as the leap splits its leavers among them."""
    exits[:] = 0.0
    for j in range(rate.size):
        v = rate[j]
        c = cat[j]
        if c >= 0:
            v *= C[c]
        g = den[j]
        if g >= 0:
            v = v / D[g] if D[g] > 0 else 0.0
        hazard[j] = v
        s = src[j]
        if s >= 0:
            exits[s] += v


@compiled
def _cao_step(X, Xo, src, dst, hazard, reactant, first, epsilon, mu, var, crit):
    # pragma: no cover - compiled
    """The largest step that keeps each reactant's expected relative change below ε under
    the reactions that leap (not the critical ones, which happen one at a time). A chain's
    exits count everyone in the chain: any of them may leave within the leap. Counts are
    the place's: this population's X and the others there, Xo."""
    mu[:] = 0.0
    var[:] = 0.0
    for j in range(hazard.size):
        s = src[j]
        if s >= 0 and crit[s]:
            continue
        people = X[s] + Xo[s] if s >= 0 else 1.0
        if s >= 0 and first[s] >= 0:
            for k in range(first[s], s):
                people += X[k] + Xo[k]
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
        bound = max(epsilon * (X[i] + Xo[i]) / 2.0, 1.0)
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


#: A state (or a whole Erlang chain) that other reactions depend on and that holds fewer
#: people than this does not leap: each of its reactions is "critical" (Cao, Gillespie &
#: Petzold 2006's n_c = 10) and happens one event at a time, at its exact time.
CRITICAL = 10
#: A leap that would be no longer than this many of the exact simulation's mean steps
#: (1/a0) is not worth taking (Cao et al.'s 10): exact steps are made instead ...
SSA_WORTH = 10.0
#: ... this many of them (Cao et al.'s 100), before a leap is considered again.
SSA_STEPS = 100


@compiled
def _critical(
    X, Xo, D, advance, state_comp, catalyst, pool, groups, offset, watched, crit
):  # pragma: no cover - compiled
    """Which states are critical: a lone state, or every stage of an Erlang chain, holding
    fewer than CRITICAL people in all, in a compartment that other rates depend on much: a
    catalyst, or a member of a capacity pool that holds fewer than CRITICAL people in all
    (one person more or less there moves the rates of everyone in it). A chain leaps or not
    as one, since its people may cross several stages within a leap. Other states leap even
    when few: each of their people leaves on its own clock within a leap exactly
    (binomially), and that changes no other rate much, so stopping the leap there would
    gain nothing."""
    for c in range(watched.size):
        watched[c] = catalyst[c]
    for g in range(1, offset.size):
        if pool[g] and D[g] - offset[g] < CRITICAL:
            for c in range(watched.size):
                if groups[g, c] > 0.0:
                    watched[c] = True
    n = X.size
    s = 0
    while s < n:
        end = s
        total = X[s] + Xo[s]
        while advance[end] >= 0:  # stage `end` advances to end + 1, in the same chain
            end += 1
            total += X[end] + Xo[end]
        few = total < CRITICAL and watched[state_comp[s]]
        for k in range(s, end + 1):
            crit[k] = few
        s = end + 1


@compiled
def _dependencies(cat, den, catalyst, pool):  # pragma: no cover - compiled
    """The compartments that are catalysts, and the groups that are capacity pools (group
    0, the mixing population N, is not one: it counts everyone)."""
    catalyst[:] = False
    pool[:] = False
    for j in range(cat.size):
        if cat[j] >= 0:
            catalyst[cat[j]] = True
        if den[j] > 0:
            pool[den[j]] = True


@compiled
def _exact_steps(
    t, t_stop, X, C, D, rate, state_comp, src, dst, cat, den, groups, a, count, watching,
    events, trig_time, when, fired, t_end, fires,
):  # pragma: no cover - compiled  # fmt: skip
    """Up to ``count`` steps of the exact simulation (Gillespie's direct method) from t,
    stopping at t_stop (a trigger may bring it forward); each transition's firings are
    added to ``fires``. Returns (t, steps, t_stop)."""
    steps = 0
    while steps < count:
        a0 = propensities(X, C, D, src, cat, den, rate, a)
        if a0 <= 0.0:
            return t_stop, steps, t_stop
        t_next = t - math.log(1.0 - np.random.random()) / a0
        if t_next >= t_stop:  # memoryless: nothing happens before the stop
            return t_stop, steps, t_stop
        j = pick(a, np.random.random() * a0)
        move(X, C, D, state_comp, groups, src[j], dst[j], 1)
        fires[j] += 1
        t = t_next
        steps += 1
        if watching:
            t_stop = watched_stop(t, t_stop, C, events, trig_time, when, fired, t_end)
    return t, steps, t_stop


@compiled
def _midpoint(X, Xo, C, hazard, src, dst, state_comp, crit, h, mid, mid_pool, groups, offset):
    # pragma: no cover - compiled
    """The compartment totals (and pools) that set a leap's hazards: the people there at
    its start, each counted for the share of the leap they are expected to stay (to first
    order, X·(1 − H·h/2)), as the exact process counts them. Those who arrive during the
    leap are not counted: in a leap they act only from the next one on, for their whole
    (memoryless) stay, so their time is not lost, only delayed. Freezing the leavers for the
    whole leap instead would lengthen every stay by h/2 (R0 inflated by about γ·h/2)."""
    for c in range(C.size):
        mid[c] = C[c]
    half = 0.5 * h
    for j in range(hazard.size):
        s = src[j]
        if s < 0 or crit[s]:
            continue
        v = hazard[j] * (X[s] + Xo[s]) * half
        if v != 0.0:
            mid[state_comp[s]] -= v
    for c in range(C.size):
        if mid[c] < 0.0:
            mid[c] = 0.0
    group_totals(mid, groups, offset, mid_pool)


@compiled
def leap_scratch(n_states, n_transitions, advance, cat, den, n_compartments, n_groups):
    # pragma: no cover - compiled
    """Work arrays for :func:`leap`, made once per run rather than at every call (the
    metapop engine calls it for each population at every stop): hazards, changes, exits,
    the Erlang cohorts, μ and σ², which states are critical, propensities, the leap's
    midpoint totals and pools, the compartments watched for criticality, and which
    compartments are catalysts and which groups capacity pools (fixed by the model)."""
    depth = 1
    for s in range(n_states):
        if advance[s] >= 0:
            depth += 1
    catalyst = np.zeros(n_compartments, dtype=np.bool_)
    pool = np.zeros(n_groups, dtype=np.bool_)
    _dependencies(cat, den, catalyst, pool)
    return (
        np.empty(n_transitions),
        np.zeros(n_states, dtype=np.int64),
        np.zeros(n_states),
        np.zeros((n_states, depth + 1), dtype=np.int64),
        np.empty(n_states),
        np.empty(n_states),
        np.zeros(n_states, dtype=np.bool_),
        np.zeros(n_transitions),
        np.empty(n_compartments),
        np.empty(n_groups),
        np.zeros(n_compartments, dtype=np.bool_),
        catalyst,
        pool,
    )


@compiled
def leap(
    t,
    t_stop,
    X,
    Xo,
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
    fires,
    watching,
    events,
    trig_time,
    when,
    fired,
    t_end,
):  # pragma: no cover - compiled
    """Advance one population from t towards t_stop. With ``watching``, triggers are
    checked after every step, and a trigger that makes an event due before t_stop ends the
    stretch there. Each transition's firings are added to ``fires`` (for the incidence).
    Returns (the time reached, the number of steps: leaps and exact ones).

    With a fixed ``dt``, binomial leaps of dt. Otherwise (the default) Cao, Gillespie &
    Petzold's (2006) adaptive leap with critical reactions: states (and chains) holding
    fewer than CRITICAL people do not leap; the first of their reactions happens at its
    exact time (an exponential clock with their total propensity), while the others leap
    up to then; and where a leap would be no longer than SSA_WORTH exact steps, SSA_STEPS
    exact steps are made instead. So small counts (an outbreak's first cases, its last
    zombies, a district's first arrivals) follow the exact process.

    ``Xo`` are the people of other populations in the same place (the metapop engine's
    commuters; zeros elsewhere), who mix with these (their compartments are in ``C``): the
    step, the critical states and the switch to exact steps are chosen on the place's
    counts, X + Xo, and the events drawn are this population's."""
    hazard, delta, exits, carried, mu, var, crit, prop, mid, mid_pool, watched, catalyst, pool = (
        scratch
    )
    depth = carried.shape[1] - 1
    n_states = X.size
    steps = 0
    crit[:] = False
    while t < t_stop:
        _hazards(C, D, src, cat, den, rate, hazard, exits)
        fire = False
        if dt > 0.0:
            h = dt
        else:
            _critical(X, Xo, D, advance, state_comp, catalyst, pool, groups, offset, watched, crit)
            a0 = 0.0  # this population's propensity
            a_place = 0.0  # and the place's
            a_crit = 0.0
            for j in range(hazard.size):
                s = src[j]
                v = hazard[j] * X[s] if s >= 0 else hazard[j]
                a0 += v
                a_place += v + (hazard[j] * Xo[s] if s >= 0 else 0.0)
                if s >= 0 and crit[s]:
                    prop[j] = v
                    a_crit += v
                else:
                    prop[j] = 0.0
            if a0 <= 0.0:  # nothing can happen any more
                t = t_stop
                break
            h = _cao_step(X, Xo, src, dst, hazard, reactant, first, epsilon, mu, var, crit)
            if h < SSA_WORTH / a_place:
                t, n, t_stop = _exact_steps(
                    t, t_stop, X, C, D, rate, state_comp, src, dst, cat, den, groups, prop,
                    SSA_STEPS, watching, events, trig_time, when, fired, t_end, fires,
                )  # fmt: skip
                steps += n
                continue
            if a_crit > 0.0:
                wait = -math.log(1.0 - np.random.random()) / a_crit
                if wait < h:
                    h = wait
                    fire = True
        t_next = min(t + h, t_stop)
        if t_next < t + h:
            fire = False  # the stop comes first: memoryless, nothing critical happens before it
        h = t_next - t
        if dt <= 0.0 and h > 0.0:
            _midpoint(
                X, Xo, C, hazard, src, dst, state_comp, crit, h, mid, mid_pool, groups, offset
            )
            _hazards(mid, mid_pool, src, cat, den, rate, hazard, exits)

        delta[:] = 0
        for s in range(n_states):
            if crit[s]:
                continue  # critical: one event at a time, below
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
                    fires[j] += n
                    if j == a and chained and d + 1 <= depth:
                        carried[dst[j], d + 1] += n
                    elif dst[j] >= 0:
                        delta[dst[j]] += n
        for q in range(births.size):
            j = births[q]
            m = np.random.poisson(hazard[j] * h)
            fires[j] += m
            if dst[j] >= 0:
                delta[dst[j]] += m
        # Apply the changes in place (no allocation per step).
        for s in range(n_states):
            d = delta[s]
            if d != 0:
                X[s] += d
                C[state_comp[s]] += d
        group_totals(C, groups, offset, D)
        if fire:
            # One critical reaction at t_next, chosen by the propensities at the leap's
            # start (prop[j]: 0 for those that leapt). Its source still holds its people:
            # critical states lose none in the leap.
            j = pick(prop, np.random.random() * a_crit)
            move(X, C, D, state_comp, groups, src[j], dst[j], 1)
            fires[j] += 1
        t = t_next
        steps += 1
        if watching:
            t_stop = watched_stop(t, t_stop, C, events, trig_time, when, fired, t_end)
    return t, steps


@compiled(nogil=True)
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
    flows,
    clock,
):  # pragma: no cover - compiled
    """One realisation; ``dt > 0`` fixes the step, else it is chosen adaptively with
    ``epsilon``. Fills ``out``, ``fired`` and ``flows`` as the SSA does; returns the number
    of steps.
    Each stretch between output and event times draws from its own stream
    (:func:`segment_seed`). ``clock[0]`` follows the simulated time."""
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    state = start(x0, rate0, state_comp, groups, offset, t_end, events, fired)
    X, C, D, _, _, rate, when, _, trig_time = state
    scratch = leap_scratch(X.size, rate.size, advance, cat, den, C.size, offset.size)
    nobody = np.zeros_like(X)  # no one else mixes with this population
    fires = np.zeros(rate.size, dtype=np.int64)
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
            record(flows, k_out, fires)
            k_out += 1
        clock[0] = t
        if k_out == n_out:
            return steps
        t_stop = out_times[k_out]
        if e >= 0:
            t_stop = min(t_stop, when[e])
        np.random.seed(segment_seed(seed, t, LEAPS))
        t, n = leap(
            t, t_stop, X, nobody, C, D, rate, state_comp, src, dst, cat, den, groups, offset,
            by_src_ptr, by_src_idx, births, reactant, advance, first, dt, epsilon, scratch,
            fires, has_triggers, events, trig_time, when, fired, t_end,
        )  # fmt: skip
        steps += n
