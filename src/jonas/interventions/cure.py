"""``type = "cure"``: a treatment that turns zombies (or anyone) back."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jonas.interventions.base import InterventionType, Plans, Timed
from jonas.spec.fields import Duration, PerTime


class CureSpec(Timed):
    """A treatment that turns ``from`` back into ``to`` at ``rate`` per time unit."""

    type: Literal["cure"]
    from_: str = Field(default="Z", alias="from")
    to: str = "S"
    rate: PerTime
    duration: Duration | None = None


class Cure(InterventionType):
    name = "cure"
    spec = CureSpec

    def compile(self, spec: CureSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        source = plans.known(spec.from_, f"{where}.from")
        target = plans.known(spec.to, f"{where}.to")
        index = plans.add_flow(source, {target: 1.0}, None, spec.label)
        plans.switch(spec, where, index, spec.rate, spec.duration)


TYPES = (Cure(),)
