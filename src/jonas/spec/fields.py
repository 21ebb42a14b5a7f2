"""The value types scenario files are made of, shared by every section and intervention.

Every value is strict: a TOML string such as "fast" or "3" is refused where a number is
meant, and a boolean where an integer is (pydantic would read ``true`` as 1), instead of
being coerced. Integers are accepted where a float is meant.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

TimeUnit = Literal["minutes", "hours", "days"]
#: hours in one unit of each time unit
HOURS_PER_UNIT = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0}

Time = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Duration = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]
PerTime = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Count = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]
#: a point on the agents engine's map: a place's name or [x, y] in metres
Waypoint = str | Point
#: regions of the metapop engine's country: codes, names, parents or "all" (a list, or one
#: string of items separated by commas)
Regions = str | Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class Section(BaseModel):
    """The base of every section: unknown keys are refused; aliases (``from``) accepted;
    values are strict (see the module's note), so a list is not a tuple: use lists."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)
