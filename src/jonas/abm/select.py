"""Compiled selections over the agents, for what the engine does every step: count them by
state, and find those in some states.

Each is a pass or two over the agents' arrays (NumPy's ``bincount`` and ``isin`` cost
several times more, and the engine calls them every step). A selection of indices marks
the agents first (`mark_*`, without branches: whether an agent is marked is as good as
random, and a mispredicted branch per agent cost more than the pass), then `compact`
lists the marked ones. One thread, but for `mark_arrivals`: waking numba's threads for a
pass over 170,000 agents costs about 40 microseconds, more than most of these passes.
"""

from __future__ import annotations

import numba
import numpy as np

from jonas.abm.population import MAX_STATES
from jonas.compiled import compiled


@compiled
def compact(mask):  # pragma: no cover - compiled
    """Indices (int64, increasing) of the nonzero entries of `mask` (0 or 1):
    ``np.flatnonzero(mask)``."""
    n = mask.size
    k = 0
    for a in range(n):
        k += mask[a]
    out = np.empty(k, np.int64)
    if k == 0:
        return out
    # no branch on the mask: every index is written, and the next overwrites it unless
    # it was marked
    k = 0
    for a in range(n):
        out[k] = a
        k += mask[a]
        if k == out.size:
            break
    return out


@compiled
def tally(state):  # pragma: no cover - compiled
    """Agents per state code: an int64 array of length 256.

    Four counters per code, each for every fourth agent, summed at the end: neighbours
    mostly share a state, and one counter would make each increment wait for the last."""
    c = np.zeros((4, MAX_STATES), np.int64)
    n = state.size
    m = n - n % 4
    for a in range(0, m, 4):
        c[0, state[a]] += 1
        c[1, state[a + 1]] += 1
        c[2, state[a + 2]] += 1
        c[3, state[a + 3]] += 1
    for a in range(m, n):
        c[0, state[a]] += 1
    out = np.zeros(MAX_STATES, np.int64)
    for s in range(MAX_STATES):
        out[s] = c[0, s] + c[1, s] + c[2, s] + c[3, s]
    return out


@compiled
def mark_state(state, code):  # pragma: no cover - compiled
    """1 where the agent is in state `code`."""
    mask = np.empty(state.size, np.uint8)
    for a in range(state.size):
        mask[a] = state[a] == code
    return mask


def of_state(state: np.ndarray, code: int) -> np.ndarray:
    """Indices (int64, increasing) of the agents in state `code`:
    ``np.flatnonzero(state == code)``."""
    return compact(mark_state(state, code))


@compiled
def mark_members(state, flags, wanted, without):  # pragma: no cover - compiled
    """1 where the agent's state s has ``wanted[s]`` and none of its flags is in `without`."""
    mask = np.empty(state.size, np.uint8)
    for a in range(state.size):
        mask[a] = wanted[state[a]] & ((flags[a] & without) == 0)
    return mask


def members(state: np.ndarray, flags: np.ndarray, wanted: np.ndarray, without: int) -> np.ndarray:
    """Indices (int64, increasing) of the agents whose state s has ``wanted[s]`` and none
    of whose flags are in the bit mask `without`."""
    return compact(mark_members(state, flags, wanted, without))


@compiled
def top_candidates(u, who, state, class_of, n_classes, m):  # pragma: no cover - compiled
    """Positions p in `who` whose draw u[p] is among the m largest of its class (the class
    of agent who[p] is ``class_of[state[who[p]]]``): every position of a class of m or
    fewer, ties at the m-th included. Increasing.

    With a weight per class, the k < m largest keys u ** (1 / weight) all lie among these
    (the key grows with u within a class), so the engine raises only these few draws to
    their powers instead of every draw (`Replicate`'s calls to the camps). One pass keeps
    each class's m largest draws so far in a small sorted buffer: meant for small m."""
    low = np.full((n_classes, m), -np.inf)  # per class, its m largest so far, ascending
    for p in range(u.size):
        c = class_of[state[who[p]]]
        v = u[p]
        if v > low[c, 0]:
            q = 0
            while q + 1 < m and low[c, q + 1] < v:
                low[c, q] = low[c, q + 1]
                q += 1
            low[c, q] = v
    # a draw below every class's m-th is nobody's candidate: most are, and that test
    # needs no look-up of the class
    lowest = low[0, 0]
    for c in range(1, n_classes):
        lowest = min(lowest, low[c, 0])
    n = 0
    for p in range(u.size):
        if u[p] >= lowest and u[p] >= low[class_of[state[who[p]]], 0]:
            n += 1
    out = np.empty(n, np.int64)
    k = 0
    for p in range(u.size):
        if u[p] >= lowest and u[p] >= low[class_of[state[who[p]]], 0]:
            out[k] = p
            k += 1
    return out


@compiled(parallel=True)
def mark_arrivals(state, flags, bit, in_city_max, x, y, route, cell_m):  # pragma: no cover
    """1 where the agent has flag `bit`, is in a state up to `in_city_max` and stands on a
    cell where `route` is 0 (`arrivals`). A numba parallel loop, the one pass here that
    gains from it: 0.10 ms for 170,000 agents on two threads, 0.17 ms on one (the same loop
    compiled without `prange`, which lets numba assume the arrays do not overlap, took
    0.7 ms)."""
    ny, nx = route.shape
    c = np.float32(cell_m)
    mask = np.zeros(state.size, np.uint8)
    for a in numba.prange(state.size):
        if (flags[a] & bit) != 0 and state[a] <= in_city_max:
            i = min(max(int(y[a] / c), 0), ny - 1)
            j = min(max(int(x[a] / c), 0), nx - 1)
            mask[a] = route[i, j] == 0
    return mask


def arrivals(
    state: np.ndarray,
    flags: np.ndarray,
    bit: int,
    in_city_max: int,
    x: np.ndarray,
    y: np.ndarray,
    route: np.ndarray,
    cell_m: float,
) -> np.ndarray:
    """Indices (int64, increasing) of the agents with flag `bit`, in a state up to
    `in_city_max`, standing on a cell where `route` is 0 (a destination). The cell of
    (x, y) is float32(x) / float32(cell_m) truncated and clamped, as NumPy computes it on
    the float32 positions (`AgentWorld.arrived`)."""
    return compact(mark_arrivals(state, flags, bit, in_city_max, x, y, route, cell_m))


@compiled
def guarded(state, x, y, code, at, rate):  # pragma: no cover - compiled
    """The agents in state `code` within reach of a guard post, and the highest rate of
    the posts reaching each: indices (int64, increasing) and rates (float64). Post p
    stands at (at[p, 0], at[p, 1]) and reaches where the squared distance is at most
    at[p, 2], all float32 and computed in float32, as NumPy does it on float32
    positions with Python floats (`Replicate`'s guards at the camps)."""
    n = 0
    for a in range(state.size):
        if state[a] == code:
            n += 1
    idx = np.empty(n, np.int64)
    best = np.zeros(n)
    k = 0
    for a in range(state.size):
        if state[a] != code:
            continue
        r = 0.0
        for p in range(at.shape[0]):
            dx = x[a] - at[p, 0]
            dy = y[a] - at[p, 1]
            if dx * dx + dy * dy <= at[p, 2] and rate[p] > r:
                r = rate[p]
        if r > 0.0:
            idx[k] = a
            best[k] = r
            k += 1
    return idx[:k].copy(), best[:k].copy()
