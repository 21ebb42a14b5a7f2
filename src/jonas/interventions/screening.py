"""``type = "screening"``: travellers between countries screened at the airports and the
ferry terminal (the metapop engine only)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from jonas.errors import ScenarioError
from jonas.interventions.base import EventPlan, InterventionType, Plans, Timed, per
from jonas.modes import REGIONS
from jonas.spec.fields import Duration, Fraction


class ScreeningSpec(Timed):
    """The metapop engine only: everyone travelling between countries (the flights and
    ferries of a run of several, ``[metapop] country = [...]``) along a link that starts or
    ends in ``regions`` (everywhere when not given) is checked on ``on = "arrival"`` (the
    default) or ``"departure"``, both ways (out in the morning, home in the evening): of
    compartment c, the share ``sensitivity[c]`` is caught and put in ``caught_to`` (one
    compartment, or a table per compartment) in the region where the check is, and stays
    there. The show's temperature checks: the newly bitten run cold, halfbies often pass.
    """

    type: Literal["screening"]
    sensitivity: dict[str, Fraction] = Field(min_length=1)
    caught_to: str | dict[str, str]
    on: Literal["arrival", "departure"] = "arrival"
    duration: Duration | None = None


class Screening(InterventionType):
    name = "screening"
    spec = ScreeningSpec
    modes = (REGIONS,)
    destination_fields = ("caught_to",)

    def unsupported(self, spec: Timed, where: str, engine: str, engines: list[str]) -> str:
        return (
            f"{where}: screening checks travellers between countries, which only the "
            f"{', '.join(engines)} engine has (this run is {engine})"
        )

    def compile(  # type: ignore[override]
        self, spec: ScreeningSpec, plans: Plans, where: str
    ) -> None:
        for c in spec.sensitivity:
            plans.known(c, f"{where}.sensitivity")
            into = per(spec.caught_to, c, f"{where}.caught_to")
            if into is None:
                raise ScenarioError(f"{where}.caught_to: where do the caught of {c!r} go?")
            plans.known(into, f"{where}.caught_to")
        # Events only mark when it holds; the metapop engine screens from them
        # (:meth:`screens`).
        time, trigger = plans.timing(spec, where)
        plans.events.append(EventPlan(spec.label, self.name, time, trigger))
        if spec.duration is not None:
            plans.events.append(
                EventPlan(
                    f"{spec.label} lifted", self.name, time + spec.duration, trigger, ends=True
                )
            )

    def screens(  # type: ignore[override]
        self,
        spec: ScreeningSpec,
        inside: np.ndarray,
        src: np.ndarray,
        dst: np.ndarray,
        country: np.ndarray,
        compartments: tuple[str, ...],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool] | None:
        return (
            (inside[src] | inside[dst]) & (country[src] != country[dst]),
            np.array([spec.sensitivity.get(c, 0.0) for c in compartments]),
            np.array(
                [
                    compartments.index(per(spec.caught_to, c, "") or c)
                    if c in spec.sensitivity
                    else -1
                    for c in compartments
                ],
                dtype=np.int64,
            ),
            spec.on == "arrival",
        )


TYPES = (Screening(),)
