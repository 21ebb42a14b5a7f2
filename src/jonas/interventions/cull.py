"""``type = "cull"``: remove a share of some compartments at one or more moments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from jonas.errors import ScenarioError
from jonas.interventions.base import (
    EventPlan,
    InterventionType,
    Plans,
    Timed,
    check_table,
    per,
    share,
)
from jonas.spec.fields import Fraction, Time


class CullSpec(Timed):
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


class Cull(InterventionType):
    name = "cull"
    spec = CullSpec

    def times(self, spec: CullSpec) -> list[float]:  # type: ignore[override]
        return spec.times if spec.at is not None else []

    def compile(self, spec: CullSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        names = [plans.known(c, f"{where}.compartments") for c in spec.compartments]
        check_table(spec.fraction, names, f"{where}.fraction")
        dests = {c: per(spec.to, c, f"{where}.to") for c in names}
        for d in dests.values():
            if d is not None:
                plans.known(d, f"{where}.to")
                if d in names:
                    raise ScenarioError(
                        f"{where}.to: {d!r} is also culled; send the removed elsewhere"
                    )
        start, trigger = (0.0, None)
        times = spec.times
        if spec.when is not None:
            start, trigger = plans.timing(spec, where)
            times = [start]
        for n, time in enumerate(times, start=1):
            cull = {}
            for c in names:
                part = share(spec.fraction, c)
                cull[c] = (min(1.0, n * part) if spec.escalate else part, dests[c])
            label = f"{spec.label} #{n}" if len(times) > 1 else spec.label
            plans.events.append(EventPlan(label, "cull", time, trigger, cull=cull))


TYPES = (Cull(),)
