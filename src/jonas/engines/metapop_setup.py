"""The metapop engine's inputs: a scenario and its compiled model → arrays over districts.

Which districts take part, how many people each starts with and where the outbreak starts,
the travel network, which compartments travel, and for each event and trigger the
districts it concerns (an intervention's ``regions``). Every selector error names its
field and comes before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jonas.errors import ScenarioError
from jonas.model import Model
from jonas.scenario import MetapopSpec, Scenario

#: Compartments behind each district's arrival times, per family: (infected, zombies).
ARRIVAL_COMPARTMENTS = {
    "jonas": (("E", "Ef", "L", "Z", "H", "Zl"), ("Z", "Zl")),
    "sir": (("I",), ("I",)),
    "munz-basic": (("Z",), ("Z",)),
    "munz-latent": (("I", "Z"), ("Z",)),
    "munz-quarantine": (("I", "Z", "Q"), ("Z",)),
    "munz-treatment": (("I", "Z"), ("Z",)),
    "alemi-szr": (("Z",), ("Z",)),
}
HOURS_PER_UNIT = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0}


@dataclass(frozen=True, eq=False)
class MetapopSetup:
    """Arrays for the kernel. ``x0`` is (districts × states); ``event_mask`` (events ×
    districts) says where each event acts; ``trigger_mask`` (triggers × districts) over
    which districts each trigger's condition is counted. Travel: CSR ``edge_ptr``,
    ``edge_dest``, ``edge_rate`` (per person per time unit); ``mobile`` (per state) scales
    it. Barriers (cordons around regions, travel bans): ``crosses`` (barriers × edges),
    which barrier each event sets (``event_barrier``, −1 none) to what (``event_leak``)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    provinces: tuple[str, ...]
    population: np.ndarray
    x0: np.ndarray
    event_mask: np.ndarray
    trigger_mask: np.ndarray
    edge_ptr: np.ndarray
    edge_dest: np.ndarray
    edge_rate: np.ndarray
    mobile: np.ndarray
    move_every: float
    crosses: np.ndarray
    event_barrier: np.ndarray
    event_leak: np.ndarray
    infected: np.ndarray  # weights over compartments
    zombies: np.ndarray

    @property
    def n_districts(self) -> int:
        return len(self.codes)


def _compartment_list(names: list[str] | tuple[str, ...], model: Model, where: str) -> np.ndarray:
    from jonas.errors import suggest

    weights = np.zeros(model.n_compartments)
    for name in names:
        if name not in model.compartments:
            raise ScenarioError(
                f"{where}: unknown compartment {name!r}; compartments are "
                f"{', '.join(model.compartments)}." + suggest(name, model.compartments)
            )
        weights[model.compartments.index(name)] = 1.0
    return weights


def _arrivals(spec: MetapopSpec, scenario: Scenario, model: Model) -> tuple[np.ndarray, ...]:
    family = ARRIVAL_COMPARTMENTS.get(scenario.model.family or "")
    out = []
    for i, key in enumerate(("infected", "zombies")):
        given = getattr(spec, key)
        if given is None:
            if family is None:
                raise ScenarioError(
                    f"metapop.{key}: give the compartments that count as {key} (arrival "
                    "times); this model has no default for them"
                )
            given = [c for c in family[i] if c in model.compartments]
        out.append(_compartment_list(given, model, f"metapop.{key}"))
    return tuple(out)


def _start(spec: MetapopSpec, scenario: Scenario, model: Model, population: np.ndarray, outbreak):
    """(districts × states) counts at t = 0: everyone in ``susceptible``, then [initial]'s
    other counts moved from there into the outbreak districts, split evenly."""
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


def _barriers(scenario: Scenario, model: Model, chosen, table, edges_src, edges_dest, local):
    """For each cordon around regions and each travel ban, which edges it cuts."""
    from jonas.korea import select_regions

    events = model.events
    province = table["province_code"].to_numpy()[chosen]
    barrier_of: dict[int, int] = {}
    crosses: list[np.ndarray] = []
    for i, iv in enumerate(scenario.interventions):
        if iv.type not in ("cordon", "travel-ban") or (iv.type == "cordon" and iv.regions is None):
            continue
        inside = (
            local(select_regions(iv.regions, f"interventions.{i}.regions"), i)
            if iv.regions is not None
            else np.ones(len(chosen), dtype=bool)
        )
        a, b = inside[edges_src], inside[edges_dest]
        if iv.type == "cordon":
            cut = a != b
        elif iv.between == "provinces":
            cut = (a | b) & (province[edges_src] != province[edges_dest])
        else:
            cut = a | b
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


def setup(scenario: Scenario, model: Model) -> MetapopSetup:
    """Check a metapop scenario against the districts and build the kernel's arrays."""
    from jonas.korea import districts, select_regions
    from jonas.mobility import network

    spec = scenario.metapop
    assert spec is not None  # the schema requires [metapop] for this engine
    table = districts()
    chosen = select_regions(spec.regions, "metapop.regions")
    position = np.full(len(table), -1, dtype=np.int64)
    position[chosen] = np.arange(chosen.size)

    def local(rows: np.ndarray, i: int | None = None, field: str | None = None) -> np.ndarray:
        """A selection as a mask over the districts taking part."""
        mask = np.zeros(chosen.size, dtype=bool)
        inside = position[rows]
        if (inside < 0).all():
            where = field or f"interventions.{i}.regions"
            raise ScenarioError(
                f"{where}: none of the districts it names takes part in this run (metapop.regions)"
            )
        mask[inside[inside >= 0]] = True
        return mask

    population = np.rint(table["population"].to_numpy()[chosen] * spec.scale).astype(np.int64)
    outbreak = np.nonzero(
        local(select_regions(spec.outbreak, "metapop.outbreak"), field="metapop.outbreak")
    )[0]
    x0 = _start(spec, scenario, model, population, outbreak)

    events = model.events
    masks = {}
    for i, iv in enumerate(scenario.interventions):
        if iv.regions is None:
            masks[i] = np.ones(chosen.size, dtype=bool)
        else:
            masks[i] = local(select_regions(iv.regions, f"interventions.{i}.regions"), i)
    event_mask = np.array([masks[int(o)] for o in events.origin], dtype=np.bool_).reshape(
        len(events), chosen.size
    )
    trigger_mask = np.array([masks[int(o)] for o in events.trigger_origin], dtype=np.bool_).reshape(
        events.trigger_origin.size, chosen.size
    )

    mob = spec.mobility
    net = network(
        population,
        table["lat"].to_numpy()[chosen],
        table["lon"].to_numpy()[chosen],
        mob.model,
        mob.trips,
        mob.exponent,
        mob.min_distance_km,
        mob.neighbours,
    )
    per_unit = HOURS_PER_UNIT[scenario.scenario.time_unit] / 24.0  # days per time unit
    edges_src = np.repeat(np.arange(chosen.size), np.diff(net.ptr))
    crosses, event_barrier, event_leak = _barriers(
        scenario, model, chosen, table, edges_src, net.dest, local
    )
    mobile_c = np.where(model.pool, 1.0, 0.0)
    for name, factor in mob.move.items():
        mobile_c[_compartment_list([name], model, f"metapop.mobility.move.{name}") > 0] = factor
    infected, zombies = _arrivals(spec, scenario, model)
    every = (
        mob.every if mob.every is not None else 1.0 / HOURS_PER_UNIT[scenario.scenario.time_unit]
    )
    return MetapopSetup(
        codes=tuple(table["code"].to_numpy()[chosen]),
        names=tuple(table["name_en"].to_numpy()[chosen]),
        provinces=tuple(table["province_en"].to_numpy()[chosen]),
        population=population,
        x0=x0,
        event_mask=event_mask,
        trigger_mask=trigger_mask,
        edge_ptr=net.ptr,
        edge_dest=net.dest,
        edge_rate=net.per_day * per_unit,
        mobile=mobile_c[model.state_compartment],
        move_every=every,
        crosses=crosses,
        event_barrier=event_barrier,
        event_leak=event_leak,
        infected=infected,
        zombies=zombies,
    )
