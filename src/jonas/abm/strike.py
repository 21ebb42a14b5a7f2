"""Strikes: everyone inside an area is killed, and counted by what they were."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jonas.abm.population import COMPARTMENT, IN_CITY, STRIKE_INFECTED, Population, State
from jonas.space.city import Place
from jonas.space.geometry import Area


def strike(
    pop: Population,
    area: Area | Place,
    to_infected: int = State.STRUCK_INFECTED,
    to_uninfected: int = State.STRUCK_UNINFECTED,
    struck: Sequence[int] = IN_CITY,
    infected: Sequence[int] = STRIKE_INFECTED,
) -> dict[str, int]:
    """Kill every agent in the city whose position lies in `area` (a Circle, Polygon or
    Place; edges included), and return how many of each compartment were killed.

    The infected (zombies, the bitten, slow turners) get the state `to_infected`; the calm,
    the afraid and halfbies `to_uninfected` (docs/hyosan.md counts halfbies with the
    "uninfected or asymptomatic"); by default `STRUCK_INFECTED` and `STRUCK_UNINFECTED`.
    `struck` and `infected` may narrow who is hit and who counts as infected (a scenario's
    strike lists them). The dead and those gone from the city are untouched.
    Every compartment of the city is a key of the result, 0 if nobody of it was hit.
    """
    if isinstance(area, Place):
        area = area.area
    targets = np.intersect1d(np.array(IN_CITY, np.uint8), np.asarray(struck, np.uint8))
    hit = np.isin(pop.state, targets)
    hit &= area.contains(pop.x.astype(np.float64), pop.y.astype(np.float64))
    killed = np.bincount(pop.state[hit], minlength=len(State))
    sick = hit & np.isin(pop.state, np.asarray(infected, np.uint8))
    pop.state[sick] = to_infected
    pop.state[hit & ~sick] = to_uninfected
    pop.fear[hit] = 0
    pop.timer[hit] = 0
    return {COMPARTMENT[s]: int(killed[s]) for s in IN_CITY}
