"""The spatial agent-based engine's core: people, zombies and halfbies on a city map.

Agents are a structure of arrays (`Population`), indexed by cell lists (`Grid`) rebuilt
every step; one compiled step (`jonas.agents.step`) applies the rules of docs/agents.md;
`AgentWorld` holds it all together with the map, a coarse sound field and the clock.
Nothing else in jonas imports this package yet (scenarios and the CLI will).
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
