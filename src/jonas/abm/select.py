"""Compiled selections over the agents, for what the engine does every step: count them by
state, and find those in some states.

Each is one pass over the agents' arrays (NumPy's ``bincount`` and ``isin`` cost several
times more, and the engine calls them every step).
"""

from __future__ import annotations

import numpy as np

from jonas.abm.population import MAX_STATES
from jonas.compiled import compiled


@compiled
def tally(state):  # pragma: no cover - compiled
    """Agents per state code: an int64 array of length 256."""
    c = np.zeros(MAX_STATES, np.int64)
    for a in range(state.size):
        c[state[a]] += 1
    return c


@compiled
def members(state, flags, wanted, without):  # pragma: no cover - compiled
    """Indices (int64, increasing) of the agents whose state s has ``wanted[s]`` and none
    of whose flags are in the bit mask `without`."""
    n = 0
    for a in range(state.size):
        if wanted[state[a]] and (flags[a] & without) == 0:
            n += 1
    out = np.empty(n, np.int64)
    k = 0
    for a in range(state.size):
        if wanted[state[a]] and (flags[a] & without) == 0:
            out[k] = a
            k += 1
    return out
