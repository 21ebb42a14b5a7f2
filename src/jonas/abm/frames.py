"""Frames of the agent engine's pictures: what a run records (`frame_of`) and the words
drawn with it (the clock, the counts' caption, file-name slugs). `jonas.plots.animation`
draws them."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from jonas.abm.population import COMPARTMENT, IN_CITY, State
from jonas.space.geometry import Area

if TYPE_CHECKING:
    from jonas.abm.world import AgentWorld

#: the compartments drawn: people (and what became of them) still in the city
CITY_COMPARTMENTS: tuple[str, ...] = tuple(COMPARTMENT[s] for s in IN_CITY)

# -- frames ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Frame:
    """What one picture of a run shows. Positions in metres (map coordinates), t in hours.

    `eq=False`: frames hold arrays, which have no truth value, so they compare (and hash)
    by identity.
    """

    t: float
    x: np.ndarray
    y: np.ndarray
    state: np.ndarray
    cordon_closed: bool
    drones: tuple[tuple[float, float], ...] = ()
    strikes: tuple[Area, ...] = ()  # struck at or before t: drawn scorched
    struck_now: tuple[Area, ...] = ()  # struck since the previous frame: drawn as a flash
    counts: Mapping[str, int] = field(default_factory=dict)
    label: str = ""  # a key moment ("cordon closed", "strike"): makes a snapshot PNG
    stride: int = 1  # thinned: one agent drawn in `stride`
    infected_stride: int = 1  # one infected agent drawn in this many (1: all, while few)

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float32).ravel()
        y = np.asarray(self.y, dtype=np.float32).ravel()
        state = np.asarray(self.state, dtype=np.uint8).ravel()
        if not x.size == y.size == state.size:
            raise ValueError(
                f"Frame: x, y and state must have one entry per agent, got sizes "
                f"{x.size}, {y.size}, {state.size}"
            )
        # set through object.__setattr__: the dataclass is frozen; tuples and a read-only
        # mapping so that a frame cannot change after it was recorded
        for name, value in (
            ("t", float(self.t)),
            ("x", x),
            ("y", y),
            ("state", state),
            ("cordon_closed", bool(self.cordon_closed)),
            ("drones", tuple((float(a), float(b)) for a, b in self.drones)),
            ("strikes", tuple(self.strikes)),
            ("struck_now", tuple(self.struck_now)),
            ("counts", MappingProxyType({str(k): int(v) for k, v in self.counts.items()})),
            ("label", str(self.label)),
            ("stride", int(self.stride)),
            ("infected_stride", int(self.infected_stride)),
        ):
            object.__setattr__(self, name, value)


def thinning_step(n: int, max_points: int) -> int:
    """Draw every k-th agent: the k for a population of n and at most `max_points` dots."""
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1, got {max_points}")
    return max(1, math.ceil(n / max_points))


def frame_of(
    world: AgentWorld,
    *,
    max_points: int = 20_000,
    drones: Iterable[tuple[float, float]] = (),
    strikes: Iterable[Area] = (),
    struck_now: Iterable[Area] = (),
    label: str = "",
    counts: Mapping[str, int] | None = None,
    camps: bool = False,
) -> Frame:
    """A `Frame` of `world` now: its agents in the city, thinned to about `max_points`.

    Thinning keeps every k-th agent by `ident` (who it is, whatever its index now), k from
    the population size (which a run never changes), so the same agents are followed from
    frame to frame and the dots do not flicker; of those, only agents still in the city
    (state <= HALFBIE) are kept. While the infected in the city (bitten, zombies, halfbies)
    are few (under a tenth of `max_points`) every one of them is drawn, so that the first
    zombies of an outbreak show.
    The arrays are copies: the world goes on moving. `counts` defaults to the world's
    totals (all agents, not only those drawn), in every compartment: the caption counts
    everyone, in the city or not. `camps`: the
    people held in camps are kept too, where they were taken in (a playback shows camps
    filling; the animation draws only the city's people).
    """
    pop = world.pop
    k = thinning_step(len(pop), max_points)
    shown = pop.state <= State.HALFBIE
    if camps:
        shown |= (pop.state >= State.CAMP) & (pop.state <= State.HALFBIE_HELD)
    keep = (pop.ident % k == 0) & shown
    infected = (pop.state >= State.BITTEN) & (pop.state <= State.HALFBIE)
    every_infected = k == 1 or np.count_nonzero(infected) < max_points // 10
    if every_infected:
        keep |= infected
    if counts is None:
        counts = world.counts()
    # boolean indexing copies, so the frame shares no memory with the world
    return Frame(
        t=world.t,
        x=pop.x[keep],
        y=pop.y[keep],
        state=pop.state[keep],
        cordon_closed=world.cordon_closed,
        drones=tuple(drones),
        strikes=tuple(strikes),
        struck_now=tuple(struck_now),
        counts=counts,
        label=label,
        stride=k,
        infected_stride=1 if every_infected else k,
    )


# -- words ----------------------------------------------------------------------------------


def clock(t: float) -> str:
    """'day D, HH:MM' for t hours from the start (day 1 begins at t = 0)."""
    minutes = max(0, round(t * 60))  # rounded once, so 23:59.7 reads 'day 2, 00:00'
    day, rest = divmod(minutes, 24 * 60)
    return f"day {day + 1}, {rest // 60:02d}:{rest % 60:02d}"


def caption(counts: Mapping[str, int]) -> str:
    """The counts in words: 'humans 150,321 · afraid 3,201 · bitten 40 · zombies 12,004 ·
    halfbies 3 · in camps 1,610 · left the city 12 · dead 90'.

    Humans are the uninfected in the city (S + F); the afraid are among them; zombies
    include those lured away; the camps hold those who passed screening, the isolated and
    the halfbies taken in; the dead are zombies destroyed, carriers put down and the
    strike's dead. So the groups but the afraid add up to everyone. Groups whose
    compartments are all missing from `counts` are left out; other compartments follow by
    name.
    """
    groups = (
        ("humans", ("S", "F")),
        ("afraid", ("F",)),
        ("bitten", ("E", "Ef", "L")),
        ("zombies", ("Z", "Zl")),
        ("halfbies", ("H",)),
        ("in camps", ("Camp", "CampI", "Iso", "Hc", "Hq")),
        ("left the city", ("Out", "OutL")),
        ("dead", ("Dz", "Dq", "KsI", "KsU")),
    )
    parts = [
        f"{word} {sum(counts.get(k, 0) for k in keys):,}"
        for word, keys in groups
        if any(k in counts for k in keys)
    ]
    known = {k for _, keys in groups for k in keys}
    parts += [f"{k} {v:,}" for k, v in counts.items() if k not in known]
    return " · ".join(parts)


def slug(label: str) -> str:
    """A label as a file-name part: lower case, runs of other characters as one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
