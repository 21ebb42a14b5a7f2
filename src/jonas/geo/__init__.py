"""Geography as data: a country is a :class:`Regions` table (codes, names, parents,
population, a representative point, boundaries for maps, extra travel links).

The countries jonas ships are modules of :mod:`jonas.geo.countries`, found by name
(:func:`country`); a user's own country is a CSV of regions and a GeoJSON or TopoJSON of
their boundaries (:func:`jonas.geo.files.load_regions`). Nothing that reads a
:class:`Regions` imports a country by name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache

from jonas.errors import ScenarioError, suggest
from jonas.geo.regions import Link, Regions, Words

__all__ = ["Link", "Regions", "Words", "country", "shipped_countries"]


@cache
def _countries() -> dict[str, Callable[[], Regions]]:
    import jonas.geo.countries as package

    found = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if callable(getattr(module, "COUNTRY", None)):
            found[info.name] = module.COUNTRY
    return found


def shipped_countries() -> tuple[str, ...]:
    """The names of the countries jonas ships. (Not ``countries``: that is the subpackage
    that holds them, and importing it would hide a function of the same name.)"""
    return tuple(_countries())


def country(name: str, field: str = "country") -> Regions:
    """A shipped country's regions, by name (``"korea"``)."""
    found = _countries()
    if name not in found:
        raise ScenarioError(
            f"{field}: no country {name!r} ships with jonas; countries are "
            f"{', '.join(found)}, or give your own regions file (a .csv)." + suggest(name, found)
        )
    return found[name]()
