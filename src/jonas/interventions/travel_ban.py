"""``type = "travel-ban"``: travel between regions cut (the metapop engine only)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from jonas.interventions.base import InterventionType, Plans, Timed
from jonas.interventions.cordon import close_exits
from jonas.modes import REGIONS
from jonas.spec.fields import Duration, Fraction


class TravelBanSpec(Timed):
    """The metapop engine only: travel between provinces (``between = "provinces"``: the
    regions' parents, within a country), between countries (``"countries"``: the flights
    and ferries of a run of several) or between any two regions (``"districts"``) drops to
    ``leak`` × its rate, for trips that start or end in ``regions`` (everywhere when not
    given)."""

    type: Literal["travel-ban"]
    between: Literal["provinces", "countries", "districts"] = "provinces"
    leak: Fraction = 0.0
    duration: Duration | None = None


class TravelBan(InterventionType):
    name = "travel-ban"
    spec = TravelBanSpec
    modes = (REGIONS,)
    destination_fields = ()

    def unsupported(self, spec: Timed, where: str, engine: str, engines: list[str]) -> str:
        return (
            f"{where}: a travel-ban stops travel between regions, which only the "
            f"{', '.join(engines)} engine has (this run is {engine})"
        )

    def compile(  # type: ignore[override]
        self, spec: TravelBanSpec, plans: Plans, where: str
    ) -> None:
        close_exits(spec, plans, where)  # it closes no exits: its events mark when it holds

    def travel_cut(  # type: ignore[override]
        self,
        spec: TravelBanSpec,
        inside: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        parent: np.ndarray,
        country: np.ndarray,
    ) -> np.ndarray:
        touches = inside[src] | inside[dst]
        abroad = country[src] != country[dst]
        if spec.between == "provinces":
            # a country's own provinces: closing the borders is "countries"
            return touches & (parent[src] != parent[dst]) & ~abroad
        if spec.between == "countries":
            return touches & abroad
        return touches


TYPES = (TravelBan(),)
