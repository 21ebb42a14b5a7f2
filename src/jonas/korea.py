"""Deprecated (jonas 0.2): South Korea's districts are :mod:`jonas.geo.countries.korea`, one
country of the geography layer (:func:`jonas.geo.country`). This alias goes in jonas 0.3."""

import warnings

from jonas.lazy import forward

__getattr__ = forward(__name__, "jonas.geo.countries.korea")

warnings.warn("jonas.korea is now jonas.geo.countries.korea", DeprecationWarning, stacklevel=2)
