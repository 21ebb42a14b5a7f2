"""``type = "lab"``: the National Intelligence Service's search (season 2, ours): teams find
and take halfbies (and the bitten) into a lab "for study", at a capacity, and some of
those held get out again."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from jonas.errors import ScenarioError
from jonas.interventions.base import InterventionType, Plans, Timed, check_table, per
from jonas.spec.fields import Duration, PerTime


class LabSpec(Timed):
    """Search for ``from`` (default the halfbies) and take ``capacity`` of them per time
    unit into ``to`` (default ``Lab``, a compartment the lab adds), shared in proportion to
    ``priority × number`` (the searchers find some more easily); ``to`` may be a table per
    compartment (the bitten into their own ward). Those held get out at ``escape`` per
    person per time unit (default 0: none), into ``escape_to`` (a compartment, or a table
    per lab compartment: a halfbie back among the halfbies, a bitten one as a zombie)."""

    type: Literal["lab"]
    from_: list[str] = Field(default_factory=lambda: ["H"], alias="from", min_length=1)
    to: str | dict[str, str] = "Lab"
    capacity: PerTime
    duration: Duration | None = None
    priority: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]] = Field(
        default_factory=dict
    )
    escape: PerTime = 0.0
    escape_to: str | dict[str, str] = "H"


class Lab(InterventionType):
    name = "lab"
    spec = LabSpec
    destination_fields = ("to", "escape_to")

    def compile(self, spec: LabSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        names = [plans.known(c, f"{where}.from") for c in spec.from_]
        check_table(spec.priority, names, f"{where}.priority", "from")
        group = tuple((c, spec.priority.get(c, 1.0)) for c in names)
        held: list[str] = []
        for c, weight in group:
            ward = per(spec.to, c, f"{where}.to")
            assert ward is not None
            plans.known(ward, f"{where}.to")
            if ward in names:
                raise ScenarioError(f"{where}: {ward!r} is both searched for and the lab")
            index = plans.add_flow(c, {ward: 1.0}, group, f"{spec.label} {c}")
            plans.switch(spec, where, index, spec.capacity * weight, spec.duration)
            if ward not in held:
                held.append(ward)
        if spec.escape > 0:
            for ward in held:
                out = per(spec.escape_to, ward, f"{where}.escape_to")
                if out is None:
                    raise ScenarioError(f"{where}.escape_to: say where those of {ward!r} go")
                plans.known(out, f"{where}.escape_to")
                # (escapes go on whether the search does or not: no duration)
                index = plans.add_flow(ward, {out: 1.0}, None, f"{spec.label} escapes {ward}")
                plans.switch(spec, where, index, spec.escape, None)


TYPES = (Lab(),)
