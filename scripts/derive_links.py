"""Derive the links between the shipped countries (flights and the Busan–Fukuoka ferry)
from the raw OpenFlights snapshot.

Usage::

    .venv/bin/python scripts/derive_links.py [--raw DIR] [--out DIR]

``DIR`` defaults to ``../shared/data/flights`` next to the repository root and must hold
OpenFlights' ``airports.dat`` and ``routes.dat`` (github jpatokal/openflights, commit
5a03602; routes last changed 2017; ODbL 1.0). Writes, under ``src/jonas/data/links/``:

- ``korea-japan.csv``: one row per airport pair with scheduled flights between South Korea
  and Japan, and one for the Busan–Hakata ferries: the region (district or prefecture)
  each end lies in, the routes, the seats a day, and the travellers a day each way that
  the metapop engine uses (:func:`jonas.geo.links.links_between`);
- ``NOTICE.md``: the ODbL notice, the volume model and its numbers, and the check against
  the published traveller counts.

The volume model (routes carry no passenger numbers; every figure below is ours):

    travellers a day each way = Σ over the pair's routes (non-codeshare rows, each way)
        seats of its aircraft × FLIGHTS_PER_DAY × LOAD_FACTOR, averaged over the two ways

Each airport is put in the shipped region whose boundary holds its coordinates; airports
on reclaimed land or islets that the simplified outlines leave out go to the nearest
region (named in NOTICE.md). Only numpy, ``csv`` and jonas's shipped boundaries are used;
the output is deterministic (a test checks that a run reproduces the shipped files).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

# one command line and one error for the derivation scripts (scripts/ is not a package:
# the script's own folder is on sys.path when it runs)
from derive_korea import DeriveError, command

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "flights"
OUT = ROOT / "src" / "jonas" / "data" / "links"

#: OpenFlights' country names → the shipped countries they link
COUNTRIES = {"South Korea": "korea", "Japan": "japan"}

#: Seats per flight by IATA aircraft code: typical two-class cabins of the Korean and
#: Japanese airlines flying these routes, round figures (ours, from the airlines' seat
#: maps as commonly published; a 737-800 of a low-cost carrier has 189).
SEATS = {
    "734": 150, "737": 150, "738": 189, "73H": 189, "739": 189, "73J": 189,
    "320": 170, "321": 195, "332": 250, "333": 285,
    "763": 250, "767": 230,
    "772": 280, "777": 280, "77L": 280, "773": 350, "77W": 340,
    "744": 400, "74E": 400,
}  # fmt: skip
#: Flights a day per route (one airline on one airport pair, one way): our stated average.
#: Trunk routes (Incheon–Narita) fly four or more a day per airline, regional ones one a
#: day or a few a week; 2 is chosen as the round figure that brings the total close to
#: the published traveller count (NOTICE.md: the check).
FLIGHTS_PER_DAY = 2.0
#: Share of seats taken: Korean and Japanese airlines reported about 0.8 on
#: international routes around 2017 (a round figure; ours).
LOAD_FACTOR = 0.8

#: The Busan–Hakata (Fukuoka) ferries (JR Kyushu's Beetle, Camellia Line), which no
#: airline table has. About 1.2 million passengers crossed between Korea and Japan by
#: ferry in 2016 on four routes (Korea's Ministry of Oceans and Fisheries, as reported by
#: JIFFA), 580,600 of them Busan–Tsushima (Kyushu Transport Bureau, reported by the
#: Sankei Shimbun, 2017); we give Busan–Hakata 400,000 a year both ways together, our
#: split of the rest (no figure for this route alone was found): 548 a day each way.
FERRY_PER_YEAR = 400_000
#: the two terminals, (country, lon, lat, name)
FERRY = (
    ("korea", 129.0419, 35.1139, "Busan Port International Passenger Terminal"),
    ("japan", 130.4037, 33.6047, "Hakata Port International Terminal"),
)

#: Published traveller counts the model is checked against (NOTICE.md).
VISITORS_2017 = {
    "Korean visitors to Japan, 2017 (JNTO)": 7_140_000,
    "Japanese visitors to Korea, 2017 (Korea Tourism Organization)": 2_310_000,
}
FERRY_ALL_2016 = 1_199_980  # Japan–Korea ferry passengers, 2016, both ways


def read(raw: Path, name: str) -> list[list[str]]:
    path = raw / name
    if not path.is_file():
        raise DeriveError(f"{path} is missing (the raw OpenFlights snapshot)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def inside(x: float, y: float, rings: list[np.ndarray]) -> bool:
    """Whether (lon, lat) is inside the rings (even-odd rule, holes included)."""
    crossings = 0
    for ring in rings:
        xi, yi, xj, yj = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
        spans = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = xi + (xj - xi) * (y - yi) / (yj - yi)
        crossings += int(np.count_nonzero(spans & (x < at)))
    return crossings % 2 == 1


def locate(country: str, lon: float, lat: float) -> tuple[str, str, float]:
    """The shipped region (code, name) whose boundary holds the point, and 0; or, for a
    point the simplified outlines leave out (reclaimed land, islets), the region with the
    nearest boundary point and its distance in km."""
    from jonas.geo import country as shipped

    regions = shipped(country)
    names = dict(zip(regions.table["code"].astype(str), regions.table["name"], strict=True))
    for code, rings in regions.boundaries.items():
        if inside(lon, lat, rings):
            return code, str(names[code]), 0.0
    best, far = "", np.inf
    for code, rings in regions.boundaries.items():
        for ring in rings:
            dx = (ring[:, 0] - lon) * np.cos(np.radians(lat)) * 111.195
            dy = (ring[:, 1] - lat) * 111.195
            d = float(np.sqrt(dx * dx + dy * dy).min())
            if d < far:
                best, far = code, d
    return best, str(names[best]), far


def derive(raw: Path) -> dict[str, str]:
    airports = {}
    for row in read(raw, "airports.dat"):
        if row[3] in COUNTRIES and len(row[4]) == 3:
            airports[row[4]] = (COUNTRIES[row[3]], row[1], float(row[7]), float(row[6]))
    # per airport pair (in the order korea, japan) and way: [routes, seats a day]
    pairs: dict[tuple[str, str], dict[str, list[float]]] = {}
    dropped = 0
    unknown: set[str] = set()
    for row in read(raw, "routes.dat"):
        src, dst, codeshare, equipment = row[2], row[4], row[6], row[8]
        if src not in airports or dst not in airports:
            continue
        if airports[src][0] == airports[dst][0]:
            continue  # a domestic route: inside a country, travel is its own network's
        if codeshare == "Y":
            dropped += 1  # another airline's flight sold under this one's code
            continue
        codes = equipment.split()
        seats = [SEATS[c] for c in codes if c in SEATS]
        unknown.update(c for c in codes if c not in SEATS)
        if not seats:
            raise DeriveError(f"route {src}-{dst} ({row[0]}): no seat count for {equipment!r}")
        korean = src if airports[src][0] == "korea" else dst
        japanese = dst if korean == src else src
        way = "out" if korean == src else "in"
        entry = pairs.setdefault((korean, japanese), {"out": [0, 0.0], "in": [0, 0.0]})
        entry[way][0] += 1
        # a route flown with several types: their mean
        entry[way][1] += float(np.mean(seats)) * FLIGHTS_PER_DAY
    if unknown:
        raise DeriveError(f"aircraft codes without a seat count: {sorted(unknown)}")
    located = {}
    for code in sorted({a for pair in pairs for a in pair}):
        kind, name, lon, lat = airports[code]
        located[code] = (kind, *locate(kind, lon, lat), name)
    rows = []
    for (korean, japanese), ways in sorted(pairs.items()):
        a, b = located[korean], located[japanese]
        seats = (ways["out"][1] + ways["in"][1]) / 2
        rows.append(
            {
                "kind": "flight",
                "via": f"{korean}-{japanese}",
                "a_country": a[0],
                "a_code": a[1],
                "a_name": a[2],
                "b_country": b[0],
                "b_code": b[1],
                "b_name": b[2],
                "routes": f"{int(ways['out'][0])}/{int(ways['in'][0])}",
                "seats_per_day": f"{seats:.0f}",
                "trips_per_day": f"{seats * LOAD_FACTOR:.0f}",
            }
        )
    ferry = [locate(kind, lon, lat) for kind, lon, lat, _ in FERRY]
    rows.append(
        {
            "kind": "ferry",
            "via": "Busan-Hakata",
            "a_country": "korea",
            "a_code": ferry[0][0],
            "a_name": ferry[0][1],
            "b_country": "japan",
            "b_code": ferry[1][0],
            "b_name": ferry[1][1],
            "routes": "",
            "seats_per_day": "",
            "trips_per_day": f"{FERRY_PER_YEAR / 365 / 2:.0f}",
        }
    )
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return {
        "korea-japan.csv": table.getvalue(),
        "NOTICE.md": notice(rows, located, dropped),
    }


def notice(rows: list[dict[str, str]], located: dict, dropped: int) -> str:
    flights = [r for r in rows if r["kind"] == "flight"]
    n_routes = sum(int(x) for r in flights for x in r["routes"].split("/"))
    air = sum(int(r["trips_per_day"]) for r in flights)
    ferry = sum(int(r["trips_per_day"]) for r in rows if r["kind"] == "ferry")
    visitors = sum(VISITORS_2017.values())
    # every visitor crosses twice (there and back); the ferries carried some of them
    published_air = (2 * visitors - FERRY_ALL_2016) / 365 / 2
    moved = [
        f"{code} ({info[4]}: {info[2]}, {info[3]:.1f} km from its outline)"
        for code, info in located.items()
        if info[3] > 0
    ]
    lines = [
        "# Links between Korea and Japan: notice",
        "",
        "Contains information from OpenFlights (https://openflights.org/data.html), made",
        "available under the Open Database License (ODbL) 1.0",
        "(https://opendatacommons.org/licenses/odbl/1-0/). `korea-japan.csv` is a derived",
        "database: it stays under the ODbL (share-alike for the database, not for the code",
        "that reads it); credit OpenFlights wherever it is shipped or shown.",
        "",
        "## Sources",
        "",
        "- Routes and airports: OpenFlights `routes.dat` and `airports.dat` (github",
        "  jpatokal/openflights, commit 5a03602; the routes were last changed in 2017).",
        "- Regions: jonas's shipped boundaries of Korea's districts and Japan's prefectures.",
        "- The ferry (no airline table has it) and every volume below: our assumptions.",
        "",
        "## What was derived, and how",
        "",
        "`scripts/derive_links.py` writes both files here; running it again on the same raw",
        "files reproduces them byte for byte.",
        "",
        f"- Routes between a Korean and a Japanese airport: {n_routes} rows flown by the",
        f"  airline itself ({dropped} codeshare rows dropped: they duplicate a real flight),",
        f"  on {len(flights)} airport pairs; `routes` counts them each way (Korea to Japan /",
        "  Japan to Korea).",
        "- `seats_per_day` (the mean of the two ways): each route's seats per flight from its",
        "  aircraft codes (the mean over the types listed), × "
        f"{FLIGHTS_PER_DAY:g} flights a day per route.",
        f"- `trips_per_day`: seats × a load factor of {LOAD_FACTOR:g}: travellers a day each way,",
        "  which the metapop engine adds to the travel between the two regions.",
        f"- The Busan–Hakata ferries: {FERRY_PER_YEAR:,} passengers a year both ways",
        "  together (about 1.2 million crossed by ferry in 2016 on four routes, 580,600 of them",
        f"  Busan–Tsushima; the rest split by us), so {ferry} a day each way.",
        "- Each airport lies in the region whose shipped outline holds its coordinates;",
        "  those the simplified outlines leave out (reclaimed land, islets) go to the region",
        "  with the nearest outline: " + (", ".join(moved) if moved else "none") + ".",
        "",
        "Seats per flight by aircraft code (ours: typical two-class cabins, round figures):",
        "",
        "| code | seats | code | seats | code | seats |",
        "|---|---|---|---|---|---|",
    ]
    items = sorted(SEATS.items())
    for k in range(0, len(items), 3):
        cells = [f"{c} | {s}" for c, s in items[k : k + 3]]
        cells += ["|"] * (3 - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## The check",
        "",
        f"The model gives {air:,} air travellers a day each way ({air * 365 * 2 / 1e6:.1f}",
        f"million crossings a year) and {ferry:,} by the Busan–Hakata ferries.",
        "Published counts: " + "; ".join(f"{k}: {v:,}" for k, v in VISITORS_2017.items()) + ".",
        f"Each visitor crosses twice; less the {FERRY_ALL_2016:,} ferry passengers of",
        f"2016, that is about {published_air:,.0f} air travellers a day each way, so the",
        f"model carries {air / published_air:.2f} times the visitors. Residents of each country",
        "returning home are in the visitors' counts (their trips there and back); other",
        "nationals and transfers are not, so the published figure is a floor.",
        "",
        "## Airports",
        "",
        "| airport | country | region | name |",
        "|---|---|---|---|",
    ]
    for code, (kind, region, name, _, full) in located.items():
        lines.append(f"| {code} | {kind} | {region} {name} | {full} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return command("derive_links", __doc__, derive, DEFAULT_RAW, OUT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
