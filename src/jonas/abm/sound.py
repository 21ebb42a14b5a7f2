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
def sound_update(level, source, tmp, decay, d, substeps):  # pragma: no cover - compiled
    """Decay the field by `decay`, diffuse it `substeps` times with coefficient d (<= 0.25),
    add `source` and clear it."""
    ny, nx = level.shape
    for i in range(ny):
        for j in range(nx):
            level[i, j] *= decay
    for _ in range(substeps):
        for i in range(ny):
            for j in range(nx):
                c = level[i, j]
                up = level[i + 1, j] if i + 1 < ny else c
                dn = level[i - 1, j] if i > 0 else c
                rt = level[i, j + 1] if j + 1 < nx else c
                lt = level[i, j - 1] if j > 0 else c
                tmp[i, j] = c + d * (up + dn + rt + lt - 4.0 * c)
        for i in range(ny):
            for j in range(nx):
                level[i, j] = tmp[i, j]
    for i in range(ny):
        for j in range(nx):
            level[i, j] += source[i, j]
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
