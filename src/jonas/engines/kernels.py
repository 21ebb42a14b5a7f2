"""Numba helpers shared by the stochastic engines: bookkeeping of counts and culls.

All counts are int64. ``X`` holds state counts, ``C`` compartment totals, and ``N`` the
total of the pool compartments (the denominator of frequency-dependent mixing).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def totals(X, state_comp, n_comp, pool):  # pragma: no cover - compiled
    C = np.zeros(n_comp, dtype=np.int64)
    for s in range(X.size):
        C[state_comp[s]] += X[s]
    N = 0
    for c in range(n_comp):
        if pool[c]:
            N += C[c]
    return C, N


@njit(cache=True)
def apply_cull(X, C, N, state_comp, pool, fraction, dest):  # pragma: no cover - compiled
    """Remove Binomial(X[s], fraction[s]) from each state s and send them to dest[s]."""
    for s in range(X.size):
        f = fraction[s]
        if f <= 0.0 or X[s] == 0:
            continue
        k = X[s] if f >= 1.0 else np.random.binomial(X[s], f)
        X[s] -= k
        C[state_comp[s]] -= k
        if pool[state_comp[s]]:
            N -= k
        d = dest[s]
        if d >= 0:
            X[d] += k
            C[state_comp[d]] += k
            if pool[state_comp[d]]:
                N += k
    return N


@njit(cache=True)
def record(out, row, C):  # pragma: no cover - compiled
    for c in range(C.size):
        out[row, c] = C[c]
