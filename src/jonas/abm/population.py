"""Agents as a structure of arrays: one NumPy array per attribute, no Python object per agent.

Each agent is a person (or what became of one) of the Jonas virus: calm or afraid, bitten
and turning (fast or slow), a zombie, a halfbie, dead by a cause, or gone from the city.
The states are the compartments of the `jonas` model family (docs/hyosan.md) that apply to
individuals; :data:`COMPARTMENT` maps each state to its compartment's name.

| array | dtype | what |
|---|---|---|
| `x`, `y` | float32 | position in metres (map coordinates: x east, y north) |
| `state` | uint8 | a :class:`State` |
| `fear` | uint8 | how afraid, 0 (calm) to 255 (saw a zombie just now); behaviour only |
| `timer` | float32 | hours left before a bitten agent turns (unused otherwise) |
| `speed` | uint8 | walking speed in units of :data:`SPEED_UNIT` (0.05 m/s; 0 to 12.75 m/s) |
| `home` | int32 | the map cell (flat index ``i * nx + j``) the agent lives in; -1: none |
| `flags` | uint8 | orders and marks, one bit each: :data:`EVACUATING` |
| `ident` | int32 | who the agent is: its index when the population was made |

The step sorts the agents in memory by where they stand every few steps
(`jonas.abm.reorder`), so an index names the same agent only until the next step;
`ident` names it for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import ClassVar

import numpy as np

#: metres per second in one unit of `Population.speed`
SPEED_UNIT = 0.05

# Bits of `Population.flags`. The compiled step reads them as constants: after changing a
# value, delete numba's cache (*.nbi, *.nbc), which does not notice changes in this module.
#: told to evacuate: walks the evacuation route, and is let through the cordon's checkpoints
EVACUATING = 1


class State(IntEnum):
    """What an agent is. Values are stable (stored as uint8) and are the indices of the
    `jonas` family's compartments (docs/hyosan.md), so that counting agents by state counts
    the model's compartments. An engine may use further codes for compartments a scenario
    adds (a strike's own compartments, say); up to 255."""

    CALM = 0  # S: an uninfected human, not afraid
    AFRAID = 1  # F: an uninfected human, afraid
    BITTEN = 2  # E: bitten while calm, turning within minutes
    BITTEN_AFRAID = 3  # Ef: bitten while afraid, turning faster ("fear into rage", [U])
    SLOW = 4  # L: a slow turner (hours to days): some bites, zombie blood in a wound
    ZOMBIE = 5  # Z
    HALFBIE = 6  # H: infected, kept their mind; zombies ignore them
    LURED = 7  # Zl: zombies lured away (the well-mixed mode's lure; on a map, drones lure Z)
    EVACUATED = 8  # Out: left the city (uninfected)
    EVACUATED_CARRIER = 9  # OutL: a slow turner who left the city
    CAMP = 10  # Camp: passed camp screening
    CAMP_INFECTED = 11  # CampI: infected, slipped through screening
    ISOLATED = 12  # Iso: infected, caught at screening
    HALFBIE_CAMP = 13  # Hc: a halfbie who passed screening
    HALFBIE_HELD = 14  # Hq: a halfbie caught at screening
    DESTROYED = 15  # Dz: a zombie destroyed by people
    PUT_DOWN = 16  # Dq: a carrier in a camp put down as it turned
    STRUCK_INFECTED = 17  # KsI: killed in a strike, infected (zombie or bitten)
    STRUCK_UNINFECTED = 18  # KsU: killed in a strike, uninfected or halfbie


N_STATES = len(State)
#: state codes fit a uint8: codes from N_STATES on are compartments an engine adds
MAX_STATES = 256

#: the compartment of the `jonas` family (docs/hyosan.md) that each state counts in
COMPARTMENT: dict[State, str] = {
    State.CALM: "S",
    State.AFRAID: "F",
    State.BITTEN: "E",
    State.BITTEN_AFRAID: "Ef",
    State.SLOW: "L",
    State.ZOMBIE: "Z",
    State.HALFBIE: "H",
    State.LURED: "Zl",
    State.EVACUATED: "Out",
    State.EVACUATED_CARRIER: "OutL",
    State.CAMP: "Camp",
    State.CAMP_INFECTED: "CampI",
    State.ISOLATED: "Iso",
    State.HALFBIE_CAMP: "Hc",
    State.HALFBIE_HELD: "Hq",
    State.DESTROYED: "Dz",
    State.PUT_DOWN: "Dq",
    State.STRUCK_INFECTED: "KsI",
    State.STRUCK_UNINFECTED: "KsU",
}

#: states of people in the city: the mixing population N of the compartmental model
IN_CITY = (
    State.CALM,
    State.AFRAID,
    State.BITTEN,
    State.BITTEN_AFRAID,
    State.SLOW,
    State.ZOMBIE,
    State.HALFBIE,
)
#: humans a zombie would bite: the uninfected (zombies stop biting once a victim is infected)
PREY = (State.CALM, State.AFRAID)
#: the infected killed in a strike count as `STRUCK_INFECTED`; everyone else in the city
#: (calm, afraid, halfbies: "a new kind of human") as `STRUCK_UNINFECTED`, as in hyosan.md
STRIKE_INFECTED = (State.BITTEN, State.BITTEN_AFRAID, State.SLOW, State.ZOMBIE)


@dataclass(eq=False)
class Population:
    """The agents, one array per attribute (all of length n)."""

    x: np.ndarray
    y: np.ndarray
    state: np.ndarray
    fear: np.ndarray
    timer: np.ndarray
    speed: np.ndarray
    home: np.ndarray
    #: empty (the default): no flags set, zeros for every agent
    flags: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    #: empty (the default): 0, 1, 2, ... (the agents' indices now)
    ident: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    _DTYPES: ClassVar[dict[str, type]] = {
        "x": np.float32,
        "y": np.float32,
        "state": np.uint8,
        "fear": np.uint8,
        "timer": np.float32,
        "speed": np.uint8,
        "home": np.int32,
        "flags": np.uint8,
        "ident": np.int32,
    }

    def __post_init__(self) -> None:
        if np.size(self.flags) == 0:
            self.flags = np.zeros(np.size(self.x), np.uint8)
        if np.size(self.ident) == 0:
            self.ident = np.arange(np.size(self.x), dtype=np.int32)
        n = None
        for f in fields(self):
            a = np.require(getattr(self, f.name), self._DTYPES[f.name], ["C", "W", "A"])
            if a.ndim != 1:
                raise ValueError(f"Population.{f.name} must be 1-D, got shape {a.shape}")
            if n is None:
                n = a.size
            elif a.size != n:
                raise ValueError(f"Population.{f.name} has {a.size} agents, expected {n}")
            setattr(self, f.name, a)

    @classmethod
    def empty(cls, n: int) -> Population:
        """n calm agents at (0, 0) with no home, walking at 1.3 m/s."""
        return cls(
            x=np.zeros(n, np.float32),
            y=np.zeros(n, np.float32),
            state=np.zeros(n, np.uint8),
            fear=np.zeros(n, np.uint8),
            timer=np.zeros(n, np.float32),
            speed=np.full(n, round(1.3 / SPEED_UNIT), np.uint8),
            home=np.full(n, -1, np.int32),
            flags=np.zeros(n, np.uint8),
        )

    @classmethod
    def at(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        state: np.ndarray | int = State.CALM,
        speed_ms: np.ndarray | float = 1.3,
        home: np.ndarray | int = -1,
    ) -> Population:
        """Agents at given positions (metres) with given states and speeds (m/s)."""
        x = np.asarray(x, dtype=np.float32)
        n = x.size
        return cls(
            x=x,
            y=np.broadcast_to(np.asarray(y, np.float32), (n,)),
            state=np.broadcast_to(np.asarray(state, np.uint8), (n,)),
            fear=np.zeros(n, np.uint8),
            timer=np.zeros(n, np.float32),
            speed=np.broadcast_to(speed_units(speed_ms), (n,)),
            home=np.broadcast_to(np.asarray(home, np.int32), (n,)),
            flags=np.zeros(n, np.uint8),
        )

    def __len__(self) -> int:
        return int(self.x.size)

    @property
    def n(self) -> int:
        return len(self)

    def counts(self) -> np.ndarray:
        """Agents per state, an int64 array of length :data:`N_STATES`."""
        return np.bincount(self.state, minlength=N_STATES).astype(np.int64)

    def count_dict(self) -> dict[str, int]:
        """Agents per compartment name (S, F, E, …), every state of :class:`State` listed."""
        c = self.counts()
        return {COMPARTMENT[s]: int(c[s]) for s in State}

    def speed_ms(self) -> np.ndarray:
        """Walking speeds in m/s (float32)."""
        return self.speed.astype(np.float32) * np.float32(SPEED_UNIT)

    def nbytes(self) -> int:
        """Bytes held by the agents' arrays."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def copy(self) -> Population:
        return Population(**{f.name: getattr(self, f.name).copy() for f in fields(self)})


def speed_units(speed_ms: np.ndarray | float) -> np.ndarray:
    """Speeds in m/s as uint8 units of :data:`SPEED_UNIT` (rounded, clipped to 0..255)."""
    q = np.rint(np.asarray(speed_ms, dtype=np.float64) / SPEED_UNIT)
    return np.clip(q, 0, 255).astype(np.uint8)


def bytes_per_agent(pop: Population, *extra: np.ndarray) -> float:
    """Bytes per agent of the population's arrays plus any per-agent work arrays given
    (the cell lists' `key` and `order`, for instance)."""
    n = max(len(pop), 1)
    return (pop.nbytes() + sum(a.nbytes for a in extra)) / n
