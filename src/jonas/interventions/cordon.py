"""``type = "cordon"``: martial law. The ways out of the city close (down to ``leak``); on a
map the cordon line closes; around regions, travel across their border is cut too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from jonas.errors import ScenarioError
from jonas.interventions.base import (
    CityActions,
    CityPlaces,
    EventPlan,
    InterventionType,
    Plans,
    Timed,
)
from jonas.modes import COMPARTMENTS, MAP, REGIONS
from jonas.spec.fields import Duration, Fraction


class CordonSpec(Timed):
    """Martial law: flows out of the area (transitions into ``exits``) drop to ``leak`` × rate.
    With ``regions`` (the metapop engine), travel across the border of those regions
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


def close_exits(spec: CordonSpec | Timed, plans: Plans, where: str) -> None:
    """Events that scale the model's transitions into ``exits`` by ``leak`` (and back to
    1 after ``duration``). Only the model's own ways out close; evacuations are the
    checkpoints through it. A cordon around regions and a travel ban also cut travel: the
    metapop engine reads that from the event's origin (:meth:`InterventionType.travel_cut`)."""
    exits = {plans.known(c, f"{where}.exits") for c in getattr(spec, "exits", [])}
    closed = [j for j, into in enumerate(plans.into) if into & exits]
    if exits and not closed:
        raise ScenarioError(
            f"{where}.exits: no transition of the model leads into {', '.join(sorted(exits))}"
        )
    leak, duration = spec.leak, spec.duration  # type: ignore[attr-defined]
    time, trigger = plans.timing(spec, where)
    kind = spec.type  # type: ignore[attr-defined]
    plans.events.append(
        EventPlan(spec.label, kind, time, trigger, scale=dict.fromkeys(closed, leak))
    )
    if duration is not None:
        plans.events.append(
            EventPlan(
                f"{spec.label} lifted",
                kind,
                time + duration,
                trigger,
                scale=dict.fromkeys(closed, 1.0),
                ends=True,
            )
        )


@dataclass
class CordonOnMap:
    """The map's cordon line: closed while the cordon holds (checkpoints pass evacuees)."""

    def start(self, city: CityActions, key: int) -> None:
        city.close_cordon()

    def end(self, city: CityActions, key: int) -> None:
        city.open_cordon()


class Cordon(InterventionType):
    name = "cordon"
    spec = CordonSpec
    modes = (COMPARTMENTS, MAP, REGIONS)
    destination_fields = ()

    def compile(self, spec: CordonSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        close_exits(spec, plans, where)

    def on_map(  # type: ignore[override]
        self, spec: CordonSpec, city: CityPlaces, where: str
    ) -> CordonOnMap:
        if not city.has_cordon:
            raise ScenarioError(
                f"{where}: the map {city.name!r} has no cordon line to close (add [cordon] "
                "to the map file)"
            )
        return CordonOnMap()

    def travel_cut(  # type: ignore[override]
        self,
        spec: CordonSpec,
        inside: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        parent: np.ndarray,
        country: np.ndarray,
    ) -> np.ndarray | None:
        # Around regions only: the border between them and the rest closes.
        if spec.regions is None:
            return None
        return inside[src] != inside[dst]


TYPES = (Cordon(),)
