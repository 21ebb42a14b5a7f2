"""Land-use codes: what each cell of a city map is, its colour, and how people use it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class LandUse(IntEnum):
    """The land use of one cell (stored as uint8)."""

    OPEN = 0  # open ground: fields, yards, parks, a construction site
    ROAD = 1
    BUILDING = 2  # shops, offices, factories: people can hide inside, nobody lives there
    RESIDENTIAL = 3  # homes (apartment blocks, houses)
    DOWNTOWN = 4  # dense centre: shops below, homes above
    SCHOOL = 5
    HOSPITAL = 6
    CITY_HALL = 7
    FOREST = 8  # mountain and forest: passable, slowly
    WATER = 9  # river, lake: impassable
    CAMP = 10  # quarantine or military camp
    CHECKPOINT = 11  # where the cordon may be crossed


@dataclass(frozen=True)
class LandUseInfo:
    """How one land use looks and behaves."""

    code: LandUse
    key: str  # the name used in map files ([density], legend)
    rgb: tuple[int, int, int]  # its colour in a map PNG (and in renders)
    passable: bool  # people and zombies can be there
    indoor: bool  # a building: people can hide inside
    speed: float  # suggested walking-speed factor [U], 1 on a road
    description: str


LEGEND: tuple[LandUseInfo, ...] = (
    LandUseInfo(LandUse.OPEN, "open", (230, 222, 196), True, False, 0.9, "open ground"),
    LandUseInfo(LandUse.ROAD, "road", (255, 255, 255), True, False, 1.0, "road or street"),
    LandUseInfo(LandUse.BUILDING, "building", (120, 120, 130), True, True, 0.5, "building"),
    LandUseInfo(
        LandUse.RESIDENTIAL, "residential", (240, 190, 140), True, True, 0.5, "residential block"
    ),
    LandUseInfo(LandUse.DOWNTOWN, "downtown", (200, 110, 90), True, True, 0.5, "downtown block"),
    LandUseInfo(LandUse.SCHOOL, "school", (250, 210, 40), True, True, 0.5, "school building"),
    LandUseInfo(LandUse.HOSPITAL, "hospital", (235, 80, 150), True, True, 0.5, "hospital"),
    LandUseInfo(LandUse.CITY_HALL, "city_hall", (130, 60, 170), True, True, 0.5, "city hall"),
    LandUseInfo(LandUse.FOREST, "forest", (90, 140, 80), True, False, 0.4, "mountain, forest"),
    LandUseInfo(LandUse.WATER, "water", (90, 150, 220), False, False, 0.0, "water (impassable)"),
    LandUseInfo(LandUse.CAMP, "camp", (40, 170, 170), True, False, 0.8, "camp"),
    LandUseInfo(
        LandUse.CHECKPOINT, "checkpoint", (255, 120, 0), True, False, 0.5, "cordon checkpoint"
    ),
)

KEYS: dict[str, LandUse] = {info.key: info.code for info in LEGEND}

#: colours as a (n_codes, 3) uint8 array, indexed by code
COLOURS = np.array([info.rgb for info in LEGEND], dtype=np.uint8)
#: per-code lookup tables, indexed by code
PASSABLE = np.array([info.passable for info in LEGEND], dtype=bool)
INDOOR = np.array([info.indoor for info in LEGEND], dtype=bool)
SPEED = np.array([info.speed for info in LEGEND], dtype=np.float32)

#: default relative residents per cell [U]: homes are in residential blocks and downtown
DEFAULT_DENSITY: dict[str, float] = {"residential": 1.0, "downtown": 2.5}


def legend_text() -> str:
    """The legend as one line per colour, for error messages and docs."""
    return "\n".join(
        f"  {info.key:<12} RGB {info.rgb!s:<16} #{bytes(info.rgb).hex()}  {info.description}"
        for info in LEGEND
    )


assert all(info.code == i for i, info in enumerate(LEGEND))
assert len({info.rgb for info in LEGEND}) == len(LEGEND)
