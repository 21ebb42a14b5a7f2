"""``type = "lure"``: sound drones pull zombies away; on a map, a drone flying a route."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

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
from jonas.modes import COMPARTMENTS, MAP
from jonas.spec.fields import Duration, Waypoint


class LureSpec(Timed):
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
        if self.to is not None and self.to in self.from_:
            raise ValueError(
                f"'to' is {self.to!r}, one of the compartments it lures ('from'); a lure "
                "must move them somewhere else"
            )
        if self.to is None and self.route is None:
            raise ValueError(
                "give 'to' and 'share' (compartments), or a 'route' for a drone on a map"
            )
        return self


@dataclass
class Drone:
    """A lure on a map: a sound source flying ``route`` (metres) over ``duration``."""

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

    def start(self, city: CityActions, key: int) -> None:
        city.launch_drone(key, self)

    def end(self, city: CityActions, key: int) -> None:
        city.land_drone(key)


class Lure(InterventionType):
    name = "lure"
    spec = LureSpec
    modes = (COMPARTMENTS, MAP)

    def modes_for(self, spec: LureSpec) -> tuple[str, ...]:  # type: ignore[override]
        # A drone with only a route moves nobody between compartments: a map is needed.
        return self.modes if spec.to is not None else (MAP,)

    def unsupported(self, spec: Timed, where: str, engine: str, engines: list[str]) -> str:
        return (
            f"{where}: a lure with only a 'route' is a drone on a city map (the "
            f"{' or '.join(engines)} engine, on a map); this {engine} run has none: give 'to' "
            "and 'share' to move zombies between compartments"
        )

    def compile(self, spec: LureSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        if spec.to is None or spec.share is None:
            # A drone on a map only: the events say when it flies; it moves nobody itself.
            start, trigger = plans.timing(spec, where)
            for label, time, ends in (("on", start, False), ("off", start + spec.duration, True)):
                plans.events.append(
                    EventPlan(f"{spec.label} {label}", "lure", time, trigger, ends=ends)
                )
            return
        target = plans.known(spec.to, f"{where}.to")
        rate = -math.log1p(-spec.share) / spec.duration  # share = 1 − exp(−rate·duration)
        for c in spec.from_:
            source = plans.known(c, f"{where}.from")
            index = plans.add_flow(source, {target: 1.0}, None, f"{spec.label} {c}")
            plans.switch(spec, where, index, rate, spec.duration)

    def on_map(self, spec: LureSpec, city: CityPlaces, where: str) -> Drone:  # type: ignore[override]
        if spec.route is None:
            raise ScenarioError(
                f"{where}.route: on a map a lure is a drone; give route = "
                '["downtown"] (places or [x, y] points it flies over)'
            )
        points = [city.point(p, f"{where}.route") for p in spec.route]
        return Drone(np.array(points, dtype=float), spec.loudness, spec.duration)


TYPES = (Lure(),)
