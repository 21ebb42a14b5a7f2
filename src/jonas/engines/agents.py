"""The agents engine: the `jonas` family person by person, on a city map or well mixed.

A scenario with ``run.engine = "agents"`` runs the rules of docs/agents.md
(`jonas.agents`): each agent's state is the index of its compartment in the model, so the
counts are the model's compartments and every summary, target and plot works unchanged.

The response acts in two ways:

- **on the map** (``[agents] mode = "spatial"``): a cordon closes its line (checkpoints
  pass only evacuees) and scales leaving by its leak; an evacuation or camp tells people
  to walk to the ``camps`` and takes them in at ``capacity`` per hour, screened there; a
  lure is a drone flying its ``route``; a strike kills everyone inside its ``area``;
- **as in the compartmental engines** (everything else, and every intervention in the
  ``mixed`` mode): culls take a share of each compartment, and the transitions an
  intervention adds (flows, luring, a cure) and the model's transitions outside the city
  (carriers in camps put down as they turn) move each agent with the same per-capita
  rates as the tau-leap engine.

Events fire at the first step at or after their time (fixed, or after a trigger on the
counts). Replicate r gets seed ``seeds[r]``: the agents' rules draw counter-based numbers
from it (`jonas.agents.rng`), the response a NumPy generator seeded from it, so one seed
gives one run, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from jonas.agents import AgentParams, AgentWorld, State
from jonas.agents.population import EVACUATING, MAX_STATES, speed_units
from jonas.agents.strike import strike
from jonas.engines import event_arrays
from jonas.engines.kernels import watch
from jonas.errors import ScenarioError, suggest
from jonas.interventions import AreaSpec, area_list
from jonas.model import Model
from jonas.results import AGENT_METRICS
from jonas.scenario import AgentsSpec, Scenario
from jonas.space.city import CityMap
from jonas.space.geometry import Area, Circle, Polygon

#: the family's compartments in the city: agent states 0..6 (`jonas.agents.State`)
CITY = ("S", "F", "E", "Ef", "L", "Z", "H")
#: family parameters that mean the same for one person as in the compartmental model
SHARED = (
    "alpha",
    "fight_afraid",
    "p_blood",
    "turn_fast",
    "rage",
    "p_slow",
    "turn_slow",
    "p_halfbie",
    "restraint",
    "calm",
    "leave",
    "flee_afraid",
)
#: family parameters that average over a crowd: on a map the rules' own numbers
#: (``[agents.rules]``, per hour in contact) replace them; well mixed they are the same
CROWD = ("beta", "phi_see", "phi_spread", "hide_afraid")
#: intervention types that act in space on a map (the others act as compartments)
SPATIAL_TYPES = ("cordon", "evacuation", "camp", "lure", "strike")

Progress = Callable[[int], None]
FrameSink = Callable[[int, Any], None]


# --------------------------------------------------------------------------- set-up


@dataclass
class Drone:
    """A lure on a map: a sound source flying ``route`` (metres) over [start, start + d]."""

    route: np.ndarray
    loudness: float
    duration: float

    def position(self, since: float) -> tuple[float, float]:
        """Where the drone is ``since`` hours after it took off (an even pace)."""
        pts = self.route
        if len(pts) == 1:
            return float(pts[0, 0]), float(pts[0, 1])
        legs = np.hypot(*np.diff(pts, axis=0).T)
        total = float(legs.sum())
        s = min(max(since / self.duration, 0.0), 1.0) * total
        k = int(np.searchsorted(np.cumsum(legs), s, side="left"))
        k = min(k, len(legs) - 1)
        done = float(legs[:k].sum())
        f = (s - done) / legs[k] if legs[k] > 0 else 0.0
        p = pts[k] + f * (pts[k + 1] - pts[k])
        return float(p[0]), float(p[1])


@dataclass
class Camp:
    """An evacuation on a map: who is told, where they go, and how they are screened.

    ``passed[c]`` and ``caught[c]`` are the agent codes (compartment indices) of those of
    compartment c who pass or are caught, ``sensitivity[c]`` the chance of being caught,
    ``priority[c]`` the weight in the queue.
    """

    sources: np.ndarray
    targets: list[Area]
    capacity: float
    passed: np.ndarray
    caught: np.ndarray
    sensitivity: np.ndarray
    priority: np.ndarray


@dataclass
class Setup:
    """Everything a run needs, checked once (errors name the scenario's fields)."""

    scenario: Scenario
    model: Model
    spec: AgentsSpec
    city: CityMap | None
    params: AgentParams
    start: tuple[float, float]
    initial: dict[str, int]
    spatial_origin: np.ndarray  # (interventions,) bool: acts in space
    strikes: dict[int, list[Area]] = field(default_factory=dict)
    camps: dict[int, Camp] = field(default_factory=dict)
    drones: dict[int, Drone] = field(default_factory=dict)
    generic: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    leave_transition: int = -1

    @property
    def spatial(self) -> bool:
        return self.city is not None

    @property
    def dt_hours(self) -> float:
        return self.spec.step_s / 3600.0


def _map(spec: AgentsSpec, residents: int) -> CityMap:
    from jonas.space import hyosan_city, load_map

    if spec.map == "hyosan":
        return hyosan_city(
            seed=spec.map_seed,
            width_m=spec.width_m,
            height_m=spec.height_m,
            cell_m=spec.cell_m,
            residents=residents,
            block_m=spec.block_m,
        )
    path = Path(spec.map)
    if path.suffix.lower() not in (".toml", ".png"):
        raise ScenarioError(
            f"agents.map: {spec.map!r} is neither the built-in 'hyosan' nor a map file "
            "(a .toml, with its .png beside it; see docs/space.md)"
        )
    return load_map(path)


def _point(city: CityMap, where: str | list[float], field_name: str) -> tuple[float, float]:
    if isinstance(where, str):
        if where not in city.places:
            raise ScenarioError(
                f"{field_name}: no place named {where!r} on the map."
                + suggest(where, list(city.places))
                + f" Places: {', '.join(sorted(city.places))}"
            )
        return city.places[where].center
    x, y = float(where[0]), float(where[1])
    if not bool(city.on_map(x, y)):
        raise ScenarioError(
            f"{field_name}: [{x:g}, {y:g}] is outside the map (0..{city.width_m:g} m east, "
            f"0..{city.height_m:g} m north)"
        )
    return x, y


def _area(city: CityMap, spec: AreaSpec, field_name: str) -> Area:
    if spec.place is not None:
        x, y = _point(city, spec.place, field_name + ".place")
        area: Area = (
            city.places[spec.place].area if spec.radius is None else Circle(x, y, spec.radius)
        )
    elif spec.circle is not None:
        x, y, r = spec.circle
        area = Circle(x, y, r)
    else:
        try:
            area = Polygon(np.asarray(spec.polygon, dtype=float))
        except ValueError as exc:
            raise ScenarioError(f"{field_name}.polygon: {exc}") from None
    try:
        city.inside(area)  # refuses an area entirely off the map
    except ScenarioError as exc:
        raise ScenarioError(f"{field_name}: {str(exc).split(': ', 1)[-1]}") from None
    return area


def _params(scenario: Scenario, values: dict[str, float], spatial: bool) -> AgentParams:
    """The rules' parameters: the family's where they mean the same, then [agents.rules]."""
    names = {f.name for f in fields(AgentParams)}
    spec = scenario.agents_spec
    for key in spec.rules:
        if key not in names:
            raise ScenarioError(
                f"agents.rules.{key}: not a rule parameter."
                + suggest(key, sorted(names))
                + " The parameters are listed in docs/agents.md"
            )
    stages = scenario.model.stages
    if stages.get("E", 1) != stages.get("Ef", stages.get("E", 1)):
        raise ScenarioError(
            "model.stages: the agents engine draws one turning time for both E and Ef; give "
            "them the same number of stages"
        )
    shared = SHARED if spatial else SHARED + CROWD
    chosen: dict[str, float] = {k: values[k] for k in shared if k in values}
    chosen["stages"] = stages.get("E", 1)
    chosen.update(spec.rules)
    try:
        return AgentParams(**chosen)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"agents.rules: {exc}") from None


def _codes(model: Model, value: str | dict[str, str] | None, c: str) -> int:
    name = value.get(c) if isinstance(value, dict) else value
    return model.compartments.index(name) if name is not None else -1


def setup(scenario: Scenario, model: Model) -> Setup:
    """Check an agents scenario against its map and build what the runs share."""
    spec = scenario.agents_spec
    comps = model.compartments
    if len(comps) > MAX_STATES:
        raise ScenarioError(f"the agents engine handles up to {MAX_STATES} compartments")
    for i, name in enumerate(CITY):
        assert comps[i] == name == _state_name(i), "the jonas family's order changed"
    initial = {c: int(v) for c, v in scenario.initial.items() if v}
    for c in initial:
        if c not in CITY:
            raise ScenarioError(
                f"initial.{c}: the agents engine starts everyone in the city; compartments "
                f"there are {', '.join(CITY)}"
            )
    spatial = spec.mode == "spatial"
    params = _params(scenario, dict(model.parameters), spatial)
    city = _map(spec, sum(initial.values())) if spatial else None
    start = (0.0, 0.0)
    if city is not None:
        start = _point(city, spec.start_at, "agents.start_at")
        if city.residents < sum(initial.values()):
            raise ScenarioError(
                f"initial: {sum(initial.values()):,} people in the city, but the map "
                f"{spec.map!r} has homes for {city.residents:,}"
            )
    origin_spatial = np.array(
        [spatial and iv.type in SPATIAL_TYPES for iv in scenario.interventions], dtype=bool
    )
    out = Setup(scenario, model, spec, city, params, start, initial, origin_spatial)
    for i, iv in enumerate(scenario.interventions):
        where = f"interventions.{i}"
        if iv.type == "cull" and iv.to is None:
            raise ScenarioError(
                f"{where}.to: the agents engine keeps every person; say where the culled go "
                '(e.g. to = "Dz")'
            )
        if not origin_spatial[i] or city is None:
            if iv.type == "lure" and iv.to is None:
                raise ScenarioError(
                    f"{where}: the mixed mode has no map for a drone's route; give 'to' and 'share'"
                )
            continue
        if iv.type == "strike":
            areas = area_list(iv.area)
            if not areas:
                raise ScenarioError(
                    f"{where}.area: on a map a strike hits places; give area = "
                    '{ place = "downtown" }, { circle = [x, y, radius] } or a list of them'
                )
            out.strikes[i] = [_area(city, a, f"{where}.area") for a in areas]
        elif iv.type in ("evacuation", "camp"):
            camps = area_list(iv.camps)
            if not camps:
                raise ScenarioError(
                    f"{where}.camps: on a map evacuees walk to camps; give camps = "
                    '[{ place = "military camp" }, ...]'
                )
            out.camps[i] = _camp(model, iv, [_area(city, a, f"{where}.camps") for a in camps])
        elif iv.type == "lure":
            if iv.route is None:
                raise ScenarioError(
                    f"{where}.route: on a map a lure is a drone; give route = "
                    '["downtown"] (places or [x, y] points it flies over)'
                )
            pts = [_point(city, p, f"{where}.route") for p in iv.route]
            out.drones[i] = Drone(np.array(pts, dtype=float), iv.loudness, iv.duration)
        elif iv.type == "cordon" and city.cordon is None:
            raise ScenarioError(
                f"{where}: the map {spec.map!r} has no cordon line to close (add [cordon] "
                "to the map file)"
            )
    out.generic = _generic_transitions(model, origin_spatial)
    out.leave_transition = _leave_transition(model)
    return out


def _state_name(i: int) -> str:
    from jonas.agents.population import COMPARTMENT

    return COMPARTMENT[State(i)]


def _camp(model: Model, iv: Any, targets: list[Area]) -> Camp:
    n = len(model.compartments)
    passed = np.full(n, -1, np.int64)
    caught = np.full(n, -1, np.int64)
    sens = np.zeros(n)
    prio = np.zeros(n)
    sources = []
    for c in iv.from_:
        k = model.compartments.index(c)
        sources.append(k)
        passed[k] = _codes(model, iv.to, c)
        sens[k] = iv.sensitivity.get(c, 0.0)
        caught[k] = _codes(model, iv.caught_to, c) if sens[k] > 0 else passed[k]
        prio[k] = iv.priority.get(c, 1.0)
    return Camp(np.array(sources, np.int64), targets, iv.capacity, passed, caught, sens, prio)


def _generic_transitions(model: Model, spatial_origin: np.ndarray) -> np.ndarray:
    """The transitions carried out per agent with compartmental rates: those interventions
    add (unless they act on the map) and the model's own outside the city; one per
    compartment, from its first Erlang stage (every stage has the same rate)."""
    comp = model.state_compartment
    first = {int(c): s for s, c in reversed(list(enumerate(comp)))}
    chosen = []
    for j in range(len(model.transitions)):
        s = int(model.src[j])
        if s < 0 or first[int(comp[s])] != s:
            continue
        o = int(model.transition_origin[j])
        off_map = int(comp[s]) >= len(CITY)
        if (o >= 0 and not spatial_origin[o]) or (o < 0 and off_map):
            chosen.append(j)
    return np.array(chosen, dtype=np.int64)


def _leave_transition(model: Model) -> int:
    """The family's "leaving" transition (S → Out): a cordon scales it by its leak."""
    out = model.compartments.index("Out")
    for j in range(len(model.transitions)):
        src, dst = int(model.src[j]), int(model.dst[j])
        if (
            model.transition_origin[j] < 0
            and src >= 0
            and dst >= 0
            and model.state_compartment[src] == 0
            and model.state_compartment[dst] == out
        ):
            return j
    raise AssertionError("the jonas family has no leaving transition")  # pragma: no cover


# --------------------------------------------------------------------------- one replicate


class Replicate:
    """One run: the world, the response's state, and the event clock."""

    def __init__(self, setup: Setup, seed: int) -> None:
        self.s = setup
        model = setup.model
        self.seed = int(seed)
        self.rng = np.random.default_rng([self.seed, 0x4A6F6E6173])  # the response's draws
        self.world = self._world()
        self.n_comp = len(model.compartments)
        self.state_comp = model.state_compartment
        self.base = model.rate.copy()
        self.factor = np.ones_like(self.base)
        self.parameters = dict(model.parameters)
        ev = model.events
        self.events = event_arrays(model)
        self.when = np.where(ev.trigger < 0, ev.times, np.nan)
        self.trig_time = np.full(ev.threshold.size, np.nan)
        self.fired = np.full(len(ev), np.nan)
        self.active_camps: set[int] = set()
        self.active_drones: dict[int, float] = {}  # origin → take-off time
        self.struck: list[Area] = []
        self.struck_now: list[Area] = []
        self.carry: dict[int, list[float]] = {}  # camp → unused shares of a person (call, take in)
        self.labels: list[str] = []

    def _world(self) -> AgentWorld:
        s = self.s
        if s.city is None:
            return AgentWorld.mixed_population(
                s.initial, s.params, seed=self.seed, dt_s=s.spec.step_s
            )
        n = sum(s.initial.values())
        world = AgentWorld.on_map(s.city, n, s.params, seed=self.seed, dt_s=s.spec.step_s)
        _place_initial(world, s.initial, s.start)
        return world

    # -- counts and events ------------------------------------------------------------------

    def counts(self) -> np.ndarray:
        c = np.bincount(self.world.pop.state, minlength=self.n_comp)
        if c.size > self.n_comp:  # pragma: no cover - a bug, not an input error
            raise AssertionError("an agent has a state outside the model's compartments")
        return c

    def fire_due(self, t: float, t_end: float) -> None:
        """Check the triggers, then apply every event due by t, in order."""
        ev = self.s.model.events
        events = self.events
        done: set[tuple[int, bool]] = set()
        while True:
            watch(t, self.counts().astype(np.float64), events, self.trig_time, self.when, t_end)
            due = np.flatnonzero((self.when <= t + 1e-9) & np.isnan(self.fired))
            if due.size == 0:
                return
            e = int(due[0])
            self.fired[e] = t
            key = (int(ev.origin[e]), bool(ev.ends[e]))
            self._apply(e, first=key not in done)
            done.add(key)

    def _apply(self, e: int, first: bool) -> None:
        """Event e: its rate changes and culls as in every engine; on a map, the acts of
        its intervention (once per intervention and phase, however many events it has)."""
        s, ev = self.s, self.s.model.events
        o, ends = int(ev.origin[e]), bool(ev.ends[e])
        nb, nf = ev.base[e], ev.factor[e]
        self.base = np.where(np.isnan(nb), self.base, nb)
        self.factor = np.where(np.isnan(nf), self.factor, nf)
        iv = s.scenario.interventions[o] if o >= 0 else None
        spatial = o >= 0 and s.spatial_origin[o]
        if not spatial:
            self._cull(ev.fraction[e], ev.dest[e])
        if first:
            self.labels.append(ev.labels[e])
        if iv is not None and iv.type == "set":
            self.parameters.update(iv.parameters)
        if spatial and first:
            w = self.world
            if iv.type == "cordon":
                w.open_cordon() if ends else w.close_cordon()
            elif iv.type in ("evacuation", "camp"):
                if ends:
                    self.active_camps.discard(o)
                    w.stop_evacuation()
                else:
                    self.active_camps.add(o)
                    self.carry[o] = [0.0, 0.0]
            elif iv.type == "lure":
                if ends:
                    self.active_drones.pop(o, None)
                else:
                    self.active_drones[o] = w.t
            elif iv.type == "strike":
                to_i = s.model.compartments.index(iv.to_infected)
                to_u = s.model.compartments.index(iv.to_uninfected)
                struck = np.array(
                    [s.model.compartments.index(c) for c in iv.compartments], np.uint8
                )
                infected = np.array([s.model.compartments.index(c) for c in iv.infected], np.uint8)
                for area in s.strikes[o]:
                    strike(w.pop, area, to_i, to_u, struck, infected)
                    self.struck.append(area)
                    self.struck_now.append(area)
        self._refresh_params()

    def _refresh_params(self) -> None:
        s = self.s
        values = dict(self.parameters)
        # a cordon closes the ways out: leaving at leak × its rate
        values["leave"] = values.get("leave", 0.0) * float(self.factor[s.leave_transition])
        params = _params(s.scenario, values, s.spatial)
        if params != self.world.params:
            self.world.set_params(params)

    def _cull(self, fraction: np.ndarray, dest: np.ndarray) -> None:
        state = self.world.pop.state
        for st in np.flatnonzero(fraction > 0):
            c = int(self.state_comp[st])
            if st != _first_state(self.state_comp, c):
                continue
            who = np.flatnonzero(state == c)
            hit = who[self.rng.random(who.size) < fraction[st]]
            self._move(hit, int(self.state_comp[dest[st]]))

    def _move(self, who: np.ndarray, code: int) -> None:
        """Agents `who` become `code` (a compartment index): off the map, or back to people."""
        pop = self.world.pop
        pop.state[who] = code
        pop.fear[who] = 0
        pop.flags[who] = 0
        if code in (State.CALM, State.AFRAID):
            pop.speed[who] = speed_units(self.world.params.human_speed)

    # -- per step ---------------------------------------------------------------------------

    def step(self) -> None:
        w = self.world
        w.clear_sounds()
        for o, since in self.active_drones.items():
            d = self.s.drones[o]
            w.add_sound(*d.position(w.t - since), d.loudness)
        w.step()
        self._generic()
        for o in sorted(self.active_camps):
            self._call(o, self.s.camps[o])
            self._take_in(o, self.s.camps[o])

    def drone_positions(self) -> tuple[tuple[float, float], ...]:
        w = self.world
        return tuple(self.s.drones[o].position(w.t - t0) for o, t0 in self.active_drones.items())

    def _generic(self) -> None:
        """The per-capita transitions (see the module docstring), one draw per agent."""
        js = self.s.generic
        if js.size == 0:
            return
        m = self.s.model
        rate = self.base[js] * self.factor[js]
        if not rate.any():
            return
        C = self.counts().astype(np.float64)
        D = m.groups @ C + m.offset
        h = rate.copy()
        cat, den = m.cat[js], m.den[js]
        h = np.where(cat >= 0, h * C[np.maximum(cat, 0)], h)
        h = np.where(den >= 0, h / np.where(D[np.maximum(den, 0)] > 0, D[np.maximum(den, 0)], 1), h)
        src = self.state_comp[m.src[js]]
        dst = self.state_comp[m.dst[js]]
        state = self.world.pop.state
        dt = self.world.dt
        for c in np.unique(src[h > 0]):
            mine = (src == c) & (h > 0)
            hc, dc = h[mine], dst[mine]
            total = hc.sum()
            who = np.flatnonzero(state == c)
            if who.size == 0:
                continue
            moving = who[self.rng.random(who.size) < -math.expm1(-total * dt)]
            if moving.size == 0:
                continue
            pick = np.searchsorted(np.cumsum(hc) / total, self.rng.random(moving.size))
            pick = np.minimum(pick, hc.size - 1)
            for k in np.unique(pick):
                self._move(moving[pick == k], int(dc[k]))

    def _quota(self, o: int, which: int, camp: Camp) -> int:
        """How many people the camp handles this step: capacity × dt, fractions carried."""
        budget = self.carry[o][which] + camp.capacity * self.world.dt
        self.carry[o][which] = budget - int(budget)
        return int(budget)

    def _by_priority(self, who: np.ndarray, k: int, camp: Camp) -> np.ndarray:
        """k of `who` drawn without replacement with weights by their compartment's
        priority (the largest u^(1/w): Efraimidis and Spirakis 2006)."""
        if k >= who.size:
            return who
        keys = self.rng.random(who.size) ** (1.0 / camp.priority[self.world.pop.state[who]])
        return who[np.argpartition(-keys, k - 1)[:k]]

    def _call(self, o: int, camp: Camp) -> None:
        """Tell capacity × dt more people to walk to the camps: the camps call people in
        as fast as they take them in, so that nobody waits at the gate for long (and a
        whole city does not march through the streets at once)."""
        k = self._quota(o, 0, camp)
        pop = self.world.pop
        free = np.flatnonzero(np.isin(pop.state, camp.sources) & (pop.flags & EVACUATING == 0))
        if k and free.size:
            self.world.evacuate(self._by_priority(free, k, camp), camp.targets)

    def _take_in(self, o: int, camp: Camp) -> None:
        """Evacuees at a camp: up to capacity × dt of them (by priority) are screened."""
        w = self.world
        k = self._quota(o, 1, camp)
        arrived = w.arrived()
        arrived = arrived[np.isin(w.pop.state[arrived], camp.sources)]
        if k == 0 or arrived.size == 0:
            return
        who = self._by_priority(arrived, k, camp)
        comp = w.pop.state[who].astype(np.int64)
        caught = self.rng.random(who.size) < camp.sensitivity[comp]
        codes = np.where(caught, camp.caught[comp], camp.passed[comp])
        for code in np.unique(codes):
            self._move(who[codes == code], int(code))


def _first_state(state_comp: np.ndarray, c: int) -> int:
    return int(np.flatnonzero(state_comp == c)[0])


def _place_initial(world: AgentWorld, initial: dict[str, int], at: tuple[float, float]) -> None:
    """Everyone but the calm (S) starts as the residents nearest `at`: the first infected
    where the story begins (the afraid too, if any are asked for)."""
    others = {c: k for c, k in initial.items() if c != "S" and k}
    if not others:
        return
    order = ["Z", "E", "Ef", "L", "H", "F"]
    z, e = others.get("Z", 0), others.get("E", 0)
    chosen = world.seed_infection(
        *at, zombies=z, bitten=e + sum(others.get(c, 0) for c in order[2:])
    )
    pop = world.pop
    k = z + e
    for c in order[2:]:
        n = others.get(c, 0)
        idx = chosen[k : k + n]
        k += n
        pop.state[idx] = CITY.index(c)
        if c == "F":
            pop.fear[idx] = 255
        elif c == "H":
            pop.timer[idx] = 0.0
    rest = chosen[z + e :]
    redraw = rest[np.isin(pop.state[rest], (State.BITTEN_AFRAID, State.SLOW))]
    if redraw.size:
        mask = np.zeros(len(pop), bool)
        mask[redraw] = True
        world.draw_timers(mask)


# --------------------------------------------------------------------------- the engine


def simulate_agents(
    setup: Setup,
    times: np.ndarray,
    seeds: np.ndarray,
    progress: Progress | None = None,
    metrics: dict[str, np.ndarray] | None = None,
    frames: FrameSink | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run each seed; counts (replicates × times × compartments) and event times.

    ``frames(replicate, frame)`` receives `jonas.agents.animate.Frame` pictures of the
    first replicate every ``[agents] frame_every`` hours (default: the output interval),
    and at every event; only on a map.
    """
    model = setup.model
    t_end = float(times[-1])
    dt = setup.dt_hours
    n_steps = math.ceil(t_end / dt - 1e-9)
    out = np.zeros((len(seeds), times.size, len(model.compartments)), dtype=np.int64)
    fired = np.full((len(seeds), len(model.events)), np.nan)
    found = {name: np.zeros(len(seeds)) for name in AGENT_METRICS}
    every = setup.spec.frame_every or (times[1] - times[0] if times.size > 1 else t_end)
    for r, seed in enumerate(seeds):
        rep = Replicate(setup, int(seed))
        row = 0
        next_frame = 0.0
        for k in range(n_steps + 1):
            t = k * dt
            rep.fire_due(min(t, t_end), t_end)
            while row < times.size and t >= times[row] - 1e-9:
                out[r, row] = rep.counts()
                row += 1
            want = frames is not None and r == 0 and setup.spatial
            if want and (t >= next_frame - 1e-9 or rep.struck_now or rep.labels or k == n_steps):
                frames(r, _frame(rep))
                while next_frame <= t + 1e-9:
                    next_frame += every
            rep.struck_now.clear()
            rep.labels.clear()
            if k < n_steps:
                rep.step()
        out[r, row:] = rep.counts()
        fired[r] = rep.fired
        counted = rep.world.event_counts()
        for name in AGENT_METRICS:
            found[name][r] = counted[name]
        if progress:
            progress(1)
    if metrics is not None:
        metrics.update(found)
    return out, fired


def _frame(rep: Replicate) -> Any:
    from jonas.agents.animate import frame_of

    return frame_of(
        rep.world,
        max_points=rep.s.spec.frame_points,
        drones=rep.drone_positions(),
        strikes=tuple(rep.struck),
        struck_now=tuple(rep.struck_now),
        label=", ".join(rep.labels),
    )
