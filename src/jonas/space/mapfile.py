"""User maps: a PNG where each colour is a land use, and a small TOML beside it.

    my-town.png    one pixel = one cell, colours from the legend (docs/space.md)
    my-town.toml   cell size, residents, named places, the cordon

    [map]
    name = "My town"
    cell_m = 10                 # metres per pixel
    residents = 20000           # spread over homes by [map.density]
    coordinates = "metres"      # or "pixels": [column, row] from the image's top-left
    # image = "my-town.png"     # default: this file's name with .png

    [map.density]               # relative residents per cell of each land use
    residential = 1.0
    downtown = 2.5

    [places]
    "Hyosan High School" = { box = [x0, y0, x1, y1] }
    "city hall" = { at = [x, y], radius = 30 }
    "camp" = { polygon = [[x, y], [x, y], [x, y]], kind = "camp" }

    [cordon]
    line = [[x, y], [x, y], ...]
    closed = true
    gate_m = 25
    checkpoints = { "north gate" = [x, y] }

In metres, x runs east and y north from the map's south-west corner.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from jonas.errors import ScenarioError, suggest
from jonas.files import check_regular, read_text_capped
from jonas.space.city import CityMap, Cordon, Place
from jonas.space.geometry import Circle, Polygon
from jonas.space.hyosan import allocate_exact
from jonas.space.landuse import COLOURS, DEFAULT_DENSITY, KEYS, LEGEND, LandUse, legend_text

#: largest difference per RGB channel still read as a legend colour (survives colour tweaks
#: by image editors; antialiased edges are further off and are refused)
TOLERANCE = 8

_MAP_KEYS = {"name", "image", "cell_m", "residents", "coordinates", "density"}
_PLACE_KEYS = {"at", "radius", "box", "polygon", "kind"}
_CORDON_KEYS = {"line", "closed", "gate_m", "checkpoints"}


#: the most pixels a map image may have (4096 × 4096: 41 km square at 10 m a cell). Reading
#: one takes about 40 bytes a pixel (under 700 MB at the limit), and the agents engine's
#: grids are as many cells again.
MAX_MAP_PIXELS = 4096 * 4096
#: the largest map TOML read (the places and cordons of a city are a few kilobytes)
MAX_MAP_TOML_BYTES = 4_000_000


def _too_large(path: Path, width: int | None, height: int | None) -> ScenarioError:
    size = f"{width:,} × {height:,} pixels" if width and height else "too many pixels"
    return ScenarioError(
        f"{path}: the map image has {size}; at most {MAX_MAP_PIXELS:,} pixels (4096 × 4096) "
        "are read: use larger cells (map.cell_m) and a smaller image"
    )


def read_landuse_png(path: str | Path, tolerance: int = TOLERANCE) -> np.ndarray:
    """The land-use codes of a legend-coloured PNG, (ny, nx) uint8, row 0 = south."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    check_regular(path, "map image")
    try:
        with Image.open(path) as im:
            # the header's size, checked before any pixel is decoded
            width, height = im.size
            if width * height > MAX_MAP_PIXELS:
                raise _too_large(path, width, height)
            rgba = np.asarray(im.convert("RGBA"))
    except Image.DecompressionBombError:  # Pillow's own refusal, far above ours
        raise _too_large(path, None, None) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not a readable image ({exc})") from None
    if rgba.ndim != 3 or rgba.shape[0] == 0 or rgba.shape[1] == 0:
        raise ScenarioError(f"{path}: the image is empty")
    see = (rgba[:, :, 3] < 255).nonzero()
    if len(see[0]):
        raise ScenarioError(
            f"{path}: {len(see[0])} transparent pixel(s), the first at column {see[1][0]}, "
            f"row {see[0][0]} (from the top-left); paint every pixel a legend colour:\n"
            + legend_text()
        )
    rgb = rgba[:, :, :3].astype(np.int32)
    packed = (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]
    uniq, inverse = np.unique(packed, return_inverse=True)
    ucol = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    diff = np.abs(ucol[:, None, :] - COLOURS[None, :, :].astype(np.int32)).max(axis=2)
    nearest = diff.argmin(axis=1)
    unknown = np.flatnonzero(diff[np.arange(len(uniq)), nearest] > tolerance)
    if len(unknown):
        inv = inverse.reshape(packed.shape)
        lines = []
        for k in unknown[:5]:
            rows, cols = np.nonzero(inv == k)
            r, g, b = (int(v) for v in ucol[k])
            lines.append(
                f"  RGB ({r}, {g}, {b}) #{r:02x}{g:02x}{b:02x}: {len(rows)} pixel(s), "
                f"the first at column {cols[0]}, row {rows[0]}"
            )
        more = f"\n  … and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ScenarioError(
            f"{path}: {len(unknown)} colour(s) not in the legend (turn off antialiasing):\n"
            + "\n".join(lines)
            + more
            + "\nThe legend:\n"
            + legend_text()
        )
    codes = nearest.astype(np.uint8)[inverse.reshape(packed.shape)]
    return np.ascontiguousarray(np.flipud(codes))


def write_landuse_png(landuse: np.ndarray, path: str | Path) -> Path:
    """Write land-use codes as a legend-coloured PNG (north at the top)."""
    from PIL import Image

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    Image.fromarray(COLOURS[np.flipud(landuse)], mode="RGB").save(tmp, format="PNG")
    tmp.replace(path)
    return path


class _Reader:
    """Turns TOML values into map geometry, with errors naming the file and the key."""

    def __init__(self, label: str, cell_m: float, ny: int, pixels: bool):
        self.label, self.cell_m, self.ny, self.pixels = label, cell_m, ny, pixels

    def fail(self, key: str, msg: str) -> ScenarioError:
        return ScenarioError(f"{self.label}: {key}: {msg}")

    def point(self, key: str, value: Any) -> tuple[float, float]:
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise self.fail(key, f"expected [x, y] numbers, got {value!r}")
        x, y = float(value[0]), float(value[1])
        if self.pixels:  # [column, row] from the top-left -> the pixel's centre in metres
            return ((x + 0.5) * self.cell_m, (self.ny - y - 0.5) * self.cell_m)
        return (x, y)

    def points(self, key: str, value: Any, least: int) -> np.ndarray:
        if not isinstance(value, list) or len(value) < least:
            raise self.fail(key, f"expected a list of at least {least} [x, y] points")
        return np.array([self.point(f"{key}[{k}]", v) for k, v in enumerate(value)])

    def length(self, key: str, value: Any) -> float:
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise self.fail(key, f"expected a number >= 0, got {value!r}")
        return float(value) * (self.cell_m if self.pixels else 1.0)

    def box(self, key: str, value: Any) -> Polygon:
        if not isinstance(value, list) or len(value) != 4:
            raise self.fail(key, f"expected [x0, y0, x1, y1], got {value!r}")
        if self.pixels:  # whole pixels, inclusive
            (xa, ya), (xb, yb) = self.point(key, value[:2]), self.point(key, value[2:])
            h = self.cell_m / 2
            return Polygon.box(min(xa, xb) - h, min(ya, yb) - h, max(xa, xb) + h, max(ya, yb) + h)
        (xa, ya), (xb, yb) = self.point(key, value[:2]), self.point(key, value[2:])
        return Polygon.box(xa, ya, xb, yb)


def _check_keys(label: str, section: str, table: Any, allowed: set[str]) -> dict:
    if not isinstance(table, dict):
        raise ScenarioError(f"{label}: [{section}] must be a table")
    for key in table:
        if key not in allowed:
            raise ScenarioError(
                f"{label}: {section}.{key}: unknown key.{suggest(key, allowed)} "
                f"Allowed: {', '.join(sorted(allowed))}"
            )
    return table


def _colour_regions(landuse: np.ndarray, code: LandUse, cell_m: float) -> list[tuple]:
    """(bbox polygon, centre) of each 8-connected group of cells with this land use."""
    from scipy import ndimage

    labels, _ = ndimage.label(landuse == code, structure=np.ones((3, 3)))
    out = []
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        i, j = np.nonzero(labels[sl] == k)
        cy = (i.mean() + sl[0].start + 0.5) * cell_m
        cx = (j.mean() + sl[1].start + 0.5) * cell_m
        box = Polygon.box(
            sl[1].start * cell_m, sl[0].start * cell_m, sl[1].stop * cell_m, sl[0].stop * cell_m
        )
        out.append((box, (cx, cy)))
    return out


def load_map(path: str | Path) -> CityMap:
    """A CityMap from a map TOML file (or its PNG, with the TOML of the same name beside it)."""
    path = Path(path)
    if path.suffix.lower() == ".png":
        toml_path = path.with_suffix(".toml")
        if not toml_path.exists():
            raise ScenarioError(
                f"{path}: a map image needs a TOML file beside it ({toml_path.name}) giving "
                "[map] cell_m and residents"
            )
    else:
        toml_path = path
    label = str(toml_path)
    try:
        data = tomllib.loads(read_text_capped(toml_path, MAX_MAP_TOML_BYTES, "map file"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: not a map file (TOML syntax error: {exc})") from None
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{label}: not a map file (nested too deeply)") from None

    _check_keys(label, "top level", data, {"map", "places", "cordon"})
    if "map" not in data:
        raise ScenarioError(f"{label}: missing [map] (with cell_m and residents)")
    m = _check_keys(label, "map", data["map"], _MAP_KEYS)
    for key in ("cell_m", "residents"):
        if key not in m:
            raise ScenarioError(f"{label}: map.{key} is required")
    cell_m, residents = m["cell_m"], m["residents"]
    if not isinstance(cell_m, int | float) or isinstance(cell_m, bool) or not cell_m > 0:
        raise ScenarioError(f"{label}: map.cell_m must be a number of metres > 0, got {cell_m!r}")
    if not isinstance(residents, int) or isinstance(residents, bool) or residents < 1:
        raise ScenarioError(f"{label}: map.residents must be a whole number >= 1")
    coords = m.get("coordinates", "metres")
    if coords not in ("metres", "pixels"):
        raise ScenarioError(f"{label}: map.coordinates must be 'metres' or 'pixels'")
    image = toml_path.parent / m.get("image", toml_path.with_suffix(".png").name)
    landuse = read_landuse_png(image)
    ny = landuse.shape[0]

    density = _check_keys(label, "map.density", m.get("density", DEFAULT_DENSITY), set(KEYS))
    weights = np.zeros(len(LEGEND))
    for key, value in density.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ScenarioError(f"{label}: map.density.{key} must be a number >= 0")
        if value > 0 and not LEGEND[KEYS[key]].passable:
            raise ScenarioError(f"{label}: map.density.{key}: nobody can live on {key}")
        weights[KEYS[key]] = value
    w = weights[landuse]
    if not (w > 0).any():
        homes = ", ".join(k for k, v in density.items() if v > 0) or "none"
        raise ScenarioError(
            f"{image}: the map has no homes: no cells of the land uses with a density > 0 ({homes})"
        )
    capacity = allocate_exact(w, residents)

    rd = _Reader(label, float(cell_m), ny, coords == "pixels")
    places: dict[str, Place] = {}
    places_spec = data.get("places", {})
    if not isinstance(places_spec, dict):
        raise ScenarioError(f"{label}: [places] must be a table")
    for name, spec in places_spec.items():
        key = f"places.{name}"
        spec = _check_keys(label, key, spec, _PLACE_KEYS)
        shapes = [k for k in ("at", "box", "polygon") if k in spec]
        if len(shapes) != 1:
            raise ScenarioError(f"{label}: {key}: give exactly one of at, box, polygon")
        if "at" in spec:
            x, y = rd.point(f"{key}.at", spec["at"])
            area = Circle(x, y, rd.length(f"{key}.radius", spec.get("radius", 0)))
        elif "box" in spec:
            area = rd.box(f"{key}.box", spec["box"])
        else:
            area = Polygon(rd.points(f"{key}.polygon", spec["polygon"], 3))
        places[name] = Place(name, area, str(spec.get("kind", "place")))
    if not any(p.kind == "camp" for p in places.values()):
        for k, (box, _) in enumerate(_colour_regions(landuse, LandUse.CAMP, rd.cell_m), 1):
            places[f"camp {k}"] = Place(f"camp {k}", box, "camp")

    cordon = None
    if "cordon" in data:
        cd = _check_keys(label, "cordon", data["cordon"], _CORDON_KEYS)
        if "line" not in cd:
            raise ScenarioError(f"{label}: cordon.line is required")
        line = rd.points("cordon.line", cd["line"], 2)
        gate_m = cd.get("gate_m", 25.0)
        if not isinstance(gate_m, int | float) or isinstance(gate_m, bool) or gate_m < 0:
            raise ScenarioError(f"{label}: cordon.gate_m must be a number of metres >= 0")
        cps_spec = cd.get("checkpoints")
        if cps_spec is None:
            cps = {
                f"checkpoint {k}": c
                for k, (_, c) in enumerate(
                    _colour_regions(landuse, LandUse.CHECKPOINT, rd.cell_m), 1
                )
            }
        else:
            cps_spec = _check_keys(label, "cordon.checkpoints", cps_spec, set(cps_spec))
            cps = {n: rd.point(f"cordon.checkpoints.{n}", v) for n, v in cps_spec.items()}
        closed = cd.get("closed", True)
        if not isinstance(closed, bool):
            raise ScenarioError(f"{label}: cordon.closed must be true or false")
        cordon = Cordon(line, cps, gate_m=float(gate_m), closed=closed)

    return CityMap(
        landuse=landuse,
        capacity=capacity,
        cell_m=float(cell_m),
        places=places,
        cordon=cordon,
        name=str(m.get("name", toml_path.stem)),
        source=label,
    )


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return repr(round(float(v), 3))
    if isinstance(v, list | tuple | np.ndarray):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")


def save_map(city: CityMap, path: str | Path) -> Path:
    """Write `city` as a map TOML and its PNG beside it (same name, .png); returns the TOML path.

    A starting point for editing: export the built-in Hyosan, repaint it, load it back.
    Homes are written as residents and density, so they are re-spread on loading.
    """
    path = Path(path)
    png = write_landuse_png(city.landuse, path.with_suffix(".png"))
    lines = [
        "# A jonas city map: the land uses are the colours of the PNG beside this file.",
        "[map]",
        f"name = {_toml_value(city.name)}",
        f"image = {_toml_value(png.name)}",
        f"cell_m = {_toml_value(city.cell_m)}",
        f"residents = {city.residents}",
        'coordinates = "metres"',
        "",
        "[map.density]",
        *(f"{k} = {_toml_value(float(v))}" for k, v in DEFAULT_DENSITY.items()),
        "",
        "[places]",
    ]
    for name, place in city.places.items():
        a = place.area
        if isinstance(a, Circle):
            shape = f"at = {_toml_value([a.x, a.y])}, radius = {_toml_value(a.r)}"
        else:
            shape = f"polygon = {_toml_value(a.points.tolist())}"
        lines.append(f"{_toml_value(name)} = {{ {shape}, kind = {_toml_value(place.kind)} }}")
    if city.cordon is not None:
        cd = city.cordon
        cps = ", ".join(
            f"{_toml_value(n)} = {_toml_value(list(p))}" for n, p in cd.checkpoints.items()
        )
        line = cd.line[:-1] if cd.closed else cd.line
        lines += [
            "",
            "[cordon]",
            f"line = {_toml_value(line.tolist())}",
            f"closed = {_toml_value(cd.closed)}",
            f"gate_m = {_toml_value(cd.gate_m)}",
            f"checkpoints = {{ {cps} }}",
        ]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
