"""Derive the package's compact copy of Japan's 47 prefectures from the raw data.

Usage::

    .venv/bin/python scripts/derive_japan.py [--raw DIR] [--out DIR]

``DIR`` defaults to ``../shared/data/japan`` next to the repository root and must hold
``population-2020.csv`` (2020 Population Census, Statistics Bureau of Japan) and, from
github.com/dataofjapan/land (commit 9d753ba): ``japan.topojson`` (prefecture boundaries
converted from Global Map Japan, GSI), ``prefectures.csv``, ``prefecturalCapital.csv`` and
``resions.csv`` (sic: the customary regions, Hokkaido to Okinawa). Writes, under
``src/jonas/data/japan/``:

- ``prefectures.csv``: one row per prefecture (47), 2020 census population, region,
  representative point (the prefectural government office), area;
- ``boundaries.json``: simplified prefecture rings and region borders for maps;
- ``NOTICE.md``: attribution, sources, what was derived and how, the population totals.

Only numpy, ``csv`` and ``json`` are used; the TopoJSON decoding, the geometry and the
simplification are derive_korea.py's (imported from beside this file, so that both
countries are drawn by the same code). The output is deterministic: running the script
again reproduces the shipped files byte for byte (a test checks this when the raw folder
is present).

Traps handled (see the raw folder's README.md):

- the regions file is ``resions.csv`` (misspelt in the source repository);
- the four files name the prefectures separately (Japanese names in all four, English in
  two, romanised "Hokkai Do" / "Tokyo To" in the boundaries): every name is checked against
  the census file's, by the JIS X 0401 code, and any disagreement stops the script;
- the representative point is the prefectural capital, not the area centroid: the
  centroid falls in the sea for Tokyo (pulled south by the Izu and Ogasawara islands),
  Kochi, Kagoshima and Okinawa, and far from the people in Hokkaido (Sapporo is in the
  west); each capital is checked to lie inside its own prefecture's outline;
- the raw boundaries (425 KB) are simplified once per shared arc, so neighbours keep the
  same edge.

Any failed join or check (not exactly 47 prefectures, a total other than the census's
126,146,099, a code in one file and not another) stops the script with a message saying
which.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

# The TopoJSON decoding and the geometry are Korea's, so both countries' outlines, areas
# and simplification are made the same way (scripts/ is not a package: the script's own
# folder is on sys.path when it runs).
from derive_korea import (
    EARTH_RADIUS_KM,
    DeriveError,
    command,
    compact_ring,
    decode_arcs,
    district_area_centroid,
    douglas_peucker,
    geometries,
    polygons_of,
    ring_from_arcs,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "japan"
OUT = ROOT / "src" / "jonas" / "data" / "japan"

POPULATION = "population-2020.csv"
TOPOLOGY = "japan.topojson"
PREFECTURES = "prefectures.csv"
CAPITALS = "prefecturalCapital.csv"
REGIONS = "resions.csv"  # sic: the source repository's spelling
SOURCE_COMMIT = "9d753ba"  # github.com/dataofjapan/land, as the raw folder's README says

YEAR = 2020
N_PREFECTURES = 47
N_REGIONS = 9
# The 2020 Population Census total (final counts), Statistics Bureau of Japan.
CENSUS_2020_TOTAL = 126_146_099

DECIMALS = 3  # boundary coordinates: about 100 m (the raw arcs are quantised to ~300 m)
SIMPLIFY_TOLERANCE = 0.005  # Douglas-Peucker tolerance on shared arcs, degrees (about 500 m)
# The frame every shipped point must lie in: Japan from Yonaguni (122.9 E) and Hateruma
# (24.0 N) to Minamitorishima (154.0 E) and Cape Soya (45.5 N).
BOUNDS = (122.5, 154.5, 20.0, 46.0)  # lon0, lon1, lat0, lat1

ATTRIBUTION = (
    "Boundaries: Global Map Japan, Geospatial Information Authority of Japan (GSI). "
    "Population: Statistics Bureau of Japan, 2020 Population Census."
)


# --------------------------------------------------------------------------- tables


def read_csv(raw: Path, name: str, columns: list[str]) -> list[dict[str, str]]:
    """The rows of a raw CSV, checking its header names at least ``columns``."""
    path = raw / name
    if not path.is_file():
        raise DeriveError(f"{name}: not found in {raw}")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DeriveError(f"{name}: missing column(s) {missing}")
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def by_code(rows: list[dict[str, str]], name: str, column: str = "id") -> dict[str, dict]:
    """Rows keyed by the 2-digit JIS X 0401 code ("1" -> "01"), 01 to 47 each once."""
    found: dict[str, dict] = {}
    for row in rows:
        try:
            number = int(row[column])
        except ValueError:
            raise DeriveError(f"{name}: {column} {row[column]!r} is not a number") from None
        code = f"{number:02d}"
        if code in found:
            raise DeriveError(f"{name}: code {code} appears twice")
        found[code] = row
    expected = {f"{i:02d}" for i in range(1, N_PREFECTURES + 1)}
    if set(found) != expected:
        raise DeriveError(
            f"{name}: expected the codes 01 to {N_PREFECTURES} once each; missing "
            f"{sorted(expected - set(found))}, unexpected {sorted(set(found) - expected)}"
        )
    return found


def name_key(name: str) -> str:
    """Romanised names compared without case, spaces or hyphens ("Hokkai Do" = "Hokkaido")."""
    return "".join(name.split()).replace("-", "").casefold()


def census(raw: Path) -> dict[str, dict[str, Any]]:
    """The 47 prefectures of the census file: names and population, by code."""
    rows = by_code(
        read_csv(raw, POPULATION, ["id", "name_en", "name_ja", "population_2020"]), POPULATION
    )
    out = {}
    for code, row in sorted(rows.items()):
        value = row["population_2020"]
        if not value.isdigit() or int(value) <= 0:
            raise DeriveError(f"{POPULATION}: prefecture {code}: population {value!r}")
        out[code] = {"name_en": row["name_en"], "name_ja": row["name_ja"], "population": int(value)}
    total = sum(r["population"] for r in out.values())
    if total != CENSUS_2020_TOTAL:
        raise DeriveError(
            f"{POPULATION}: the prefectures add up to {total:,}, not the {YEAR} census "
            f"total {CENSUS_2020_TOTAL:,}"
        )
    return out


def regions_of(raw: Path, people: dict[str, dict[str, Any]]) -> tuple[dict, dict]:
    """Each prefecture's region id, and the regions (id -> names), names checked."""
    regions = {}
    for row in read_csv(raw, REGIONS, ["id", "name-ja", "name-en"]):
        if row["id"] in regions:
            raise DeriveError(f"{REGIONS}: region id {row['id']} appears twice")
        regions[row["id"]] = {"ja": row["name-ja"], "en": row["name-en"]}
    if len(regions) != N_REGIONS:
        raise DeriveError(f"{REGIONS}: expected {N_REGIONS} regions, found {len(regions)}")
    codes = {name_key(r["en"]) for r in regions.values()}
    if len(codes) != N_REGIONS:
        raise DeriveError(f"{REGIONS}: two regions share an English name")
    rows = by_code(read_csv(raw, PREFECTURES, ["id", "name-ja", "name-en", "regions"]), PREFECTURES)
    region = {}
    for code, row in sorted(rows.items()):
        mine = people[code]
        if (row["name-ja"], row["name-en"]) != (mine["name_ja"], mine["name_en"]):
            raise DeriveError(
                f"{PREFECTURES}: prefecture {code} is {row['name-en']} ({row['name-ja']}) "
                f"there but {mine['name_en']} ({mine['name_ja']}) in {POPULATION}"
            )
        if row["regions"] not in regions:
            raise DeriveError(f"{PREFECTURES}: prefecture {code}: no region {row['regions']!r}")
        region[code] = row["regions"]
    unused = sorted(set(regions) - set(region.values()))
    if unused:
        raise DeriveError(f"{REGIONS}: regions {unused} have no prefecture")
    return region, regions


def capitals(raw: Path, people: dict[str, dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """The prefectural government offices (lon, lat), by code, names checked."""
    rows = by_code(read_csv(raw, CAPITALS, ["id", "nam_ja", "lat", "lon"]), CAPITALS)
    out = {}
    for code, row in sorted(rows.items()):
        if row["nam_ja"] != people[code]["name_ja"]:
            raise DeriveError(
                f"{CAPITALS}: prefecture {code} is {row['nam_ja']} there but "
                f"{people[code]['name_ja']} in {POPULATION}"
            )
        lon, lat = float(row["lon"]), float(row["lat"])
        if not (BOUNDS[0] <= lon <= BOUNDS[1] and BOUNDS[2] <= lat <= BOUNDS[3]):
            raise DeriveError(f"{CAPITALS}: prefecture {code}: ({lat}, {lon}) is not in Japan")
        out[code] = (lon, lat)
    return out


# --------------------------------------------------------------------------- geometry


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(np.radians, (*a, *b))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)))


def inside(point: tuple[float, float], rings: list[np.ndarray]) -> bool:
    """Whether a (lon, lat) point is inside the rings (even-odd rule, holes included)."""
    x, y = point
    crossings = 0
    for ring in rings:
        xi, yi, xj, yj = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
        spans = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = xi + (xj - xi) * (y - yi) / (yj - yi)
        crossings += int(np.count_nonzero(spans & (x < at)))
    return crossings % 2 == 1


def map_rings(polygons: list[list[list[int]]], arcs: list[np.ndarray]) -> list[list[list[float]]]:
    """Rounded rings of one prefecture; rings left with under 4 points (islets) are left out.

    Pass arcs simplified once each, so that neighbours keep sharing the same edges.
    """
    out = []
    for polygon in polygons:
        for indices in polygon:
            ring = compact_ring(ring_from_arcs(indices, arcs))
            if ring is not None:
                out.append(ring)
    return out


def region_borders(
    geoms: list[dict[str, Any]], region: dict[str, str], arcs: list[np.ndarray]
) -> list[list[list[float]]]:
    """Polylines of the arcs with prefectures of two different regions on their sides.

    Coasts and the borders between prefectures are already in the prefecture rings; these
    lines are what a map needs on top of them to draw the regions (Kanto, Kinki, ...).
    """
    sides: dict[int, set[str]] = {}
    for g in geoms:
        mine = region[f"{int(g['properties']['id']):02d}"]
        for polygon in polygons_of(g):
            for indices in polygon:
                for i in indices:
                    sides.setdefault(i if i >= 0 else ~i, set()).add(mine)
    lines = []
    for i in sorted(sides):
        if len(sides[i]) == 2:
            line = compact_ring(arcs[i], close=False)
            if line is not None:
                lines.append(line)
    return lines


# --------------------------------------------------------------------------- derive


def derive(raw: Path) -> dict[str, str]:
    """The three shipped files' text, by name."""
    people = census(raw)
    region, regions = regions_of(raw, people)
    points = capitals(raw, people)

    path = raw / TOPOLOGY
    if not path.is_file():
        raise DeriveError(f"{TOPOLOGY}: not found in {raw}")
    topo = json.loads(path.read_text("utf-8"))
    arcs = decode_arcs(topo)
    simple = [douglas_peucker(a, SIMPLIFY_TOLERANCE) for a in arcs]
    geoms = geometries(topo, TOPOLOGY)

    shapes: dict[str, dict[str, Any]] = {}
    for g in geoms:
        props = g["properties"]
        code = f"{int(props['id']):02d}"
        if code in shapes:
            raise DeriveError(f"{TOPOLOGY}: code {code} appears twice")
        if code not in people:
            shapes[code] = {}  # reported with the other failed joins below
            continue
        if props["nam_ja"] != people[code]["name_ja"] or not name_key(props["nam"]).startswith(
            name_key(people[code]["name_en"])
        ):
            raise DeriveError(
                f"{TOPOLOGY}: prefecture {code} is {props['nam']} ({props['nam_ja']}) there "
                f"but {people[code]['name_en']} ({people[code]['name_ja']}) in {POPULATION}"
            )
        polygons = [[ring_from_arcs(r, arcs) for r in p] for p in polygons_of(g)]
        area, centroid_lon, centroid_lat = district_area_centroid(polygons)
        full = [ring for polygon in polygons for ring in polygon]
        if not inside(points[code], full):
            raise DeriveError(
                f"{CAPITALS}: the capital of {people[code]['name_en']} ({code}) at "
                f"{points[code][1]}, {points[code][0]} is outside its outline"
            )
        rings = map_rings(polygons_of(g), simple)
        if not rings:  # every ring vanished when simplified: keep the unsimplified ones
            rings = map_rings(polygons_of(g), arcs)
        if not rings:
            raise DeriveError(f"{TOPOLOGY}: prefecture {code} has no drawable ring")
        shapes[code] = {
            "area": area,
            "centroid": (centroid_lon, centroid_lat),
            "rings": rings,
            "raw_rings": len(full),
            "capital_inside_map": inside(points[code], [np.asarray(r) for r in rings]),
        }
    missing_pop = sorted(set(shapes) - set(people))
    missing_shape = sorted(set(people) - set(shapes))
    if missing_pop or missing_shape:
        raise DeriveError(
            "boundary and census codes do not join: "
            f"boundary codes without {YEAR} census population {missing_pop}; "
            f"census prefectures without a boundary {missing_shape}"
        )

    table = []
    for code in sorted(people):
        r = regions[region[code]]
        table.append(
            {
                "code": code,
                **people[code],
                "region_code": name_key(r["en"]),
                "region_ja": r["ja"],
                "region_en": r["en"],
                "lon": points[code][0],
                "lat": points[code][1],
                "area": shapes[code]["area"],
            }
        )
    borders = region_borders(
        geoms, {c: t["region_code"] for c, t in zip(sorted(people), table, strict=True)}, simple
    )
    info = {
        "raw_bytes": path.stat().st_size,
        "raw_rings": sum(s["raw_rings"] for s in shapes.values()),
        "rings": sum(len(s["rings"]) for s in shapes.values()),
        "borders": len(borders),
        "outside_map": [c for c in sorted(shapes) if not shapes[c]["capital_inside_map"]],
        # how far the area centroid is from the capital, for the notice's examples
        "offset_km": {c: distance_km(shapes[c]["centroid"], points[c]) for c in sorted(shapes)},
        "centroid_at_sea": [
            c
            for c in sorted(shapes)
            if not inside(shapes[c]["centroid"], [np.asarray(r) for r in shapes[c]["rings"]])
        ],
    }
    boundaries = boundaries_json(table, {c: s["rings"] for c, s in shapes.items()}, borders)
    info["bytes"] = len(boundaries.encode("utf-8"))
    return {
        "prefectures.csv": prefectures_csv(table),
        "boundaries.json": boundaries,
        "NOTICE.md": notice(table, info),
    }


def prefectures_csv(table: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "code",
            "name_ja",
            "name_en",
            "region_code",
            "region_ja",
            "region_en",
            "population",
            "lat",
            "lon",
            "area_km2",
        ]
    )
    for r in table:
        writer.writerow(
            [
                r["code"],
                r["name_ja"],
                r["name_en"],
                r["region_code"],
                r["region_ja"],
                r["region_en"],
                r["population"],
                f"{r['lat']:.5f}",
                f"{r['lon']:.5f}",
                f"{r['area']:.1f}",
            ]
        )
    return buffer.getvalue()


def boundaries_json(
    table: list[dict[str, Any]],
    rings: dict[str, list[list[list[float]]]],
    borders: list[list[list[float]]],
) -> str:
    data = {
        "attribution": f"{ATTRIBUTION} Boundaries via github.com/dataofjapan/land "
        f"(japan.topojson), simplified (Douglas-Peucker {SIMPLIFY_TOLERANCE} deg, {DECIMALS} "
        "decimals). prefectures: code -> rings, each a closed list of [lon, lat] (outer rings "
        "and holes). region_borders: polylines where two regions meet (coasts are in the "
        "prefectures).",
        "prefectures": {r["code"]: rings[r["code"]] for r in table},
        "region_borders": borders,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def notice(table: list[dict[str, Any]], info: dict[str, Any]) -> str:
    total = sum(r["population"] for r in table)
    names = {r["code"]: r["name_en"] for r in table}
    by_region: dict[str, list[dict[str, Any]]] = {}
    for r in table:
        by_region.setdefault(r["region_en"], []).append(r)
    at_sea = ", ".join(names[c] for c in info["centroid_at_sea"])
    off_map = ", ".join(names[c] for c in info["outside_map"]) or "none"
    lines = [
        "# Japan prefecture data: notice",
        "",
        ATTRIBUTION,
        "",
        'Credit "Global Map Japan, GSI" wherever these boundaries are shipped or shown; the',
        "Geospatial Information Authority of Japan asks commercial users of Global Map Japan to",
        "also report their use to GSI.",
        "",
        "## Sources",
        "",
        f"- Population: Statistics Bureau of Japan, {YEAR} Population Census (final counts), by",
        "  prefecture (e-Stat); public official statistics, cited here.",
        "- Boundaries: Global Map Japan (Geospatial Information Authority of Japan, GSI), as",
        "  converted to TopoJSON in github.com/dataofjapan/land (`japan.topojson`, commit",
        f"  {SOURCE_COMMIT}); the repository states no licence of its own.",
        "- Prefecture codes and names, regions and prefectural capitals: the same repository",
        "  (`prefectures.csv`, `resions.csv` [sic], `prefecturalCapital.csv`); codes are JIS X",
        "  0401 (the same numbers as ISO 3166-2:JP).",
        "",
        "## What was derived, and how",
        "",
        "`scripts/derive_japan.py` writes every file here; running it again on the same raw files",
        "reproduces them byte for byte.",
        "",
        f"- `prefectures.csv`: the {N_PREFECTURES} prefectures, by 2-digit JIS X 0401 code (01",
        f"  Hokkaido to 47 Okinawa), with the {YEAR} census population, Japanese and English",
        "  names (from the census file; the other three files' names are checked against them),",
        f"  and the customary region ({N_REGIONS}: Hokkaido, Tohoku, Kanto, Chubu, Kinki, Chugoku,",
        "  Shikoku, Kyushu, Okinawa; `region_code` is the English name in lower case).",
        "- `lat`, `lon`: the **prefectural capital** (the prefectural government office), the",
        "  point the metapop engine's travel model measures distances from. Not the area",
        "  centroid, which falls outside the land for these prefectures:",
        f"  {at_sea}. Tokyo's is pulled {info['offset_km']['13']:.0f} km south into the sea by",
        "  the Izu and Ogasawara islands; Hokkaido's is",
        f"  {info['offset_km']['01']:.0f} km east of Sapporo, where the people are. Each capital",
        "  is checked to lie inside its prefecture's raw outline. Capitals outside their",
        f"  simplified outline (a coast moved by up to {SIMPLIFY_TOLERANCE} degrees): {off_map}.",
        "- `area_km2`: from the raw (unsimplified) outline, each polygon in an equirectangular",
        f"  projection at its mean latitude (Earth radius {EARTH_RADIUS_KM} km), holes subtracted.",
        f"  The areas total {sum(r['area'] for r in table):,.0f} km² (Japan: 377,975 km², the",
        "  Northern Territories included, as they are in Hokkaido's outline here).",
        "- `boundaries.json`: each prefecture's rings, arcs simplified once (Douglas-Peucker,",
        f"  {SIMPLIFY_TOLERANCE} degrees) so neighbours share edges, coordinates rounded to",
        f"  {DECIMALS} decimals, consecutive duplicates removed, rings closed;",
        f"  {info['rings']} of the raw file's {info['raw_rings']} rings kept, the others (islets",
        "  left with fewer than 4 points) dropped; every prefecture keeps at least one.",
        f"  {info['bytes']:,} bytes (the raw `{TOPOLOGY}`: {info['raw_bytes']:,}). Region",
        "  borders: the simplified arcs with prefectures of two regions on their sides, as",
        f"  polylines ({info['borders']}).",
        "",
        "## Population totals",
        "",
        f"- **Shipped total: {total:,}** people in {len(table)} prefectures, the {YEAR} census",
        "  total exactly (the figures are not rescaled).",
        "",
        "| region | prefectures | population |",
        "|---|---:|---:|",
    ]
    for name, rows in by_region.items():
        people = sum(r["population"] for r in rows)
        lines.append(f"| {name} | {len(rows)} | {people:,} |")
    lines += ["", "| code | prefecture | region | population |", "|---|---|---|---:|"]
    for r in table:
        lines.append(
            f"| {r['code']} | {r['name_en']} ({r['name_ja']}) | {r['region_en']} | "
            f"{r['population']:,} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return command("derive_japan", __doc__, derive, DEFAULT_RAW, OUT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
