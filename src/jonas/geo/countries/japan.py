"""Japan's 47 prefectures: 2020 census population, prefectural capitals, boundaries.

The package ships a compact copy derived from public data (``scripts/derive_japan.py``;
sources and licence in ``jonas/data/japan/NOTICE.md``, details in ``docs/japan-data.md``).
Boundaries: Global Map Japan, Geospatial Information Authority of Japan (GSI). Population:
Statistics Bureau of Japan, 2020 Population Census.

Population total: the 47 prefectures hold 126,146,099 people, the 2020 census total
(:data:`CENSUS_2020_TOTAL`), not rescaled. Each prefecture's representative point is its
prefectural capital (the prefectural government office), not its area centroid, which
falls in the sea for Tokyo, Kochi, Kagoshima and Okinawa. The parents of the prefectures
are the nine customary regions (Hokkaido, Tohoku, Kanto, Chubu, Kinki, Chugoku, Shikoku,
Kyushu, Okinawa).

::

    from jonas.geo.countries import japan
    table = japan.prefectures()                  # 47 rows, sorted by JIS X 0401 code
    rows = japan.select_regions("Tokyo, 大阪府, Kansai")
    table.iloc[rows]

The metapop engine reads it as a :class:`~jonas.geo.Regions`: ``jonas.geo.country("japan")``
(``[metapop] country = "japan"`` in a scenario).
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
    "CENSUS_2020_TOTAL",
    "COUNTRY",
    "boundaries",
    "prefectures",
    "region_borders",
    "regions",
    "select_regions",
]

_PACKAGE = "jonas.data.japan"

#: 2020 Population Census total (final counts, Statistics Bureau of Japan): what the 47
#: shipped prefectures add up to, exactly.
CENSUS_2020_TOTAL = 126_146_099

# Other names users write: the long-vowel (macron) spellings, and Kansai, the everyday name
# of the Kinki region. (Kyushu here is without Okinawa, which is a region of its own.)
_PREFECTURE_ALIASES = {
    "01": ["Hokkaidō"],
    "13": ["Tōkyō"],
    "26": ["Kyōto"],
    "27": ["Ōsaka"],
    "28": ["Hyōgo"],
    "39": ["Kōchi"],
    "44": ["Ōita"],
}
_REGION_ALIASES = {
    "hokkaido": ["Hokkaidō"],
    "tohoku": ["Tōhoku"],
    "kanto": ["Kantō"],
    "chubu": ["Chūbu"],
    "kinki": ["Kansai", "関西"],
    "chugoku": ["Chūgoku"],
    "kyushu": ["Kyūshū"],
}
# The suffix of a prefecture's Japanese name (都 metropolis, 道 circuit, 府 urban
# prefecture, 県 prefecture) and how it is romanised after the English name.
_SUFFIXES = {"都": "-to", "府": "-fu", "県": "-ken"}


@cache
def _prefectures() -> pd.DataFrame:
    import pandas as pd

    with resources.files(_PACKAGE).joinpath("prefectures.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"code": str, "region_code": str})


def prefectures() -> pd.DataFrame:
    """The 47 prefectures, sorted by code (a fresh copy each call).

    Columns: ``code`` (2-digit JIS X 0401 code, str: 01 Hokkaido to 47 Okinawa),
    ``name_ja``, ``name_en``, ``region_code`` (the region's English name in lower case),
    ``region_ja``, ``region_en``, ``population`` (2020 census), ``lat``, ``lon``
    (the prefectural capital, degrees), ``area_km2``.
    """
    return _prefectures().copy()


@cache
def _boundaries_json() -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath("boundaries.json").read_text("utf-8")
    return json.loads(text)


@cache
def _boundaries() -> dict[str, list[np.ndarray]]:
    import numpy as np

    data = _boundaries_json()["prefectures"]
    return {code: [np.asarray(r, dtype=np.float64) for r in rings] for code, rings in data.items()}


def boundaries() -> dict[str, list[np.ndarray]]:
    """Simplified prefecture outlines for maps: code -> rings, each an (n, 2) lon/lat array.

    Rings are closed (first point = last); fill them with the even-odd rule. Islets too
    small to draw are left out.
    """
    return {code: list(rings) for code, rings in _boundaries().items()}


def region_borders() -> list[np.ndarray]:
    """Polylines, (n, 2) lon/lat arrays, where two regions meet (coasts: see boundaries)."""
    import numpy as np

    return [np.asarray(line, dtype=np.float64) for line in _boundaries_json()["region_borders"]]


def _names(table: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """What each prefecture answers to: its English and Japanese names, the Japanese name
    without its suffix ("東京"), the English with it ("Tokyo-to", "Osaka-fu", "Aichi Ken"),
    the macron spelling where there is one, and its code as "JP-13" (ISO 3166-2) or without
    the leading zero ("1", as the census tables write it)."""
    found = []
    for r in table.itertuples():
        en, ja, code = str(r.name_en), str(r.name_ja), str(r.code)
        names = [en, ja]
        suffix = _SUFFIXES.get(ja[-1])
        if suffix is not None:  # not Hokkaido (北海道: 道 is part of the name as used)
            # "Osaka-fu", and "Osaka Fu" as the boundary file writes it
            names += [ja[:-1], en + suffix, f"{en} {suffix[1:].capitalize()}"]
        names += _PREFECTURE_ALIASES.get(code, [])
        names += [f"JP-{code}", str(int(code))] if code.startswith("0") else [f"JP-{code}"]
        found.append(tuple(dict.fromkeys(names)))
    return tuple(found)


@cache
def regions() -> Regions:
    """The 47 prefectures as a :class:`~jonas.geo.Regions`: parents are the 9 regions."""
    table = _prefectures()
    generic = table.rename(
        columns={
            "name_en": "name",
            "name_ja": "name_local",
            "region_code": "parent",
            "region_en": "parent_name",
            "region_ja": "parent_local",
        }
    )
    parents = {
        str(code): (str(en), str(ja), *_REGION_ALIASES.get(str(code), []))
        for code, en, ja in zip(table.region_code, table.region_en, table.region_ja, strict=True)
    }
    return Regions(
        country="japan",
        table=generic,
        names=_names(table),
        parent_names=parents,
        load_boundaries=boundaries,
        load_borders=region_borders,
        words=Words(
            unit="prefecture",
            units="prefectures",
            parent="region",
            parents="regions",
            code="2-digit prefecture code",
            languages=" (English or Japanese)",
            # two digits only: "JP-13" and "1" are names (checked after codes and this)
            code_pattern=r"\d{2}",
            code_hint=" (codes are JIS X 0401's, 01 Hokkaido to 47 Okinawa)",
        ),
        local_parent="parent_local",
        # Hokkaido (with the Northern Territories) to Okinawa; Minamitorishima (Tokyo, 154 E),
        # far east, would shrink the map to a strip
        extent=(122.5, 149.0, 24.0, 45.8),
        aliases=("Japan", "日本", "Nippon", "Nihon"),
    )


def select_regions(spec: str | list[str], field: str = "regions") -> np.ndarray:
    """Row indices into :func:`prefectures` (sorted, unique) for a region spec.

    ``spec`` is a list of items, or one string of items separated by commas. Each item is a
    prefecture's code (``"13"``, ``"JP-13"``), its name in English or Japanese (``"Tokyo"``,
    ``"東京都"``, ``"東京"``, ``"Tokyo-to"``; case and spaces ignored), a region (its name
    in English or Japanese: ``"Kanto"``, ``"関東"``, ``"Kansai"``: all its prefectures),
    ``"Region/Name"``, or ``"all"``; ``field`` names the setting in messages.

    Raises:
        ScenarioError (a JonasError): an empty spec, an unknown name.
    """
    return regions().select(spec, field)


#: Japan as the geography layer knows it (jonas.geo.country("japan"))
COUNTRY = regions
