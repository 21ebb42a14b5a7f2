"""`AgentWorld`: the agents, the map, the sound field and the clock, stepped together.

    from jonas.abm import AgentWorld, AgentParams, State
    from jonas.space import Circle, hyosan_city

    city = hyosan_city()
    world = AgentWorld.on_map(city, 170_000, seed=1, dt_s=10)
    world.seed_infection(*city.place("Hyosan High School").center, zombies=1)
    world.run(hours=2.0)
    world.close_cordon()
    world.add_sound(2500, 2500, 1e4)           # a sound drone, loudness per hour
    killed = world.strike(Circle(2500, 2500, 500))
    world.evacuate(world.pop.state == State.CALM, ["military camp"])
    world.run(hours=1.0)
    in_camp = world.arrived()                   # the adapter screens them at the camp

`AgentWorld.mixed(...)` builds the well-mixed mode (positions ignored) from counts per
state, for agreement with the compartmental engines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from jonas.abm.grid import Grid
from jonas.abm.population import (
    COMPARTMENT,
    EVACUATING,
    N_STATES,
    Population,
    State,
    bytes_per_agent,
    speed_units,
)
from jonas.abm.reorder import SORT_EVERY, sort_agents
from jonas.abm.rng import py_step_key
from jonas.abm.routing import distance_field
from jonas.abm.rules import (
    CELL_BARRIER,
    CELL_FREE,
    CELL_GATE,
    CELL_IMPASSABLE,
    EVENTS,
    KIND_OF_STATE,
    N_KINDS,
    AgentParams,
    clearance,
    turn_timers,
)
from jonas.abm.select import arrivals
from jonas.abm.sound import SoundField
from jonas.abm.step import step_agents
from jonas.abm.strike import strike
from jonas.space.city import CityMap, Place
from jonas.space.geometry import Area, Circle, Polygon, line_cells
from jonas.space.landuse import SPEED

_NAMES = {v: k for k, v in COMPARTMENT.items()}
#: who may be told to evacuate: the humans in the city and halfbies, not zombies
_EVACUEES = np.array(
    [State.CALM, State.AFRAID, State.BITTEN, State.BITTEN_AFRAID, State.SLOW, State.HALFBIE],
    np.uint8,
)
_EVACUEE = np.zeros(256, np.bool_)  # by state code: whether `_EVACUEES` has it
_EVACUEE[_EVACUEES] = True
_NOT_EVACUATING = np.uint8(0xFF ^ EVACUATING)
_IN_CITY_MAX = State.HALFBIE  # states above are out of the city (skipped by the step)
#: what `evacuate` takes as a target: an area, a named place, or a place's name
Target = Area | Place | str
#: the step's stand-in for "no evacuation field" (any shape but the map's)
_NO_ROUTE = np.zeros((0, 0), np.float32)


class AgentWorld:
    """Agents on a city map (or well mixed), stepped by a fixed dt.

    `seed` fixes every random number of the run (see `jonas.abm.rng`): two worlds built
    and driven the same way give identical populations after every step.
    """

    def __init__(
        self,
        pop: Population,
        city: CityMap | None,
        params: AgentParams | None = None,
        *,
        seed: int = 0,
        dt_s: float = 10.0,
        mixed: bool = False,
        to_hunted: int | None = None,
        to_starved: int | None = None,
        cells: MapCells | None = None,
    ) -> None:
        """`cells`: the map's per-cell fields (`MapCells.of(city)`), if already built."""
        if not dt_s > 0:
            raise ValueError(f"dt_s must be > 0 seconds, got {dt_s}")
        if city is None and not mixed:
            raise ValueError("the spatial mode needs a city map (or use mixed=True)")
        self.pop = pop
        self.city = city
        self.params = params or AgentParams()
        self.seed = int(seed)
        self.dt = dt_s / 3600.0  # hours
        self.mixed = bool(mixed)
        # where the factions' dead go: state codes past the living (an engine passes its
        # model's "Dh" and "Ds"); needed only while `hunt` or `starve` is on
        self.to_hunted = _dead_code(to_hunted, "to_hunted")
        self.to_starved = _dead_code(to_starved, "to_starved")
        self._check_factions(self.params)
        self.step_index = 0
        self.t = 0.0  # hours
        self.cordon_closed = False
        self.events = np.zeros(len(EVENTS), np.int64)
        self.sources: list[tuple[float, float, float]] = []  # (x, y, loudness per hour)
        n = len(pop)
        if city is None:
            self.grid = Grid.mixed(n, N_KINDS)
            self.blocked = np.zeros((1, 1), np.uint8)
            self.clear = np.zeros((1, 1), np.float32)
            self.indoor = np.zeros((1, 1), np.uint8)
            self.terrain = np.ones((1, 1), np.float32)
            self.sound = SoundField(1.0, 1.0, 1.0)
            self.cell_m = 1.0
        else:
            if not mixed:
                _require_passable(city, pop.x, pop.y)
            self.cell_m = city.cell_m
            p = self.params
            self.grid = (
                Grid.mixed(n, N_KINDS)
                if mixed
                else Grid.covering(city.width_m, city.height_m, p.radius_m, n, N_KINDS)
            )
            self.blocked, self.clear, self.indoor, self.terrain = (
                MapCells.of(city) if cells is None else cells
            )
            self.sound = SoundField(city.width_m, city.height_m, p.sound_cell_m)
        self._packed = self._pack(self.params)
        # the evacuation: its distance field (cells to the nearest target cell) and the
        # fields computed so far, by target cells
        self.route: np.ndarray | None = None
        self._routes: dict[bytes, np.ndarray] = {}
        self._route_targets: tuple[Target, ...] = ()  # those of `route`

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def on_map(
        cls,
        city: CityMap,
        n: int | None = None,
        params: AgentParams | None = None,
        *,
        seed: int = 0,
        dt_s: float = 10.0,
        to_hunted: int | None = None,
        to_starved: int | None = None,
    ) -> AgentWorld:
        """n calm residents (default: all the map's residents) placed at their homes.
        `to_hunted`, `to_starved`: as for the constructor."""
        params = params or AgentParams()
        n = city.residents if n is None else int(n)
        # before the agents: the distance transform's temporaries (8 MB on Hyosan) were the
        # peak of building a world, on top of the population
        cells = MapCells.of(city)
        # the homes block by block, straight into float32: the whole float64 array and its
        # temporaries were the peak of building a world (70 bytes an agent)
        x = np.empty(n, np.float32)
        y = np.empty(n, np.float32)
        home = np.empty(n, np.int32)
        lo = 0
        for xy in city.home_blocks(n, np.random.default_rng(seed)):
            hi = lo + len(xy)
            i, j = city.cell_of(xy[:, 0], xy[:, 1])
            x[lo:hi] = xy[:, 0]
            y[lo:hi] = xy[:, 1]
            home[lo:hi] = i * city.shape[1] + j
            lo = hi
        pop = Population.at(x, y, State.CALM, params.human_speed, home)
        return cls(
            pop,
            city,
            params,
            seed=seed,
            dt_s=dt_s,
            to_hunted=to_hunted,
            to_starved=to_starved,
            cells=cells,
        )

    @classmethod
    def mixed_population(
        cls,
        initial: Mapping[str, int],
        params: AgentParams | None = None,
        *,
        seed: int = 0,
        dt_s: float = 10.0,
        to_hunted: int | None = None,
        to_starved: int | None = None,
    ) -> AgentWorld:
        """The well-mixed mode: counts per compartment name (S, F, E, Ef, L, Z, H, …).

        The bitten (E, Ef, L) get turning timers drawn as for a fresh bite. `to_hunted`,
        `to_starved`: as for the constructor.
        """
        params = params or AgentParams()
        unknown = set(initial) - set(_NAMES)
        if unknown:
            raise ValueError(f"unknown compartments {sorted(unknown)}; known: {list(_NAMES)}")
        states = np.concatenate(
            [np.full(int(c), _NAMES[name], np.uint8) for name, c in initial.items()]
            or [np.zeros(0, np.uint8)]
        )
        pop = Population.at(np.zeros(states.size), 0.0, states, params.human_speed)
        pop.speed[states == State.ZOMBIE] = speed_units(params.zombie_speed)
        pop.fear[states == State.AFRAID] = 255
        world = cls(
            pop, None, params, seed=seed, dt_s=dt_s, mixed=True, to_hunted=to_hunted,
            to_starved=to_starved,
        )  # fmt: skip
        world.draw_timers(np.isin(states, (State.BITTEN, State.BITTEN_AFRAID, State.SLOW)))
        return world

    def draw_timers(self, which: np.ndarray) -> None:
        """Draw turning timers, as at a fresh bite, for the agents `which` (a bool mask)
        that are bitten, bitten while afraid, or slow turners."""
        idx = np.flatnonzero(which).astype(np.int64)
        key = py_step_key(self.seed ^ 0x5EED, self.step_index)
        turn_timers(idx, self.pop.state, self.pop.timer, self._packed, key)

    def seed_infection(
        self, x: float, y: float, *, zombies: int = 0, bitten: int = 0, radius_m: float = 0.0
    ) -> np.ndarray:
        """Turn the residents nearest to (x, y) into zombies and freshly bitten people.

        Returns the indices of the agents changed (zombies first). With radius_m > 0, only
        people within that distance are eligible.
        """
        pop = self.pop
        prey = np.flatnonzero(pop.state <= State.AFRAID)
        d2 = (pop.x[prey] - x) ** 2 + (pop.y[prey] - y) ** 2
        if radius_m > 0:
            keep = d2 <= radius_m**2
            prey, d2 = prey[keep], d2[keep]
        k = zombies + bitten
        if k > prey.size:
            raise ValueError(f"{k} agents asked for, only {prey.size} humans available")
        chosen = prey[np.argsort(d2, kind="stable")[:k]]
        z, b = chosen[:zombies], chosen[zombies:]
        pop.state[z] = State.ZOMBIE
        pop.speed[z] = speed_units(self.params.zombie_speed)
        pop.fear[chosen] = 0
        pop.state[b] = State.BITTEN
        mask = np.zeros(len(pop), bool)
        mask[b] = True
        self.draw_timers(mask)
        return chosen

    # -- the response -----------------------------------------------------------------------

    def close_cordon(self) -> None:
        """From now on nobody crosses the cordon line except through its checkpoints."""
        self.cordon_closed = True

    def open_cordon(self) -> None:
        self.cordon_closed = False

    def add_sound(self, x: float, y: float, loudness_per_hour: float) -> None:
        """A lasting sound source (a drone, a speaker) at (x, y), until `clear_sounds`."""
        self.sources.append((float(x), float(y), float(loudness_per_hour)))

    def clear_sounds(self) -> None:
        self.sources.clear()

    def strike(
        self,
        area: Area | Place | str,
        to_infected: int = State.STRUCK_INFECTED,
        to_uninfected: int = State.STRUCK_UNINFECTED,
    ) -> dict[str, int]:
        """Kill everyone in the city inside the area; counts by compartment (S, F, E, …).
        The killed get the states `to_infected` and `to_uninfected` (see `strike`)."""
        if isinstance(area, str):
            if self.city is None:
                raise ValueError("a place name needs a city map")
            area = self.city.place(area)
        return strike(self.pop, area, to_infected, to_uninfected)

    def evacuate(
        self, who: np.ndarray | Sequence[int], targets: Target | Sequence[Target]
    ) -> np.ndarray:
        """Tell agents to walk to the nearest of `targets` (camps, checkpoints, roads out),
        and let them through the cordon's checkpoints on the way, even while it is closed.

        who: a bool mask over the agents, or agent indices. Only those in the city and
        human or halfbie get the order (the `EVACUATING` flag); zombies and the gone are
        skipped, and an agent loses the order when it turns. targets: areas (`Circle`,
        `Polygon`), `Place`s or place names; their passable cells (off the cordon line)
        are the destinations (an area too small to cover a cell centre: the cell under its
        centre). Every evacuee walks to the nearest destination by the shortest walk around
        water and through the checkpoints (the cordon line is a wall for the routing even
        while it is open). One evacuation at a time: a second call with other targets
        sends every flagged agent, earlier ones included, to the new ones. Distance fields
        are kept by target cells, so repeating targets costs nothing.

        Returns the indices (int64) of the agents given the order by this call.
        """
        city = self._require_map("evacuation")
        idx = self._agents(who)
        s = self.pop.state[idx]
        idx = idx[_EVACUEE[s]]
        listed = (
            (targets,) if isinstance(targets, str | Place | Circle | Polygon) else tuple(targets)
        )
        if not _same(listed, self._route_targets):  # an engine repeats them every step
            self.route = self._route_to(city, listed)
            self._route_targets = listed
        self.pop.flags[idx] |= EVACUATING
        return idx

    def _route_to(self, city: CityMap, targets: tuple[Target, ...]) -> np.ndarray:
        """The distance field to the targets' walkable cells (kept by cells)."""
        dest = np.zeros(city.shape, bool)
        for t in targets:
            cells = city.inside(t)
            if not cells.any():
                cells[city.cell_of(*(city.place(t) if isinstance(t, str) else t).center)] = True
            dest |= cells
        walkable = (self.blocked == CELL_FREE) | (self.blocked == CELL_GATE)
        dest &= walkable
        if not dest.any():
            raise ValueError(f"no walkable cell in the evacuation targets {targets!r}")
        key = np.packbits(dest).tobytes()
        if key not in self._routes:
            self._routes[key] = distance_field(walkable, dest)
        return self._routes[key]

    def arrived(self) -> np.ndarray:
        """Indices (int64) of the evacuees in the city standing on a destination cell: for
        the camp's screening, which decides what becomes of them (and may clear the order
        with `stop_evacuation`)."""
        pop = self.pop
        if self.route is None:
            return np.zeros(0, np.int64)
        return arrivals(
            pop.state, pop.flags, EVACUATING, int(_IN_CITY_MAX), pop.x, pop.y, self.route,
            self.cell_m,
        )  # fmt: skip

    def stop_evacuation(self, who: np.ndarray | Sequence[int] | None = None) -> None:
        """Cancel the order to evacuate for `who` (a bool mask or indices; None: everyone).
        They go back to the usual rules where they stand (one in a checkpoint's gate may
        step off it, to either side)."""
        pop = self.pop
        if who is None:
            pop.flags &= _NOT_EVACUATING
        else:
            pop.flags[self._agents(who)] &= _NOT_EVACUATING

    def _require_map(self, what: str) -> CityMap:
        if self.city is None or self.mixed:
            raise ValueError(f"the {what} needs the spatial mode (a city map)")
        return self.city

    def _agents(self, who: np.ndarray | Sequence[int]) -> np.ndarray:
        """Agent indices (int64, sorted, unique) from a bool mask or indices."""
        w = np.asarray(who)
        n = len(self.pop)
        if w.dtype == bool:
            if w.shape != (n,):
                raise ValueError(f"a mask of agents must have shape ({n},), got {w.shape}")
            return np.flatnonzero(w).astype(np.int64)
        if w.size and (w.dtype.kind not in "iu" or w.min() < 0 or w.max() >= n):
            raise ValueError(f"agent indices must be integers in 0..{n - 1}")
        return np.unique(w.astype(np.int64))

    def set_params(self, params: AgentParams) -> None:
        """Change the rules' parameters from the next step on (a ``set`` intervention, a
        cordon's leak on leaving). The interaction radii must not grow: the cell lists were
        sized for the old ones."""
        if params.radius_m > self.params.radius_m and not self.mixed:
            raise ValueError(
                f"the interaction radius cannot grow during a run ({self.params.radius_m} m "
                f"to {params.radius_m} m)"
            )
        self._check_factions(params)
        self.params = params
        self._packed = self._pack(params)

    def _pack(self, params: AgentParams) -> np.ndarray:
        """The parameters for the compiled step, with the factions' state codes."""
        return params.packed(
            -1 if self.to_hunted is None else self.to_hunted,
            -1 if self.to_starved is None else self.to_starved,
        )

    def _check_factions(self, params: AgentParams) -> None:
        """The factions' rules need somewhere to put their dead, and gathering positions."""
        if params.hunt > 0 and self.to_hunted is None:
            raise ValueError(
                "hunt > 0 needs to_hunted: the state code of halfbies killed by people "
                '(an engine passes its model\'s "Dh")'
            )
        if params.starve > 0 and self.to_starved is None:
            raise ValueError(
                "starve > 0 needs to_starved: the state code of zombies that starved "
                '(an engine passes its model\'s "Ds")'
            )
        if params.gather > 0 and self.mixed:
            raise ValueError("gather (halfbies walking to one another) needs the spatial mode")

    # -- stepping ---------------------------------------------------------------------------

    def step(self) -> None:
        """Advance by one step of dt. Every `SORT_EVERY` steps the agents are first sorted
        in memory by where they stand (`jonas.abm.reorder`): agent indices are good
        until the next step, `pop.ident` for the whole run."""
        pop, g = self.pop, self.grid
        if not self.mixed and self.step_index % SORT_EVERY == 0:
            sort_agents(pop, g, KIND_OF_STATE, self.seed, self.step_index)
        g.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
        step_agents(*self.step_arguments())
        if not self.mixed:
            for x, y, loud in self.sources:
                self.sound.emit(x, y, loud * self.dt)
            p = self.params
            self.sound.update(self.dt, p.sound_decay, p.sound_diffusion)
        self.step_index += 1
        self.t = self.step_index * self.dt

    def step_arguments(self) -> tuple[object, ...]:
        """What `step` hands the compiled step (`jonas.abm.step.step_agents`) now."""
        pop, g = self.pop, self.grid
        key = py_step_key(self.seed, self.step_index)
        return (
            pop.x, pop.y, pop.state, pop.fear, pop.timer, pop.speed, pop.home, pop.flags,
            g.start, g.order, g.key, g.strip_start, g.strip_order, g.cell_m, g.nx, g.ny,
            self.blocked, self.clear, self.indoor, self.terrain, self.cell_m,
            self.cordon_closed, _NO_ROUTE if self.route is None else self.route,
            self.sound.level, self.sound.source, self.sound.cell_m,
            self._packed, self.dt, key, self.mixed, self.step_index % 2 == 1, self.events,
        )  # fmt: skip

    def run(self, hours: float, every: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Step for `hours`; returns (times, counts) recorded every `every` hours (default:
        only at the start and the end), counts being (times, states) int64 (states: every
        code of `State`, and any code past them that someone has reached)."""
        steps = max(0, round(hours / self.dt))
        stride = max(steps, 1) if every is None else max(1, round(every / self.dt))
        times, counts = [self.t], [self.pop.counts()]
        for k in range(1, steps + 1):
            self.step()
            if k % stride == 0 or k == steps:
                times.append(self.t)
                counts.append(self.pop.counts())
        # codes past `State` (an engine's compartments, the factions' dead) lengthen the
        # counts once someone reaches them: pad the earlier ones with zeros
        width = max(c.size for c in counts)
        counts = [np.pad(c, (0, width - c.size)) for c in counts]
        return np.array(times), np.array(counts)

    # -- reports ----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Agents per compartment name."""
        return self.pop.count_dict()

    def event_counts(self) -> dict[str, int]:
        """Events since the start (bites, zombies destroyed, …)."""
        return {name: int(v) for name, v in zip(EVENTS, self.events, strict=True)}

    def bytes_per_agent(self) -> float:
        """Memory per agent: the population's arrays and the cell lists' per-agent arrays."""
        g = self.grid
        return bytes_per_agent(self.pop, g.key, g.order, g.strip, g.strip_order)


#: agents checked at a time when a world is built (a bound on the checks' temporaries)
_BLOCK = 65_536


def _require_passable(city: CityMap, x: np.ndarray, y: np.ndarray) -> None:
    """Every agent on the map (else the map's error naming them) and on passable land,
    checked block by block: the checks copy positions to float64 and more (about 60 bytes
    an agent at once)."""
    if not all(city.on_map(x[k : k + _BLOCK], y[k : k + _BLOCK]).all() for k in _blocks(x)):
        city.require_inside(x, y, "agent")
    if not all(city.passable(x[k : k + _BLOCK], y[k : k + _BLOCK]).all() for k in _blocks(x)):
        raise ValueError("some agents start on impassable cells (water)")


def _blocks(a: np.ndarray) -> range:
    return range(0, a.size, _BLOCK)


def _dead_code(code: int | None, name: str) -> int | None:
    """A state code for the factions' dead: past the living (the step skips them) and
    within a uint8, or None (no such rule)."""
    if code is None:
        return None
    if not _IN_CITY_MAX < int(code) < 256:
        raise ValueError(
            f"{name} must be a state code past the living ({int(_IN_CITY_MAX) + 1}..255), "
            f"got {code}"
        )
    return int(code)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """The same targets, object for object (areas are compared by identity: cheap, and an
    equal copy merely computes its field once more)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


class MapCells(NamedTuple):
    """The map's per-cell fields for the step, fixed for a run."""

    blocked: np.ndarray  # (ny, nx) uint8: movement codes (`_cell_codes`)
    clear: np.ndarray  # (ny, nx) float32: metres to the nearest blocked cell (`clearance`)
    indoor: np.ndarray  # (ny, nx) uint8: a building to hide in
    terrain: np.ndarray  # (ny, nx) float32: speed factor of the land use

    @classmethod
    def of(cls, city: CityMap) -> MapCells:
        blocked = _cell_codes(city)
        return cls(
            blocked,
            clearance(blocked, city.cell_m),
            city.indoor_mask.astype(np.uint8),
            SPEED[city.landuse].astype(np.float32),
        )


def _cell_codes(city: CityMap) -> np.ndarray:
    """The map's cell codes for movement (`jonas.abm.rules`): water impassable; the
    cordon line a barrier, except where it crosses a checkpoint's gate: there it is a gate,
    a real opening in the line that is shut to all but evacuees while the cordon holds
    (the line stays 4-connected, gates included, so nobody slips through diagonally)."""
    codes = np.full(city.shape, CELL_FREE, np.uint8)
    if city.cordon is not None:
        line = line_cells(city.cordon.line, city.cell_m, city.shape)
        codes[line & city.gate_mask] = CELL_GATE
        codes[city.barrier_mask] = CELL_BARRIER
    codes[~city.passable_mask] = CELL_IMPASSABLE
    return codes


assert len(COMPARTMENT) == N_STATES
