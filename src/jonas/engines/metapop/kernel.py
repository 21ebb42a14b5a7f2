"""The metapop engine's kernel: one well-mixed population per region ("district"), coupled
by travel.

Each district runs the model's tau-leaping (:func:`jonas.engines.tauleap.kernel.leap`, the same
compiled step as the ``tauleap`` engine) between *stops*: output times, event times and
travel times (every ``metapop.mobility.every``). At a stop, in this order:

1. triggers are checked on the counts summed over their intervention's regions, and the
   events due act in the districts of their intervention's ``regions`` (a cordon or a
   travel ban around regions also cuts the travel across its border down to ``leak``);
2. people travel: in each district, each travelling state loses
   Binomial(X, 1 − exp(−m·f·Δ)) people (m the district's total travel rate, f the state's
   ``move`` factor, Δ the time since the last travel), who are spread over the
   destinations by sequential binomials and arrive in the same state (the bitten, the
   halfbies who passed a camp's screening, the afraid…);
3. the counts are recorded, and each district's arrival times (first infected, first 100
   zombies) are checked.

Random numbers: district d has its own seed (:func:`district_seed`), and each stretch of a
district's run draws from a stream that depends only on that seed, the stretch's start and
what it is for (:func:`jonas.engines.tauleap.kernel.segment_seed`), as in the tauleap engine. So
the districts run in parallel threads (numba ``prange``) with the same numbers whatever the
thread count; and with no travel, no regional events and no triggers, district d's run is
exactly a ``tauleap`` run of that district alone with seed ``district_seed(seed, d)``.
Approximations beyond tau-leaping's: triggers are checked at stops, not after every leap;
people travel at stops (every hour by default), not continuously.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np

from jonas.compiled import compiled
from jonas.engines.arrays import blank_output, by_source, event_arrays
from jonas.engines.kernels import (
    apply_event,
    group_totals,
    next_event,
    schedule,
    trigger_if,
)
from jonas.engines.metapop.setup import MetapopSetup
from jonas.engines.tauleap.kernel import (
    EVENTS,
    LEAPS,
    TRAVEL,
    leap,
    leap_scratch,
    mix64,
    segment_seed,
)
from jonas.model import Model, output_times

#: Zombies in a district that count as its outbreak having arrived (regions.parquet).
ZOMBIE_ARRIVAL = 100


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
def _leap_districts(
    t, t_stop, X, C, D, rate, seeds, state_comp, src, dst, cat, den, groups, offset,
    ptr, idx, births, reactant, advance, first, dt, epsilon, scratch, events, trig_time,
    when, fired, t_end,
):  # pragma: no cover - compiled  # fmt: skip
    """Every district from t to t_stop, in parallel; each draws from its own stream."""
    hazard, delta, exits, carried, mu, var, crit, a = scratch
    steps = np.zeros(X.shape[0], dtype=np.int64)
    for d in numba.prange(X.shape[0]):
        if not _busy(X[d], C[d], D[d], src, cat, den, rate[d], births):
            continue
        np.random.seed(segment_seed(seeds[d], t, LEAPS))
        own = (hazard[d], delta[d], exits[d], carried[d], mu[d], var[d], crit[d], a[d])
        reached = leap(
            t, t_stop, X[d], C[d], D[d], rate[d], state_comp, src, dst, cat, den, groups,
            offset, ptr, idx, births, reactant, advance, first, dt, epsilon, own, False,
            events, trig_time, when, fired, t_end,
        )  # fmt: skip
        steps[d] = reached[1]
    return steps.sum()


@compiled
def _travel(X, moved, h, edge_ptr, edge_dest, edge_rate, edge_factor, mobile):  # pragma: no cover
    """People travel for a time h: each state's leavers from each district, spread over its
    destinations by sequential binomials; everyone arrives after all have left."""
    moved[:] = 0
    for i in range(X.shape[0]):
        total = 0.0
        for q in range(edge_ptr[i], edge_ptr[i + 1]):
            total += edge_rate[q] * edge_factor[q]
        if total <= 0.0:
            continue
        for s in range(X.shape[1]):
            f = mobile[s]
            if f <= 0.0 or X[i, s] == 0:
                continue
            leaving = np.random.binomial(X[i, s], -math.expm1(-total * f * h))
            moved[i, s] -= leaving
            left = total
            for q in range(edge_ptr[i], edge_ptr[i + 1]):
                if leaving == 0:
                    break
                r = edge_rate[q] * edge_factor[q]
                if q == edge_ptr[i + 1] - 1 or r >= left:
                    n = leaving
                else:
                    n = np.random.binomial(leaving, r / left)
                left -= r
                leaving -= n
                moved[edge_dest[q], s] += n
    X += moved


@compiled
def _totals(X, C, D, state_comp, groups, offset):  # pragma: no cover - compiled
    for d in range(X.shape[0]):
        C[d, :] = 0
        for s in range(X.shape[1]):
            C[d, state_comp[s]] += X[d, s]
        group_totals(C[d], groups, offset, D[d])


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


@compiled
def metapop_replicate(
    x0, state_comp, src, dst, cat, den, rate0, groups, offset,
    ptr, idx, births, reactant, advance, first,
    out_times, events, event_mask, trig_mask,
    edge_ptr, edge_dest, edge_rate, mobile, move_times,
    crosses, event_barrier, event_leak, infected_w, zombie_w,
    dt, epsilon, seed, out, regional, fired, arrival,
):  # pragma: no cover - compiled  # fmt: skip
    """One realisation over all districts. Fills ``out`` (times × compartments, national),
    ``regional`` (times × districts × compartments), ``fired`` (events) and ``arrival``
    (districts × 2: first infected, first ZOMBIE_ARRIVAL zombies; NaN if never)."""
    n_d, n_s = x0.shape
    n_c = groups.shape[1]
    n_out = out_times.size
    t_end = out_times[n_out - 1]
    X = x0.copy()
    C = np.zeros((n_d, n_c), dtype=np.int64)
    D = np.empty((n_d, offset.size))
    _totals(X, C, D, state_comp, groups, offset)
    base = np.empty((n_d, rate0.size))
    factor = np.ones((n_d, rate0.size))
    rate = np.empty((n_d, rate0.size))
    for d in range(n_d):
        base[d] = rate0
        rate[d] = rate0
    seeds = np.empty(n_d, dtype=np.int64)
    for d in range(n_d):
        seeds[d] = district_seed(seed, d)
    ev_time, ev_trigger, fraction, dest, ev_base, ev_factor, _, _, _ = events
    when = schedule(ev_time, ev_trigger, t_end)
    fired[:] = np.nan
    arrival[:] = np.nan
    trig_time = np.full(events[7].size, np.nan)
    barrier_state = np.ones(crosses.shape[0])
    edge_factor = np.ones(edge_dest.size)
    moved = np.zeros((n_d, n_s), dtype=np.int64)
    one = leap_scratch(n_s, rate0.size, advance)
    scratch = (
        np.empty((n_d, one[0].size)),
        np.zeros((n_d, n_s), dtype=np.int64),
        np.zeros((n_d, n_s)),
        np.zeros((n_d, n_s, one[3].shape[1]), dtype=np.int64),
        np.empty((n_d, n_s)),
        np.empty((n_d, n_s)),
        np.zeros((n_d, n_s), dtype=np.bool_),
        np.zeros((n_d, one[7].size)),
    )
    n_move = move_times.size
    k_move = 1  # move_times[0] is t = 0: nobody has travelled yet
    last_move = 0.0
    k_out = 0
    t = 0.0
    steps = 0
    eps_t = 1e-12 * max(1.0, t_end)
    while True:
        # 1. Triggers and due events, until none is left due now (a trigger may make one due).
        round_ = 0
        while True:
            _triggers(t, C, trig_mask, trig_time, events, when, t_end)
            first_due = next_event(when, fired)
            if first_due < 0 or when[first_due] > t + eps_t:
                break
            due = np.zeros(when.size, dtype=np.bool_)
            for e in range(when.size):
                if math.isnan(fired[e]) and when[e] <= t + eps_t:
                    due[e] = True
            # the events in the order the tauleap engine fires them: by time, then index
            order = np.argsort(np.where(due, when, np.inf), kind="mergesort")
            for d in range(n_d):
                np.random.seed(segment_seed(seeds[d], t, EVENTS + 4 * round_))
                for e in order:
                    if due[e] and event_mask[e, d]:
                        apply_event(
                            e, X[d], C[d], D[d], state_comp, groups, fraction, dest, ev_base,
                            ev_factor, base[d], factor[d], rate[d],
                        )  # fmt: skip
            for e in range(when.size):
                if due[e]:
                    fired[e] = when[e]
                    b = event_barrier[e]
                    if b >= 0:
                        barrier_state[b] = event_leak[e]
                        _barrier_factors(barrier_state, crosses, edge_factor)
            round_ += 1
        # 2. Travel.
        if k_move < n_move and move_times[k_move] <= t + eps_t:
            np.random.seed(segment_seed(seed, t, TRAVEL))
            _travel(X, moved, t - last_move, edge_ptr, edge_dest, edge_rate, edge_factor, mobile)
            _totals(X, C, D, state_comp, groups, offset)
            last_move = t
            k_move += 1
        # 3. Outputs and arrivals.
        while k_out < n_out and out_times[k_out] <= t + eps_t:
            for d in range(n_d):
                for c in range(n_c):
                    regional[k_out, d, c] = C[d, c]
                    out[k_out, c] += C[d, c]
            k_out += 1
        for d in range(n_d):
            if math.isnan(arrival[d, 1]):
                sick = 0.0
                dead = 0.0
                for c in range(n_c):
                    sick += infected_w[c] * C[d, c]
                    dead += zombie_w[c] * C[d, c]
                if sick > 0 and math.isnan(arrival[d, 0]):
                    arrival[d, 0] = t
                if dead >= ZOMBIE_ARRIVAL:
                    arrival[d, 1] = t
        if k_out == n_out:
            return steps
        t_stop = out_times[k_out]
        if k_move < n_move:
            t_stop = min(t_stop, move_times[k_move])
        e = next_event(when, fired)
        if e >= 0:
            t_stop = min(t_stop, when[e])
        steps += _leap_districts(
            t, t_stop, X, C, D, rate, seeds, state_comp, src, dst, cat, den, groups, offset,
            ptr, idx, births, reactant, advance, first, dt, epsilon, scratch, events,
            trig_time, when, fired, t_end,
        )  # fmt: skip
        t = t_stop


def simulate_metapop(
    model: Model,
    setup: MetapopSetup,
    times: np.ndarray,
    seeds: np.ndarray,
    dt: float,
    epsilon: float,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run one replicate per seed. Returns the national counts (replicates × times ×
    compartments, int64), the event times (replicates × events), the regional counts
    (replicates × times × districts × compartments, int32) and the arrival times
    (replicates × districts × 2)."""
    n_r, n_t, n_d, n_c = len(seeds), times.size, setup.n_regions, model.n_compartments
    out, fired = blank_output(model, times, n_r)
    regional = np.zeros((n_r, n_t, n_d, n_c), dtype=np.int32)
    arrival = np.full((n_r, n_d, 2), np.nan)
    move_times = (
        output_times(float(times[-1]), setup.move_every) if setup.edge_dest.size else np.zeros(0)
    )
    for r, seed in enumerate(seeds):
        metapop_replicate(
            setup.x0, model.state_compartment, model.src, model.dst, model.cat, model.den,
            model.rate, model.groups, model.offset, *by_source(model),
            times, event_arrays(model), setup.event_mask, setup.trigger_mask,
            setup.edge_ptr, setup.edge_dest, setup.edge_rate, setup.mobile, move_times,
            setup.crosses, setup.event_barrier, setup.event_leak, setup.infected,
            setup.zombies, dt, epsilon, int(seed), out[r], regional[r], fired[r], arrival[r],
        )  # fmt: skip
        if progress:
            progress(1)
    return out, fired, regional, arrival
