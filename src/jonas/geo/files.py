"""A user's own country: a CSV of regions and a GeoJSON or TopoJSON of their boundaries.

The CSV has one row per region with the columns ``code``, ``name``, ``parent`` (the code
or name of the region it belongs to: a province, a state), ``population``, ``latitude``
and ``longitude`` (its representative point, degrees); optional columns: ``parent_name``
(how messages and tables show the parent; default: ``parent``), ``name_local`` (another
name it answers to) and ``workplaces`` (how many jobs or businesses it has: where commuters
go; default: its population). The boundaries file holds one feature per region, carrying its code
(``properties.code``, or the feature's ``id``), with a Polygon or MultiPolygon geometry in
longitude/latitude. Every problem is a :class:`~jonas.errors.ScenarioError` naming the file,
the row or feature, and what is allowed.

In a scenario: ``[metapop] country = "my-regions.csv"`` and ``boundaries =
"my-regions.geojson"`` (paths relative to the scenario file). docs/metapop.md has a
worked example.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jonas.errors import ScenarioError
from jonas.geo import Regions, country
from jonas.geo.regions import Rings

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("code", "name", "parent", "population", "latitude", "longitude")


def regions_of(name: str | list[str], boundaries: str | None = None) -> Regions:
    """The country a ``[metapop]`` section names (``country``, ``boundaries``): a shipped
    one, the user's files, or several shipped ones in one run (a list)."""
    if not isinstance(name, str):
        from jonas.geo.several import combine

        return combine(tuple(name)) if len(name) > 1 else regions_of(name[0], boundaries)
    if not name.lower().endswith(".csv"):
        return country(name, "metapop.country")
    if boundaries is None:
        raise ScenarioError(
            "metapop.boundaries: a regions file needs its boundaries for maps: give "
            "boundaries = a GeoJSON or TopoJSON file whose features carry each region's code"
        )
    return _cached(name, boundaries, *_stamps(name, boundaries))


def _stamps(*paths: str) -> tuple[float, ...]:
    return tuple(Path(p).stat().st_mtime if Path(p).is_file() else 0.0 for p in paths)


_LOADED: dict[tuple[Any, ...], Regions] = {}


def _cached(regions: str, boundaries: str, *stamps: float) -> Regions:
    """Each pair of files is read once per process (while they stay unchanged)."""
    key = (regions, boundaries, *stamps)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_regions(regions, boundaries)
    return _LOADED[key]


def load_regions(regions: str | Path, boundaries: str | Path) -> Regions:
    """A country from a regions CSV and a GeoJSON/TopoJSON of boundaries, validated."""
    table = _read_table(Path(regions))
    rings, borders = _read_boundaries(Path(boundaries), table)
    names = tuple(
        tuple(str(v) for v in values if isinstance(v, str) and v.strip())
        for values in zip(table["name"], table.get("name_local", [None] * len(table)), strict=True)
    )
    parents = {
        str(code): (str(name),)
        for code, name in zip(table["parent"], table["parent_name"], strict=True)
    }
    return Regions(
        country=Path(regions).stem,
        table=table,
        names=names,
        parent_names=parents,
        load_boundaries=lambda: rings,
        load_borders=lambda: borders,
    )


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    where = f"metapop.country: {path}"
    if not path.is_file():
        raise ScenarioError(f"{where}: no such file (a CSV of regions: {', '.join(COLUMNS)})")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ScenarioError(f"{where}: not a readable CSV ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ScenarioError(
            f"{where}: missing column(s) {', '.join(missing)}; a regions file has the columns "
            f"{', '.join(COLUMNS)} (and optionally parent_name, name_local, workplaces)"
        )
    if table.empty:
        raise ScenarioError(f"{where}: no regions in it")
    table = table.apply(lambda column: column.str.strip())

    def rows(mask: Any) -> str:
        found = [str(i + 2) for i in np.flatnonzero(mask)]  # line 1 is the header
        return ", ".join(found[:10]) + (" …" if len(found) > 10 else "")

    for column in ("code", "name", "parent"):
        empty = (table[column] == "").to_numpy()
        if empty.any():
            raise ScenarioError(f"{where}: line(s) {rows(empty)}: no {column}")
    repeated = table["code"].duplicated(keep=False).to_numpy()
    if repeated.any():
        codes = sorted(set(table["code"][repeated]))
        raise ScenarioError(
            f"{where}: code(s) listed more than once: {', '.join(codes[:10])} (line(s) "
            f"{rows(repeated)}); every region needs its own code"
        )
    numbers = {}
    for column, low, high in (
        ("population", 0.0, math.inf),
        ("latitude", -90.0, 90.0),
        ("longitude", -180.0, 180.0),
    ):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            allowed = (
                "a whole number of people, 0 or more"
                if column == "population"
                else (f"degrees from {low:g} to {high:g}")
            )
            raise ScenarioError(
                f"{where}: line(s) {rows(bad)}: {column} missing or out of range ({allowed})"
            )
        numbers[column] = values
    whole = numbers["population"] != np.round(numbers["population"])
    if whole.any():
        raise ScenarioError(f"{where}: line(s) {rows(whole)}: population is not a whole number")
    out = pd.DataFrame(
        {
            "code": table["code"],
            "name": table["name"],
            "parent": table["parent"],
            "parent_name": table["parent_name"] if "parent_name" in table else table["parent"],
            "population": numbers["population"].astype(np.int64),
            "lat": numbers["latitude"],
            "lon": numbers["longitude"],
        }
    )
    if "name_local" in table:
        out["name_local"] = table["name_local"]
    if "workplaces" in table:
        values = pd.to_numeric(table["workplaces"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise ScenarioError(
                f"{where}: line(s) {rows(bad)}: workplaces missing or out of range (a number "
                "of jobs or businesses, 0 or more)"
            )
        out["workplaces"] = values
    return out


def _read_boundaries(path: Path, table: pd.DataFrame) -> tuple[dict[str, Rings], list[np.ndarray]]:
    where = f"metapop.boundaries: {path}"
    if not path.is_file():
        raise ScenarioError(f"{where}: no such file (a GeoJSON or TopoJSON of the regions)")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: not JSON ({exc})") from None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        rings, borders = _geojson(data, where), []
    elif kind == "Topology":
        rings, borders = _topojson(data, where, table)
    else:
        raise ScenarioError(
            f"{where}: expected a GeoJSON FeatureCollection or a TopoJSON Topology "
            f"(its 'type'), got {kind!r}"
        )
    codes = list(table["code"])
    unknown = sorted(set(rings) - set(codes))
    if unknown:
        raise ScenarioError(
            f"{where}: boundaries for code(s) the regions file does not list: "
            f"{', '.join(unknown[:10])}"
        )
    missing = [c for c in codes if c not in rings]
    if missing:
        raise ScenarioError(
            f"{where}: region(s) without a boundary: {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            + " (each feature carries its region's code in properties.code or its id)"
        )
    return rings, borders


def _code_of(feature: dict[str, Any], where: str) -> str:
    properties = feature.get("properties") or {}
    code = properties.get("code", feature.get("id")) if isinstance(properties, dict) else None
    if code is None or str(code).strip() == "":
        raise ScenarioError(f"{where}: a feature has no code (properties.code or id)")
    return str(code).strip()


def _ring(points: Any, where: str) -> np.ndarray:
    ring = np.asarray(points, dtype=float)
    if ring.ndim != 2 or ring.shape[0] < 3 or ring.shape[1] < 2:
        raise ScenarioError(f"{where}: a ring needs at least 3 [longitude, latitude] points")
    ring = ring[:, :2]
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return ring


def _polygons(geometry: Any, where: str) -> list[Any]:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ScenarioError(
        f"{where}: a region's geometry must be a Polygon or MultiPolygon, not {kind!r}"
    )


def _geojson(data: dict[str, Any], where: str) -> dict[str, Rings]:
    rings: dict[str, Rings] = {}
    for n, feature in enumerate(data.get("features") or []):
        here = f"{where}: feature {n}"
        code = _code_of(feature, here)
        try:
            rings.setdefault(code, []).extend(
                _ring(r, f"{here} ({code})")
                for polygon in _polygons(feature.get("geometry"), f"{here} ({code})")
                for r in polygon
            )
        except (TypeError, ValueError, KeyError):
            raise ScenarioError(
                f"{here} ({code}): coordinates are not [longitude, latitude] lists"
            ) from None
    return rings


def _arcs(data: dict[str, Any], where: str) -> list[np.ndarray]:
    """TopoJSON's arcs as (lon, lat) arrays: delta-decoded and scaled when quantized."""
    transform = data.get("transform")
    arcs = []
    for arc in data.get("arcs") or []:
        points = np.asarray(arc, dtype=float)[:, :2]
        if transform is not None:
            points = np.cumsum(points, axis=0) * np.asarray(transform["scale"], float) + (
                np.asarray(transform["translate"], float)
            )
        arcs.append(points)
    if not arcs:
        raise ScenarioError(f"{where}: the topology has no arcs")
    return arcs


def _stitch(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """A ring from arcs (index ~i: arc i reversed); shared end points are not repeated."""
    parts = []
    for k, i in enumerate(indices):
        arc = arcs[~i][::-1] if i < 0 else arcs[i]
        parts.append(arc if k == 0 else arc[1:])
    return np.vstack(parts)


def _topojson(
    data: dict[str, Any], where: str, table: pd.DataFrame
) -> tuple[dict[str, Rings], list[np.ndarray]]:
    try:
        arcs = _arcs(data, where)
        objects = list((data.get("objects") or {}).values())
        geometries = [g for o in objects for g in (o.get("geometries") or [o])]
    except (TypeError, ValueError, KeyError, IndexError):
        raise ScenarioError(f"{where}: not a readable TopoJSON topology") from None
    parent = dict(zip(table["code"], table["parent"], strict=True))
    rings: dict[str, Rings] = {}
    users: dict[int, set[str]] = {}
    for n, geometry in enumerate(geometries):
        here = f"{where}: geometry {n}"
        code = _code_of(geometry, here)
        try:
            polygons = {"Polygon": [geometry.get("arcs")], "MultiPolygon": geometry.get("arcs")}
            chosen = polygons.get(geometry.get("type"))
            if chosen is None:
                _polygons(geometry, f"{here} ({code})")  # raises the shape error
            for polygon in chosen or []:
                for indices in polygon:
                    rings.setdefault(code, []).append(_ring(_stitch(indices, arcs), here))
                    for i in indices:
                        users.setdefault(i if i >= 0 else ~i, set()).add(code)
        except (TypeError, ValueError, KeyError, IndexError):
            raise ScenarioError(f"{here} ({code}): arcs that the topology does not have") from None
    # Where two regions of different parents share an arc, their parents meet.
    borders = [
        arcs[i]
        for i, codes in sorted(users.items())
        if len(codes) == 2 and len({parent.get(c) for c in codes}) == 2
    ]
    return rings, borders
