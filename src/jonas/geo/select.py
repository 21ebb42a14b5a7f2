"""Region selectors: which regions a scenario names (``metapop.regions``, ``outbreak``, an
intervention's ``regions``).

A selector is a list of items, or one string of items separated by commas. Each item is a
region's code, any name it answers to (case and spaces ignored), a parent (all its
regions), ``"Parent/Name"`` (``"Seoul/Jung-gu"``), or ``"all"``. A name that regions of
several parents share is an error listing them. Messages speak of the country's own units
(:class:`~jonas.geo.regions.Words`: districts and provinces for Korea).
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

import numpy as np

from jonas.errors import ScenarioError

if TYPE_CHECKING:
    from jonas.geo.regions import Regions


def key(name: str) -> str:
    """Names compare case-insensitively, ignoring spaces."""
    return re.sub(r"\s+", "", name).casefold()


def close_names(name: str, choices: list[str]) -> str:
    """A ' Did you mean …?' hint among ``choices`` (compared as :func:`key` does)."""
    by_key = {key(c): c for c in choices}
    close = difflib.get_close_matches(key(name), list(by_key), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(by_key[c]) for c in close) + "?"


class Selector:
    """The names of one country's regions and parents, indexed for selection."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        table = regions.table
        self.codes = {key(str(c)): i for i, c in enumerate(table["code"])}
        self.parents: dict[str, list[int]] = {}
        self.names: dict[str, list[int]] = {}
        self.shown: dict[str, str] = {}
        for row, parent in enumerate(table["parent"].astype(str)):
            # names before the code: where they read the same ("Kanto", code "kanto"),
            # suggestions show the name
            for name in (*regions.parent_names.get(parent, ()), parent):
                self._add(self.parents, str(name), row)
            for name in regions.names[row]:
                self._add(self.names, str(name), row)

    def _add(self, index: dict[str, list[int]], name: str, row: int) -> None:
        rows = index.setdefault(key(name), [])
        if row not in rows:
            rows.append(row)
        self.shown.setdefault(key(name), name)

    def knows(self, item: str) -> bool:
        """Whether ``item`` names something here (a code, a name, a parent, a known
        "Parent/Name"), without saying whether it is ambiguous."""
        k = key(item)
        if k == "all" or k in self.codes or k in self.parents or k in self.names:
            return True
        parent, slash, name = item.partition("/")
        return bool(slash) and key(parent) in self.parents and key(name) in self.names

    def _describe(self, rows: list[int]) -> str:
        table = self.regions.table
        return ", ".join(
            f"{table['code'].iat[i]} {table['name'].iat[i]} ({table['parent_name'].iat[i]})"
            for i in rows
        )

    def _one(self, item: str, field: str) -> list[int]:
        regions, words, table = self.regions, self.regions.words, self.regions.table
        k = key(item)
        if k == "all":
            return list(range(len(table)))
        if k in self.codes:
            return [self.codes[k]]
        if words.code_pattern is not None and re.fullmatch(words.code_pattern, k):
            raise ScenarioError(
                f"{field}: {item!r}: no {words.unit} has this code{words.code_hint}."
                + close_names(k, list(table["code"].astype(str)))
            )
        if k in self.parents:
            return self.parents[k]
        if "/" in item:
            parent, _, name = item.partition("/")
            inside = self.parents.get(key(parent))
            if inside is None:
                raise ScenarioError(
                    f"{field}: {item!r}: unknown {words.parent} {parent.strip()!r}; "
                    f"{words.parents} are {', '.join(sorted(set(table['parent_name'])))}."
                    + close_names(parent, [self.shown[p] for p in self.parents])
                )
            hits = sorted(set(self.names.get(key(name), [])) & set(inside))
            if hits:
                return hits
            choices = sorted({str(table["name"].iat[i]) for i in inside})
            raise ScenarioError(
                f"{field}: {item!r}: no {words.unit} {name.strip()!r} in {parent.strip()}."
                + close_names(name, choices)
            )
        if k in self.names:
            hits = self.names[k]
            if len(hits) > 1 and len({str(table["parent"].iat[i]) for i in hits}) > 1:
                local = regions.local_parent is not None and not item.isascii()
                column = regions.local_parent if local else "parent_name"
                example = table[column].iat[hits[0]]
                raise ScenarioError(
                    f"{field}: {item!r} is ambiguous: {self._describe(hits)}. Write "
                    f"'{words.parent.capitalize()}/Name' (e.g. '{example}/{item.strip()}') "
                    f"or a {words.code}."
                )
            return hits
        raise ScenarioError(
            f"{field}: unknown region {item!r}: give a {words.code}, a {words.unit} or "
            f"{words.parent} name{words.languages}, '{words.parent.capitalize()}/Name', or "
            "'all'." + close_names(item, list(self.shown.values()))
        )

    def select(self, spec: str | list[str], field: str = "regions") -> np.ndarray:
        """Row indices (sorted, unique) of the regions ``spec`` names; ``field`` names the
        setting in messages.

        Raises:
            ScenarioError: an empty selector, an unknown or ambiguous name.
        """
        items = spec.split(",") if isinstance(spec, str) else list(spec)
        items = [str(item).strip() for item in items]
        words = self.regions.words
        if not any(items):
            raise ScenarioError(
                f"{field}: no region given; name {words.units}, {words.parents} or 'all'."
            )
        rows: set[int] = set()
        for item in items:
            if item:
                rows.update(self._one(item, field))
        return np.array(sorted(rows), dtype=np.intp)


#: in an intervention's ``regions``, the regions where the outbreak starts
#: (``metapop.outbreak``): a response that follows the outbreak wherever it is put
OUTBREAK = "outbreak"


def outbreak_named(regions: str | list[str], outbreak: str | list[str]) -> list[str]:
    """An intervention's regions with the word "outbreak" replaced by the outbreak's."""
    items = regions.split(",") if isinstance(regions, str) else list(regions)
    found: list[str] = []
    for item in items:
        if item.strip().lower() == OUTBREAK:
            found += outbreak.split(",") if isinstance(outbreak, str) else list(outbreak)
        else:
            found.append(item)
    return found


class Several:
    """The selector of several countries in one run (:func:`jonas.geo.several.combine`).

    An item is a whole country (``"Korea"``, ``"Japan"``, or any of its ``aliases``),
    ``"Country/Item"`` (``"Japan/13"``: that country's selector alone), ``"all"``, or an
    item of one country's own selector. Each country reads its items in its own words; an
    item that several countries know (``"11"``: Seoul's province code, Saitama's
    prefecture code) is an error naming them, never a silent choice."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        self.parts = regions.parts
        self.offsets = np.cumsum([0] + [len(p.table) for p in self.parts])
        self.countries: dict[str, int] = {}
        for k, part in enumerate(self.parts):
            for name in (part.country, *part.aliases):
                self.countries[key(name)] = k

    def _part(self, k: int, item: str, field: str) -> list[int]:
        return [int(i) + int(self.offsets[k]) for i in self.parts[k].selector._one(item, field)]

    def _one(self, item: str, field: str) -> list[int]:
        k = key(item)
        if k == "all":
            return list(range(len(self.regions.table)))
        if k in self.countries:
            c = self.countries[k]
            return list(range(int(self.offsets[c]), int(self.offsets[c + 1])))
        head, slash, rest = item.partition("/")
        if slash and key(head) in self.countries:
            return self._part(self.countries[key(head)], rest, field)
        knowing = [c for c, part in enumerate(self.parts) if part.selector.knows(item)]
        if len(knowing) == 1:
            return self._part(knowing[0], item, field)
        if len(knowing) > 1:
            seen = "; ".join(
                f"{self._title(c)}: {len(self._part(c, item, field))} region(s)" for c in knowing
            )
            raise ScenarioError(
                f"{field}: {item!r} names regions of several countries ({seen}). Write "
                f"'Country/{item.strip()}' (e.g. '{self._title(knowing[0])}/{item.strip()}')."
            )
        # no country knows it: a country whose codes look like it says which code is missing
        for c, part in enumerate(self.parts):
            pattern = part.words.code_pattern
            if pattern is not None and re.fullmatch(pattern, k):
                return self._part(c, item, field)
        titles = [self._title(c) for c in range(len(self.parts))]
        shown = titles + [n for p in self.parts for n in p.selector.shown.values()]
        raise ScenarioError(
            f"{field}: unknown region {item!r}: give a country ({', '.join(titles)}), "
            "'Country/Item', or a region, code or parent of one of them, or 'all'."
            + close_names(item, shown)
        )

    def _title(self, c: int) -> str:
        part = self.parts[c]
        return part.aliases[0] if part.aliases else part.country

    def select(self, spec: str | list[str], field: str = "regions") -> np.ndarray:
        """Row indices (sorted, unique) of the regions ``spec`` names (see the class notes)."""
        items = spec.split(",") if isinstance(spec, str) else list(spec)
        items = [str(item).strip() for item in items]
        if not any(items):
            raise ScenarioError(f"{field}: no region given; name regions, countries or 'all'.")
        rows: set[int] = set()
        for item in items:
            if item:
                rows.update(self._one(item, field))
        return np.array(sorted(rows), dtype=np.intp)
