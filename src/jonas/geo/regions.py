"""A country as data: :class:`Regions`, the table any country provides.

Every region has a code, a name (and any other names it answers to), a parent region (a
province, a prefecture's region…), a population, a representative point and, for maps,
boundaries. Optional extra ``links`` (airports, ferries) carry travel between regions
beyond what distance gives. Nothing that reads a :class:`Regions` knows which country it
is: the metapop engine, its mobility model and the maps take any.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from jonas.geo.select import Selector

#: a region's outline for maps: closed rings of (lon, lat) points, outer rings and holes
Rings = list[np.ndarray]


@dataclass(frozen=True)
class Link:
    """Travel between two regions beyond what their distance gives (a flight route, a
    ferry): ``trips`` per day each way; ``via`` names it ("ICN-NRT")."""

    a: str
    b: str
    trips: float
    kind: str = "link"
    via: str = ""


@dataclass(frozen=True)
class Words:
    """How a country's regions are spoken of in messages."""

    unit: str = "region"  # "district"
    units: str = "regions"
    parent: str = "parent region"  # "province"
    parents: str = "parent regions"
    code: str = "code"  # "5-digit district code"
    languages: str = ""  # " (English or Korean)"
    code_pattern: str | None = None  # a code's form: unknown codes of this form are named so
    code_hint: str = ""  # " (codes are the 2020 census's, 11010 to 39020)"


@dataclass(frozen=True, eq=False)
class Regions:
    """A country's regions (see the module notes).

    ``table`` has one row per region, sorted as the country gives them, with at least the
    columns ``code`` (str), ``name``, ``parent`` (the parent's code, str), ``parent_name``,
    ``population`` (int), ``lat`` and ``lon`` (degrees: the representative point);
    countries may add more (``name_local``, ``area_km2``, ``workplaces``: where commuters
    go, …). ``names[i]`` are all the
    names region i answers to and ``parent_names`` those of each parent, by code.
    ``boundaries`` and ``borders`` load the outlines (code → rings) and the lines where
    parents meet, for maps, when first asked for.
    """

    country: str
    table: pd.DataFrame
    names: tuple[tuple[str, ...], ...]
    parent_names: dict[str, tuple[str, ...]]
    load_boundaries: Callable[[], dict[str, Rings]]
    load_borders: Callable[[], list[np.ndarray]] = list
    links: tuple[Link, ...] = ()
    words: Words = field(default_factory=Words)
    local_parent: str | None = None  # the column of parents' names in the local script
    #: the frame of its maps (lon0, lon1, lat0, lat1); None: around every boundary
    extent: tuple[float, float, float, float] | None = None
    #: what the whole country answers to among several (its name always): "Korea", "한국"
    aliases: tuple[str, ...] = ()
    #: several countries in one (:func:`jonas.geo.several.combine`): each, in table order
    parts: tuple[Regions, ...] = ()

    def __len__(self) -> int:
        return len(self.table)

    @property
    def codes(self) -> np.ndarray:
        return self.table["code"].to_numpy()

    @property
    def population(self) -> np.ndarray:
        return self.table["population"].to_numpy()

    @cached_property
    def boundaries(self) -> dict[str, Rings]:
        """Outlines for maps: code → closed rings of (lon, lat) (outer rings and holes:
        fill them with the even-odd rule)."""
        return self.load_boundaries()

    @cached_property
    def borders(self) -> list[np.ndarray]:
        """Polylines (lon, lat) where two parents meet (coasts are in the outlines)."""
        return self.load_borders()

    @cached_property
    def selector(self) -> Selector:
        from jonas.geo.select import Selector, Several

        return Several(self) if self.parts else Selector(self)

    @property
    def country_of(self) -> np.ndarray:
        """Each region's country (its name), in table order."""
        if not self.parts:
            return np.full(len(self.table), self.country, dtype=object)
        return np.concatenate([np.full(len(p.table), p.country, dtype=object) for p in self.parts])

    def select(self, spec: str | list[str], field: str = "regions") -> np.ndarray:
        """Row indices (sorted, unique) of the regions a selector names: codes, names,
        parents, "Parent/Name", or "all" (see :mod:`jonas.geo.select`)."""
        return self.selector.select(spec, field)
