"""Agents re-sorted in memory by where they stand, every `SORT_EVERY` steps.

The step visits the map strip by strip and looks up each agent's neighbours in the 3 x 3
grid cells around it (`jonas.abm.step`): when agents that stand together also lie
together in memory, what one agent reads the next one reads again, from the cache. Agents
start in the order the map made them and then move, so every few steps they are sorted
again by grid cell, in the order the step walks the map: strip after strip, and within a
strip row after row (measured on a fixed state of hyosan-city's world with 170,000 agents,
sorted by cell before the step of the previous version: 17.2 -> 12.3 ms a step on one
thread, 9.1 -> 7.9 ms on two). Those out of the city go last.

Within a grid cell the agents are shuffled, by the counter-based generator keyed by the
seed and the step: the order in which the agents of a cell act is part of the model
(`jonas.abm.step`), and it must follow neither where they came from (a stable sort
would let those who arrived from the north act first) nor what they are.

An agent's index changes at each sort, so indices are good until the next step;
`Population.ident` is who an agent is (its index when the population was made), which
pictures use to follow the same agents from frame to frame. The sort's work arrays are the
cell lists' own per-agent arrays, which `Grid.build` fills anew right after: sorting costs
no memory per agent.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numba
import numpy as np

from jonas.abm.grid import STRIP, Grid, counting_sort
from jonas.abm.population import Population
from jonas.abm.rng import py_step_key, uniform_int
from jonas.compiled import compiled

#: steps between two sorts: at 60-s steps a walker crosses a 20-m grid cell in a few steps;
#: a sort costs a tenth of a step or less (measured at 170,000 agents: 1-2.5 ms against
#: 12-26 ms for the step on one thread)
SORT_EVERY = 10
#: the shuffles draw from their own key, the seed's with these bits flipped (as the turning
#: timers drawn from Python do), apart from every number the rules draw
_SALT = 0x50_52_54


@compiled(parallel=True)
def sort_order(
    x, y, state, kind_of, n_kinds, cell_m, nx, ny, key, lane, start, perm
):  # pragma: no cover - compiled
    """The agents' new order, written to perm (int32, one per agent): by lane (a grid cell
    numbered in the order the step walks the map), shuffled within a lane by `key`; agents
    whose kind is >= n_kinds (out of the city) last. `start` has a lane per grid cell of
    whole strips, plus one for those out of the city, plus one."""
    n = x.size
    out = start.size - 2  # the lane of those out of the city
    inv = 1.0 / cell_m
    for a in numba.prange(n):
        if kind_of[state[a]] >= n_kinds:
            lane[a] = out
            continue
        j = math.floor(x[a] * inv)
        i = math.floor(y[a] * inv)
        j = 0 if j < 0 else (nx - 1 if j >= nx else j)
        i = 0 if i < 0 else (ny - 1 if i >= ny else i)
        lane[a] = ((j // STRIP) * ny + i) * STRIP + j % STRIP
    counting_sort(lane, lane, start, perm)
    # Fisher-Yates within each lane: the draws belong to positions, so any thread may
    # shuffle any lane
    for c in numba.prange(out):
        lo = start[c]
        for q in range(start[c + 1] - 1, lo, -1):
            r = lo + uniform_int(key, q, 0, q - lo + 1)
            perm[q], perm[r] = perm[r], perm[q]


@compiled(parallel=True)
def permute(a, perm, scratch):  # pragma: no cover - compiled
    """a[:] = a[perm], through scratch (of a's dtype, at least as long)."""
    n = perm.size
    for q in numba.prange(n):
        scratch[q] = a[perm[q]]
    for q in numba.prange(n):
        a[q] = scratch[q]


def lanes(grid: Grid) -> int:
    """How many lanes `sort_order` numbers for this grid (whole strips of cells)."""
    return grid.n_strips * STRIP * grid.ny


def sort_agents(pop: Population, grid: Grid, kind_of: np.ndarray, seed: int, step: int) -> None:
    """Sort the agents in memory by grid cell (module docstring), shuffled within a cell
    as the run's seed and step say, with `grid`'s per-agent arrays as work space (fill its
    cell lists again before using them)."""
    key = py_step_key(seed ^ _SALT, step)
    start = np.zeros(lanes(grid) + 2, np.int32)
    sort_order(
        pop.x, pop.y, pop.state, kind_of, grid.n_kinds, grid.cell_m, grid.nx, grid.ny,
        key, grid.key, start, grid.order,
    )  # fmt: skip
    scratch = grid.strip_order  # int32, one per agent: any 1-, 2- or 4-byte array fits
    for f in fields(pop):
        a = getattr(pop, f.name)
        # 4-byte arrays (float32 too) moved as int32: the same bytes, and numba compiles
        # one version of `permute` less (each about 0.4 s of a first run)
        a = a.view(np.int32) if a.dtype.itemsize == 4 else a
        permute(a, grid.order, scratch.view(a.dtype)[: a.size])
