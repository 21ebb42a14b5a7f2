"""Who is around, for the spatial step: the one scan of the cell lists that every rule
shares (`gather`: zombies looking for prey, halfbies for someone to bite, humans for
zombies), and per grid cell the kinds listed in none of the 3 x 3 cells around it
(`absent_kinds`), so that a search that would find nobody is not made."""

from __future__ import annotations

import math

import numba
import numpy as np

from jonas.abm.rules import KIND_PEOPLE, KIND_PREY, KIND_ZOMBIE, N_KINDS
from jonas.compiled import compiled

#: bits of `absent_kinds`
NO_HUMAN, NO_PREY, NO_ZOMBIE = 1, 2, 4


@compiled
def cell_range(gi, gj, g_nx, kind_lo, kind_hi, start):  # pragma: no cover - compiled
    b = (gi * g_nx + gj) * N_KINDS
    return start[b + kind_lo], start[b + kind_hi]


@compiled
def gather(
    px, py, r, gi, gj, kind, s_lo, s_hi, limit,
    x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found,
):  # fmt: skip  # pragma: no cover - compiled
    """The neighbour search every rule shares: agents of bucket `kind` whose state is still
    in s_lo..s_hi (states change during the step: a human bitten earlier in the loop is no
    longer prey) within r metres of (px, py), in grid cell (gi, gj), written to `found`.

    Scans the grid cells that the square of side 2r around the point touches (of the 3 x 3
    around (gi, gj): r is at most a cell), row by row, agents in index order within a cell
    (as good as random: `jonas.abm.reorder`), examining at most `max_scan` candidates
    (the step stays O(N) in crowds) and stopping once `limit` are found. Returns how many
    were found. (A zombie sees half a cell: it scans 4 cells, not 9, and spends its
    `max_scan` on candidates that may be in sight.)
    """
    k = 0
    scanned = 0
    r2 = r * r
    inv = 1.0 / g_cell
    i_lo = max(math.floor((py - r) * inv), gi - 1, 0)
    i_hi = min(math.floor((py + r) * inv), gi + 1, g_ny - 1)
    j_lo = max(math.floor((px - r) * inv), gj - 1, 0)
    j_hi = min(math.floor((px + r) * inv), gj + 1, g_nx - 1)
    for ci in range(i_lo, i_hi + 1):
        for cj in range(j_lo, j_hi + 1):
            lo, hi = cell_range(ci, cj, g_nx, kind, kind + 1, start)
            for q in range(lo, hi):
                if scanned >= max_scan:
                    return k
                scanned += 1
                a = order[q]
                sa = state[a]
                if sa < s_lo or sa > s_hi:
                    continue
                dx = x[a] - px
                dy = y[a] - py
                if dx * dx + dy * dy <= r2:
                    found[k] = a
                    k += 1
                    if k >= limit:
                        return k
    return k


@compiled(parallel=True)
def absent_kinds(start, g_nx, g_ny, around):  # pragma: no cover - compiled
    """around[c]: which kinds are listed in none of the 3 x 3 grid cells around cell c,
    as bits: `NO_HUMAN` (no prey, no other people), `NO_PREY`, `NO_ZOMBIE`. A search of
    those cells for that kind would find nobody, so the step skips it.

    Each cell's kinds present, as bits, once; then per row the bits of each column ORed
    over the 3 rows around, and 3 of those side by side (an OR of presence is zero exactly
    where the sum of the counts is: two reads a cell instead of eighteen)."""
    cells = g_nx * g_ny
    has = np.empty(cells, np.uint8)
    for c in numba.prange(cells):
        b = c * N_KINDS
        prey = start[b + KIND_PREY + 1] > start[b + KIND_PREY]
        people = start[b + KIND_PEOPLE + 1] > start[b + KIND_PEOPLE]
        zombies = start[b + KIND_ZOMBIE + 1] > start[b + KIND_ZOMBIE]
        has[c] = prey * NO_PREY | (prey | people) * NO_HUMAN | zombies * NO_ZOMBIE
    absent = NO_HUMAN | NO_PREY | NO_ZOMBIE
    for gi in numba.prange(g_ny):
        # the rows (and below, columns) around, clamped at the edges: ORing a row twice
        # changes nothing, and the loops run without tests
        r0 = max(gi - 1, 0) * g_nx
        r1 = gi * g_nx
        r2 = min(gi + 1, g_ny - 1) * g_nx
        col = np.empty(g_nx, np.uint8)
        for gj in range(g_nx):
            col[gj] = has[r0 + gj] | has[r1 + gj] | has[r2 + gj]
        around[r1] = (col[0] | col[min(1, g_nx - 1)]) ^ absent
        for gj in range(1, g_nx - 1):
            around[r1 + gj] = (col[gj - 1] | col[gj] | col[gj + 1]) ^ absent
        if g_nx > 1:
            around[r1 + g_nx - 1] = (col[g_nx - 2] | col[g_nx - 1]) ^ absent
