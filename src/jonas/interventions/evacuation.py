"""``type = "evacuation"`` and ``type = "camp"``: people moved out at a capacity, shared by
priority; a camp screens them on arrival (the show's temperature checks). On a map, people
walk to the camps and soldiers guard them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from jonas.errors import ScenarioError
from jonas.interventions.base import (
    Areas,
    CityActions,
    CityPlaces,
    InterventionType,
    Plans,
    Timed,
    areas_on_map,
    check_table,
    per,
)
from jonas.modes import COMPARTMENTS, MAP
from jonas.spec.fields import Duration, Fraction, PerTime


class EvacuationSpec(Timed):
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


@dataclass
class Camp:
    """An evacuation on a map: who is told, where they go, and how they are screened.

    ``passed[c]`` and ``caught[c]`` are the agent codes (compartment indices) of those of
    compartment c who pass or are caught, ``sensitivity[c]`` the chance of being caught,
    ``priority[c]`` the weight in the queue; ``wanted[c]``: whether code c is one of the
    ``sources``. Soldiers shoot zombies within ``guard_m`` metres of a target's centre at
    ``guard`` per hour.
    """

    sources: np.ndarray
    targets: list[Any]
    capacity: float
    passed: np.ndarray
    caught: np.ndarray
    sensitivity: np.ndarray
    priority: np.ndarray
    guard: float
    guard_m: float
    codes: int
    wanted: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.wanted = np.zeros(self.codes, np.bool_)
        self.wanted[self.sources] = True

    def start(self, city: CityActions, key: int) -> None:
        city.open_camp(key, self)

    def end(self, city: CityActions, key: int) -> None:
        city.close_camp(key)


class Evacuation(InterventionType):
    name = "evacuation"
    spec = EvacuationSpec
    modes = (COMPARTMENTS, MAP)
    destination_fields = ("to", "caught_to")

    def compile(  # type: ignore[override]
        self, spec: EvacuationSpec, plans: Plans, where: str
    ) -> None:
        names = [plans.known(c, f"{where}.from") for c in spec.from_]
        check_table(spec.sensitivity, names, f"{where}.sensitivity", "from")
        check_table(spec.priority, names, f"{where}.priority", "from")
        group = tuple((c, spec.priority.get(c, 1.0)) for c in names)
        for c, weight in group:
            passed = per(spec.to, c, f"{where}.to")
            assert passed is not None
            plans.known(passed, f"{where}.to")
            targets = {passed: 1.0}
            caught_share = spec.sensitivity.get(c, 0.0)
            if caught_share > 0:
                caught = per(spec.caught_to, c, f"{where}.caught_to")
                assert caught is not None
                plans.known(caught, f"{where}.caught_to")
                targets = {passed: 1.0 - caught_share, caught: caught_share}
                if caught == passed:
                    targets = {passed: 1.0}
            for d in targets:
                if d in names:
                    raise ScenarioError(f"{where}: {d!r} is both evacuated and a destination")
            index = plans.add_flow(c, targets, group, f"{spec.label} {c}")
            plans.switch(spec, where, index, spec.capacity * weight, spec.duration)

    def on_map(  # type: ignore[override]
        self, spec: EvacuationSpec, city: CityPlaces, where: str
    ) -> Camp:
        targets = areas_on_map(
            spec.camps,
            city,
            f"{where}.camps",
            'on a map evacuees walk to camps; give camps = [{ place = "military camp" }, ...]',
        )
        comps = city.compartments
        n = len(comps)
        passed = np.full(n, -1, np.int64)
        caught = np.full(n, -1, np.int64)
        sensitivity = np.zeros(n)
        priority = np.zeros(n)
        sources = []
        for c in spec.from_:
            k = comps.index(c)
            sources.append(k)
            passed[k] = _code(comps, spec.to, c)
            sensitivity[k] = spec.sensitivity.get(c, 0.0)
            caught[k] = _code(comps, spec.caught_to, c) if sensitivity[k] > 0 else passed[k]
            priority[k] = spec.priority.get(c, 1.0)
        return Camp(
            np.array(sources, np.int64), targets, spec.capacity, passed, caught, sensitivity,
            priority, spec.guard, spec.guard_m, city.codes,
        )  # fmt: skip


class CampType(Evacuation):
    """The same as an evacuation, with screening (its schema requires ``caught_to``)."""

    name = "camp"


def _code(compartments: tuple[str, ...], value: str | dict[str, str] | None, c: str) -> int:
    name = value.get(c) if isinstance(value, dict) else value
    return compartments.index(name) if name is not None else -1


TYPES = (Evacuation(), CampType())
