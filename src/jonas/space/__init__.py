"""Maps for the spatial engine: a city as a raster of cells with land uses and homes.

Nothing in jonas imports this package yet; the agent-based engine will.

    from jonas.space import hyosan_city, load_map, render_map
    city = hyosan_city(seed=2022)
    homes = city.homes(1000, np.random.default_rng(1))
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
    "draw_map",
    "hyosan_city",
    "load_map",
    "render_map",
    "save_map",
]


def __getattr__(name: str):
    # render is imported on first use: it pulls in matplotlib, and `python -m
    # jonas.space.render` must not find itself imported already
    if name in ("draw_map", "render_map"):
        from jonas.space import render

        return getattr(render, name)
    raise AttributeError(f"module 'jonas.space' has no attribute {name!r}")
