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

    from jonas.geo.countries import korea
    table = korea.districts()                    # 250 rows, sorted by code
    rows = korea.select_regions("Seoul, Busan/Jung-gu, 수원시")
    table.iloc[rows]

The metapop engine reads it as a :class:`~jonas.geo.Regions`: ``jonas.geo.country("korea")``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from jonas.geo.regions import Regions, Words

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "CENSUS_2020_HEADLINE",
    "COUNTRY",
    "INCHEON_GYEONGGI_TO_SEOUL_2020",
    "OUT_OF_SEOUL_2020",
    "boundaries",
    "districts",
    "province_borders",
    "regions",
    "select_regions",
]

_PACKAGE = "jonas.data.korea"

#: 2020 census headline population, as 51.83M, rounded to thousands (the exact figure is not
#: in the raw data this copy was derived from). The shipped districts hold about 3.6% less.
CENSUS_2020_HEADLINE = 51_830_000
#: Daily commuters from Incheon and Gyeonggi into Seoul, 2020 census (Statistics Korea, 2020
#: Population and Housing Census, sample results, as reported in November 2021): what the
#: metapop engine's default travel is checked against (docs/metapop.md).
INCHEON_GYEONGGI_TO_SEOUL_2020 = 1_420_000
#: Daily commuters out of Seoul (to anywhere), from the same census release: the metapop
#: engine's commuting is directional, checked both ways (docs/metapop.md).
OUT_OF_SEOUL_2020 = 620_000

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


def _names(table: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """What each district answers to: its English and Korean names; a district (gu) of a
    city also to its own short name ("Jangan-gu", "장안구"), and the city's name
    ("Suwon-si", "수원시"), which thus selects all its districts."""
    found = []
    for r in table.itertuples():
        names = [str(r.name_en), str(r.name_ko)]
        if str(r.code)[4] != "0":  # a district of a city: "Jangan-gu Suwon-si", "수원시 장안구"
            gu_en, _, city_en = str(r.name_en).partition(" ")
            city_ko, _, gu_ko = str(r.name_ko).partition(" ")
            names += [gu_en, gu_ko, city_en, city_ko, f"{city_en} {gu_en}"]
        found.append(tuple(names))
    return tuple(found)


@cache
def regions() -> Regions:
    """The 250 districts as a :class:`~jonas.geo.Regions`: parents are the 17 provinces."""
    table = _districts()
    generic = table.rename(
        columns={
            "name_en": "name",
            "name_ko": "name_local",
            "province_code": "parent",
            "province_en": "parent_name",
            "province_ko": "parent_local",
        }
    )
    parents = {
        str(code): (str(en), str(ko), *_PROVINCE_ALIASES.get(str(code), []))
        for code, en, ko in zip(
            table.province_code, table.province_en, table.province_ko, strict=True
        )
    }
    return Regions(
        country="korea",
        table=generic,
        names=_names(table),
        parent_names=parents,
        load_boundaries=boundaries,
        load_borders=province_borders,
        words=Words(
            unit="district",
            units="districts",
            parent="province",
            parents="provinces",
            code="5-digit district code",
            languages=" (English or Korean)",
            code_pattern=r"\d{5}",
            code_hint=" (codes are the 2020 census's, 11010 to 39020)",
        ),
        local_parent="parent_local",
        # the mainland and Jeju; Ulleungdo and Dokdo, far east, would shrink the map
        extent=(124.5, 130.0, 33.0, 38.7),
        aliases=("Korea", "South Korea", "Republic of Korea", "한국", "대한민국"),
    )


def select_regions(spec: str | list[str], field: str = "regions") -> np.ndarray:
    """Row indices into :func:`districts` (sorted, unique) for a region spec.

    ``spec`` is a list of items, or one string of items separated by commas. Each item is a
    5-digit district code, a district name in English or Korean (case and spaces ignored),
    ``"Province/Name"`` (``"Seoul/Jung-gu"``), a province (name in English or Korean, or its
    2-digit code: all its districts), a city divided into districts (``"Suwon-si"``: all its
    districts), or ``"all"``. A name that several provinces share (``"Jung-gu"``) is an error
    listing them; ``field`` names the setting in messages.

    Raises:
        ScenarioError (a JonasError): an empty spec, an unknown or ambiguous name.
    """
    return regions().select(spec, field)


#: Korea as the geography layer knows it (jonas.geo.country("korea"))
COUNTRY = regions
