"""The agent world library: people, zombies and halfbies on a city map, person by person.

Agents are a structure of arrays (`Population`), indexed by cell lists (`Grid`) rebuilt
every step; one compiled step (`jonas.abm.step`) applies the rules of docs/agents.md;
`AgentWorld` holds it all together with the map, a coarse sound field and the clock.
The agents engine (:mod:`jonas.engines.agents`) runs scenarios with it; this library knows
no scenario and no engine (it imports only :mod:`jonas.space` and jonas's numba helpers),
so a second backend (a GPU) can sit beside its CPU kernels behind the same interface.
"""

from jonas.abm.grid import Grid
from jonas.abm.population import COMPARTMENT, Population, State, bytes_per_agent
from jonas.abm.rules import EVENTS, AgentParams
from jonas.abm.sound import SoundField
from jonas.abm.strike import strike
from jonas.abm.world import AgentWorld

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
