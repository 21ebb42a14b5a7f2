"""South Korea's 250 districts (si-gun-gu): 2020 census population, centroids, boundaries.

The package ships a compact copy derived from public data (``scripts/derive_korea.py``;
sources and licence in ``jonas/data/korea/NOTICE.md``, details in ``docs/korea-data.md``).
It contains data from Statistics Korea (KOSTAT), Korea Open Government Licence type 1.

Population total: the 250 districts hold 49,941,605 people (the 2020 census district rows,
58,831,942, less the 11 cities that the census also lists whole, 8,890,337). That is about
3.6% under the 2020 census headline of 51.83M (:data:`CENSUS_2020_HEADLINE`), because the
census counts some people without a district. The figures are not rescaled:
``districts()["population"].sum()`` is the number of people a national model holds.

::

    from jonas import korea
    table = korea.districts()                    # 250 rows, sorted by code
    rows = korea.select_regions("Seoul, Busan/Jung-gu, 수원시")
    table.iloc[rows]
"""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

from jonas.errors import JonasError

__all__ = [
    "CENSUS_2020_HEADLINE",
    "boundaries",
    "districts",
    "province_borders",
    "select_regions",
]

_PACKAGE = "jonas.data.korea"

#: 2020 census headline population, as 51.83M, rounded to thousands (the exact figure is not
#: in the raw data this copy was derived from). The shipped districts hold about 3.6% less.
CENSUS_2020_HEADLINE = 51_830_000

# Other names users write for provinces: the data's long English forms, short Korean forms
# and the names Gangwon (2023) and Jeonbuk (2024) took after the 2018 boundary file.
# ("Gwangju" is the metropolitan city; Gyeonggi's "Gwangju-si" / "광주시" is a district.)
_PROVINCE_ALIASES = {
    "11": ["서울"],
    "21": ["부산"],
    "22": ["대구"],
    "23": ["인천"],
    "24": ["광주"],
    "25": ["대전"],
    "26": ["울산"],
    "29": ["Sejongsi", "세종"],
    "31": ["Gyeonggi-do", "경기"],
    "32": ["Gangwon-do", "강원", "강원특별자치도"],
    "33": ["Chungcheongbuk-do", "충북"],
    "34": ["Chungcheongnam-do", "충남"],
    "35": ["Jeollabuk-do", "전북", "전북특별자치도"],
    "36": ["Jeollanam-do", "전남"],
    "37": ["Gyeongsangbuk-do", "경북"],
    "38": ["Gyeongsangnam-do", "경남"],
    "39": ["Jeju-do", "제주", "제주도"],
}


@cache
def _districts() -> pd.DataFrame:
    import pandas as pd

    with resources.files(_PACKAGE).joinpath("districts.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"code": str, "province_code": str})


def districts() -> pd.DataFrame:
    """The 250 districts, sorted by code (a fresh copy each call).

    Columns: ``code`` (5-digit census code, str), ``name_ko``, ``name_en``,
    ``province_code`` (2 digits, str), ``province_ko``, ``province_en``, ``population``
    (2020 census), ``lat``, ``lon`` (area-weighted centroid, degrees), ``area_km2``.
    """
    return _districts().copy()


@cache
def _boundaries_json() -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath("boundaries.json").read_text("utf-8")
    return json.loads(text)


@cache
def _boundaries() -> dict[str, list[np.ndarray]]:
    import numpy as np

    data = _boundaries_json()["districts"]
    return {code: [np.asarray(r, dtype=np.float64) for r in rings] for code, rings in data.items()}


def boundaries() -> dict[str, list[np.ndarray]]:
    """Simplified district outlines for maps: code -> rings, each an (n, 2) lon/lat array.

    Rings are closed (first point = last); a district's list holds its outer rings and any
    holes, so fill them with the even-odd rule. Islets too small to draw are left out.
    """
    return {code: list(rings) for code, rings in _boundaries().items()}


def province_borders() -> list[np.ndarray]:
    """Polylines, (n, 2) lon/lat arrays, where two provinces meet (coasts: see boundaries)."""
    import numpy as np

    return [np.asarray(line, dtype=np.float64) for line in _boundaries_json()["province_borders"]]


def _key(name: str) -> str:
    """Names compare case-insensitively, ignoring spaces."""
    return re.sub(r"\s+", "", name).casefold()


@cache
def _index() -> tuple[dict[str, list[int]], dict[str, list[int]], dict[str, str]]:
    """Name -> row indices for provinces and for districts, and name -> how to show it.

    A district answers to its English and Korean names; a district (gu) of a city also to
    its own short name ("Jangan-gu", "장안구"), and the city's name ("Suwon-si", "수원시")
    selects all its districts.
    """
    table = _districts()
    provinces: dict[str, list[int]] = {}
    names: dict[str, list[int]] = {}
    shown: dict[str, str] = {}

    def add(index: dict[str, list[int]], name: str, row: int) -> None:
        rows = index.setdefault(_key(name), [])
        if row not in rows:
            rows.append(row)
        shown.setdefault(_key(name), name)

    for row, r in enumerate(table.itertuples()):
        for name in (r.province_code, r.province_en, r.province_ko):
            add(provinces, str(name), row)
        for name in _PROVINCE_ALIASES.get(str(r.province_code), []):
            add(provinces, name, row)
        add(names, str(r.name_en), row)
        add(names, str(r.name_ko), row)
        if str(r.code)[4] != "0":  # a district of a city: "Jangan-gu Suwon-si", "수원시 장안구"
            gu_en, _, city_en = str(r.name_en).partition(" ")
            city_ko, _, gu_ko = str(r.name_ko).partition(" ")
            for name in (gu_en, gu_ko, city_en, city_ko, f"{city_en} {gu_en}"):
                add(names, name, row)
    return provinces, names, shown


def _describe(rows: list[int]) -> str:
    table = _districts()
    return ", ".join(
        f"{table.code.iat[i]} {table.name_en.iat[i]} ({table.province_en.iat[i]})" for i in rows
    )


def _one(item: str, field: str) -> list[int]:
    table = _districts()
    provinces, names, shown = _index()
    key = _key(item)
    if key == "all":
        return list(range(len(table)))
    if re.fullmatch(r"\d{5}", key):
        hits = [int(i) for i in (table.code == key).to_numpy().nonzero()[0]]
        if not hits:
            raise JonasError(
                f"{field}: {item!r}: no district has this code (codes are the 2020 census's, "
                "11010 to 39020)." + _suggest(key, list(table.code))
            )
        return hits
    if key in provinces:
        return provinces[key]
    if "/" in item:
        province, _, name = item.partition("/")
        in_province = provinces.get(_key(province))
        if in_province is None:
            raise JonasError(
                f"{field}: {item!r}: unknown province {province.strip()!r}; provinces are "
                f"{', '.join(sorted(set(table.province_en)))}."
                + _suggest(province, [shown[k] for k in provinces])
            )
        hits = sorted(set(names.get(_key(name), [])) & set(in_province))
        if hits:
            return hits
        choices = sorted({str(table.name_en.iat[i]) for i in in_province})
        raise JonasError(
            f"{field}: {item!r}: no district {name.strip()!r} in {province.strip()}."
            + _suggest(name, choices)
        )
    if key in names:
        hits = names[key]
        if len(hits) > 1 and len({str(table.province_code.iat[i]) for i in hits}) > 1:
            korean = re.search("[\uac00-\ud7a3]", item) is not None
            province = (table.province_ko if korean else table.province_en).iat[hits[0]]
            raise JonasError(
                f"{field}: {item!r} is ambiguous: {_describe(hits)}. Write "
                f"'Province/Name' (e.g. '{province}/{item.strip()}') or a 5-digit code."
            )
        return hits
    raise JonasError(
        f"{field}: unknown region {item!r}: give a 5-digit district code, a district or "
        "province name (English or Korean), 'Province/Name', or 'all'."
        + _suggest(item, list(shown.values()))
    )


def _suggest(name: str, choices: list[str]) -> str:
    by_key = {_key(c): c for c in choices}
    close = difflib.get_close_matches(_key(name), list(by_key), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(by_key[c]) for c in close) + "?"


def select_regions(spec: str | list[str], field: str = "regions") -> np.ndarray:
    """Row indices into :func:`districts` (sorted, unique) for a region spec.

    ``spec`` is a list of items, or one string of items separated by commas. Each item is a
    5-digit district code, a district name in English or Korean (case and spaces ignored),
    ``"Province/Name"`` (``"Seoul/Jung-gu"``), a province (name in English or Korean, or its
    2-digit code: all its districts), a city divided into districts (``"Suwon-si"``: all its
    districts), or ``"all"``. A name that several provinces share (``"Jung-gu"``) is an error
    listing them; ``field`` names the setting in messages.

    Raises:
        JonasError: an empty spec, an unknown or ambiguous name.
    """
    import numpy as np

    items = spec.split(",") if isinstance(spec, str) else list(spec)
    items = [str(item).strip() for item in items]
    if not any(items):
        raise JonasError(f"{field}: no region given; name districts, provinces or 'all'.")
    rows: set[int] = set()
    for item in items:
        if item:
            rows.update(_one(item, field))
    return np.array(sorted(rows), dtype=np.intp)
