"""The agents engine's set-up: a scenario checked against its map, once per run.

:func:`setup` reads the ``[agents]`` section, lets each intervention that acts on a map say
what it does there (its ``on_map``: strike areas, camps, drone routes), checks every place,
point and area against the map (errors name the scenario's fields), and builds the rules'
parameters from the family's (``SHARED``, ``CROWD``). :mod:`.replicate` runs the replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from jonas.abm import AgentParams, State
from jonas.abm.population import COMPARTMENT, MAX_STATES
from jonas.engines.prepared import options
from jonas.errors import ScenarioError, suggest
from jonas.interventions import MAP, AreaSpec, kind_of
from jonas.interventions.base import MapAct
from jonas.model import Model
from jonas.model.families.jonas import CITY
from jonas.space.city import CityMap
from jonas.space.geometry import Area, Circle, Polygon
from jonas.spec import Scenario
from jonas.spec.sections import AgentsSpec

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
    # the factions (season 2; optional in the family, off when absent or 0)
    "protect",
    "hunt",
    "gather",
    "starve",
)
#: the factions' dead: the rule that puts them there, and the compartment of the model
#: (the family adds it only with the rule's parameter, after its own: found by name)
DEAD = {"hunt": "Dh", "starve": "Ds"}
#: family parameters that average over a crowd: on a map the rules' own numbers
#: (``[agents.rules]``, per hour in contact) replace them; well mixed they are the same
CROWD = ("beta", "phi_see", "phi_spread", "hide_afraid")


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
    on_map: np.ndarray  # (interventions,) bool: acts on the map (else on compartments)
    acts: dict[int, MapAct] = field(default_factory=dict)  # what each does on the map
    generic: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    leave_transition: int = -1
    to_hunted: int | None = None  # the model's "Dh", if it has one
    to_starved: int | None = None  # the model's "Ds", if it has one

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
    spec = options(scenario, "agents")
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
    gather = chosen.get("gather", 0.0)
    if not 0.0 <= gather <= 1.0:
        # the family's gather is a rate (H -> Hg); the agents' is a share of steps
        where = "agents.rules" if "gather" in spec.rules else "parameters"
        raise ScenarioError(
            f"{where}.gather: on the agents engine gather is the share of steps on which a "
            f"halfbie walks to the nearest one it sees, 0 to 1; got {gather:g}"
        )
    try:
        params = AgentParams(**chosen)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"agents.rules: {exc}") from None
    if params.gather > 0 and not spatial:
        where = "agents.rules" if "gather" in spec.rules else "parameters"
        raise ScenarioError(
            f"{where}.gather: halfbies walking to one another needs the agents engine's "
            'spatial mode (positions on a map; [agents] mode = "spatial"); the well-mixed '
            "mode has none. Leave gather out, or set it to 0, to run well mixed"
        )
    return params


def _dead_codes(scenario: Scenario, model: Model, params: AgentParams) -> dict[str, int | None]:
    """The state codes of the factions' dead ("Dh", "Ds"): their compartments' indices in
    the model; a rule switched on without its compartment is refused."""
    spec = options(scenario, "agents")
    comps = model.compartments
    codes: dict[str, int | None] = {}
    for rule, name in DEAD.items():
        codes[rule] = comps.index(name) if name in comps else None
        if getattr(params, rule) > 0 and codes[rule] is None:
            where = "agents.rules" if rule in spec.rules else "parameters"
            raise ScenarioError(
                f"{where}.{rule}: the model has no compartment {name!r} for those it kills; "
                f"give {rule} in [parameters] (the jonas family then adds {name!r})"
            )
    return codes


def setup(scenario: Scenario, model: Model) -> Setup:
    """Check an agents scenario against its map and build what the runs share."""
    spec = options(scenario, "agents")
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
    if dict(model.parameters).get("mutate", 0.0) > 0:
        raise ScenarioError(
            "parameters.mutate: the mutating virus (Ev, Zv) is compartmental only; the agents "
            "engine has no variant. Run it with ode, ssa, tauleap or metapop, or set mutate "
            "to 0 (docs/season2.md)"
        )
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
    on_map = np.array(
        [city is not None and MAP in kind_of(iv).modes_for(iv) for iv in scenario.interventions],
        dtype=bool,
    )
    out = Setup(scenario, model, spec, city, params, start, initial, on_map)
    dead = _dead_codes(scenario, model, params)
    out.to_hunted, out.to_starved = dead["hunt"], dead["starve"]
    _keeps_everyone(model, on_map)
    if city is not None:
        places = _Places(city, model.compartments, spec.map)
        for i, iv in enumerate(scenario.interventions):
            if on_map[i]:
                act = kind_of(iv).on_map(iv, places, f"interventions.{i}")
                if act is not None:
                    out.acts[i] = act
    out.generic = _generic_transitions(model, on_map)
    out.leave_transition = _leave_transition(model)
    return out


@dataclass
class _Places:
    """The map as interventions see it at set-up (:class:`jonas.interventions.CityPlaces`)."""

    city: CityMap
    compartments: tuple[str, ...]
    name: str
    codes: int = MAX_STATES

    @property
    def has_cordon(self) -> bool:
        return self.city.cordon is not None

    def point(self, where: str | list[float], field: str) -> tuple[float, float]:
        return _point(self.city, where, field)

    def area(self, spec: AreaSpec, field: str) -> Area:
        return _area(self.city, spec, field)


def _keeps_everyone(model: Model, on_map: np.ndarray) -> None:
    """Agents never vanish: an intervention that removes people from the system (a cull
    with no 'to') has nowhere to put them."""
    ev = model.events
    for e in range(len(ev)):
        o = int(ev.origin[e])
        if o >= 0 and not on_map[o] and bool(np.any((ev.fraction[e] > 0) & (ev.dest[e] < 0))):
            raise ScenarioError(
                f"interventions.{o}.to: the agents engine keeps every person; say where the "
                'culled go (e.g. to = "Dz")'
            )


def _state_name(i: int) -> str:
    return COMPARTMENT[State(i)]


def _generic_transitions(model: Model, on_map: np.ndarray) -> np.ndarray:
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
        if (o >= 0 and not on_map[o]) or (o < 0 and off_map):
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
