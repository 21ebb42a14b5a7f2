"""Deprecated (jonas 0.2): South Korea's districts are :mod:`jonas.geo.countries.korea`, one
country of the geography layer (:func:`jonas.geo.country`). This alias goes in jonas 0.3."""

import warnings

from jonas.geo.countries.korea import (
    CENSUS_2020_HEADLINE,
    INCHEON_GYEONGGI_TO_SEOUL_2020,
    boundaries,
    districts,
    province_borders,
    select_regions,
)

__all__ = [
    "CENSUS_2020_HEADLINE",
    "INCHEON_GYEONGGI_TO_SEOUL_2020",
    "boundaries",
    "districts",
    "province_borders",
    "select_regions",
]

warnings.warn("jonas.korea is now jonas.geo.countries.korea", DeprecationWarning, stacklevel=2)
