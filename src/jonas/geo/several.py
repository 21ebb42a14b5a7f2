"""Several shipped countries in one run: their regions side by side, linked by flights and
ferries (``[metapop] country = ["korea", "japan"]``).

The combined :class:`~jonas.geo.Regions` lists each country's regions in turn (in the
order given), keeps their codes (they must not collide), and carries the shipped links
between them (:func:`jonas.geo.links.links_between`). Each country keeps its own words in
its own selector; the combined selector (:class:`jonas.geo.select.Several`) also takes a
whole country ("Japan") and "Country/Item". The metapop engine builds each country's
commuting and roaming networks apart (``parts``), so a Korean district never commutes to
a Japanese prefecture except along a link.
"""

from __future__ import annotations

from functools import cache

from jonas.errors import ScenarioError
from jonas.geo import country
from jonas.geo.links import links_between
from jonas.geo.regions import Regions, Rings, Words


@cache
def combine(names: tuple[str, ...], field: str = "metapop.country") -> Regions:
    """The shipped countries ``names`` as one :class:`Regions` (see the module notes)."""
    import numpy as np
    import pandas as pd

    if len(set(names)) != len(names):
        raise ScenarioError(f"{field}: a country is named twice in {list(names)}")
    for name in names:
        if name.lower().endswith(".csv"):
            raise ScenarioError(
                f"{field}: several countries in one run are shipped ones ({name!r} is a "
                "file); give your own country alone, with its boundaries"
            )
    parts = tuple(country(name, field) for name in names)
    tables = [p.table.assign(country=p.country) for p in parts]
    table = pd.concat(tables, ignore_index=True, sort=False)
    codes = table["code"].astype(str)
    if codes.duplicated().any():
        raise ScenarioError(
            f"{field}: countries {list(names)} share region codes "
            f"({', '.join(sorted(set(codes[codes.duplicated()]))[:5])})"
        )
    parents: dict[str, tuple[str, ...]] = {}
    for p in parts:
        clash = set(parents) & set(p.parent_names)
        if clash:
            raise ScenarioError(
                f"{field}: countries {list(names)} share parent codes ({sorted(clash)[:5]})"
            )
        parents.update(p.parent_names)

    def boundaries() -> dict[str, Rings]:
        found: dict[str, Rings] = {}
        for p in parts:
            found.update(p.boundaries)
        return found

    def borders() -> list[np.ndarray]:
        return [line for p in parts for line in p.borders]

    extents = [p.extent for p in parts]
    extent = None
    if all(e is not None for e in extents):
        lon0, lon1, lat0, lat1 = zip(*extents, strict=True)  # type: ignore[misc]
        extent = (min(lon0), max(lon1), min(lat0), max(lat1))
    locals_ = {p.local_parent for p in parts}
    return Regions(
        country="+".join(names),
        table=table,
        names=tuple(n for p in parts for n in p.names),
        parent_names=parents,
        load_boundaries=boundaries,
        load_borders=borders,
        links=links_between(names),
        words=_words(parts),
        local_parent=locals_.pop() if len(locals_) == 1 else None,
        extent=extent,
        parts=parts,
    )


def _words(parts: tuple[Regions, ...]) -> Words:
    """Messages speak of every country's units: "districts or prefectures"."""

    def joined(attr: str, sep: str) -> str:
        return sep.join(dict.fromkeys(getattr(p.words, attr) for p in parts))

    return Words(
        unit=joined("unit", " or "),
        units=joined("units", " and "),
        parent=joined("parent", " or "),
        parents=joined("parents", " and "),
        code=joined("code", " or "),
        languages="",
    )
