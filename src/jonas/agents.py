"""Deprecated (jonas 0.2): the agent world library is :mod:`jonas.abm` (the agents engine
that runs scenarios with it is :mod:`jonas.engines.agents`). This alias goes in jonas 0.3."""

import warnings

from jonas.lazy import forward

__getattr__ = forward(__name__, "jonas.abm")

warnings.warn("jonas.agents is now jonas.abm", DeprecationWarning, stacklevel=2)
