"""The metapop engine's kernel: one well-mixed place per region ("district"), where its
residents live, coupled by commuting and other moves.

People live in districts. Each day, at the first of ``work_hours``, a share of each
district's residents commute to other districts (``commute`` per state: the afraid and the
zombies stay), and at the second they come home (``returns`` per state: the living; a
commuter who turned stays where he turned, as a zombie of that district). So the model
holds *populations*: row d of ``P`` (d < number of districts) is district d's people at
home; row n_d + q is the commuters of edge q (home ``edge_src[q]``) while at work in
``edge_dest[q]``. Everyone present in a district mixes: every population there leaps with
the district's totals (its own changes counted at once, the others' as they were at the
last stop), and chooses its steps (their length, the critical states, exact steps) on the
district's counts, so a small group of commuters leaps with the crowd it is in. Moves
that are not commuting (``moves``: the afraid fleeing, zombies wandering) are one way,
from home, every ``move_every``.

Each population runs the model's tau-leaping (:func:`jonas.engines.tauleap.kernel.leap`,
the same compiled step as the ``tauleap`` engine, critical reactions included) between
*stops*: output times, event times and move times (every ``move_every``, and the two
commuting hours of each day). At a stop, in this order:

1. triggers are checked on the counts present, summed over their intervention's regions,
   and the events due act on everyone present in the districts of their intervention's
   ``regions`` (a cordon or a travel ban around regions also cuts the commuting and moves
   across its border down to ``leak``: commuters held at work by it come home, each
   evening, with chance ``leak``);
2. people move: commuters come home (evening), one-way moves (each moving state loses
   Binomial(X, 1 − exp(−m·r·Δ)) people, m its rate, r the district's roaming rate, Δ the
   time since the last moves, spread over a symmetric network of destinations by
   sequential binomials), commuters leave (morning: Binomial(X, trips·move) per state,
   spread over their destinations by commuting share);
3. the counts present in each district are recorded, and each district's arrival times
   (first infected, first 100 zombies) are checked.

Random numbers: every district has its own seed (:func:`district_seed`), and each stretch
of its run (its residents, then its groups of commuters, in a fixed order) draws from a
stream that depends only on that seed, the stretch's start and what it is for
(:func:`jonas.engines.tauleap.kernel.segment_seed`), as in the tauleap engine. So the
districts run in parallel threads (numba ``prange``) with the same numbers whatever
the thread count; and with no commuting, no moves, no regional events and no triggers,
district d's run is exactly a ``tauleap`` run of that district alone with seed
``district_seed(seed, d)``. Approximations beyond tau-leaping's: the populations present in
one district see each other's changes at stops (every hour by default), not at once;
triggers are checked at stops, not after every leap; moves happen at stops.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from jonas.compiled import compiled
from jonas.engines.kernels import (
    cull,
    group_totals,
    next_event,
    schedule,
    set_rates,
    trigger_if,
)
from jonas.engines.tauleap.kernel import (
    EVENTS,
    LEAPS,
    TRAVEL,
    leap,
    leap_scratch,
    mix64,
    segment_seed,
)

#: Zombies in a district that count as its outbreak having arrived (regions.parquet).
ZOMBIE_ARRIVAL = 100
#: What happens at a move time (flags): one-way moves, commuters leaving, coming back.
MOVES, OUT, BACK = 1, 2, 4
#: Commuters at work leap in fixed steps of this many hours (see _leap_places).
COMMUTER_STEP_HOURS = 0.25


@compiled
def district_seed(seed, d):  # pragma: no cover - compiled
    """District d's seed in a replicate whose seed is ``seed`` (64-bit mix, 32 bits kept)."""
    x = np.uint64(seed) ^ (np.uint64(d + 1) * np.uint64(0xD1B54A32D192ED03))
    return np.int64(mix64(x) & np.uint64(0xFFFFFFFF))


@compiled
def _busy(X, C, D, src, cat, den, rate, births):  # pragma: no cover - compiled
    """Whether anything can happen in a district: some transition with people to move and
    a positive rate (and catalyst). An idle district draws nothing, so it is skipped."""
    if births.size:
        return True
    for j in range(rate.size):
        if rate[j] <= 0.0 or X[src[j]] == 0:
            continue
        c = cat[j]
        if c >= 0 and C[c] == 0:
            continue
        g = den[j]
        if g >= 0 and D[g] <= 0:
            continue
        return True
    return False


@compiled(parallel=True)
def _leap_places(
    t, t_stop, P, occupied, Po, Cp, Dp, rate, at_ptr, at_idx, seeds, state_comp, src, dst, cat, den,
    groups, offset, ptr, idx, births, reactant, advance, first, dt, commuter_dt, epsilon,
    scratch, fires, events, trig_time, when, fired, t_end,
):  # pragma: no cover - compiled  # fmt: skip
    """Every district from t to t_stop, in parallel: its residents, then each group of
    commuters there, one after the other on the district's own stream, each transition's
    firings added to the district's row of ``fires``. Births (constant inflows) happen at
    home only. Commuters leap in fixed steps of ``commuter_dt`` (their
    hazards are the district's, which the others' counts set and their own barely move;
    see the module notes), the residents as the ``tauleap`` engine does."""
    hazard, delta, exits, carried, mu, var, crit, a, mid, mid_pool, watched, catalyst, pool = (
        scratch
    )
    none = births[:0]
    n_d = at_ptr.size - 1
    steps = np.zeros(n_d, dtype=np.int64)
    for i in numba.prange(n_d):
        d = np.int64(i)  # (prange's index is unsigned: it must not mix with int64 into float)
        seeded = False
        for k in range(-1, at_ptr[d + 1] - at_ptr[d]):  # residents, then commuters
            p = d if k < 0 else at_idx[at_ptr[d] + k]
            if k >= 0 and not occupied[p]:
                continue  # commuters not at work (at night, most groups): nothing to do
            inflow = births if k < 0 else none
            if not _busy(P[p], Cp[p], Dp[p], src, cat, den, rate[d], inflow):
                continue
            if not seeded:
                np.random.seed(segment_seed(seeds[d], t, LEAPS))
                seeded = True
                own = (
                    hazard[d], delta[d], exits[d], carried[d], mu[d], var[d], crit[d], a[d],
                    mid[d], mid_pool[d], watched[d], catalyst, pool,
                )  # fmt: skip
            step = dt if k < 0 or dt > 0.0 else commuter_dt
            reached = leap(
                t, t_stop, P[p], Po[p], Cp[p], Dp[p], rate[d], state_comp, src, dst, cat,
                den, groups, offset, ptr, idx, inflow, reactant, advance, first, step,
                epsilon, own, fires[d], False, events, trig_time, when, fired, t_end,
            )  # fmt: skip
            steps[d] += reached[1]
    return steps.sum()


@compiled
def _spread(P, s, leaving, q0, q1, edge_dest, weight, total, to_pool, n_d):
    # pragma: no cover - compiled
    """Spread ``leaving`` people of state s over edges q0..q1 in proportion to ``weight``
    (summing to ``total``) by sequential binomials: into the edge's commuter population
    (``to_pool``) or into its destination's residents."""
    left = total
    for q in range(q0, q1):
        if leaving == 0:
            break
        r = weight[q]
        n = leaving if q == q1 - 1 or r >= left else np.random.binomial(leaving, r / left)
        left -= r
        leaving -= n
        if to_pool:
            P[n_d + q, s] += n
        else:
            P[edge_dest[q], s] += n


@compiled
def _leave_home(P, n_d, ptr, dest, open_rate, factor, h, to_pool):  # pragma: no cover
    """People leave home along a network (``open_rate``: each edge's rate times the
    barriers' leaks; ``factor``: each state's factor on it), spread over the destinations
    in proportion to the edges' rates. With h = 0 the rates are shares of a day (the
    morning's commuters, Binomial(X, trips·move), into their groups: ``to_pool``); with
    h > 0 they are rates per time (one-way moves over h: Binomial(X, 1 − exp(−m·r·h)), m
    the state's rate and r the district's total roaming rate; they settle there)."""
    for i in range(n_d):
        q0, q1 = ptr[i], ptr[i + 1]
        total = 0.0
        for q in range(q0, q1):
            total += open_rate[q]
        if total <= 0.0:
            continue
        for s in range(P.shape[1]):
            f = factor[s]
            if f <= 0.0 or P[i, s] == 0:
                continue
            chance = min(total * f, 1.0) if h <= 0.0 else -math.expm1(-total * f * h)
            leaving = np.random.binomial(P[i, s], chance)
            P[i, s] -= leaving
            _spread(P, s, leaving, q0, q1, dest, open_rate, total, to_pool, n_d)


@compiled
def _commute_back(P, n_d, edge_src, edge_dest, edge_factor, returns):  # pragma: no cover
    """Evening: the commuters who come home do (through a barrier, each with chance its
    leak; the others wait for another evening); those who do not (zombies, the dead, the
    camps) stay where they are, as its residents."""
    for q in range(edge_src.size):
        row = n_d + q
        f = edge_factor[q]
        for s in range(P.shape[1]):
            v = P[row, s]
            if v == 0:
                continue
            if returns[s]:
                back = v if f >= 1.0 else (np.random.binomial(v, f) if f > 0.0 else 0)
                P[edge_src[q], s] += back
                P[row, s] -= back
            else:
                P[edge_dest[q], s] += v
                P[row, s] = 0


@compiled
def _screen(P, n_d, edge_src, edge_dest, on, links, sens, into, arrival, out, travelling):
    # pragma: no cover - compiled
    """Travellers checked at the airports: of each travelling state in the group of a
    screened link, Binomial(X, sensitivity) are caught and put in their state ``into``
    where the check is, as its residents: at the destination when they arrive in the
    morning (``out``) or leave it in the evening, at home when they leave in the morning
    or come back. The groups hold that morning's travellers (and any a barrier kept at
    work: they are checked again, a day later). No draws while no screen is on."""
    for k in range(on.size):
        if not on[k]:
            continue
        for q in range(edge_src.size):
            if not links[k, q]:
                continue
            row = n_d + q
            where = edge_dest[q] if out == arrival[k] else edge_src[q]
            for s in range(P.shape[1]):
                v = P[row, s]
                if v == 0 or not travelling[s] or into[k, s] < 0 or sens[k, s] <= 0.0:
                    continue
                caught = np.random.binomial(v, sens[k, s])
                P[row, s] -= caught
                P[where, into[k, s]] += caught


@compiled
def _totals(P, place, n_d, state_comp, groups, offset, Xl, Cl, Dl, Po, Cp, Dp, occupied):
    # pragma: no cover - compiled
    """The people present in each district, by state (``Xl``), compartment (``Cl``) and
    group (``Dl``); which populations hold anyone (``occupied``); and every occupied
    population's view of its district: the others there (``Po``: ``Xl`` less its own) and
    the totals (``Cp``, ``Dp``)."""
    Xl[:] = 0
    Cl[:] = 0
    n_s = P.shape[1]
    occupied[:] = False
    for p in range(P.shape[0]):
        at = place[p]
        for s in range(n_s):
            v = P[p, s]
            if v != 0:
                occupied[p] = True
                Xl[at, s] += v
                Cl[at, state_comp[s]] += v
    for d in range(n_d):
        group_totals(Cl[d], groups, offset, Dl[d])
    for p in range(P.shape[0]):
        if p >= n_d and not occupied[p]:
            continue
        at = place[p]
        for s in range(n_s):
            Po[p, s] = Xl[at, s] - P[p, s]
        for c in range(Cl.shape[1]):
            Cp[p, c] = Cl[at, c]
        for g in range(Dl.shape[1]):
            Dp[p, g] = Dl[at, g]


@compiled
def _triggers(t, C, trig_mask, trig_time, events, when, t_end):  # pragma: no cover - compiled
    """Fire every pending trigger whose condition holds now, counted over its regions."""
    ev_time, ev_trigger, _, _, _, _, weights, threshold, op = events
    for k in range(threshold.size):
        if not math.isnan(trig_time[k]):
            continue
        v = 0.0
        for d in range(C.shape[0]):
            if trig_mask[k, d]:
                for c in range(C.shape[1]):
                    v += weights[k, c] * C[d, c]
        trigger_if(k, v, t, threshold, op, trig_time, ev_time, ev_trigger, when, t_end)


@compiled
def _in_order(due, when):  # pragma: no cover - compiled
    """The due events in the order the tauleap engine fires them: by time, then index (a
    stable insertion sort: a few events at once; numba's argsort cost most of a second of
    a first run's compiling)."""
    order = np.empty(when.size, dtype=np.int64)
    n = 0
    for e in range(when.size):
        if not due[e]:
            continue
        q = n
        while q > 0 and when[order[q - 1]] > when[e]:
            order[q] = order[q - 1]
            q -= 1
        order[q] = e
        n += 1
    return order[:n]


@compiled
def _barrier_factors(barrier_state, crosses, edge_factor):  # pragma: no cover - compiled
    """Each edge's travel factor: the product of the leaks of the barriers across it."""
    edge_factor[:] = 1.0
    for b in range(crosses.shape[0]):
        v = barrier_state[b]
        if v == 1.0:
            continue
        for q in range(crosses.shape[1]):
            if crosses[b, q]:
                edge_factor[q] *= v


@compiled(nogil=True)
def metapop_replicate(
    x0, state_comp, src, dst, cat, den, rate0, groups, offset,
    ptr, idx, births, reactant, advance, first,
    out_times, events, event_mask, trig_mask,
    edge_ptr, edge_src, edge_dest, edge_rate, commute, returns, moves,
    move_ptr, move_dest, move_rate, stops, stop_kind, crosses, move_crosses,
    event_barrier, event_leak, screens, infected_w, zombie_w,
    dt, commuter_dt, epsilon, seed, out, regional, fired, arrival, flows, clock,
):  # pragma: no cover - compiled  # fmt: skip
    """One realisation over all districts. Fills ``out`` (times × compartments, national),
    ``regional`` (times × districts × compartments: the people present), ``fired``
    (events), ``flows`` (times × transitions: how often each has fired in the whole
    country since t = 0) and ``arrival`` (districts × 2: first infected, first
    ZOMBIE_ARRIVAL zombies; NaN if never). ``stops`` are the move times; ``stop_kind``
    flags each (MOVES, OUT, BACK). ``screens``: screening of travellers between countries
    (:func:`_screen`; which screen each event starts or stops). ``clock[0]`` follows the
    simulated time."""
    n_d, n_s = x0.shape
    screen_edges, screen_sens, screen_into, screen_arrival, event_screen, event_screen_on = screens
    screening = np.zeros(screen_edges.shape[0], dtype=np.bool_)
    n_e = edge_dest.size
    n_p = n_d + n_e
    n_c = groups.shape[1]
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    P = np.zeros((n_p, n_s), dtype=np.int64)
    place = np.empty(n_p, dtype=np.int64)
    for d in range(n_d):
        for s in range(n_s):
            P[d, s] = x0[d, s]
        place[d] = d
    for q in range(n_e):
        place[n_d + q] = edge_dest[q]
    # the populations in each district: its residents, then its commuters by edge
    at_ptr = np.zeros(n_d + 1, dtype=np.int64)
    for q in range(n_e):
        at_ptr[edge_dest[q] + 1] += 1
    for d in range(n_d):
        at_ptr[d + 1] += at_ptr[d]
    at_idx = np.empty(n_e, dtype=np.int64)
    fill = at_ptr[:n_d].copy()
    for q in range(n_e):
        at_idx[fill[edge_dest[q]]] = n_d + q
        fill[edge_dest[q]] += 1
    Xl = np.zeros((n_d, n_s), dtype=np.int64)
    Cl = np.zeros((n_d, n_c), dtype=np.int64)
    Dl = np.empty((n_d, offset.size))
    Po = np.zeros((n_p, n_s), dtype=np.int64)
    Cp = np.zeros((n_p, n_c), dtype=np.int64)
    Dp = np.zeros((n_p, offset.size))
    occupied = np.zeros(n_p, dtype=np.bool_)
    _totals(P, place, n_d, state_comp, groups, offset, Xl, Cl, Dl, Po, Cp, Dp, occupied)
    base = np.empty((n_d, rate0.size))
    factor = np.ones((n_d, rate0.size))
    rate = np.empty((n_d, rate0.size))
    for d in range(n_d):
        for j in range(rate0.size):
            base[d, j] = rate0[j]
            rate[d, j] = rate0[j]
    seeds = np.empty(n_d, dtype=np.int64)
    for d in range(n_d):
        seeds[d] = district_seed(seed, d)
    ev_time, ev_trigger, fraction, dest, ev_base, ev_factor, _, _, _ = events
    when = schedule(ev_time, ev_trigger, t_end)
    fired[:] = np.nan
    arrival[:] = np.nan
    trig_time = np.full(events[7].size, np.nan)
    barrier_state = np.ones(crosses.shape[0])
    edge_factor = np.ones(n_e)
    open_rate = edge_rate.copy()
    move_factor = np.ones(move_dest.size)
    open_move = move_rate.copy()
    # leap's work arrays, a row per district: its populations leap one after the other on
    # one thread, and leap keeps nothing in them from one call to the next
    one = leap_scratch(n_s, rate0.size, advance, cat, den, n_c, offset.size)
    scratch = (
        np.empty((n_d, one[0].size)),
        np.zeros((n_d, n_s), dtype=np.int64),
        np.zeros((n_d, n_s)),
        np.zeros((n_d, n_s, one[3].shape[1]), dtype=np.int64),
        np.empty((n_d, n_s)),
        np.empty((n_d, n_s)),
        np.zeros((n_d, n_s), dtype=np.bool_),
        np.zeros((n_d, one[7].size)),
        np.empty((n_d, n_c)),
        np.empty((n_d, offset.size)),
        np.zeros((n_d, n_c), dtype=np.bool_),
        one[11],
        one[12],
    )
    # each district's firings on its own row: the districts run on parallel threads
    fires = np.zeros((n_d, rate0.size), dtype=np.int64)
    n_stop = stops.size
    k_stop = 0
    last_move = 0.0
    k_out = 0
    t = 0.0
    steps = 0
    eps_t = 1e-12 * max(1.0, t_end)
    while True:
        # 1. Triggers and due events, until none is left due now (a trigger may make one due).
        round_ = 0
        while True:
            _triggers(t, Cl, trig_mask, trig_time, events, when, t_end)
            first_due = next_event(when, fired)
            if first_due < 0 or when[first_due] > t + eps_t:
                break
            due = np.zeros(when.size, dtype=np.bool_)
            for e in range(when.size):
                if math.isnan(fired[e]) and when[e] <= t + eps_t:
                    due[e] = True
            order = _in_order(due, when)
            for d in range(n_d):
                np.random.seed(segment_seed(seeds[d], t, EVENTS + 4 * round_))
                for k in range(-1, at_ptr[d + 1] - at_ptr[d]):  # residents, then commuters
                    p = d if k < 0 else at_idx[at_ptr[d] + k]
                    for e in order:
                        if due[e] and event_mask[e, d]:
                            cull(e, P[p], Cp[p], Dp[p], state_comp, groups, fraction, dest)
                for e in order:
                    if due[e] and event_mask[e, d]:
                        set_rates(e, ev_base, ev_factor, base[d], factor[d], rate[d])
            for e in range(when.size):
                if due[e]:
                    fired[e] = when[e]
                    if event_screen[e] >= 0:
                        screening[event_screen[e]] = event_screen_on[e]
                    b = event_barrier[e]
                    if b >= 0:
                        barrier_state[b] = event_leak[e]
                        _barrier_factors(barrier_state, crosses, edge_factor)
                        _barrier_factors(barrier_state, move_crosses, move_factor)
                        for q in range(n_e):
                            open_rate[q] = edge_rate[q] * edge_factor[q]
                        for q in range(move_dest.size):
                            open_move[q] = move_rate[q] * move_factor[q]
            _totals(P, place, n_d, state_comp, groups, offset, Xl, Cl, Dl, Po, Cp, Dp, occupied)
            round_ += 1
        # 2. Commuting and other moves.
        if k_stop < n_stop and stops[k_stop] <= t + eps_t:
            np.random.seed(segment_seed(seed, t, TRAVEL))
            kind = stop_kind[k_stop]
            if kind & BACK:
                if screening.any():  # those going home, before they do
                    _screen(P, n_d, edge_src, edge_dest, screening, screen_edges, screen_sens,
                            screen_into, screen_arrival, False, returns)  # fmt: skip
                _commute_back(P, n_d, edge_src, edge_dest, edge_factor, returns)
            if kind & MOVES:
                _leave_home(P, n_d, move_ptr, move_dest, open_move, moves, t - last_move, False)
                last_move = t
            if kind & OUT:
                _leave_home(P, n_d, edge_ptr, edge_dest, open_rate, commute, 0.0, True)
                if screening.any():  # those who just left
                    _screen(P, n_d, edge_src, edge_dest, screening, screen_edges, screen_sens,
                            screen_into, screen_arrival, True, commute > 0.0)  # fmt: skip
            _totals(P, place, n_d, state_comp, groups, offset, Xl, Cl, Dl, Po, Cp, Dp, occupied)
            k_stop += 1
        # 3. Outputs and arrivals.
        while k_out < n_out and out_times[k_out] <= t + eps_t:
            for d in range(n_d):
                for c in range(n_c):
                    regional[k_out, d, c] = Cl[d, c]
                    out[k_out, c] += Cl[d, c]
                for j in range(rate0.size):
                    flows[k_out, j] += fires[d, j]
            k_out += 1
        for d in range(n_d):
            if math.isnan(arrival[d, 1]):
                sick = 0.0
                dead = 0.0
                for c in range(n_c):
                    sick += infected_w[c] * Cl[d, c]
                    dead += zombie_w[c] * Cl[d, c]
                if sick > 0 and math.isnan(arrival[d, 0]):
                    arrival[d, 0] = t
                if dead >= ZOMBIE_ARRIVAL:
                    arrival[d, 1] = t
        clock[0] = t
        if k_out == n_out:
            return steps
        t_stop = out_times[k_out]
        if k_stop < n_stop:
            t_stop = min(t_stop, stops[k_stop])
        e = next_event(when, fired)
        if e >= 0:
            t_stop = min(t_stop, when[e])
        steps += _leap_places(
            t, t_stop, P, occupied, Po, Cp, Dp, rate, at_ptr, at_idx, seeds, state_comp, src,
            dst, cat, den, groups, offset, ptr, idx, births, reactant, advance, first, dt,
            commuter_dt, epsilon, scratch, fires, events, trig_time, when, fired, t_end,
        )  # fmt: skip
        _totals(P, place, n_d, state_comp, groups, offset, Xl, Cl, Dl, Po, Cp, Dp, occupied)
        t = t_stop
