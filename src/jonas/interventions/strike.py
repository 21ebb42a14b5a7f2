"""``type = "strike"``: everyone in a zone killed at a moment, counted by what they were
(the bombing of Hyosan); on a map, everyone inside its areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field

from jonas.errors import ScenarioError
from jonas.interventions.base import (
    Areas,
    CityActions,
    CityPlaces,
    EventPlan,
    InterventionType,
    Plans,
    Timed,
    areas_on_map,
    check_table,
    share,
)
from jonas.metrics import Metric, RunView
from jonas.modes import COMPARTMENTS, MAP
from jonas.spec.fields import Fraction


class StrikeSpec(Timed):
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


@dataclass
class StrikeOnMap:
    """A strike on a map: everyone of ``compartments`` (codes) inside ``areas`` is killed,
    the ``infected`` among them into ``to_infected``, the others into ``to_uninfected``."""

    areas: list[Any]
    compartments: np.ndarray
    infected: np.ndarray
    to_infected: int
    to_uninfected: int

    def start(self, city: CityActions, key: int) -> None:
        city.strike(
            self.areas, self.compartments, self.infected, self.to_infected, self.to_uninfected
        )

    def end(self, city: CityActions, key: int) -> None:
        """A strike has no end."""


class Strike(InterventionType):
    name = "strike"
    spec = StrikeSpec
    modes = (COMPARTMENTS, MAP)
    destination_fields = ("to_infected", "to_uninfected")
    metrics = (
        Metric("killed_in_strike", description="everyone the strikes killed"),
        Metric("killed_in_strike_infected", description="of them, the infected"),
        Metric("killed_in_strike_uninfected", description="of them, the uninfected"),
        Metric("strike_time", "time", description="when the first strike fell"),
    )

    def compile(self, spec: StrikeSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        names = [plans.known(c, f"{where}.compartments") for c in spec.compartments]
        check_table(spec.fraction, names, f"{where}.fraction")
        for c in spec.infected:
            plans.known(c, f"{where}.infected")
        if spec.to_infected == spec.to_uninfected:
            raise ScenarioError(
                f"{where}: to_infected and to_uninfected are both {spec.to_infected!r}; the "
                "killed are counted apart, so give each its own compartment"
            )
        for d in (spec.to_infected, spec.to_uninfected):
            plans.known(d, where)
            if d in plans.model_compartments:
                raise ScenarioError(
                    f"{where}: {d!r} is a compartment of the model; the killed are counted "
                    "by what ends there, so a strike needs compartments of its own"
                )
            if d in names:
                raise ScenarioError(f"{where}: {d!r} is both struck and where the killed go")
        cull = {
            c: (
                share(spec.fraction, c),
                spec.to_infected if c in spec.infected else spec.to_uninfected,
            )
            for c in names
        }
        time, trigger = plans.timing(spec, where)
        plans.events.append(EventPlan(spec.label, "strike", time, trigger, cull=cull))

    def metric_values(  # type: ignore[override]
        self, specs: list[StrikeSpec], view: RunView
    ) -> dict[str, np.ndarray]:
        # The killed are counted by where they ended: every strike's compartments, summed.
        infected = view.final(sorted({s.to_infected for s in specs})).astype(float)
        uninfected = view.final(sorted({s.to_uninfected for s in specs})).astype(float)
        struck = [e for e, kind in enumerate(view.event_kinds) if kind == self.name]
        when = view.event_times[:, struck]
        # no strike event at all when every strike comes after t_end
        earliest = np.where(np.isnan(when), np.inf, when).min(axis=1, initial=np.inf)
        return {
            "killed_in_strike": infected + uninfected,
            "killed_in_strike_infected": infected,
            "killed_in_strike_uninfected": uninfected,
            "strike_time": np.where(np.isinf(earliest), np.nan, earliest),
        }

    def on_map(  # type: ignore[override]
        self, spec: StrikeSpec, city: CityPlaces, where: str
    ) -> StrikeOnMap:
        areas = areas_on_map(
            spec.area,
            city,
            f"{where}.area",
            'on a map a strike hits places; give area = { place = "downtown" }, '
            "{ circle = [x, y, radius] } or a list of them",
        )
        codes = city.compartments.index
        return StrikeOnMap(
            areas,
            np.array([codes(c) for c in spec.compartments], np.uint8),
            np.array([codes(c) for c in spec.infected], np.uint8),
            codes(spec.to_infected),
            codes(spec.to_uninfected),
        )


TYPES = (Strike(),)
