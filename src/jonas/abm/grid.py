"""Cell lists: a spatial hash of the agents, rebuilt every step by a counting sort in O(N).

The map is cut into square grid cells of side `cell_m` (at least the largest interaction
radius, so that everyone within that radius of a point lies in the 3 x 3 grid cells around
it). Each agent gets a bucket ``cell * n_kinds + kind``, where `kind` sorts agents by what
the rules look for (prey, other humans, zombies, halfbies; see `jonas.abm.rules`), or no
bucket (the dead and the gone). A counting sort over the buckets fills `order` (agent
indices, bucket by bucket, in increasing index within a bucket: the sort is stable, so the
result does not depend on anything but positions and states) and `start` (where each
bucket begins in `order`; bucket b is ``order[start[b]:start[b + 1]]``).

The same sort also lists the agents by strip, columns of `STRIP` grid cells, in increasing
index within a strip (`strip_order`, `strip_start`): the order in which the step
visits them (`jonas.abm.step`).

With one grid cell (`Grid.mixed`) the buckets are just the kinds: the well-mixed mode draws
partners uniformly from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from jonas.compiled import compiled

#: width of a strip, in grid cells: at least 2, so that two agents in different strips of
#: the same parity never look at the same grid cell (`jonas.abm.step`)
STRIP = 2


@compiled(parallel=True)
def build_cells(
    x, y, state, kind_of, cell_m, nx, ny, n_kinds, key, strip, start, order, strip_start,
    strip_order,
):  # fmt: skip  # pragma: no cover
    """Fill key (bucket per agent, -1: none), start and order by a stable counting sort,
    and strip (each agent's strip: columns of `STRIP` grid cells), strip_start and
    strip_order likewise by strip.

    Positions outside the grid are clamped into its border cells. O(N + buckets). The
    buckets are computed in parallel, then the two sorts run side by side (each serial,
    so the result is the same on any number of threads). The number of agents placed is
    then ``start[-1]`` (read it after the call: returned from this parallel kernel, numba
    read it before the sorts had run).
    """
    n = x.size
    inv = 1.0 / cell_m
    for a in numba.prange(n):
        k = kind_of[state[a]]
        if k >= n_kinds:
            key[a] = -1
            continue
        j = math.floor(x[a] * inv)
        i = math.floor(y[a] * inv)
        j = 0 if j < 0 else (nx - 1 if j >= nx else j)
        i = 0 if i < 0 else (ny - 1 if i >= ny else i)
        key[a] = (i * nx + j) * n_kinds + k
        strip[a] = j // STRIP
    for task in numba.prange(2):
        if task == 0:
            counting_sort(key, key, start, order)
        else:
            counting_sort_runs(key, strip, strip_start, strip_order)


@compiled
def counting_sort(key, group, start, order):  # pragma: no cover - compiled
    """A stable counting sort of the agents by `group` (agents with key -1 left out):
    `start` (groups + 1) and `order` as in `build_cells`."""
    n = key.size
    nb = start.size - 1
    for b in range(nb + 1):
        start[b] = 0
    for a in range(n):
        if key[a] >= 0:
            start[group[a]] += 1
    _ends(start)
    # fill from the last agent down: each group's end moves back to its beginning, and
    # agents end up in increasing index order within a group (stable)
    for a in range(n - 1, -1, -1):
        if key[a] >= 0:
            b = group[a]
            start[b] -= 1
            order[start[b]] = a


@compiled
def counting_sort_runs(key, group, start, order):  # pragma: no cover - compiled
    """`counting_sort`, a run of agents of one group at a time: for groups that neighbours
    in memory mostly share (strips: the agents stand sorted in memory by where they are,
    `jonas.abm.reorder`). Counting or placing them one by one made each agent wait for the
    last one's store to the same counter; a run's count and place stay in registers."""
    n = key.size
    nb = start.size - 1
    for b in range(nb + 1):
        start[b] = 0
    run = -1  # the group of the current run
    count = 0
    for a in range(n):
        if key[a] >= 0:
            g = np.int64(group[a])
            if g != run:
                if run >= 0:
                    start[run] += count
                run = g
                count = 0
            count += 1
    if run >= 0:
        start[run] += count
    _ends(start)
    # fill from the last agent down: each group's end moves back to its beginning, and
    # agents end up in increasing index order within a group (stable)
    run = -1
    at = 0
    for a in range(n - 1, -1, -1):
        if key[a] >= 0:
            g = np.int64(group[a])
            if g != run:
                if run >= 0:
                    start[run] = at
                run = g
                at = start[g]
            at -= 1
            order[at] = a
    if run >= 0:
        start[run] = at


@compiled
def _ends(start):  # pragma: no cover - compiled
    """Counts per group to inclusive prefix sums, start[b] = where group b ends; the last
    entry is the total."""
    nb = start.size - 1
    for b in range(1, nb):
        start[b] += start[b - 1]
    start[nb] = start[nb - 1]


@compiled
def query_within(
    x, y, px, py, r, kind, cell_m, nx, ny, n_kinds, start, order, out
):  # pragma: no cover
    """Agents of one kind within distance r of (px, py) (r <= cell_m), written to out.

    Returns how many were found (at most out.size are written). The 3 x 3 grid cells around
    the point are scanned in row order, agents in index order within a cell.
    """
    inv = 1.0 / cell_m
    cj = math.floor(px * inv)
    ci = math.floor(py * inv)
    r2 = r * r
    found = 0
    for i in range(ci - 1, ci + 2):
        if i < 0 or i >= ny:
            continue
        for j in range(cj - 1, cj + 2):
            if j < 0 or j >= nx:
                continue
            b = (i * nx + j) * n_kinds + kind
            for p in range(start[b], start[b + 1]):
                a = order[p]
                dx = x[a] - px
                dy = y[a] - py
                if dx * dx + dy * dy <= r2:
                    if found < out.size:
                        out[found] = a
                    found += 1
    return found


@dataclass(eq=False)
class Grid:
    """Cell lists over a `width_m` x `height_m` area, for n agents.

    `key`, `order`, `strip_order` (int32, n each), `strip` (uint16, n), `start` (int32,
    buckets + 1) and `strip_start` (int32, strips + 1) are reused every step.
    """

    cell_m: float
    nx: int
    ny: int
    n_kinds: int
    n: int
    key: np.ndarray = field(init=False, repr=False)
    order: np.ndarray = field(init=False, repr=False)
    start: np.ndarray = field(init=False, repr=False)
    strip: np.ndarray = field(init=False, repr=False)
    strip_order: np.ndarray = field(init=False, repr=False)
    strip_start: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.cell_m > 0 or self.nx < 1 or self.ny < 1 or self.n_kinds < 1:
            raise ValueError(f"bad grid: cell {self.cell_m} m, {self.nx} x {self.ny} cells")
        self.key = np.full(self.n, -1, np.int32)
        self.order = np.zeros(self.n, np.int32)
        self.start = np.zeros(self.nx * self.ny * self.n_kinds + 1, np.int32)
        if self.n_strips > 2**16:
            raise ValueError(f"bad grid: {self.nx} columns of cells, at most 131,072 allowed")
        self.strip = np.zeros(self.n, np.uint16)
        self.strip_order = np.zeros(self.n, np.int32)
        self.strip_start = np.zeros(self.n_strips + 1, np.int32)

    @classmethod
    def covering(cls, width_m: float, height_m: float, cell_m: float, n: int, n_kinds: int) -> Grid:
        """A grid of cells of side `cell_m` covering a width x height area."""
        nx = max(1, math.ceil(width_m / cell_m))
        ny = max(1, math.ceil(height_m / cell_m))
        return cls(float(cell_m), nx, ny, n_kinds, n)

    @classmethod
    def mixed(cls, n: int, n_kinds: int) -> Grid:
        """One cell holding everyone: buckets are the kinds (the well-mixed mode)."""
        return cls(1e30, 1, 1, n_kinds, n)

    @property
    def n_buckets(self) -> int:
        return self.nx * self.ny * self.n_kinds

    @property
    def n_strips(self) -> int:
        return -(-self.nx // STRIP)

    def build(self, x: np.ndarray, y: np.ndarray, state: np.ndarray, kind_of: np.ndarray) -> int:
        """Sort the agents into buckets; `kind_of[state]` is each state's kind (>= n_kinds:
        left out). Returns the number of agents placed."""
        build_cells(
            x, y, state, kind_of, self.cell_m, self.nx, self.ny, self.n_kinds,
            self.key, self.strip, self.start, self.order, self.strip_start,
            self.strip_order,
        )  # fmt: skip
        return int(self.start[-1])

    def bucket(self, cell: int, kind: int) -> np.ndarray:
        """The agents (indices) of one kind in one grid cell (flat index i * nx + j)."""
        b = cell * self.n_kinds + kind
        return self.order[self.start[b] : self.start[b + 1]]

    def query(self, x: np.ndarray, y: np.ndarray, px: float, py: float, r: float, kind: int):
        """Indices of the agents of `kind` within r metres of (px, py) (r <= cell_m)."""
        if r > self.cell_m:
            raise ValueError(f"query radius {r} m exceeds the grid cell {self.cell_m} m")
        out = np.empty(max(self.n, 1), np.int32)
        k = query_within(
            x, y, px, py, r, kind, self.cell_m, self.nx, self.ny, self.n_kinds,
            self.start, self.order, out,
        )  # fmt: skip
        return np.sort(out[:k])
