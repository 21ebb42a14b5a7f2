"""Travel between shipped countries: flight routes and ferries as :class:`Link` values.

The links ship as CSV files in ``jonas/data/links/`` (``scripts/derive_links.py`` makes
them from OpenFlights' routes, ODbL: see NOTICE.md there), one row per airport pair or
ferry with the region each end lies in and the travellers a day each way that the volume
model gives. A run of several countries (:func:`jonas.geo.several.combine`) travels along
every link whose two ends are among its countries.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from jonas.geo.regions import Link

_PACKAGE = "jonas.data.links"


@cache
def _rows() -> tuple[dict[str, str], ...]:
    found: list[dict[str, str]] = []
    for entry in sorted(resources.files(_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            found += csv.DictReader(io.StringIO(entry.read_text("utf-8")))
    return tuple(found)


def links_between(countries: list[str] | tuple[str, ...]) -> tuple[Link, ...]:
    """The shipped links whose two ends both lie in ``countries`` (by name), in file order."""
    wanted = set(countries)
    return tuple(
        Link(
            a=row["a_code"],
            b=row["b_code"],
            trips=float(row["trips_per_day"]),
            kind=row["kind"],
            via=row["via"],
        )
        for row in _rows()
        if row["a_country"] in wanted and row["b_country"] in wanted
    )
