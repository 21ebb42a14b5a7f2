"""What every intervention type shares: its timing, how it compiles, and the hooks an engine
calls to carry it out.

Every intervention happens at fixed times (``at``) or when a condition on the counts first
holds (``when = "Z + Zl >= 1000"``, plus an optional ``delay``). Each compiles into the same
two ingredients (:class:`Plans`), so that every compartment engine carries out every
intervention the same way:

- *transitions* it adds to the model (evacuation flows, luring, a cure), idle until switched on;
- *events*: at a moment, cull a share of some compartments into others (a cull, a strike)
  and/or set the rates of some transitions (switch a flow on or off, close a cordon).

Compartments named by an intervention that the model does not have (``to = "evacuated"``)
are added to it, outside the mixing population: interventions work in any scenario.

Beyond compartments, a type may act on a city map (the agents engine: :meth:`on_map`, in
terms of :class:`CityPlaces` and :class:`CityActions`, which that engine provides) and between
regions (the metapop engine: :meth:`travel_cut`). Which of these ways a type has are its
``modes`` (:mod:`jonas.modes`); an engine carries out a type in the first of its own modes
that the type has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jonas.errors import ScenarioError, suggest
from jonas.modes import COMPARTMENTS
from jonas.spec.fields import Point, Regions, Section, Time

if TYPE_CHECKING:
    import numpy as np

    from jonas.metrics import Metric, RunView

_CONDITION = re.compile(
    r"^\s*(?P<lhs>[A-Za-z_][\w\s+]*?)\s*(?P<op>>=|<=|>|<)\s*(?P<rhs>[-+0-9.eE]+)\s*$"
)
OPERATORS = (">", ">=", "<", "<=")


class Timed(Section):
    """What every intervention has: a name, when it happens, and where (regions)."""

    name: str | None = None
    #: false: the run leaves it out (``--set interventions.3.enabled=false``; the page's
    #: switch), as if the file did not have it
    enabled: bool = True
    at: Time | None = None
    when: str | None = None
    delay: Time = 0.0
    # The metapop engine's regions it acts in (codes, names, parents; all when None).
    regions: Regions | None = None

    @model_validator(mode="after")
    def _one_timing(self) -> Timed:
        if (self.at is None) == (self.when is None):
            raise ValueError("give either 'at' (a time) or 'when' (a condition such as 'Z > 1000')")
        if self.when is not None and not _CONDITION.match(self.when):
            raise ValueError(
                f"'when' must read like 'Z > 1000' or 'Z + Zl >= 50' (compartments, one of "
                f"{', '.join(OPERATORS)}, a number); got {self.when!r}"
            )
        if self.delay and self.when is None:
            raise ValueError("'delay' applies only with 'when'; with 'at' give the time itself")
        return self

    @property
    def label(self) -> str:
        return self.name or self.type  # type: ignore[attr-defined]


class AreaSpec(BaseModel):
    """A place on the agents engine's map: a named ``place`` (with ``radius``: the circle
    of that many metres around its centre), a ``circle = [x, y, radius]`` or a
    ``polygon = [[x, y], ...]``, in metres (x east, y north)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    place: str | None = Field(default=None, min_length=1)
    radius: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    circle: Annotated[list[float], Field(min_length=3, max_length=3)] | None = None
    polygon: Annotated[list[Point], Field(min_length=3)] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> AreaSpec:
        given = [k for k in ("place", "circle", "polygon") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'place', 'circle' = [x, y, radius], 'polygon'")
        if self.circle is not None and not self.circle[2] > 0:
            raise ValueError(f"circle radius must be > 0 metres, got {self.circle[2]}")
        if self.radius is not None and self.place is None:
            raise ValueError("'radius' goes with 'place' (a circle around it)")
        return self


Areas = AreaSpec | Annotated[list[AreaSpec], Field(min_length=1)]


def area_list(areas: Areas | None) -> list[AreaSpec]:
    """One area or a list of them, as a list (empty for None)."""
    if areas is None:
        return []
    return list(areas) if isinstance(areas, list) else [areas]


# --------------------------------------------------------------------------- compiling


@dataclass(frozen=True)
class Condition:
    """``sum of compartments OP threshold``, counted over ``regions`` (the metapop engine's
    selector, as written; None: everywhere)."""

    compartments: tuple[str, ...]
    op: str
    threshold: float
    regions: tuple[str, ...] | None = None


@dataclass
class NewTransition:
    """A transition an intervention adds, idle (rate 0) until an event switches it on."""

    source: str
    targets: dict[str, float]  # destination → probability
    group: tuple[tuple[str, float], ...] | None  # capacity flows: the pool (name, weight)
    label: str
    origin: int = -1  # the index of the intervention that added it


@dataclass
class EventPlan:
    """One event in compartment terms; the model compiler turns it into arrays."""

    label: str
    kind: str
    time: float  # absolute, or the delay after the trigger fires
    trigger: Condition | None
    cull: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    rates: dict[int, float] = field(default_factory=dict)  # transition → new rate
    scale: dict[int, float] = field(default_factory=dict)  # transition → factor × its base rate
    parameters: dict[str, float] = field(default_factory=dict)  # new parameter values
    origin: int = -1  # the index of the intervention it comes from
    ends: bool = False  # it ends what its intervention started (a flow off, a cordon lifted)


def check_table(
    table: float | dict[str, float], names: list[str], where: str, key: str = "compartments"
) -> None:
    """A per-compartment table may name only the compartments the intervention acts on."""
    if isinstance(table, dict):
        for c in table:
            if c not in names:
                raise ScenarioError(f"{where}.{c}: {c!r} is not in '{key}' ({', '.join(names)})")


def parse_condition(
    text: str,
    compartments: list[str],
    where: str,
    regions: str | list[str] | None = None,
    key: str = "when",
) -> Condition:
    """``'Z + Zl >= 50'`` read against the model's compartments; errors name
    ``where.key`` (``key`` empty: ``where`` itself)."""
    field = f"{where}.{key}" if key else where
    match = _CONDITION.match(text)
    if not match:
        raise ScenarioError(
            f"{field}: must read like 'Z > 1000' or 'Z + Zl >= 50' (compartments, one of "
            f"{', '.join(OPERATORS)}, a number); got {text!r}"
        )
    names = tuple(n.strip() for n in match["lhs"].split("+"))
    for name in names:
        if name not in compartments:
            raise ScenarioError(
                f"{field}: unknown compartment {name!r} in {text!r}; compartments are "
                f"{', '.join(compartments)}." + suggest(name, compartments)
            )
    try:
        threshold = float(match["rhs"])
    except ValueError:
        raise ScenarioError(f"{field}: {match['rhs']!r} is not a number") from None
    counted = None if regions is None else tuple([regions] if isinstance(regions, str) else regions)
    return Condition(names, match["op"], threshold, counted)


def per(value: str | dict[str, str] | None, compartment: str, where: str) -> str | None:
    """A destination given once for all, or per compartment in a table."""
    if isinstance(value, dict):
        if compartment not in value:
            raise ScenarioError(
                f"{where}: no destination for {compartment!r}; the table names " + ", ".join(value)
            )
        return value[compartment]
    return value


def share(value: float | dict[str, float], compartment: str) -> float:
    """A share given once for all, or per compartment in a table (0 where not named)."""
    return value.get(compartment, 0.0) if isinstance(value, dict) else value


class Plans:
    """The interventions compiled into new transitions, new compartments and events.

    ``compartments`` is the model's list; names an intervention introduces are appended.
    ``into`` maps each model transition index to the compartments it flows into (cordons);
    ``parameters`` are the model's parameter names (what a ``set`` may change).
    """

    def __init__(
        self,
        compartments: list[str],
        n_transitions: int,
        into: list[set[str]],
        parameters: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.compartments = compartments
        self.model_compartments = tuple(compartments)
        self.added: list[str] = []
        self.transitions: list[NewTransition] = []
        self.events: list[EventPlan] = []
        self.n_model = n_transitions
        self.into = into
        self.parameters = parameters

    def known(self, name: str, where: str) -> str:
        """A compartment's name, checked (the model's, or one an intervention added)."""
        if name in self.compartments:
            return name
        raise ScenarioError(
            f"{where}: unknown compartment {name!r}; compartments are "
            f"{', '.join(self.compartments)}." + suggest(name, self.compartments)
        )

    def timing(self, spec: Timed, where: str) -> tuple[float, Condition | None]:
        """When an intervention starts: a time, or a delay after its condition's trigger."""
        if spec.when is not None:
            return spec.delay, parse_condition(spec.when, self.compartments, where, spec.regions)
        return float(spec.at), None  # type: ignore[arg-type]

    def switch(
        self, spec: Timed, where: str, index: int, rate: float, duration: float | None
    ) -> None:
        """Events that switch flow ``index`` on at ``rate`` (and off after ``duration``)."""
        start, trigger = self.timing(spec, where)
        kind = spec.type  # type: ignore[attr-defined]
        self.events.append(EventPlan(f"{spec.label} on", kind, start, trigger, rates={index: rate}))
        if duration is not None:
            self.events.append(
                EventPlan(
                    f"{spec.label} off",
                    kind,
                    start + duration,
                    trigger,
                    rates={index: 0.0},
                    ends=True,
                )
            )

    def add_flow(
        self,
        source: str,
        targets: dict[str, float],
        group: tuple[tuple[str, float], ...] | None,
        label: str,
    ) -> int:
        """A new transition, idle until switched on; returns its index."""
        self.transitions.append(NewTransition(source, targets, group, label))
        return self.n_model + len(self.transitions) - 1

    def create_destinations(self, kinds: list[InterventionType], specs: list[Timed]) -> None:
        """Add every compartment the interventions send people to, before compiling any:
        so that an intervention may name one that a later one creates (a strike on the
        lured zombies listed before the lure)."""
        for kind, spec in zip(kinds, specs, strict=True):
            for name in kind.destinations(spec):
                if name not in self.compartments:
                    self.compartments.append(name)
                    self.added.append(name)

    def add(self, kind: InterventionType, spec: Timed, where: str, origin: int = -1) -> None:
        """Compile one intervention; what it adds is tagged with ``origin`` (its index)."""
        events, flows = len(self.events), len(self.transitions)
        kind.compile(spec, self, where)
        for item in [*self.events[events:], *self.transitions[flows:]]:
            item.origin = origin


# --------------------------------------------------------------------------- on a map


def areas_on_map(areas: Areas | None, city: CityPlaces, field: str, wanted: str) -> list[Any]:
    """An intervention's areas checked against the map; none given is an error saying
    what is ``wanted`` (where on a map it acts)."""
    found = area_list(areas)
    if not found:
        raise ScenarioError(f"{field}: {wanted}")
    return [city.area(a, field) for a in found]


class CityPlaces(Protocol):
    """The city map as an intervention sees it while the agents engine sets a run up:
    places and areas checked against the map (errors name the scenario's fields)."""

    compartments: tuple[str, ...]  # the model's: an agent's code is its compartment's index
    codes: int  # how many codes an agent's state can hold
    name: str  # the map's, for messages

    @property
    def has_cordon(self) -> bool: ...

    def point(self, where: str | list[float], field: str) -> tuple[float, float]: ...

    def area(self, spec: AreaSpec, field: str) -> Any: ...


class CityActions(Protocol):
    """What an intervention can do on the map while a run goes on (the agents engine)."""

    def close_cordon(self) -> None: ...

    def open_cordon(self) -> None: ...

    def strike(
        self,
        areas: list[Any],
        compartments: np.ndarray,
        infected: np.ndarray,
        to_infected: int,
        to_uninfected: int,
    ) -> None: ...

    def open_camp(self, key: int, camp: Any) -> None: ...

    def close_camp(self, key: int) -> None: ...

    def launch_drone(self, key: int, drone: Any) -> None: ...

    def land_drone(self, key: int) -> None: ...


class MapAct(Protocol):
    """An intervention on a map: what it does when it starts and when it ends."""

    def start(self, city: CityActions, key: int) -> None: ...

    def end(self, city: CityActions, key: int) -> None: ...


# --------------------------------------------------------------------------- the type


class InterventionType:
    """One intervention type: its schema (``spec``), how it compiles into transitions and
    events, the metrics it adds, and how it acts on a map and between regions.

    A module in :mod:`jonas.interventions` declares ``TYPES = (MyType(),)``; the registry
    finds it there. Every hook has a default, so a type overrides only what it does.
    """

    #: the ``type = "…"`` of scenario files
    name: ClassVar[str]
    #: the pydantic schema of its table in ``[[interventions]]``
    spec: ClassVar[type[Timed]]
    #: how it can act (see :data:`COMPARTMENTS`, :data:`MAP`, :data:`REGIONS`)
    modes: ClassVar[tuple[str, ...]] = (COMPARTMENTS,)
    #: the spec's keys that name compartments people are sent to (created when missing)
    destination_fields: ClassVar[tuple[str, ...]] = ("to",)
    #: the metrics it adds to every run of a scenario that has one
    metrics: ClassVar[tuple[Metric, ...]] = ()

    def modes_for(self, spec: Timed) -> tuple[str, ...]:
        """How this intervention, as written, can act (some need a key for a mode)."""
        return self.modes

    def unsupported(self, spec: Timed, where: str, engine: str, engines: list[str]) -> str:
        """The message when the run's engine has none of this intervention's modes;
        ``engines`` are those that have one."""
        how = " or ".join(self.modes_for(spec))
        them = ", ".join(engines) or "no"
        return (
            f"{where}: a {self.name} acts on {how}, which the {engine} engine does not "
            f"carry out; the {them} engine{'s' if len(engines) != 1 else ''} can"
        )

    def times(self, spec: Timed) -> list[float]:
        """The fixed times it happens at (none when it waits for a condition)."""
        return [float(spec.at)] if spec.at is not None else []

    def destinations(self, spec: Timed) -> list[str]:
        """The compartments it sends people to (those it may create)."""
        found: list[str] = []
        for key in self.destination_fields:
            value = getattr(spec, key, None)
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, dict):
                found.extend(value.values())
        return found

    def compile(self, spec: Timed, plans: Plans, where: str) -> None:
        """Add its transitions and events to ``plans`` (errors name ``where``)."""
        raise NotImplementedError  # pragma: no cover - every type compiles

    def metric_values(self, specs: list[Timed], view: RunView) -> dict[str, np.ndarray]:
        """Its metrics, one value per replicate, over all the scenario's ``specs`` of it."""
        return {}

    def on_map(self, spec: Timed, city: CityPlaces, where: str) -> MapAct | None:
        """What it does on a city map (checked against the map), for the map mode."""
        return None

    def travel_cut(
        self,
        spec: Timed,
        inside: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        parent: np.ndarray,
        country: np.ndarray,
    ) -> np.ndarray | None:
        """Which travel links (``src`` → ``dst``, indices of the regions taking part) it
        cuts down to its ``leak``, given which regions are ``inside`` its ``regions`` and
        each region's ``parent`` and ``country``; None: it leaves travel alone."""
        return None

    def screens(
        self,
        spec: Timed,
        inside: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        country: np.ndarray,
        compartments: tuple[str, ...],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool] | None:
        """Which travel links (``src`` → ``dst``) it screens, while it holds, given which
        regions are ``inside`` its ``regions`` and each region's ``country``: the links,
        the chance each compartment's travellers are caught, the compartment each goes to
        (−1: none), and whether on arrival (else on departure); None: it screens nobody."""
        return None
