"""The metapop engine's inputs: a scenario and its compiled model → arrays over regions.

Which of the country's regions take part, how many people each starts with and where the
outbreak starts, the commuting network, who commutes, comes home and moves otherwise, and
for each event and trigger the regions it concerns (an intervention's ``regions``). Every
selector error names its field and comes before any work is done. The country is any
:class:`~jonas.geo.Regions` (``metapop.country``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jonas.engines.metapop.mobility import (
    Network,
    add_links,
    commuting_rates,
    csr,
    network,
    roaming,
    roaming_rates,
)
from jonas.errors import ScenarioError, suggest
from jonas.geo import Regions
from jonas.geo.files import regions_of
from jonas.geo.select import outbreak_named
from jonas.interventions import kind_of
from jonas.model import Model
from jonas.model.families import FAMILIES
from jonas.spec import Scenario
from jonas.spec.fields import HOURS_PER_UNIT
from jonas.spec.sections import MetapopSpec


@dataclass(frozen=True, eq=False)
class MetapopSetup:
    """Arrays for the kernel. ``x0`` is (regions × states); ``event_mask`` (events ×
    regions) says where each event acts; ``trigger_mask`` (triggers × regions) over
    which regions each trigger's condition is counted. Commuting: CSR ``edge_ptr``,
    ``edge_dest``, ``edge_rate`` (commuters per resident per day along each edge);
    ``commute`` (per state) multiplies it; ``returns`` (per state) says who comes home in
    the evening (the others stay where they are, as residents there); commuters leave at
    ``work[0]`` and come back at ``work[1]`` (time units after midnight) every ``day``
    time units. Other moves: ``moves`` (per state, per time unit, one way), every
    ``move_every``, along a symmetric network of their own (CSR ``move_ptr``,
    ``move_dest``, ``move_rate``: per person, relative to the national average of 1).
    Barriers (cordons around regions, travel bans): ``crosses`` and ``move_crosses``
    (barriers × edges of each network), which barrier each event sets (``event_barrier``,
    −1 none) to what (``event_leak``). Screening of travellers (between countries):
    ``screen_edges`` (screens × edges), the chance each state is caught
    (``screen_sens``, screens × states) and the state it goes to (``screen_into``), on
    arrival or departure (``screen_arrival``); which screen each event starts or ends
    (``event_screen``, −1 none; ``event_screen_on``)."""

    regions: Regions  # the country
    chosen: np.ndarray  # its rows taking part
    codes: tuple[str, ...]
    names: tuple[str, ...]
    parents: tuple[str, ...]
    population: np.ndarray
    x0: np.ndarray
    event_mask: np.ndarray
    trigger_mask: np.ndarray
    edge_ptr: np.ndarray
    edge_dest: np.ndarray
    edge_rate: np.ndarray
    commute: np.ndarray
    returns: np.ndarray
    moves: np.ndarray
    move_ptr: np.ndarray
    move_dest: np.ndarray
    move_rate: np.ndarray
    move_crosses: np.ndarray
    work: tuple[float, float]
    day: float
    move_every: float
    crosses: np.ndarray
    event_barrier: np.ndarray
    event_leak: np.ndarray
    infected: np.ndarray  # weights over compartments
    zombies: np.ndarray
    screen_edges: np.ndarray
    screen_sens: np.ndarray
    screen_into: np.ndarray
    screen_arrival: np.ndarray
    event_screen: np.ndarray
    event_screen_on: np.ndarray

    @property
    def edge_src(self) -> np.ndarray:
        """Each edge's origin (the commuters' home)."""
        return np.repeat(np.arange(self.n_regions), np.diff(self.edge_ptr))

    @property
    def n_regions(self) -> int:
        return len(self.codes)


def _compartment_list(names: list[str] | tuple[str, ...], model: Model, where: str) -> np.ndarray:
    weights = np.zeros(model.n_compartments)
    for name in names:
        if name not in model.compartments:
            raise ScenarioError(
                f"{where}: unknown compartment {name!r}; compartments are "
                f"{', '.join(model.compartments)}." + suggest(name, model.compartments)
            )
        weights[model.compartments.index(name)] = 1.0
    return weights


def arrival_compartments(spec: MetapopSpec, scenario: Scenario, key: str) -> list[str] | None:
    """The compartments that count as ``infected`` or ``zombies`` (a region's arrival
    times): as given, else the family's (None: neither)."""
    given = getattr(spec, key)
    if given is not None:
        return list(given)
    family = FAMILIES.get(scenario.model.family or "")
    return list(getattr(family, key)) if family is not None else None


def _arrivals(spec: MetapopSpec, scenario: Scenario, model: Model) -> tuple[np.ndarray, ...]:
    out = []
    for key in ("infected", "zombies"):
        given = arrival_compartments(spec, scenario, key)
        if given is None:
            raise ScenarioError(
                f"metapop.{key}: give the compartments that count as {key} (arrival "
                "times); this model has no default for them"
            )
        if getattr(spec, key) is None:
            given = [c for c in given if c in model.compartments]
        out.append(_compartment_list(given, model, f"metapop.{key}"))
    return tuple(out)


def _start(spec: MetapopSpec, scenario: Scenario, model: Model, population: np.ndarray, outbreak):
    """(regions × states) counts at t = 0: everyone in ``susceptible``, then [initial]'s
    other counts moved from there into the outbreak regions, split evenly."""
    states = list(model.states)
    sus = spec.susceptible
    if sus not in model.compartments:
        raise ScenarioError(
            f"metapop.susceptible: unknown compartment {sus!r}; compartments are "
            + ", ".join(model.compartments)
        )
    first = int(np.nonzero(model.state_compartment == model.compartments.index(sus))[0][0])
    x0 = np.zeros((population.size, len(states)), dtype=np.int64)
    x0[:, first] = population
    seeded = model.x0.astype(np.int64).copy()
    seeded[first] = 0
    if not seeded.any():
        raise ScenarioError(
            f"initial: the metapop engine starts everyone in {sus} (the census); give the "
            f"outbreak's counts in [initial] (for example E = 1), which start in "
            "metapop.outbreak"
        )
    for s in np.nonzero(seeded)[0]:
        share, extra = divmod(int(seeded[s]), outbreak.size)
        for k, d in enumerate(outbreak):
            x0[d, s] += share + (1 if k < extra else 0)
    x0[:, first] -= x0.sum(axis=1) - population
    short = np.nonzero(x0[:, first] < 0)[0]
    if short.size:
        raise ScenarioError(
            f"initial: the outbreak's counts exceed the population of {short.size} outbreak "
            "district(s); give fewer or choose larger districts"
        )
    return x0


def _barriers(scenario: Scenario, model: Model, inside_of, parent, country, edges_src, edges_dest):
    """For each intervention that cuts travel (a cordon around regions, a travel ban), which
    edges it cuts; which barrier each event sets, and to what."""
    events = model.events
    barrier_of: dict[int, int] = {}
    crosses: list[np.ndarray] = []
    for i, iv in enumerate(scenario.interventions):
        cut = kind_of(iv).travel_cut(iv, inside_of(i), edges_src, edges_dest, parent, country)
        if cut is None:
            continue
        barrier_of[i] = len(crosses)
        crosses.append(cut)
    n_ev = len(events)
    event_barrier = np.full(n_ev, -1, dtype=np.int64)
    event_leak = np.ones(n_ev)
    for e in range(n_ev):
        origin = int(events.origin[e])
        if origin in barrier_of:
            event_barrier[e] = barrier_of[origin]
            event_leak[e] = 1.0 if events.ends[e] else scenario.interventions[origin].leak
    matrix = np.array(crosses, dtype=np.bool_).reshape(len(crosses), edges_src.size)
    return matrix, event_barrier, event_leak


def _screens(scenario: Scenario, model: Model, inside_of, country, edges_src, edges_dest):
    """For each intervention that screens travellers, the links it screens, per state the
    chance of being caught and where they go, on arrival or not; which screen each event
    starts or ends."""
    events = model.events
    first = np.array([int(np.nonzero(model.state_compartment == c)[0][0])
                      for c in range(model.n_compartments)], dtype=np.int64)  # fmt: skip
    screen_of: dict[int, int] = {}
    edges, sens, into, arrival = [], [], [], []
    for i, iv in enumerate(scenario.interventions):
        found = kind_of(iv).screens(
            iv, inside_of(i), edges_src, edges_dest, country, tuple(model.compartments)
        )
        if found is None:
            continue
        if not found[0].any():
            raise ScenarioError(
                f"interventions.{i}: screening checks travellers between countries, and this "
                "run has no link between countries where it acts: give [metapop] country = "
                'several countries (["korea", "japan"])'
            )
        screen_of[i] = len(edges)
        edges.append(found[0])
        sens.append(found[1][model.state_compartment])
        into.append(np.where(found[2] >= 0, first[np.maximum(found[2], 0)], -1)[
            model.state_compartment
        ])  # fmt: skip
        arrival.append(found[3])
    n_ev, n_s, n_e = len(events), len(model.states), edges_src.size
    event_screen = np.full(n_ev, -1, dtype=np.int64)
    event_screen_on = np.zeros(n_ev, dtype=np.bool_)
    for e in range(n_ev):
        origin = int(events.origin[e])
        if origin in screen_of:
            event_screen[e] = screen_of[origin]
            event_screen_on[e] = not events.ends[e]
    return (
        np.array(edges, dtype=np.bool_).reshape(len(edges), n_e),
        np.array(sens, dtype=float).reshape(len(edges), n_s),
        np.array(into, dtype=np.int64).reshape(len(edges), n_s),
        np.array(arrival, dtype=np.bool_),
        event_screen,
        event_screen_on,
    )


def setup(scenario: Scenario, model: Model) -> MetapopSetup:
    """Check a metapop scenario against its country's regions and build the kernel's arrays."""
    spec = scenario.metapop
    assert spec is not None  # the engine's check requires [metapop]
    country = regions_of(spec.country, spec.boundaries)
    table = country.table
    chosen = country.select(spec.regions, "metapop.regions")
    position = np.full(len(table), -1, dtype=np.int64)
    position[chosen] = np.arange(chosen.size)

    def local(rows: np.ndarray, i: int | None = None, field: str | None = None) -> np.ndarray:
        """A selection as a mask over the regions taking part."""
        mask = np.zeros(chosen.size, dtype=bool)
        inside = position[rows]
        if (inside < 0).all():
            where = field or f"interventions.{i}.regions"
            raise ScenarioError(
                f"{where}: none of the {country.words.units} it names takes part in this run "
                "(metapop.regions)"
            )
        mask[inside[inside >= 0]] = True
        return mask

    population = np.rint(table["population"].to_numpy()[chosen] * spec.scale).astype(np.int64)
    outbreak = np.nonzero(
        local(country.select(spec.outbreak, "metapop.outbreak"), field="metapop.outbreak")
    )[0]
    x0 = _start(spec, scenario, model, population, outbreak)

    events = model.events
    masks = {}
    for i, iv in enumerate(scenario.interventions):
        if iv.regions is None:
            masks[i] = np.ones(chosen.size, dtype=bool)
        else:
            where = outbreak_named(iv.regions, spec.outbreak)
            masks[i] = local(country.select(where, f"interventions.{i}.regions"), i)
    event_mask = np.array([masks[int(o)] for o in events.origin], dtype=np.bool_).reshape(
        len(events), chosen.size
    )
    trigger_mask = np.array([masks[int(o)] for o in events.trigger_origin], dtype=np.bool_).reshape(
        events.trigger_origin.size, chosen.size
    )

    mob = spec.mobility
    net, roam = _networks(spec, country, chosen, population, _links(country, position, spec.scale))
    per_unit = HOURS_PER_UNIT[scenario.scenario.time_unit] / 24.0  # days per time unit
    edges_src = np.repeat(np.arange(chosen.size), np.diff(net.ptr))
    parent = table["parent"].astype(str).to_numpy()[chosen]
    nation = country.country_of[chosen]
    crosses, event_barrier, event_leak = _barriers(
        scenario, model, lambda i: masks[i], parent, nation, edges_src, net.dest
    )
    screens = _screens(scenario, model, lambda i: masks[i], nation, edges_src, net.dest)
    infected, zombies = _arrivals(spec, scenario, model)
    commute, returns, moves = _movers(spec, model, zombies, per_unit)
    roam_src = np.repeat(np.arange(chosen.size), np.diff(roam.ptr))
    move_crosses, _, _ = _barriers(
        scenario, model, lambda i: masks[i], parent, nation, roam_src, roam.dest
    )
    hours = HOURS_PER_UNIT[scenario.scenario.time_unit]
    every = mob.every if mob.every is not None else 1.0 / hours
    return MetapopSetup(
        regions=country,
        chosen=chosen,
        codes=tuple(table["code"].to_numpy()[chosen]),
        names=tuple(table["name"].to_numpy()[chosen]),
        parents=tuple(table["parent_name"].to_numpy()[chosen]),
        population=population,
        x0=x0,
        event_mask=event_mask,
        trigger_mask=trigger_mask,
        edge_ptr=net.ptr,
        edge_dest=net.dest,
        edge_rate=net.per_day,
        commute=commute[model.state_compartment],
        returns=returns[model.state_compartment],
        moves=moves[model.state_compartment],
        move_ptr=roam.ptr,
        move_dest=roam.dest,
        move_rate=roam.per_day,
        move_crosses=move_crosses,
        work=(mob.work_hours[0] / hours, mob.work_hours[1] / hours),
        day=24.0 / hours,
        move_every=every,
        crosses=crosses,
        event_barrier=event_barrier,
        event_leak=event_leak,
        infected=infected,
        zombies=zombies,
        screen_edges=screens[0],
        screen_sens=screens[1],
        screen_into=screens[2],
        screen_arrival=screens[3],
        event_screen=screens[4],
        event_screen_on=screens[5],
    )


def _movers(
    spec: MetapopSpec, model: Model, zombies: np.ndarray, per_unit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per compartment: the factor on the commuting share (default 1 for the living who
    mix, 0 for zombies and those outside the mix: the dead, the camps); who comes home in
    the evening (whoever commutes, and the living who mix: the bitten, the afraid); and the
    one-way moves per time unit."""
    mob = spec.mobility
    living = np.where(model.pool & (zombies == 0), 1.0, 0.0)
    commute = living.copy()
    for name, factor in mob.move.items():
        commute[_compartment_list([name], model, f"metapop.mobility.move.{name}") > 0] = factor
    too_many = [c for c, f in zip(model.compartments, commute, strict=True) if f * mob.trips > 1]
    if too_many:
        raise ScenarioError(
            f"metapop.mobility.move.{too_many[0]}: the share who commute (trips × move = "
            f"{mob.trips:g} × {commute[model.compartments.index(too_many[0])]:g}) must be "
            "at most 1"
        )
    returns = (living > 0) | (commute > 0)
    moves = np.zeros(model.n_compartments)
    for name, per_day in mob.moves.items():
        moves[_compartment_list([name], model, f"metapop.mobility.moves.{name}") > 0] = (
            per_day * per_unit
        )
    return commute, returns, moves


def _links(country: Regions, position: np.ndarray, scale: float) -> list[tuple[int, int, float]]:
    """The country's extra links between regions that both take part, by position, their
    travellers scaled as the populations are (``metapop.scale``)."""
    row = {str(c): i for i, c in enumerate(country.table["code"])}
    found = []
    for link in country.links:
        a, b = position[row[link.a]], position[row[link.b]]
        if a >= 0 and b >= 0:
            found.append((int(a), int(b), float(link.trips) * scale))
    return found


def _networks(
    spec: MetapopSpec,
    country: Regions,
    chosen: np.ndarray,
    population: np.ndarray,
    links: list[tuple[int, int, float]],
) -> tuple[Network, Network]:
    """The commuting network (with the links) and the roaming network of the regions
    taking part: each country's own, as if it ran alone, and between countries only the
    links (nobody commutes from Seoul to Fukuoka by distance)."""
    mob = spec.mobility
    table = country.table
    lat, lon = table["lat"].to_numpy()[chosen], table["lon"].to_numpy()[chosen]
    if not country.parts:
        net = network(
            population,
            lat,
            lon,
            mob.model,
            mob.trips,
            mob.exponent,
            mob.min_distance_km,
            mob.neighbours,
            links,
            table["workplaces"].to_numpy(dtype=float)[chosen] if "workplaces" in table else None,
        )
        roam = roaming(population, lat, lon, mob.exponent, mob.min_distance_km, mob.neighbours)
        return net, roam
    n = chosen.size
    commuting, roaming_ = np.zeros((n, n)), np.zeros((n, n))
    nation = country.country_of[chosen]
    for part in country.parts:
        at = np.nonzero(nation == part.country)[0]
        if at.size == 0:
            continue
        rows = chosen[at] - int(np.nonzero(country.country_of == part.country)[0][0])
        jobs = (
            part.table["workplaces"].to_numpy(dtype=float)[rows]
            if "workplaces" in part.table
            else None
        )
        block = np.ix_(at, at)
        if mob.model != "none" and mob.trips > 0:
            commuting[block] = commuting_rates(
                population[at], lat[at], lon[at], mob.model, mob.trips, mob.exponent,
                mob.min_distance_km, mob.neighbours, jobs,
            )  # fmt: skip
        roam = roaming_rates(
            population[at], lat[at], lon[at], mob.exponent, mob.min_distance_km, mob.neighbours
        )
        if roam is not None:
            roaming_[block] = roam
    add_links(commuting, population, links)
    return csr(commuting), csr(roaming_)
