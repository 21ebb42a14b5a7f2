"""The sections of a scenario file that one engine reads: ``[lattice]``, ``[agents]`` and
``[metapop]`` (with ``[metapop.mobility]``). Each engine names its section in its
registration (:class:`jonas.engines.Engine`); :mod:`jonas.spec.scenario` holds the rest of
the schema."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from jonas.spec.fields import Rate, Regions, Section, Waypoint


class LatticeSpec(Section):
    """``[lattice]``: the square lattice of the ``lattice`` engine (one person per site)."""

    size: int = Field(default=101, ge=5, le=2001, strict=True)
    #: "open": border sites have fewer neighbours; "periodic": a torus, as the authors'
    #: code (the paper's figures do not say which)
    boundary: Literal["open", "periodic"] = "open"

    @field_validator("size")
    @classmethod
    def _odd(cls, size: int) -> int:
        if size % 2 == 0:
            raise ValueError("must be odd, so that the first zombie sits at the centre site")
        return size


class AgentsSpec(Section):
    """``[agents]``: the agents engine's map, step and rules (docs/agents.md)."""

    mode: Literal["spatial", "mixed"] = "spatial"
    map: str = Field(default="hyosan", min_length=1)
    map_seed: int = Field(default=2022, ge=0, lt=2**32)
    width_m: float = Field(default=5000.0, ge=2000, le=100_000, allow_inf_nan=False)
    height_m: float = Field(default=5000.0, ge=2000, le=100_000, allow_inf_nan=False)
    cell_m: float = Field(default=10.0, ge=2, le=50, allow_inf_nan=False)
    block_m: float = Field(default=110.0, ge=40, le=400, allow_inf_nan=False)
    step_s: float = Field(default=10.0, gt=0, le=600, allow_inf_nan=False)
    start_at: Waypoint = "Hyosan High School"
    rules: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict
    )
    frame_every: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    frame_points: int = Field(default=20_000, ge=100, le=1_000_000)


class MobilitySpec(Section):
    """``[metapop.mobility]``: how people move between districts (docs/metapop.md).

    Everyone lives in a district. Each day, a share ``trips`` of its residents commute to
    another district at the first of ``work_hours`` and come home at the second (hours of
    the day; t = 0 is midnight); ``model`` picks their workplaces: ``gravity`` (∝
    N_j / max(d, min_distance_km)^exponent) or ``radiation`` (Simini et al. 2012), among each
    district's ``neighbours`` most likely destinations; ``none``: nobody commutes. ``move``
    multiplies the share for some compartments (default 1 for the living who mix, 0 for
    zombies, the dead and the camps). ``moves`` are the movements that are not commuting,
    one way, per person per day (the afraid fleeing, zombies wandering), to the commuters'
    destinations in the same proportions; they happen every ``every`` time units (default:
    one hour)."""

    model: Literal["gravity", "radiation", "none"] = "gravity"
    trips: float = Field(default=0.166, ge=0, le=1, allow_inf_nan=False, strict=True)
    exponent: float = Field(default=2.0, gt=0, le=5, allow_inf_nan=False, strict=True)
    min_distance_km: float = Field(default=28.0, gt=0, le=100, allow_inf_nan=False, strict=True)
    neighbours: int = Field(default=24, ge=1, le=100_000, strict=True)
    work_hours: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [8.0, 18.0]
    )
    every: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=True)
    move: dict[str, Rate] = Field(default_factory=dict)
    moves: dict[str, Rate] = Field(default_factory=dict)

    @field_validator("work_hours")
    @classmethod
    def _day(cls, hours: list[float]) -> list[float]:
        start, end = hours
        if not (0.0 <= start < end < 24.0):
            raise ValueError(
                "must be [leave, back]: two hours of the day, 0 <= leave < back < 24 "
                f"(got [{start:g}, {end:g}])"
            )
        return hours


class MetapopSpec(Section):
    """``[metapop]``: the metapopulation engine's country, regions, outbreak and mobility.

    ``country`` is a country jonas ships (``"korea"``), several of them linked by flights
    and ferries (``["korea", "japan"]``), or a CSV of regions, with its ``boundaries``
    (GeoJSON or TopoJSON; see docs/metapop.md). ``regions`` selects the
    regions that take part (codes, names, parents or "all"; see docs/korea-data.md). Each
    starts with its census population (times ``scale``) in ``susceptible``; ``[initial]``'s
    other counts start in the ``outbreak`` regions (split evenly). ``infected`` and
    ``zombies`` name the compartments behind each region's arrival times (the family's when
    not given)."""

    country: str | list[str] = Field(default="korea", min_length=1)
    boundaries: str | None = Field(default=None, min_length=1)
    regions: Regions = "all"
    outbreak: Regions
    susceptible: str = "S"
    scale: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False, strict=True)
    infected: list[str] | None = Field(default=None, min_length=1)
    zombies: list[str] | None = Field(default=None, min_length=1)
    mobility: MobilitySpec = Field(default_factory=MobilitySpec)


#: the sections an engine reads, by their name in a scenario file
SECTIONS: dict[str, type[Section]] = {
    "lattice": LatticeSpec,
    "agents": AgentsSpec,
    "metapop": MetapopSpec,
}
