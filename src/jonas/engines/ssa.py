"""Exact stochastic simulation: Gillespie's direct method, compiled with numba.

Fixed-time events (culls) are applied exactly at their time: when the next reaction would
come after an event, the clock stops at the event, the event is applied, and the waiting
time is drawn afresh (exact, since waiting times are memoryless).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from jonas.engines.kernels import apply_cull, record, totals


@njit(cache=True)
def _propensities(X, C, N, src, cat, freq, rate, a):  # pragma: no cover - compiled
    total = 0.0
    for j in range(rate.size):
        v = rate[j]
        s = src[j]
        if s >= 0:
            v *= X[s]
        c = cat[j]
        if c >= 0:
            v *= C[c]
        if freq[j]:
            v = v / N if N > 0 else 0.0
        a[j] = v
        total += v
    return total


@njit(cache=True)
def ssa_replicate(
    x0,
    state_comp,
    n_comp,
    pool,
    src,
    dst,
    cat,
    freq,
    rate,
    out_times,
    ev_times,
    ev_fraction,
    ev_dest,
    seed,
    max_events,
    out,
):  # pragma: no cover - compiled
    """One realisation; fills ``out`` (times × compartments) and returns the event count
    (−1 if ``max_events`` was reached before the end)."""
    np.random.seed(seed)
    X = x0.copy()
    C, N = totals(X, state_comp, n_comp, pool)
    a = np.empty(rate.size)
    n_out = out_times.size
    n_ev = ev_times.size
    t = 0.0
    k_out = 0
    k_ev = 0
    events = 0
    while True:
        a0 = _propensities(X, C, N, src, cat, freq, rate, a)
        t_next = t - math.log(1.0 - np.random.random()) / a0 if a0 > 0.0 else math.inf
        if k_ev < n_ev and ev_times[k_ev] <= t_next:
            t_ev = ev_times[k_ev]
            while k_out < n_out and out_times[k_out] < t_ev:
                record(out, k_out, C)
                k_out += 1
            N = apply_cull(X, C, N, state_comp, pool, ev_fraction[k_ev], ev_dest[k_ev])
            k_ev += 1
            t = t_ev
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
        s = src[j]
        if s >= 0:
            X[s] -= 1
            C[state_comp[s]] -= 1
            if pool[state_comp[s]]:
                N -= 1
        d = dst[j]
        if d >= 0:
            X[d] += 1
            C[state_comp[d]] += 1
            if pool[state_comp[d]]:
                N += 1
        t = t_next
        events += 1
