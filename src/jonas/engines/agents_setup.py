"""The agents engine's set-up: a scenario checked against its map, once per run.

`setup` reads the `[agents]` section and the interventions that act on a map (strike areas,
camps, drone routes), checks every place, point and area against the map (errors name the
scenario's fields), and builds the rules' parameters from the family's (`SHARED`, `CROWD`).
`jonas.engines.agents` runs the replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from jonas.agents import AgentParams, State
from jonas.agents.population import MAX_STATES
from jonas.errors import ScenarioError, suggest
from jonas.interventions import AreaSpec, area_list
from jonas.model import Model
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
    ``priority[c]`` the weight in the queue;
    ``wanted[c]``: whether compartment c is one of the `sources`. Soldiers shoot zombies
    within `guard_m` metres of a target's centre at `guard` per hour.
    """

    sources: np.ndarray
    targets: list[Area]
    capacity: float
    passed: np.ndarray
    caught: np.ndarray
    sensitivity: np.ndarray
    priority: np.ndarray
    guard: float = 0.0
    guard_m: float = 0.0
    wanted: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.wanted = np.zeros(MAX_STATES, np.bool_)
        self.wanted[self.sources] = True


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


def rule_params(scenario: Scenario, values: dict[str, float], spatial: bool) -> AgentParams:
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
    params = rule_params(scenario, dict(model.parameters), spatial)
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
    return Camp(
        np.array(sources, np.int64), targets, iv.capacity, passed, caught, sens, prio,
        iv.guard, iv.guard_m,
    )  # fmt: skip


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
