"""Routes on the map: walking distances to a set of target cells, and walking down them.

`distance_field` gives, for every map cell, the length in cells of the shortest walk to the
nearest target cell: moves to the 8 neighbouring cells, 1 for a side step and sqrt(2) for
a diagonal one, over passable cells only, and a diagonal only where both cells beside it
are passable too (no cutting corners of walls or water: an agent walking straight to the
centre of a diagonal neighbour may cross either cell beside the diagonal). Unreachable
cells are +inf. It is a
Dijkstra search from all the targets at once, compiled, with an indexed binary heap over
the cells (no graph is built): 35-45 ms for the 500 x 500 cells of the built-in Hyosan on a
shared AMD EPYC core. SciPy has no geodesic distance on a grid (`ndimage`'s transforms
ignore walls); `sparse.csgraph.dijkstra` agrees with this one but first needs a graph of
about 2 million edges, 50-300 ms to build, and then 80-130 ms to search (same map and core).

`descend` walks an agent down such a field: the evacuation of docs/agents.md.
"""

from __future__ import annotations

import math

import numpy as np

from jonas.abm.rules import is_blocked
from jonas.compiled import compiled

SQRT2 = math.sqrt(2.0)


@compiled
def _sift_up(heap, key, pos, k, c, d):  # pragma: no cover - compiled
    """Put cell c with distance d at heap slot k or above. The heap keeps each cell's
    distance beside it (`key`), so comparisons read the heap's memory only."""
    while k > 0:
        parent = (k - 1) >> 1
        if key[parent] <= d:
            break
        heap[k] = heap[parent]
        key[k] = key[parent]
        pos[heap[k]] = k
        k = parent
    heap[k] = c
    key[k] = d
    pos[c] = k


@compiled
def _pop(heap, key, pos, size):  # pragma: no cover - compiled
    """Remove and return the cell of least distance; the heap holds `size` cells."""
    top = heap[0]
    size -= 1
    if size > 0:
        c = heap[size]
        d = key[size]
        k = 0
        while True:
            child = 2 * k + 1
            if child >= size:
                break
            if child + 1 < size and key[child + 1] < key[child]:
                child += 1
            if key[child] >= d:
                break
            heap[k] = heap[child]
            key[k] = key[child]
            pos[heap[k]] = k
            k = child
        heap[k] = c
        key[k] = d
        pos[c] = k
    return top


@compiled
def _dijkstra(passable, targets, dist):  # pragma: no cover - compiled
    """Fill dist (flat, float64, ny * nx) from the (ny, nx) uint8 masks; see the module."""
    ny, nx = passable.shape
    n = ny * nx
    # int32 cell indices: 16 bytes per cell in all, with the distances (maps < 2**31 cells)
    heap = np.empty(n, np.int32)
    key = np.empty(n, np.float64)
    # heap slot of each cell reached; -1: not reached yet. A settled cell is never reached
    # again (its distance is final, no longer than any new path), so its slot goes stale.
    pos = np.full(n, -1, np.int32)
    size = 0
    for c in range(n):
        dist[c] = np.inf
    for i in range(ny):
        for j in range(nx):
            if targets[i, j] and passable[i, j]:
                c = i * nx + j
                dist[c] = 0.0
                heap[size] = c
                key[size] = 0.0
                pos[c] = size
                size += 1
    while size > 0:
        c = _pop(heap, key, pos, size)
        size -= 1
        i = c // nx
        j = c - i * nx
        dc = dist[c]
        for di in range(-1, 2):
            ni = i + di
            if ni < 0 or ni >= ny:
                continue
            for dj in range(-1, 2):
                nj = j + dj
                if nj < 0 or nj >= nx or (di == 0 and dj == 0) or not passable[ni, nj]:
                    continue
                if di != 0 and dj != 0:
                    if not (passable[ni, j] and passable[i, nj]):
                        continue
                    nd = dc + SQRT2
                else:
                    nd = dc + 1.0
                m = ni * nx + nj
                if nd >= dist[m]:
                    continue
                dist[m] = nd
                if pos[m] == -1:
                    size += 1
                    _sift_up(heap, key, pos, size - 1, m, nd)
                else:
                    _sift_up(heap, key, pos, pos[m], m, nd)


def distance_field(passable: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Walking distance in cells from every cell to the nearest target cell (see the module).

    passable, targets: (ny, nx) bool masks. Target cells that are not passable are ignored.
    Returns (ny, nx) float32: 0 on the targets, +inf where no target can be reached
    (impassable cells included). Multiply by the cell side for metres.
    """
    passable = np.asarray(passable, bool)
    targets = np.asarray(targets, bool)
    if passable.ndim != 2 or passable.shape != targets.shape:
        raise ValueError(
            f"passable and targets must be 2-D masks of one shape, got {passable.shape} "
            f"and {targets.shape}"
        )
    dist = np.empty(passable.size, np.float64)
    _dijkstra(passable.view(np.uint8), targets.view(np.uint8), dist)
    return dist.reshape(passable.shape).astype(np.float32)


@compiled
def descend(i, dist_m, field, x, y, blocked, cell_m, cordon_closed):  # pragma: no cover
    """Walk agent i up to dist_m metres down `field` (a `distance_field` over the map's
    cells), hop by hop: from its cell toward the centre of the neighbouring cell of least
    field + step (the next cell of a shortest walk), then on from there.

    A diagonal hop needs both cells beside it reachable, as in the field, so the straight
    line to the next centre stays on cells of the route. Returns False when neither the
    agent's cell nor any neighbour leads to a target (the caller falls back to another
    rule); True otherwise, also when the agent stands on a target (it stays there).
    """
    ny, nx = field.shape
    left = dist_m
    # each hop but the last covers at least half a cell (from inside a cell to the centre
    # of a neighbour), so this bounds the loop without cutting a walk short
    for _ in range(int(dist_m / (0.5 * cell_m)) + 2):
        px = float(x[i])
        py = float(y[i])
        ci = min(max(int(py / cell_m), 0), ny - 1)
        cj = min(max(int(px / cell_m), 0), nx - 1)
        if field[ci, cj] == 0.0:
            return True
        bi = -1
        bj = -1
        best = np.inf
        for di in range(-1, 2):
            ni = ci + di
            if ni < 0 or ni >= ny:
                continue
            for dj in range(-1, 2):
                nj = cj + dj
                if nj < 0 or nj >= nx or (di == 0 and dj == 0):
                    continue
                d = field[ni, nj]
                if di != 0 and dj != 0:
                    if not (field[ni, cj] < np.inf and field[ci, nj] < np.inf):
                        continue
                    d += SQRT2
                else:
                    d += 1.0
                if d < best:
                    best = d
                    bi = ni
                    bj = nj
        if bi < 0:
            return False
        if left <= 0.0:
            return True
        tx = (bj + 0.5) * cell_m
        ty = (bi + 0.5) * cell_m
        d = math.sqrt((tx - px) ** 2 + (ty - py) ** 2)
        hop = min(left, d)
        # straight to the next centre, or part of the way: the segment lies on cells of the
        # route, never blocked for an evacuee (route cells are free or gates), so no
        # sub-steps are needed; only float32 storage could round onto a blocked cell's edge
        fx = np.float32(px + (tx - px) * (hop / d))
        fy = np.float32(py + (ty - py) * (hop / d))
        if is_blocked(float(fx), float(fy), blocked, cell_m, cordon_closed, True):
            return True
        x[i] = fx
        y[i] = fy
        left -= hop
        if hop < d:
            return True
    return True
