"""`CityMap`: a raster of square cells with land uses, homes, named places and a cordon.

Coordinates are metres with the origin at the south-west corner of the map, x east and
y north. Arrays are indexed ``[i, j]`` = ``[row, column]`` with row ``i`` counted from the
south (``y = (i + 0.5) * cell_m`` at a cell's centre), so ``landuse[city.cell_of(x, y)]``
is the land use under the point (x, y).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from jonas.errors import ScenarioError, suggest
from jonas.space.geometry import Area, Circle, Polygon, line_cells
from jonas.space.landuse import INDOOR, LEGEND, PASSABLE, LandUse, legend_text


@dataclass(frozen=True)
class Place:
    """A named place: a circle or polygon (a point is a circle of radius 0)."""

    name: str
    area: Area
    kind: str = "place"  # school, hospital, city hall, downtown, road out, camp, direction…

    @property
    def center(self) -> tuple[float, float]:
        return self.area.center


@dataclass(frozen=True, eq=False)
class Cordon:
    """A cordon line (polyline in metres) that may be crossed only at its checkpoints.

    Each checkpoint opens a gate of radius `gate_m` metres in the line.
    """

    line: np.ndarray
    checkpoints: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    gate_m: float = 25.0
    closed: bool = True

    def __post_init__(self) -> None:
        pts = np.asarray(self.line, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
            raise ValueError(f"a cordon line needs at least 2 [x, y] points, got {pts.shape}")
        if self.closed and not np.array_equal(pts[0], pts[-1]):
            pts = np.vstack([pts, pts[:1]])
        object.__setattr__(self, "line", pts)
        cps = {str(k): (float(v[0]), float(v[1])) for k, v in self.checkpoints.items()}
        object.__setattr__(self, "checkpoints", MappingProxyType(cps))


@dataclass(frozen=True, eq=False)
class CityMap:
    """A city on a raster of square cells.

    landuse:  (ny, nx) uint8 `LandUse` codes.
    capacity: (ny, nx) unsigned ints, residents living in each cell (homes).
    cell_m:   the side of a cell in metres.
    places:   named places (name -> `Place`).
    cordon:   the cordon line and its checkpoints, or None.
    source:   where the map came from, for error messages.
    """

    landuse: np.ndarray
    capacity: np.ndarray
    cell_m: float
    places: Mapping[str, Place] = field(default_factory=dict)
    cordon: Cordon | None = None
    name: str = "city"
    source: str = "<memory>"

    def __post_init__(self) -> None:
        src = self.source
        lu = np.asarray(self.landuse)
        if lu.ndim != 2 or lu.size == 0:
            raise ScenarioError(f"{src}: the land-use raster must be a non-empty 2-D array")
        if lu.dtype != np.uint8:
            if lu.min() < 0 or lu.max() > 255:
                raise ScenarioError(f"{src}: land-use codes must be 0..{len(LEGEND) - 1}")
            lu = lu.astype(np.uint8)
        if lu.max() >= len(LEGEND):
            raise ScenarioError(
                f"{src}: unknown land-use code {int(lu.max())}; the codes are:\n{legend_text()}"
            )
        cap = np.asarray(self.capacity)
        if cap.shape != lu.shape:
            raise ScenarioError(f"{src}: capacity shape {cap.shape} != land-use shape {lu.shape}")
        if cap.dtype.kind not in "ui" or (cap.dtype.kind == "i" and cap.size and cap.min() < 0):
            raise ScenarioError(f"{src}: capacity must be non-negative integers")
        if not self.cell_m > 0:
            raise ScenarioError(f"{src}: cell size must be > 0 metres, got {self.cell_m}")
        lu.setflags(write=False)
        cap = np.ascontiguousarray(cap)
        cap.setflags(write=False)
        object.__setattr__(self, "landuse", lu)
        object.__setattr__(self, "capacity", cap)
        object.__setattr__(self, "cell_m", float(self.cell_m))
        object.__setattr__(self, "places", MappingProxyType(dict(self.places)))

        if not self.passable_mask.any():
            raise ScenarioError(f"{src}: the map has no passable cells (all water?)")
        if self.residents == 0:
            raise ScenarioError(
                f"{src}: the map has no homes (no residential or downtown cells with residents)"
            )
        if (cap[~self.passable_mask] > 0).any():
            raise ScenarioError(f"{src}: residents placed on impassable (water) cells")
        for place in self.places.values():
            self._require_area_on_map(place.area, f"place {place.name!r}")
        if self.cordon is not None:
            pts = self.cordon.line
            self.require_inside(pts[:, 0], pts[:, 1], "cordon line point")
            for cp_name, (x, y) in self.cordon.checkpoints.items():
                self.require_inside(x, y, f"checkpoint {cp_name!r}")

    # -- size and coordinates --------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx): rows (south to north) by columns (west to east)."""
        return self.landuse.shape  # type: ignore[return-value]

    @property
    def width_m(self) -> float:
        return self.shape[1] * self.cell_m

    @property
    def height_m(self) -> float:
        return self.shape[0] * self.cell_m

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in metres."""
        return (0.0, 0.0, self.width_m, self.height_m)

    @property
    def residents(self) -> int:
        return int(self.capacity.sum(dtype=np.int64))

    def to_cells(self, metres: np.ndarray | float) -> np.ndarray | float:
        """A length in metres as a (fractional) number of cells."""
        return np.asarray(metres) / self.cell_m if np.ndim(metres) else metres / self.cell_m

    def to_metres(self, cells: np.ndarray | float) -> np.ndarray | float:
        """A length in cells as metres."""
        return np.asarray(cells) * self.cell_m if np.ndim(cells) else cells * self.cell_m

    def on_map(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Whether each point lies on the map (0 <= x < width, 0 <= y < height)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return (x >= 0) & (x < self.width_m) & (y >= 0) & (y < self.height_m)

    def require_inside(self, x: np.ndarray | float, y: np.ndarray | float, what: str) -> None:
        """Raise a ScenarioError naming the first points (agents, places…) off the map."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        bad = ~self.on_map(x, y)
        if bad.any():
            idx = np.flatnonzero(bad.ravel())
            shown = ", ".join(f"({x.ravel()[k]:.1f}, {y.ravel()[k]:.1f})" for k in idx[:3]) + (
                " …" if len(idx) > 3 else ""
            )
            raise ScenarioError(
                f"{self.source}: {len(idx)} {what}(s) outside the map "
                f"(0..{self.width_m:g} m east, 0..{self.height_m:g} m north): {shown}"
            )

    def cell_of(
        self, x: np.ndarray | float, y: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(i, j) = (row, column) of the cell under each point; raises if one is off the map."""
        self.require_inside(x, y, "point")
        i = np.floor(np.asarray(y, dtype=float) / self.cell_m).astype(np.intp)
        j = np.floor(np.asarray(x, dtype=float) / self.cell_m).astype(np.intp)
        return i, j

    def center_of(self, i: np.ndarray | int, j: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) in metres of the centre of cell (i, j)."""
        return (
            (np.asarray(j, dtype=float) + 0.5) * self.cell_m,
            (np.asarray(i, dtype=float) + 0.5) * self.cell_m,
        )

    @cached_property
    def cell_x(self) -> np.ndarray:
        """x (metres) of each column's centre, shape (nx,)."""
        return (np.arange(self.shape[1]) + 0.5) * self.cell_m

    @cached_property
    def cell_y(self) -> np.ndarray:
        """y (metres) of each row's centre, shape (ny,)."""
        return (np.arange(self.shape[0]) + 0.5) * self.cell_m

    # -- what is where ----------------------------------------------------------------------

    @cached_property
    def passable_mask(self) -> np.ndarray:
        """(ny, nx) bool: people and zombies can be in the cell (not water)."""
        return PASSABLE[self.landuse]

    @cached_property
    def indoor_mask(self) -> np.ndarray:
        """(ny, nx) bool: the cell is a building people can hide in."""
        return INDOOR[self.landuse]

    def passable(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Whether each point is on the map and on a passable cell; vectorised."""
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        ok = self.on_map(x, y)
        out = np.zeros(x.shape, dtype=bool)
        i = (y[ok] // self.cell_m).astype(np.intp)
        j = (x[ok] // self.cell_m).astype(np.intp)
        out[ok] = self.passable_mask[i, j]
        return out

    def landuse_at(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """The land-use code under each point (raises if one is off the map)."""
        return self.landuse[self.cell_of(x, y)]

    def count(self, code: LandUse) -> int:
        """How many cells have this land use."""
        return int(np.count_nonzero(self.landuse == code))

    def place(self, name: str) -> Place:
        """The named place, with a 'did you mean' hint when misspelt."""
        try:
            return self.places[name]
        except KeyError:
            raise ScenarioError(
                f"{self.source}: no place named {name!r}.{suggest(name, self.places)} "
                f"Places: {', '.join(sorted(self.places))}"
            ) from None

    # -- areas ------------------------------------------------------------------------------

    def _require_area_on_map(self, area: Area, what: str) -> None:
        x0, y0, x1, y1 = area.bbox
        if isinstance(area, Circle) and area.r == 0:
            self.require_inside(area.x, area.y, what)
            return
        if x1 < 0 or y1 < 0 or x0 > self.width_m or y0 > self.height_m:
            raise ScenarioError(
                f"{self.source}: {what} lies entirely outside the map "
                f"(its box {x0:g}..{x1:g} m east, {y0:g}..{y1:g} m north; the map is "
                f"0..{self.width_m:g} by 0..{self.height_m:g} m)"
            )

    def inside(self, area: Area | Place | str) -> np.ndarray:
        """(ny, nx) bool mask of the cells whose centre lies in the area.

        `area` is a `Circle`, a `Polygon`, a `Place` or a place name. An area entirely
        outside the map is an error (a strike that cannot hit the city); an area smaller
        than a cell may cover no cell centre: test agent positions with `area.contains`.
        """
        what = "area"
        if isinstance(area, str):
            area = self.place(area)
        if isinstance(area, Place):
            what = f"place {area.name!r}"
            area = area.area
        if not isinstance(area, Circle | Polygon):
            raise TypeError(f"expected a Circle, Polygon, Place or place name, got {area!r}")
        self._require_area_on_map(area, what)
        mask = np.zeros(self.shape, dtype=bool)
        ny, nx = self.shape
        x0, y0, x1, y1 = area.bbox
        j0 = max(0, int(np.floor(x0 / self.cell_m - 0.5)))
        j1 = min(nx, int(np.ceil(x1 / self.cell_m + 0.5)))
        i0 = max(0, int(np.floor(y0 / self.cell_m - 0.5)))
        i1 = min(ny, int(np.ceil(y1 / self.cell_m + 0.5)))
        if j1 > j0 and i1 > i0:
            xs = self.cell_x[j0:j1][None, :]
            ys = self.cell_y[i0:i1][:, None]
            mask[i0:i1, j0:j1] = area.contains(xs, ys)
        return mask

    # -- the cordon -------------------------------------------------------------------------

    @cached_property
    def gate_mask(self) -> np.ndarray:
        """(ny, nx) bool: cells within a gate radius of a checkpoint."""
        mask = np.zeros(self.shape, dtype=bool)
        if self.cordon is not None:
            for x, y in self.cordon.checkpoints.values():
                mask |= self.inside(Circle(x, y, self.cordon.gate_m))
        mask.setflags(write=False)
        return mask

    @cached_property
    def barrier_mask(self) -> np.ndarray:
        """(ny, nx) bool: cells of the cordon line, less its gates: closed while it holds.

        The line is 4-connected, so it is a wall for movement to any of 8 neighbours.
        """
        if self.cordon is None:
            mask = np.zeros(self.shape, dtype=bool)
        else:
            mask = line_cells(self.cordon.line, self.cell_m, self.shape) & ~self.gate_mask
        mask.setflags(write=False)
        return mask

    # -- homes ------------------------------------------------------------------------------

    def homes(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n home positions ((n, 2) metres), drawn by the population capacity.

        Homes are drawn without replacement from the city's `residents` places to live, so
        no cell gets more people than it has room for; n = residents fills every home.
        Each position is uniform within its cell.
        """
        blocks = list(self.home_blocks(n, rng))
        return np.concatenate(blocks) if blocks else np.zeros((0, 2))

    def home_blocks(
        self, n: int, rng: np.random.Generator, block: int = 65_536
    ) -> Iterator[np.ndarray]:
        """`homes` block by block (arrays of up to `block` rows), with the same numbers
        and the same draws from `rng`: for a caller that keeps the positions in float32,
        without the whole (n, 2) float64 array and its temporaries (70 bytes a person at
        once, the peak of building a world of agents)."""
        n = int(n)
        total = self.residents
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n > total:
            raise ScenarioError(
                f"{self.source}: {n:,} homes asked for, but the map has room for {total:,} "
                "residents"
            )
        flat = self.capacity.ravel()
        cells = np.flatnonzero(flat)
        cum = np.cumsum(flat[cells], dtype=np.int64)
        slots = None if n == total else rng.choice(total, size=n, replace=False)
        # rng.random((n, 2)) drawn block by block gives the same numbers in the same order
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            some = np.arange(lo, hi) if slots is None else slots[lo:hi]
            k = cells[np.searchsorted(cum, some, side="right")]
            i, j = np.divmod(k, self.shape[1])
            u = rng.random((hi - lo, 2))
            yield np.column_stack([(j + u[:, 0]) * self.cell_m, (i + u[:, 1]) * self.cell_m])

    def summary(self) -> dict[str, object]:
        """Size, residents and cell counts per land use, for reports and docs."""
        counts = np.bincount(self.landuse.ravel(), minlength=len(LEGEND))
        return {
            "name": self.name,
            "size_m": (self.width_m, self.height_m),
            "cell_m": self.cell_m,
            "cells": self.shape,
            "residents": self.residents,
            "landuse_cells": {info.key: int(c) for info, c in zip(LEGEND, counts, strict=True)},
            "places": sorted(self.places),
            "checkpoints": sorted(self.cordon.checkpoints) if self.cordon else [],
        }
