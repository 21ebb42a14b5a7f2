"""``type = "set"``: parameter values changed from a moment on (the rates follow)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from jonas.errors import ScenarioError, suggest
from jonas.interventions.base import EventPlan, InterventionType, Plans, Timed


class SetSpec(Timed):
    """Change parameter values from a moment on (the rates that use them follow)."""

    type: Literal["set"]
    parameters: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]]


class Set(InterventionType):
    name = "set"
    spec = SetSpec
    destination_fields = ()

    def compile(self, spec: SetSpec, plans: Plans, where: str) -> None:  # type: ignore[override]
        for name in spec.parameters:
            if name not in plans.parameters:
                raise ScenarioError(
                    f"{where}.parameters.{name}: unknown parameter for this model."
                    + suggest(name, plans.parameters)
                )
        time, trigger = plans.timing(spec, where)
        plans.events.append(
            EventPlan(spec.label, "set", time, trigger, parameters=dict(spec.parameters))
        )


TYPES = (Set(),)
