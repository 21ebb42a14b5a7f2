"""Deprecated (jonas 0.2): the agent world library is :mod:`jonas.abm` (the agents engine
that runs scenarios with it is :mod:`jonas.engines.agents`). This alias goes in jonas 0.3."""

import warnings

from jonas.abm import (
    COMPARTMENT,
    EVENTS,
    AgentParams,
    AgentWorld,
    Grid,
    Population,
    SoundField,
    State,
    bytes_per_agent,
    strike,
)

__all__ = [
    "COMPARTMENT",
    "EVENTS",
    "AgentParams",
    "AgentWorld",
    "Grid",
    "Population",
    "SoundField",
    "State",
    "bytes_per_agent",
    "strike",
]

warnings.warn("jonas.agents is now jonas.abm", DeprecationWarning, stacklevel=2)
