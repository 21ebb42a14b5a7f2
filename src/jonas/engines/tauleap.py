"""Tau-leaping with binomial leaps: counts can never go negative.

In each step of length h, every state s loses Binomial(X_s, 1 − exp(−H_s·h)) individuals,
where H_s is the total per-capita hazard out of s with the catalysts frozen at the start of
the step; the leavers are split among the exits in proportion to their hazards (sequential
binomials = a multinomial). Constant inflows (births) are Poisson(rate·h). With spontaneous
transitions only, a step is exact; the only approximation is freezing the catalysts.
Steps are shortened to land exactly on output times and event times.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from jonas.engines.kernels import apply_cull, record, totals


@njit(cache=True)
def tauleap_replicate(
    x0,
    state_comp,
    n_comp,
    pool,
    src,
    dst,
    cat,
    freq,
    rate,
    by_src_ptr,
    by_src_idx,
    births,
    out_times,
    ev_times,
    ev_fraction,
    ev_dest,
    dt,
    seed,
    out,
):  # pragma: no cover - compiled
    np.random.seed(seed)
    X = x0.copy()
    C, N = totals(X, state_comp, n_comp, pool)
    n_states = X.size
    hazard = np.empty(rate.size)
    delta = np.zeros(n_states, dtype=np.int64)
    n_out = out_times.size
    n_ev = ev_times.size
    t = 0.0
    k_out = 0
    k_ev = 0
    steps = 0
    eps = 1e-12 * max(1.0, out_times[n_out - 1])
    while True:
        while k_ev < n_ev and ev_times[k_ev] <= t + eps:
            N = apply_cull(X, C, N, state_comp, pool, ev_fraction[k_ev], ev_dest[k_ev])
            k_ev += 1
        while k_out < n_out and out_times[k_out] <= t + eps:
            record(out, k_out, C)
            k_out += 1
        if k_out == n_out:
            return steps
        t_stop = min(t + dt, out_times[k_out])
        if k_ev < n_ev:
            t_stop = min(t_stop, ev_times[k_ev])
        h = t_stop - t

        for j in range(rate.size):
            v = rate[j]
            c = cat[j]
            if c >= 0:
                v *= C[c]
            if freq[j]:
                v = v / N if N > 0 else 0.0
            hazard[j] = v
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
        for s in range(n_states):
            X[s] += delta[s]
        C, N = totals(X, state_comp, n_comp, pool)
        t = t_stop
        steps += 1
