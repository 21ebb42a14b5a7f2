"""`AgentWorld`: the agents, the map, the sound field and the clock, stepped together.

    from jonas.agents import AgentWorld, AgentParams
    from jonas.space import Circle, hyosan_city

    city = hyosan_city()
    world = AgentWorld.on_map(city, 170_000, seed=1, dt_s=10)
    world.seed_infection(*city.place("Hyosan High School").center, zombies=1)
    world.run(hours=2.0)
    world.close_cordon()
    world.add_sound(2500, 2500, 1e4)           # a sound drone, loudness per hour
    killed = world.strike(Circle(2500, 2500, 500))

`AgentWorld.mixed(...)` builds the well-mixed mode (positions ignored) from counts per
state, for agreement with the compartmental engines.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from jonas.agents.grid import Grid
from jonas.agents.population import (
    COMPARTMENT,
    N_STATES,
    Population,
    State,
    bytes_per_agent,
    speed_units,
)
from jonas.agents.rng import py_step_key
from jonas.agents.rules import EVENTS, KIND_OF_STATE, N_KINDS, AgentParams, turn_timers
from jonas.agents.sound import SoundField
from jonas.agents.step import step_agents
from jonas.agents.strike import strike
from jonas.space.city import CityMap, Place
from jonas.space.geometry import Area
from jonas.space.landuse import SPEED

_NAMES = {v: k for k, v in COMPARTMENT.items()}


class AgentWorld:
    """Agents on a city map (or well mixed), stepped by a fixed dt.

    `seed` fixes every random number of the run (see `jonas.agents.rng`): two worlds built
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
    ) -> None:
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
        self.step_index = 0
        self.t = 0.0  # hours
        self.cordon_closed = False
        self.events = np.zeros(len(EVENTS), np.int64)
        self.sources: list[tuple[float, float, float]] = []  # (x, y, loudness per hour)
        n = len(pop)
        if city is None:
            self.grid = Grid.mixed(n, N_KINDS)
            self.blocked = np.zeros((1, 1), np.uint8)
            self.indoor = np.zeros((1, 1), np.uint8)
            self.terrain = np.ones((1, 1), np.float32)
            self.sound = SoundField(1.0, 1.0, 1.0)
            self.cell_m = 1.0
        else:
            if not mixed:
                city.require_inside(pop.x, pop.y, "agent")
                if not city.passable(pop.x, pop.y).all():
                    raise ValueError("some agents start on impassable cells (water)")
            self.cell_m = city.cell_m
            p = self.params
            self.grid = (
                Grid.mixed(n, N_KINDS)
                if mixed
                else Grid.covering(city.width_m, city.height_m, p.radius_m, n, N_KINDS)
            )
            blocked = np.zeros(city.shape, np.uint8)
            blocked[city.barrier_mask] = 2
            blocked[~city.passable_mask] = 1
            self.blocked = blocked
            self.indoor = city.indoor_mask.astype(np.uint8)
            self.terrain = SPEED[city.landuse].astype(np.float32)
            self.sound = SoundField(city.width_m, city.height_m, p.sound_cell_m)
        self._packed = self.params.packed()

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
    ) -> AgentWorld:
        """n calm residents (default: all the map's residents) placed at their homes."""
        params = params or AgentParams()
        n = city.residents if n is None else int(n)
        xy = city.homes(n, np.random.default_rng(seed))
        i, j = city.cell_of(xy[:, 0], xy[:, 1])
        pop = Population.at(
            xy[:, 0], xy[:, 1], State.CALM, params.human_speed, (i * city.shape[1] + j)
        )
        return cls(pop, city, params, seed=seed, dt_s=dt_s)

    @classmethod
    def mixed_population(
        cls,
        initial: Mapping[str, int],
        params: AgentParams | None = None,
        *,
        seed: int = 0,
        dt_s: float = 10.0,
    ) -> AgentWorld:
        """The well-mixed mode: counts per compartment name (S, F, E, Ef, L, Z, H, …).

        The bitten (E, Ef, L) get turning timers drawn as for a fresh bite.
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
        world = cls(pop, None, params, seed=seed, dt_s=dt_s, mixed=True)
        world._draw_timers(np.isin(states, (State.BITTEN, State.BITTEN_AFRAID, State.SLOW)))
        return world

    def _draw_timers(self, which: np.ndarray) -> None:
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
        self._draw_timers(mask)
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

    def set_params(self, params: AgentParams) -> None:
        """Change the rules' parameters from the next step on (a ``set`` intervention, a
        cordon's leak on leaving). The interaction radii must not grow: the cell lists were
        sized for the old ones."""
        if params.radius_m > self.params.radius_m and not self.mixed:
            raise ValueError(
                f"the interaction radius cannot grow during a run ({self.params.radius_m} m "
                f"to {params.radius_m} m)"
            )
        self.params = params
        self._packed = params.packed()

    # -- stepping ---------------------------------------------------------------------------

    def step(self) -> None:
        """Advance by one step of dt."""
        pop, g = self.pop, self.grid
        g.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
        key = py_step_key(self.seed, self.step_index)
        step_agents(
            pop.x, pop.y, pop.state, pop.fear, pop.timer, pop.speed, pop.home,
            g.start, g.order, g.cell_m, g.nx, g.ny,
            self.blocked, self.indoor, self.terrain, self.cell_m, self.cordon_closed,
            self.sound.level, self.sound.source, self.sound.cell_m,
            self._packed, self.dt, key, self.mixed, self.events,
        )  # fmt: skip
        if not self.mixed:
            for x, y, loud in self.sources:
                self.sound.emit(x, y, loud * self.dt)
            p = self.params
            self.sound.update(self.dt, p.sound_decay, p.sound_diffusion)
        self.step_index += 1
        self.t = self.step_index * self.dt

    def run(self, hours: float, every: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Step for `hours`; returns (times, counts) recorded every `every` hours (default:
        only at the start and the end), counts being (times, states) int64."""
        steps = max(0, round(hours / self.dt))
        stride = max(steps, 1) if every is None else max(1, round(every / self.dt))
        times, counts = [self.t], [self.pop.counts()]
        for k in range(1, steps + 1):
            self.step()
            if k % stride == 0 or k == steps:
                times.append(self.t)
                counts.append(self.pop.counts())
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
        return bytes_per_agent(self.pop, self.grid.key, self.grid.order)


assert len(COMPARTMENT) == N_STATES
