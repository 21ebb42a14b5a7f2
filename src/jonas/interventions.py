"""The response to an outbreak: typed ``[[interventions]]`` and how they compile.

Every intervention happens at fixed times (``at``) or when a condition on the counts first
holds (``when = "Z + Zl >= 1000"``, plus an optional ``delay``). Each compiles into the same
two ingredients, so that every engine carries out every intervention the same way:

- *transitions* it adds to the model (evacuation flows, luring, a cure), idle until switched on;
- *events*: at a moment, cull a share of some compartments into others (a cull, a strike)
  and/or set the rates of some transitions (switch a flow on or off, close a cordon).

Compartments named by an intervention that the model does not have (``to = "evacuated"``)
are added to it, outside the mixing population: interventions work in any scenario.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jonas.errors import ScenarioError, suggest

Time = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]
#: a point on the agents engine's map: a place's name or [x, y] in metres
Waypoint = str | Point
Duration = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]
PerTime = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]
#: a point on the agents engine's map: a place's name or [x, y] in metres
Waypoint = str | Point

_CONDITION = re.compile(
    r"^\s*(?P<lhs>[A-Za-z_][\w\s+]*?)\s*(?P<op>>=|<=|>|<)\s*(?P<rhs>[-+0-9.eE]+)\s*$"
)
OPERATORS = (">", ">=", "<", "<=")


class _Timed(BaseModel):
    """What every intervention has: a name, and when it happens."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str | None = None
    at: Time | None = None
    when: str | None = None
    delay: Time = 0.0
    # The metapop engine's districts it acts in (codes, names, provinces; all when None).
    regions: (
        str | Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None
    ) = None

    @model_validator(mode="after")
    def _one_timing(self) -> _Timed:
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

    model_config = ConfigDict(extra="forbid")

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


class CullSpec(_Timed):
    """Remove a share of some compartments at one or more moments.

    With ``escalate = true`` the n-th cull removes ``min(1, n × fraction)``: Munz et al.'s
    impulsive eradication (ΔZ = −k·n·Z). ``to`` sends the removed somewhere (default: out of
    the system); a table ``{Z = "R"}`` sends each compartment to its own place.
    """

    type: Literal["cull"]
    at: Time | Annotated[list[Time], Field(min_length=1)] | None = None  # type: ignore[assignment]
    compartments: list[str] = Field(min_length=1)
    fraction: Fraction | dict[str, Fraction]
    escalate: bool = False
    to: str | dict[str, str] | None = None

    @property
    def times(self) -> list[float]:
        if self.at is None:
            return [0.0]
        return sorted(self.at) if isinstance(self.at, list) else [self.at]


class StrikeSpec(_Timed):
    """A strike kills everyone in its zone at a moment, counted by what they were.

    ``fraction`` is the share of each compartment inside the zone (a number for all, or a
    table). The killed ``infected`` go to ``to_infected``, all others to ``to_uninfected``.
    On a map (the agents engine) the zone is ``area`` (one area or a list) and everyone of
    ``compartments`` inside it is killed; ``fraction`` is then not used.
    """

    type: Literal["strike"]
    compartments: list[str] = Field(min_length=1)
    fraction: Fraction | dict[str, Fraction] = 1.0
    area: Areas | None = None
    infected: list[str] = Field(default_factory=list)
    to_infected: str = "killed_strike_infected"
    to_uninfected: str = "killed_strike_uninfected"


class CordonSpec(_Timed):
    """Martial law: flows out of the area (transitions into ``exits``) drop to ``leak`` × rate.
    With ``regions`` (the metapop engine), travel across the border of those districts
    drops to ``leak`` × its rate too; ``exits`` may then be left out."""

    type: Literal["cordon"]
    exits: list[str] = Field(default_factory=list)
    leak: Fraction = 0.0
    duration: Duration | None = None

    @model_validator(mode="after")
    def _closes_something(self) -> CordonSpec:
        if not self.exits and self.regions is None:
            raise ValueError(
                "a cordon closes 'exits' (compartments people leave into) or, on the metapop "
                "engine, the border of 'regions'; give one of them"
            )
        return self


class TravelBanSpec(_Timed):
    """The metapop engine only: travel between provinces (``between = "provinces"``) or
    between any two districts (``"districts"``) drops to ``leak`` × its rate, for trips that
    start or end in ``regions`` (everywhere when not given)."""

    type: Literal["travel-ban"]
    between: Literal["provinces", "districts"] = "provinces"
    leak: Fraction = 0.0
    duration: Duration | None = None


class EvacuationSpec(_Timed):
    """Move people out at ``capacity`` people per time unit, shared among ``from`` in
    proportion to ``priority × number`` (priority 1 unless given: the afraid may go faster,
    as in the show). ``type = "camp"`` screens them on arrival: compartment c is
    caught with probability ``sensitivity[c]`` (default 0) and sent to ``caught_to``; the
    others pass to ``to``. Destinations may be one compartment or a table per compartment.
    On a map (the agents engine), everyone of ``from`` in the city is told to walk to the
    nearest of ``camps`` (places or areas; through the cordon's checkpoints), and
    ``capacity`` is how many the camps take in per time unit, screened as above; soldiers
    guard the camps while they are open: a zombie within ``guard_m`` metres of a camp's
    centre is shot at ``guard`` per time unit (default 0: unguarded).
    """

    type: Literal["evacuation", "camp"]
    from_: list[str] = Field(alias="from", min_length=1)
    to: str | dict[str, str]
    capacity: PerTime
    duration: Duration | None = None
    sensitivity: dict[str, Fraction] = Field(default_factory=dict)
    caught_to: str | dict[str, str] | None = None
    priority: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]] = Field(
        default_factory=dict
    )
    camps: Areas | None = None
    guard: PerTime = 0.0
    guard_m: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False, strict=True)] = 300.0

    @model_validator(mode="after")
    def _screening(self) -> EvacuationSpec:
        if self.type == "evacuation" and (self.sensitivity or self.caught_to):
            raise ValueError("screening ('sensitivity', 'caught_to') needs type = \"camp\"")
        if self.type == "camp" and self.caught_to is None:
            raise ValueError("a camp needs 'caught_to': where those caught at screening go")
        return self


class LureSpec(_Timed):
    """Sound drones pull a ``share`` of ``from`` into ``to`` over ``duration``.

    On a map (the agents engine) a drone is a sound source of ``loudness`` (per hour) that
    flies along ``route`` (places or [x, y] points) at an even pace over ``duration``; one
    point: it hovers there. Zombies follow the sound; ``to`` and ``share`` are not used.
    """

    type: Literal["lure"]
    from_: list[str] = Field(default=["Z"], alias="from", min_length=1)
    to: str | None = None
    share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False, strict=True)] | None = None
    duration: Duration
    route: Annotated[list[Waypoint], Field(min_length=1)] | None = None
    loudness: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)] = 1.0e6

    @model_validator(mode="after")
    def _what_it_moves(self) -> LureSpec:
        if (self.to is None) != (self.share is None):
            raise ValueError("give both 'to' and 'share' (or neither, with a 'route' on a map)")
        if self.to is None and self.route is None:
            raise ValueError(
                "give 'to' and 'share' (compartments), or a 'route' for a drone on a map"
            )
        return self


class CureSpec(_Timed):
    """A treatment that turns ``from`` back into ``to`` at ``rate`` per time unit."""

    type: Literal["cure"]
    from_: str = Field(default="Z", alias="from")
    to: str = "S"
    rate: PerTime
    duration: Duration | None = None


class SetSpec(_Timed):
    """Change parameter values from a moment on (the rates that use them follow)."""

    type: Literal["set"]
    parameters: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]]


Intervention = Annotated[
    CullSpec
    | StrikeSpec
    | CordonSpec
    | TravelBanSpec
    | EvacuationSpec
    | LureSpec
    | CureSpec
    | SetSpec,
    Field(discriminator="type"),
]
INTERVENTION_TYPES = (
    "cull",
    "strike",
    "cordon",
    "travel-ban",
    "evacuation",
    "camp",
    "lure",
    "cure",
    "set",
)


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
    parameters: dict[str, float] = field(default_factory=dict)
    origin: int = -1  # the index of the intervention it comes from
    ends: bool = False  # it ends what its intervention started (a flow off, a cordon lifted)


def _destinations(spec: _Timed) -> list[str]:
    """The compartments an intervention sends people to (those it may create)."""
    found: list[str] = []
    for key in ("to", "caught_to", "to_infected", "to_uninfected"):
        value = getattr(spec, key, None)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found.extend(value.values())
    return found


def _check_table(
    table: float | dict[str, float], names: list[str], where: str, key: str = "compartments"
) -> None:
    """A per-compartment table may name only the compartments the intervention acts on."""
    if isinstance(table, dict):
        for c in table:
            if c not in names:
                raise ScenarioError(f"{where}.{c}: {c!r} is not in '{key}' ({', '.join(names)})")


def parse_condition(
    text: str, compartments: list[str], where: str, regions: str | list[str] | None = None
) -> Condition:
    match = _CONDITION.match(text)
    if not match:  # pragma: no cover - the schema checked the form already
        raise ScenarioError(f"{where}.when: cannot read {text!r}")
    names = tuple(n.strip() for n in match["lhs"].split("+"))
    for name in names:
        if name not in compartments:
            raise ScenarioError(
                f"{where}.when: unknown compartment {name!r} in {text!r}; compartments are "
                f"{', '.join(compartments)}." + suggest(name, compartments)
            )
    try:
        threshold = float(match["rhs"])
    except ValueError:
        raise ScenarioError(f"{where}.when: {match['rhs']!r} is not a number") from None
    where_counted = None if regions is None else tuple(_as_list(regions))
    return Condition(names, match["op"], threshold, where_counted)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _per(value: str | dict[str, str] | None, compartment: str, where: str) -> str | None:
    if isinstance(value, dict):
        if compartment not in value:
            raise ScenarioError(
                f"{where}: no destination for {compartment!r}; the table names " + ", ".join(value)
            )
        return value[compartment]
    return value


def _share(value: float | dict[str, float], compartment: str) -> float:
    return value.get(compartment, 0.0) if isinstance(value, dict) else value


class InterventionCompiler:
    """Turns the ``[[interventions]]`` list into new transitions, new compartments and events.

    ``compartments`` is the model's list; names an intervention introduces are appended.
    ``into`` maps each model transition index to the compartments it flows into (cordons).
    """

    def __init__(self, compartments: list[str], n_transitions: int, into: list[set[str]]) -> None:
        self.compartments = compartments
        self.model_compartments = tuple(compartments)
        self.added: list[str] = []
        self.transitions: list[NewTransition] = []
        self.events: list[EventPlan] = []
        self.n_model = n_transitions
        self.into = into

    def _known(self, name: str, where: str) -> str:
        if name in self.compartments:
            return name
        raise ScenarioError(
            f"{where}: unknown compartment {name!r}; compartments are "
            f"{', '.join(self.compartments)}." + suggest(name, self.compartments)
        )

    def _timing(self, spec: _Timed, where: str) -> tuple[float, Condition | None]:
        if spec.when is not None:
            return spec.delay, parse_condition(spec.when, self.compartments, where, spec.regions)
        return float(spec.at), None  # type: ignore[arg-type]

    def _switch(
        self, spec: _Timed, where: str, index: int, rate: float, duration: float | None
    ) -> None:
        start, trigger = self._timing(spec, where)
        self.events.append(
            EventPlan(f"{spec.label} on", spec.type, start, trigger, rates={index: rate})
        )  # type: ignore[attr-defined]
        if duration is not None:
            self.events.append(
                EventPlan(
                    f"{spec.label} off",
                    spec.type,
                    start + duration,
                    trigger,
                    rates={index: 0.0},
                    ends=True,
                )
            )  # type: ignore[attr-defined]

    def _add_flow(
        self,
        source: str,
        targets: dict[str, float],
        group: tuple[tuple[str, float], ...] | None,
        label: str,
    ) -> int:
        self.transitions.append(NewTransition(source, targets, group, label))
        return self.n_model + len(self.transitions) - 1

    def create_destinations(self, specs: list[_Timed]) -> None:
        """Add every compartment the interventions send people to, before compiling any:
        so that an intervention may name one that a later one creates (a strike on the
        lured zombies listed before the lure)."""
        for spec in specs:
            for name in _destinations(spec):
                if name not in self.compartments:
                    self.compartments.append(name)
                    self.added.append(name)

    def add(self, spec: _Timed, where: str, origin: int = -1) -> None:
        """Compile one intervention; what it adds is tagged with ``origin`` (its index)."""
        events, flows = len(self.events), len(self.transitions)
        getattr(self, f"_{spec.type.replace('-', '_')}")(spec, where)  # type: ignore[attr-defined]
        for item in [*self.events[events:], *self.transitions[flows:]]:
            item.origin = origin

    def _cull(self, spec: CullSpec, where: str) -> None:
        names = [self._known(c, f"{where}.compartments") for c in spec.compartments]
        _check_table(spec.fraction, names, f"{where}.fraction")
        dests = {c: _per(spec.to, c, f"{where}.to") for c in names}
        for d in dests.values():
            if d is not None:
                self._known(d, f"{where}.to")
                if d in names:
                    raise ScenarioError(
                        f"{where}.to: {d!r} is also culled; send the removed elsewhere"
                    )
        start, trigger = (0.0, None)
        times = spec.times
        if spec.when is not None:
            start, trigger = self._timing(spec, where)
            times = [start]
        for n, time in enumerate(times, start=1):
            cull = {}
            for c in names:
                share = _share(spec.fraction, c)
                cull[c] = (min(1.0, n * share) if spec.escalate else share, dests[c])
            label = f"{spec.label} #{n}" if len(times) > 1 else spec.label
            self.events.append(EventPlan(label, "cull", time, trigger, cull=cull))

    def _strike(self, spec: StrikeSpec, where: str) -> None:
        names = [self._known(c, f"{where}.compartments") for c in spec.compartments]
        _check_table(spec.fraction, names, f"{where}.fraction")
        for c in spec.infected:
            self._known(c, f"{where}.infected")
        if spec.to_infected == spec.to_uninfected:
            raise ScenarioError(
                f"{where}: to_infected and to_uninfected are both {spec.to_infected!r}; the "
                "killed are counted apart, so give each its own compartment"
            )
        for d in (spec.to_infected, spec.to_uninfected):
            self._known(d, where)
            if d in self.model_compartments:
                raise ScenarioError(
                    f"{where}: {d!r} is a compartment of the model; the killed are counted "
                    "by what ends there, so a strike needs compartments of its own"
                )
            if d in names:
                raise ScenarioError(f"{where}: {d!r} is both struck and where the killed go")
        cull = {
            c: (
                _share(spec.fraction, c),
                spec.to_infected if c in spec.infected else spec.to_uninfected,
            )
            for c in names
        }
        time, trigger = self._timing(spec, where)
        self.events.append(EventPlan(spec.label, "strike", time, trigger, cull=cull))

    def _cordon(self, spec: CordonSpec | TravelBanSpec, where: str) -> None:
        # Only the model's own ways out close; evacuations are the checkpoints through it.
        # A cordon around regions (or a travel ban) also closes travel; the metapop engine
        # reads that from the event's kind and origin.
        exits = {self._known(c, f"{where}.exits") for c in getattr(spec, "exits", [])}
        closed = [j for j, into in enumerate(self.into) if into & exits]
        if exits and not closed:
            raise ScenarioError(
                f"{where}.exits: no transition of the model leads into {', '.join(sorted(exits))}"
            )
        time, trigger = self._timing(spec, where)
        self.events.append(
            EventPlan(spec.label, spec.type, time, trigger, scale=dict.fromkeys(closed, spec.leak))
        )
        if spec.duration is not None:
            self.events.append(
                EventPlan(
                    f"{spec.label} lifted",
                    spec.type,
                    time + spec.duration,
                    trigger,
                    scale=dict.fromkeys(closed, 1.0),
                    ends=True,
                )
            )

    def _evacuation(self, spec: EvacuationSpec, where: str) -> None:
        names = [self._known(c, f"{where}.from") for c in spec.from_]
        _check_table(spec.sensitivity, names, f"{where}.sensitivity", "from")
        _check_table(spec.priority, names, f"{where}.priority", "from")
        group = tuple((c, spec.priority.get(c, 1.0)) for c in names)
        for c, weight in group:
            passed = _per(spec.to, c, f"{where}.to")
            assert passed is not None
            self._known(passed, f"{where}.to")
            targets = {passed: 1.0}
            caught_share = spec.sensitivity.get(c, 0.0)
            if caught_share > 0:
                caught = _per(spec.caught_to, c, f"{where}.caught_to")
                assert caught is not None
                self._known(caught, f"{where}.caught_to")
                targets = {passed: 1.0 - caught_share, caught: caught_share}
                if caught == passed:
                    targets = {passed: 1.0}
            for d in targets:
                if d in names:
                    raise ScenarioError(f"{where}: {d!r} is both evacuated and a destination")
            index = self._add_flow(c, targets, group, f"{spec.label} {c}")
            self._switch(spec, where, index, spec.capacity * weight, spec.duration)

    _camp = _evacuation
    _travel_ban = _cordon

    def _lure(self, spec: LureSpec, where: str) -> None:
        if spec.to is None or spec.share is None:
            # A drone on a map only: the events say when it flies; it moves nobody itself.
            start, trigger = self._timing(spec, where)
            for label, time, ends in (("on", start, False), ("off", start + spec.duration, True)):
                self.events.append(
                    EventPlan(f"{spec.label} {label}", "lure", time, trigger, ends=ends)
                )
            return
        target = self._known(spec.to, f"{where}.to")
        rate = -math.log1p(-spec.share) / spec.duration  # share = 1 − exp(−rate·duration)
        for c in spec.from_:
            source = self._known(c, f"{where}.from")
            index = self._add_flow(source, {target: 1.0}, None, f"{spec.label} {c}")
            self._switch(spec, where, index, rate, spec.duration)

    def _cure(self, spec: CureSpec, where: str) -> None:
        source = self._known(spec.from_, f"{where}.from")
        target = self._known(spec.to, f"{where}.to")
        index = self._add_flow(source, {target: 1.0}, None, spec.label)
        self._switch(spec, where, index, spec.rate, spec.duration)

    def _set(self, spec: SetSpec, where: str) -> None:
        time, trigger = self._timing(spec, where)
        self.events.append(
            EventPlan(spec.label, "set", time, trigger, parameters=dict(spec.parameters))
        )
