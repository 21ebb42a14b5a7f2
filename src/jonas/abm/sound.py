"""A coarse sound field: what zombies hear and follow.

Sound is a float32 grid over the map with cells of `cell_m` metres (50 m by default,
coarser than the map). Each step, in this order: the field decays (``exp(-decay * dt)``),
spreads by diffusion (explicit 5-point steps, as many as stability needs; the edges
reflect), and the sources of the step are added: fights and screams (queued in `source` by
the agent rules), and external sources such as sound drones (a loudness per hour at a
point). Units are arbitrary "loudness"; only their ratios to the hearing threshold matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from jonas.compiled import compiled


@compiled
def _diffused(a, i, j, d):  # pragma: no cover - compiled
    """Cell (i, j) of `a` after one explicit diffusion step with coefficient d, the edges
    reflecting (a neighbour off the grid counts as the cell itself)."""
    ny, nx = a.shape
    c = a[i, j]
    up = a[i + 1, j] if i + 1 < ny else c
    dn = a[i - 1, j] if i > 0 else c
    rt = a[i, j + 1] if j + 1 < nx else c
    lt = a[i, j - 1] if j > 0 else c
    return c + d * (up + dn + rt + lt - 4.0 * c)


@compiled
def sound_update(level, source, tmp, decay, d, substeps):  # pragma: no cover - compiled
    """Decay the field by `decay`, diffuse it `substeps` times with coefficient d (<= 0.25),
    add `source` and clear it.

    The sub-steps go back and forth between `level` and `tmp` (no copy between them), and
    the inner cells, which have all four neighbours, are computed without the edges'
    tests, so that the compiler vectorises the rows (34 sub-steps of 10,000 cells a step
    for hyosan-city). The arithmetic of each cell is the edges' own expression (`_diffused`):
    the same numbers to the bit."""
    ny, nx = level.shape
    for i in range(ny):
        for j in range(nx):
            level[i, j] *= decay
    a = level
    b = tmp
    for _ in range(substeps):
        for i in range(ny):
            if i == 0 or i == ny - 1:
                for j in range(nx):
                    b[i, j] = _diffused(a, i, j, d)
                continue
            b[i, 0] = _diffused(a, i, 0, d)
            up_row = a[i + 1]
            dn_row = a[i - 1]
            row = a[i]
            out = b[i]
            for j in range(1, nx - 1):
                c = row[j]
                out[j] = c + d * (up_row[j] + dn_row[j] + row[j + 1] + row[j - 1] - 4.0 * c)
            if nx > 1:
                b[i, nx - 1] = _diffused(a, i, nx - 1, d)
        a, b = b, a
    for i in range(ny):
        for j in range(nx):
            level[i, j] = a[i, j] + source[i, j]
            source[i, j] = 0.0


@dataclass(eq=False)
class SoundField:
    """The sound level on a coarse grid, and the sources queued for the next update."""

    width_m: float
    height_m: float
    cell_m: float = 50.0
    level: np.ndarray = field(init=False, repr=False)
    source: np.ndarray = field(init=False, repr=False)
    _tmp: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.cell_m > 0:
            raise ValueError(f"sound cell must be > 0 m, got {self.cell_m}")
        nx = max(1, math.ceil(self.width_m / self.cell_m))
        ny = max(1, math.ceil(self.height_m / self.cell_m))
        self.level = np.zeros((ny, nx), np.float32)
        self.source = np.zeros((ny, nx), np.float32)
        self._tmp = np.zeros((ny, nx), np.float32)

    @property
    def shape(self) -> tuple[int, int]:
        return self.level.shape  # type: ignore[return-value]

    def cell(self, x: float, y: float) -> tuple[int, int]:
        """(i, j) of the sound cell under (x, y), clamped to the grid."""
        ny, nx = self.shape
        i = min(max(int(y // self.cell_m), 0), ny - 1)
        j = min(max(int(x // self.cell_m), 0), nx - 1)
        return i, j

    def emit(self, x: float, y: float, loudness: float) -> None:
        """Queue a sound of `loudness` at (x, y) for the next update."""
        self.source[self.cell(x, y)] += np.float32(loudness)

    def update(self, dt: float, decay_per_hour: float, diffusion_m2_per_hour: float) -> None:
        """Advance the field by dt hours (decay, diffusion, then the queued sources)."""
        d_total = diffusion_m2_per_hour * dt / (self.cell_m * self.cell_m)
        substeps = max(1, math.ceil(d_total / 0.2)) if d_total > 0 else 0
        d = d_total / substeps if substeps else 0.0
        sound_update(
            self.level, self.source, self._tmp, math.exp(-decay_per_hour * dt), d, substeps
        )
