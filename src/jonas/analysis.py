"""Deprecated (jonas 0.2): the analysis of published models is :mod:`jonas.model.analysis`.
This alias goes in jonas 0.3."""

import warnings

from jonas.lazy import forward

__getattr__ = forward(__name__, "jonas.model.analysis")

warnings.warn("jonas.analysis is now jonas.model.analysis", DeprecationWarning, stacklevel=2)
