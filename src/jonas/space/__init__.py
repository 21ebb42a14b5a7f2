"""City maps for the agents engine: a city as a raster of cells with land uses and homes.

    from jonas.space import hyosan_city, load_map
    city = hyosan_city(seed=2022)
    homes = city.homes(1000, np.random.default_rng(1))

Drawing a map is :mod:`jonas.plots.city` (``render_map``, ``draw_map``).
"""

from jonas.space.city import CityMap, Cordon, Place
from jonas.space.geometry import Circle, Polygon
from jonas.space.hyosan import hyosan_city
from jonas.space.landuse import LEGEND, LandUse
from jonas.space.mapfile import load_map, save_map

__all__ = [
    "LEGEND",
    "Circle",
    "CityMap",
    "Cordon",
    "LandUse",
    "Place",
    "Polygon",
    "hyosan_city",
    "load_map",
    "save_map",
]


def __getattr__(name: str):
    # Deprecated (jonas 0.2) names, through the alias module that warns: drawing moved to
    # jonas.plots.city. Imported on first use, as matplotlib is heavy.
    if name in ("draw_map", "render_map"):
        from jonas.space import render

        return getattr(render, name)
    raise AttributeError(f"module 'jonas.space' has no attribute {name!r}")
