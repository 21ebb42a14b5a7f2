"""Areas (circles, polygons) and lines in map coordinates (metres, x east, y north)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Circle:
    """A disc of radius `r` metres around (x, y): a strike, a sound source's reach."""

    x: float
    y: float
    r: float

    def __post_init__(self) -> None:
        if not self.r >= 0:
            raise ValueError(f"circle radius must be >= 0, got {self.r}")

    @property
    def center(self) -> tuple[float, float]:
        return (self.x, self.y)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in metres."""
        return (self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)

    def contains(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Whether each point (x, y) lies in the disc (its edge included); vectorised."""
        dx = np.asarray(x, dtype=float) - self.x
        dy = np.asarray(y, dtype=float) - self.y
        return dx * dx + dy * dy <= self.r * self.r


@dataclass(frozen=True, eq=False)
class Polygon:
    """A simple polygon given by its vertices ((k, 2) metres; closing edge implied)."""

    points: np.ndarray

    def __post_init__(self) -> None:
        pts = np.asarray(self.points, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
            raise ValueError(f"a polygon needs at least 3 [x, y] vertices, got shape {pts.shape}")
        if not np.isfinite(pts).all():
            raise ValueError("polygon vertices must be finite numbers")
        object.__setattr__(self, "points", pts)

    @classmethod
    def box(cls, x0: float, y0: float, x1: float, y1: float) -> Polygon:
        """The rectangle with corners (x0, y0) and (x1, y1)."""
        xa, xb = sorted((x0, x1))
        ya, yb = sorted((y0, y1))
        return cls(np.array([[xa, ya], [xb, ya], [xb, yb], [xa, yb]]))

    @property
    def center(self) -> tuple[float, float]:
        """The centroid of the polygon's area (the vertex mean if it has none)."""
        x, y = self.points[:, 0], self.points[:, 1]
        xn, yn = np.roll(x, -1), np.roll(y, -1)
        cross = x * yn - xn * y
        a = cross.sum() / 2
        if abs(a) < 1e-12:
            return (float(x.mean()), float(y.mean()))
        return (
            float(((x + xn) * cross).sum() / (6 * a)),
            float(((y + yn) * cross).sum() / (6 * a)),
        )

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        lo, hi = self.points.min(axis=0), self.points.max(axis=0)
        return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    @property
    def area(self) -> float:
        x, y = self.points[:, 0], self.points[:, 1]
        return float(abs((x * np.roll(y, -1) - np.roll(x, -1) * y).sum()) / 2)

    def contains(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Whether each point lies inside (even-odd rule); vectorised over points."""
        px, py = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        inside = np.zeros(px.shape, dtype=bool)
        xs, ys = self.points[:, 0], self.points[:, 1]
        for (xi, yi), (xj, yj) in zip(
            zip(xs, ys, strict=True), zip(np.roll(xs, 1), np.roll(ys, 1), strict=True), strict=True
        ):
            if yi == yj:
                continue
            crosses = (yi > py) != (yj > py)
            x_at = xi + (xj - xi) * (py - yi) / (yj - yi)
            inside ^= crosses & (px < x_at)
        return inside


Area = Circle | Polygon


def line_cells(points: np.ndarray, cell_m: float, shape: tuple[int, int]) -> np.ndarray:
    """Cells a polyline passes through, as a 4-connected (ny, nx) bool mask.

    4-connected means each step of the rasterised line shares an edge with the next, so the
    line is a wall even for walkers who move diagonally (8 neighbours).
    """
    ny, nx = shape
    mask = np.zeros(shape, dtype=bool)
    pts = np.asarray(points, dtype=float) / cell_m
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        n = max(2, int(np.ceil(4 * max(abs(x1 - x0), abs(y1 - y0)))) + 1)
        t = np.linspace(0.0, 1.0, n)
        j = np.floor(x0 + (x1 - x0) * t).astype(np.int64)
        i = np.floor(y0 + (y1 - y0) * t).astype(np.int64)
        keep = np.ones(n, dtype=bool)
        keep[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
        i, j = i[keep], j[keep]
        # a diagonal step (both indices change) gets the corner cell added
        diag = (i[1:] != i[:-1]) & (j[1:] != j[:-1])
        i = np.concatenate([i, i[:-1][diag]])
        j = np.concatenate([j, j[1:][diag]])
        ok = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
        mask[i[ok], j[ok]] = True
    return mask


def segment_intersections(line: np.ndarray, p0: tuple[float, float], p1: tuple[float, float]):
    """Points where the segment p0-p1 crosses a polyline, ordered from p0."""
    a = np.asarray(line, dtype=float)[:-1]
    b = np.asarray(line, dtype=float)[1:]
    p = np.asarray(p0, dtype=float)
    r = np.asarray(p1, dtype=float) - p
    s = b - a
    denom = r[0] * s[:, 1] - r[1] * s[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        qp = a - p
        t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / denom
        u = (qp[:, 0] * r[1] - qp[:, 1] * r[0]) / denom
    hit = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    ts = np.sort(t[hit])
    return [(float(p[0] + tt * r[0]), float(p[1] + tt * r[1])) for tt in ts]
