"""The built-in Hyosan: a city map generated deterministically from a seed.

Layout (north up; positions are fractions of the map so that any size from 2 km works):
downtown in the middle with city hall, residential blocks around it on a street grid that
the seed varies, the hospital north-west of downtown, Hyosan High School to the east near
the mountain with a construction site behind it, the mountain toward Yangdong along the
east side, a river across the south, four roads out, a cordon around the city with a
checkpoint on each road out, the military camp on the mountain by the road to Yangdong and
a quarantine camp by the west road. See docs/space.md for what is canon and what is ours.
"""

from __future__ import annotations

import numpy as np

from jonas.errors import ScenarioError
from jonas.space.city import CityMap, Cordon, Place
from jonas.space.geometry import Circle, Polygon, segment_intersections
from jonas.space.landuse import LandUse

#: canon: Hyosan High School is four storeys and about 100 m wide
SCHOOL_WIDTH_M = 100.0


def allocate_exact(weights: np.ndarray, total: int, overwrite: bool = False) -> np.ndarray:
    """Integers proportional to `weights` that sum to `total` exactly (largest remainder).

    overwrite: `weights` (float64) may be used as work space, as scipy's ``overwrite_a``:
    a map's full-grid temporaries are the peak of building a world of agents.
    """
    w = np.asarray(weights, dtype=np.float64)
    s = w.sum()
    if total < 0:
        raise ScenarioError(f"residents must be >= 0, got {total}")
    if s <= 0:
        if total == 0:
            return np.zeros(w.shape, dtype=np.uint16)
        raise ScenarioError("no cells can hold residents (no residential or downtown cells)")
    # work in place where the caller allows it, or where `w` is already a copy of ours
    expected = np.multiply(w, total / s, out=w if overwrite or w is not weights else None)
    del w
    # whole numbers in float64 (exact below 2**53), so no integer copy of the grid
    base = np.floor(expected)
    short = int(total - base.sum())
    if short > 0:
        # the fractions, negated, in place (the same numbers, two full-map arrays fewer)
        frac = np.subtract(expected, base, out=expected).ravel()
        np.negative(frac, out=frac)
        top = np.argpartition(frac, short - 1)[:short]
        del frac, expected
        base.ravel()[top] += 1
    dtype = np.uint16 if base.max() <= np.iinfo(np.uint16).max else np.uint32
    return base.astype(dtype)


def _stamp_box(lu: np.ndarray, cell: float, x0: float, y0: float, x1: float, y1: float, code):
    """Set the cells whose centres fall in the box [x0, x1] x [y0, y1] to `code`."""
    ny, nx = lu.shape
    j0, j1 = max(0, round(x0 / cell)), min(nx, round(x1 / cell))
    i0, i1 = max(0, round(y0 / cell)), min(ny, round(y1 / cell))
    lu[i0:i1, j0:j1] = code


def _street_positions(rng, lo: float, hi: float, pitch: float) -> np.ndarray:
    pos = []
    p = lo + rng.uniform(0.2, 1.0) * pitch
    while p < hi:
        pos.append(p)
        p += pitch * rng.uniform(0.7, 1.3)
    return np.array(pos)


def _band(coords: np.ndarray, centres: np.ndarray, width: float, cell: float) -> np.ndarray:
    """Bool over `coords`: within a street of `width` (at least one cell) of any centre."""
    half = max(width, cell) / 2
    if len(centres) == 0:
        return np.zeros(coords.shape, dtype=bool)
    d = np.abs(coords[:, None] - centres[None, :]).min(axis=1)
    return d < half


def hyosan_city(
    seed: int = 2022,
    width_m: float = 5000.0,
    height_m: float = 5000.0,
    cell_m: float = 10.0,
    residents: int = 170_000,
    block_m: float = 110.0,
) -> CityMap:
    """Hyosan, generated from `seed`: the same seed and parameters give the same map.

    width_m, height_m: the map's size (at least 2,000 m each); cell_m: the cell side
    (2-50 m); residents: the total population capacity (exact; canon: 170,000);
    block_m: the mean street spacing (40-400 m).
    """
    label = f"hyosan_city(seed={seed})"
    if not (2000 <= width_m <= 100_000 and 2000 <= height_m <= 100_000):
        raise ScenarioError(f"{label}: width_m and height_m must be 2,000-100,000 m")
    if not 2 <= cell_m <= 50:
        raise ScenarioError(f"{label}: cell_m must be 2-50 m, got {cell_m}")
    if not 40 <= block_m <= 400:
        raise ScenarioError(f"{label}: block_m must be 40-400 m, got {block_m}")
    if residents < 1:
        raise ScenarioError(f"{label}: residents must be >= 1, got {residents}")

    rng = np.random.default_rng(seed)
    c = float(cell_m)
    nx, ny = round(width_m / c), round(height_m / c)
    W, H = nx * c, ny * c
    # cell centres; float32 keeps the full-map temporaries small (0.01 m at 100 km)
    xs = ((np.arange(nx) + 0.5) * c).astype(np.float32)
    ys = ((np.arange(ny) + 0.5) * c).astype(np.float32)
    xg, yg = xs[None, :], ys[:, None]
    cx, cy = 0.45 * W, 0.5 * H
    two_pi = 2 * np.pi

    # The cordon: a wobbly ellipse around the city (its radius as a function of angle).
    wob_k = np.array([3, 4, 5])
    wob_a = rng.uniform(0.004, 0.010, 3)
    wob_p = rng.uniform(0, two_pi, 3)

    def wobble(phi):
        return 1 + sum(a * np.cos(k * phi + p) for k, a, p in zip(wob_k, wob_a, wob_p, strict=True))

    rcx, rcy = 0.36 * W, 0.43 * H
    theta = np.linspace(0, two_pi, 73)[:-1]
    r = wobble(theta)
    cordon_line = np.column_stack([cx + rcx * r * np.cos(theta), cy + rcy * r * np.sin(theta)])

    # The mountain toward Yangdong: forest east of a wavy line.
    mp = rng.uniform(0, two_pi, 3)
    ym = ys / H
    x_mountain = W * (
        0.80
        + 0.025 * np.sin(two_pi * ym + mp[0])
        + 0.015 * np.sin(two_pi * 2.3 * ym + mp[1])
        + 0.008 * np.sin(two_pi * 5.1 * ym + mp[2])
    )
    # behind the school the mountain comes down to the city (canon: the way to Yangdong)
    sx, sy = 0.665 * W, 0.60 * H
    x_mountain = np.minimum(x_mountain, 0.735 * W + 2.0 * W * ((ys - sy) / H) ** 2)
    forest = xg > x_mountain[:, None]

    # The city's footprint: a noisy ellipse, kept well inside the cordon and off the mountain.
    u, v = (xg - cx) / (0.30 * W), (yg - cy) / (0.36 * H)
    ang, rho = np.arctan2(v, u), np.hypot(u, v)
    edge = 1 + sum(
        rng.uniform(0.02, 0.045) * np.cos(k * ang + rng.uniform(0, two_pi)) for k in (2, 3, 4, 5)
    )
    city = rho <= edge
    # full-map temporaries go as soon as they are used: building the map was the peak of
    # building a world of agents (rho stays for the homes below)
    del u, v, ang, edge
    uc, vc = (xg - cx) / rcx, (yg - cy) / rcy
    city &= np.hypot(uc, vc) < 0.93 * wobble(np.arctan2(vc, uc))
    del uc, vc
    city &= ~forest

    # Downtown: a rectangle in the middle.
    dx0, dx1, dy0, dy1 = cx - 0.10 * W, cx + 0.10 * W, cy - 0.09 * H, cy + 0.09 * H
    downtown = (xg >= dx0) & (xg < dx1) & (yg >= dy0) & (yg < dy1)

    # Streets: local streets on a jittered grid; arterials through the centre.
    main_x, main_y = cx, cy
    side_x = np.array([cx - 0.17 * W, cx + 0.15 * W])
    side_y = np.array([cy - 0.19 * H, cy + 0.19 * H])
    vpos = _street_positions(rng, 0.0, W, block_m)
    hpos = _street_positions(rng, 0.0, H, block_m)
    keep_v = np.abs(vpos[:, None] - np.r_[main_x, side_x][None, :]).min(axis=1) > 0.4 * block_m
    keep_h = np.abs(hpos[:, None] - np.r_[main_y, side_y][None, :]).min(axis=1) > 0.4 * block_m
    vpos, hpos = vpos[keep_v], hpos[keep_h]
    local = (_band(xs, vpos, 10.0, c)[None, :] | _band(ys, hpos, 10.0, c)[:, None]) & city
    side = (_band(xs, side_x, 20.0, c)[None, :] | _band(ys, side_y, 20.0, c)[:, None]) & city
    main = (
        _band(xs, np.array([main_x]), 30.0, c)[None, :]
        | _band(ys, np.array([main_y]), 30.0, c)[:, None]
    )

    # Blocks between the streets: homes, other buildings, parks; a weight per block.
    allv = np.sort(np.r_[vpos, side_x, main_x])
    allh = np.sort(np.r_[hpos, side_y, main_y])
    bx = np.searchsorted(allv, xs)
    by = np.searchsorted(allh, ys)
    nbx = len(allv) + 1
    # int32: a block index per cell, half the bytes of numpy's default
    block = by.astype(np.int32)[:, None] * np.int32(nbx) + bx.astype(np.int32)[None, :]
    nblocks = nbx * (len(allh) + 1)
    kind = rng.random(nblocks)
    weight = rng.lognormal(0.0, 0.4, nblocks)

    lu = np.full((ny, nx), LandUse.OPEN, dtype=np.uint8)
    lu[forest] = LandUse.FOREST
    bk = kind[block]
    lu[city & ~downtown & (bk >= 0.19)] = LandUse.RESIDENTIAL
    lu[city & ~downtown & (bk >= 0.07) & (bk < 0.19)] = LandUse.BUILDING
    lu[city & downtown & (bk >= 0.2)] = LandUse.DOWNTOWN
    lu[city & downtown & (bk < 0.2)] = LandUse.BUILDING
    lu[local] = LandUse.ROAD
    del bk, local

    # A river across the south, rising on the mountain; arterials cross it on bridges.
    rp = rng.uniform(0, two_pi, 2)
    y_river = H * (
        0.19
        + 0.035 * np.sin(two_pi * xs / (0.7 * W) + rp[0])
        + 0.012 * np.sin(two_pi * xs / (0.23 * W) + rp[1])
    )
    water = (np.abs(yg - y_river[None, :]) < max(30.0, c)) & (xg < x_mountain[:, None] + 0.02 * W)
    lu[water] = LandUse.WATER
    lu[side | main] = LandUse.ROAD

    # Named places.
    places: dict[str, Place] = {}

    def lot(name, kind_, x, y, w, h, code_lot, building=None):
        _stamp_box(lu, c, x - w / 2, y - h / 2, x + w / 2, y + h / 2, code_lot)
        if building is not None:
            bw, bh, bdy, bcode = building
            _stamp_box(lu, c, x - bw / 2, y + bdy - bh / 2, x + bw / 2, y + bdy + bh / 2, bcode)
        places[name] = Place(name, Polygon.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2), kind_)

    lot(
        "Hyosan High School", "school", sx, sy, 180, 140, LandUse.OPEN,
        (SCHOOL_WIDTH_M, 20.0, 40.0, LandUse.SCHOOL),
    )  # fmt: skip
    lot("construction site", "construction site", sx + 180, sy, 160, 140, LandUse.OPEN)
    lot(
        "hospital", "hospital", 0.31 * W, 0.66 * H, 140, 110, LandUse.OPEN,
        (90.0, 60.0, 10.0, LandUse.HOSPITAL),
    )  # fmt: skip
    lot(
        "city hall", "city hall", cx + 0.035 * W, cy + 0.03 * H, 110, 90, LandUse.OPEN,
        (60.0, 40.0, 10.0, LandUse.CITY_HALL),
    )  # fmt: skip
    places["downtown"] = Place("downtown", Polygon.box(dx0, dy0, dx1, dy1), "downtown")

    # Camps outside the cordon, linked to the roads out by short roads.
    mcx, mcy = 0.90 * W, cy + 0.05 * H
    qcx, qcy = 0.045 * W, cy - 0.06 * H
    _stamp_box(lu, c, mcx - 10, cy, mcx + 10, mcy, LandUse.ROAD)
    _stamp_box(lu, c, qcx - 10, qcy, qcx + 10, cy, LandUse.ROAD)
    lot("military camp", "camp", mcx, mcy, 220, 160, LandUse.CAMP)
    lot("quarantine camp", "camp", qcx, qcy, 160, 200, LandUse.CAMP)

    # The roads out, their checkpoints on the cordon, and Yangdong beyond the mountain.
    cordon = Cordon(cordon_line, {}, gate_m=max(25.0, 2.5 * c))
    exits = {
        "north": (main_x, H),
        "south": (main_x, 0.0),
        "west": (0.0, main_y),
        "east (Yangdong)": (W, main_y),
    }
    checkpoints = {}
    for side_name, end in exits.items():
        (px, py) = segment_intersections(cordon.line, (cx, cy), end)[0]
        checkpoints[f"checkpoint {side_name}"] = (px, py)
        road_name = "road to Yangdong" if "Yangdong" in side_name else f"road {side_name}"
        ex, ey = end
        poly = Polygon.box(
            max(0.0, min(px, ex) - 20),
            max(0.0, min(py, ey) - 20),
            min(W, max(px, ex) + 20),
            min(H, max(py, ey) + 20),
        )
        places[road_name] = Place(road_name, poly, "road out")
    cordon = Cordon(cordon_line, checkpoints, gate_m=cordon.gate_m)
    for x, y in checkpoints.values():
        gate = Circle(x, y, cordon.gate_m).contains(xg, yg)
        lu[gate] = LandUse.CHECKPOINT
    places["Yangdong"] = Place("Yangdong", Polygon.box(W - 100, cy - 150, W, cy + 150), "direction")
    places["Hyosan"] = Place("Hyosan", Polygon(cordon_line), "city")
    step = max(1, ny // 40)
    ridge = np.column_stack([np.minimum(x_mountain[::step], W), ys[::step]])
    ridge = np.vstack([[ridge[0, 0], 0.0], ridge, [ridge[-1, 0], H], [W, H], [W, 0.0]])
    places["mountain"] = Place("mountain", Polygon(ridge), "mountain")

    # Homes: residential blocks and downtown, denser toward the centre.
    # (the same products as one full-grid expression, row bands at a time: fewer temporaries)
    w = np.where(lu == LandUse.RESIDENTIAL, 1.0, 0.0)
    np.add(w, 2.5, out=w, where=lu == LandUse.DOWNTOWN)
    for i in range(0, ny, 64):
        rows = slice(i, i + 64)
        w[rows] *= weight[block[rows]] * np.clip(1.4 - 0.6 * rho[rows], 0.5, 1.4)
    del block, rho
    capacity = allocate_exact(w, int(residents), overwrite=True)

    return CityMap(
        landuse=lu,
        capacity=capacity,
        cell_m=c,
        places=places,
        cordon=cordon,
        name="Hyosan",
        source=label,
    )
