"""Interactive figures as plotly.js specifications (plain dicts: data, layout, frames), for
pages that draw them in the browser (``report.html``). Nothing here imports plotly: the
page carries plotly.js itself.

The same content as the static pictures (:mod:`jonas.plots.curves`,
:mod:`jonas.plots.choropleth`), with what a page adds: hover, zoom, series switched on and
off from the legend, a log scale, and a time slider over the map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from jonas.plots.choropleth import extent
from jonas.plots.curves import COLOURS

if TYPE_CHECKING:
    from jonas.geo import Regions

#: colours for curves without a fixed one (matplotlib's default cycle, as plot.png)
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
#: the map's colour scale: zombies per 1,000 residents on a log scale from LOW to HIGH,
#: so that a region's first zombies show (a linear scale to 1,000 hides the first hours)
LOW, HIGH = 0.001, 1000.0
#: Reds, from plot.png's colour map, light to dark; zero is drawn in NONE
REDS = ("#fff5f0", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d")
NONE = "#f2f2f2"


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def curves_figure(
    times: np.ndarray,
    curves: Sequence[tuple[str, np.ndarray]],
    marks: Sequence[tuple[float, str]],
    time_unit: str,
    title: str,
) -> dict[str, Any]:
    """Each curve is one history (1 × times) or an ensemble's quantiles (5 × times: 5, 25,
    50, 75, 95%): the median with its 50% and 90% bands, one legend entry for the three
    (clicking it hides them together). ``marks`` are vertical lines with the events'
    names. A button switches the people axis to a log scale."""
    data: list[dict[str, Any]] = []
    for k, (name, y) in enumerate(curves):
        colour = COLOURS.get(name) or PALETTE[k % len(PALETTE)]
        line = {"x": times, "type": "scatter", "mode": "lines", "legendgroup": name}
        if y.shape[0] == 5:
            for upper, lower, alpha in ((4, 0, 0.15), (3, 1, 0.3)):
                band = {**line, "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip"}
                data.append({**band, "y": y[upper]})
                data.append(
                    {**band, "y": y[lower], "fill": "tonexty", "fillcolor": _rgba(colour, alpha)}
                )
            data.append(
                {
                    **line,
                    "y": y[2],
                    "name": f"{name} (median)",
                    "line": {"color": colour, "width": 2},
                    "hovertemplate": "%{y:,.0f}",
                }
            )
        else:
            data.append(
                {**line, "y": y[0], "name": name, "line": {"color": colour, "width": 2},
                 "hovertemplate": "%{y:,.0f}"}
            )  # fmt: skip
    shapes = [
        {
            "type": "line", "xref": "x", "yref": "paper", "x0": t, "x1": t, "y0": 0, "y1": 1,
            "line": {"color": "#333", "width": 1, "dash": "dot"},
        }
        for t, _ in marks
    ]  # fmt: skip
    annotations = [
        {
            "x": t, "y": 1, "xref": "x", "yref": "paper", "text": label, "textangle": -90,
            "showarrow": False, "xanchor": "right", "yanchor": "top", "font": {"size": 11},
        }
        for t, label in marks
    ]  # fmt: skip
    layout = {
        "title": {"text": title},
        "xaxis": {"title": {"text": f"time ({time_unit})"}},
        "yaxis": {"title": {"text": "people"}, "rangemode": "tozero"},
        "hovermode": "x unified",
        "shapes": shapes,
        "annotations": annotations,
        "margin": {"t": 60},
        "updatemenus": [
            {
                "type": "buttons", "direction": "left", "x": 0, "y": 1.12, "xanchor": "left",
                "buttons": [
                    {"label": "linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
                    {"label": "log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
                ],
            }
        ],
    }  # fmt: skip
    return {"data": data, "layout": layout}


@dataclass(frozen=True)
class Cordon:
    """A cordon on a country's map: its regions (codes) and when it closed and opened again
    (None: never)."""

    name: str
    codes: tuple[str, ...]
    closed: float | None
    opened: float | None

    def line_at(self, t: float) -> dict[str, Any]:
        if self.closed is not None and self.closed <= t and not (self.opened or math.inf) <= t:
            return {"color": "#b40012", "width": 3, "dash": "solid"}
        return {"color": "#777", "width": 2, "dash": "dash"}


def _colour(per_1000: float) -> str:
    """A region's colour for its zombies per 1,000 residents (log scale, LOW to HIGH)."""
    if not per_1000 > 0:
        return NONE
    x = (math.log10(per_1000) - math.log10(LOW)) / (math.log10(HIGH) - math.log10(LOW))
    return REDS[min(len(REDS) - 1, max(0, int(x * len(REDS))))]


def _outline(rings: Sequence[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    """A region's rings as one line with gaps (plotly fills each piece by itself)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        xs.extend([*np.round(ring[:, 0], 4).tolist(), None])
        ys.extend([*np.round(ring[:, 1], 4).tolist(), None])
    return xs, ys


def _area(rings: Sequence[np.ndarray]) -> float:
    total = 0.0
    for ring in rings:
        x, y = ring[:, 0], ring[:, 1]
        total += abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))) / 2
    return total


def spread_map_figure(
    country: Regions,
    codes: Sequence[str],
    population: np.ndarray,
    times: np.ndarray,
    zombies: np.ndarray,
    origins: Sequence[str],
    time_unit: str,
    title: str,
    cordons: Sequence[Cordon] = (),
) -> dict[str, Any]:
    """The regions coloured by their zombies per 1,000 residents at each time (``zombies``:
    times × regions), with a time slider and a play button; hovering a region names it
    and gives its figure; ``origins`` (where the outbreak started) are starred; each of
    the ``cordons`` is drawn around its regions, dashed grey while open, solid red while
    closed. Each region is a filled outline (SVG: no WebGL needed), drawn largest first so
    that a region inside another is drawn over it. The colour scale is logarithmic from
    one zombie in a million residents, so that the first hours show."""
    table = country.table.set_index("code")
    outlines = country.boundaries
    per_1000 = 1000.0 * zombies / np.maximum(population, 1.0)[None, :]
    order = sorted(
        (i for i, c in enumerate(codes) if c in outlines),
        key=lambda i: -_area(outlines[codes[i]]),
    )
    labels = [
        f"{table.at[codes[i], 'name']} ({table.at[codes[i], 'parent_name']})" for i in order
    ]

    def hover(k: int) -> list[str]:
        return [
            f"{label}: {per_1000[k, i]:,.2f} zombies per 1,000 at {times[k]:g} {time_unit}"
            for label, i in zip(labels, order, strict=True)
        ]

    data: list[dict[str, Any]] = []
    for n, i in enumerate(order):
        xs, ys = _outline(outlines[codes[i]])
        data.append(
            {
                "type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself",
                "fillcolor": _colour(per_1000[0, i]), "line": {"color": "#999", "width": 0.4},
                "hoveron": "fills", "name": hover(0)[n], "showlegend": False,
            }
        )  # fmt: skip
    regions = list(range(len(data)))
    lines = []  # the cordons' traces
    for cordon in cordons:
        xs, ys = [], []
        for code in cordon.codes:
            if code in outlines:
                x, y = _outline(outlines[code])
                xs += x
                ys += y
        when = f"closed at {cordon.closed:g} {time_unit}" if cordon.closed is not None else "never"
        lines.append(len(data))
        data.append(
            {
                "type": "scatter", "x": xs, "y": ys, "mode": "lines", "hoverinfo": "name",
                "name": f"cordon: {cordon.name} ({when})", "showlegend": True,
                "line": cordon.line_at(times[0]),
            }
        )  # fmt: skip
    if country.links:  # several countries: the flights and ferries between them
        xs, ys = [], []
        for link in country.links:
            a, b = table.loc[link.a], table.loc[link.b]
            xs += [float(a["lon"]), float(b["lon"]), None]
            ys += [float(a["lat"]), float(b["lat"]), None]
        data.append(
            {
                "type": "scatter", "x": xs, "y": ys, "mode": "lines", "hoverinfo": "skip",
                "name": f"flights and ferries ({len(country.links)} links)",
                "line": {"color": "rgba(43, 108, 176, 0.45)", "width": 1}, "showlegend": True,
            }
        )  # fmt: skip
    stars = [c for c in origins if c in table.index]
    data.append(
        {
            "type": "scatter", "mode": "markers+text", "name": "where it started",
            "x": [float(table.at[c, "lon"]) for c in stars],
            "y": [float(table.at[c, "lat"]) for c in stars],
            "text": [str(table.at[c, "name"]) for c in stars], "textposition": "top center",
            "marker": {"symbol": "star", "size": 14, "color": "#111"}, "showlegend": True,
            "hoverinfo": "text",
        }
    )  # fmt: skip
    decades = np.arange(math.log10(LOW), math.log10(HIGH) + 1)
    data.append(  # the colour bar: an empty trace carrying the scale
        {
            "type": "scatter", "x": [None], "y": [None], "mode": "markers", "showlegend": False,
            "hoverinfo": "skip",
            "marker": {
                "color": [0], "cmin": decades[0], "cmax": decades[-1], "showscale": True,
                "colorscale": [[k / (len(REDS) - 1), c] for k, c in enumerate(REDS)],
                "colorbar": {
                    "title": {"text": "zombies per<br>1,000 residents"},
                    "tickvals": decades.tolist(),
                    "ticktext": [f"{10.0**d:,g}" for d in decades],
                },
            },
        }
    )  # fmt: skip
    frames = [
        {
            "name": f"{t:g}",
            "data": [
                *(
                    {"fillcolor": _colour(per_1000[k, i]), "name": name}
                    for i, name in zip(order, hover(k), strict=True)
                ),
                *({"line": cordon.line_at(t)} for cordon in cordons),
            ],
            "traces": regions + lines,
        }
        for k, t in enumerate(times)
    ]
    lat = float(np.nanmean(table["lat"]))
    lon0, lon1, lat0, lat1 = extent(country)
    steps = [
        {
            "label": f"{t:g}", "method": "animate",
            "args": [[f"{t:g}"], {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                                  "transition": {"duration": 0}}],
        }
        for t in times
    ]  # fmt: skip
    layout = {
        "title": {"text": title},
        # the country's frame, as on map.png: Tokyo's outline reaches 154°E
        "xaxis": {"visible": False, "range": [lon0, lon1]},
        "yaxis": {
            "visible": False, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat)),
            "range": [lat0, lat1],
        },
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "height": 720,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "legend": {"x": 0, "y": 1},
        "sliders": [
            {"active": 0, "steps": steps, "currentvalue": {"prefix": f"time ({time_unit}): "},
             "x": 0.16, "len": 0.84, "pad": {"t": 30}}
        ],
        "updatemenus": [
            {
                "type": "buttons", "direction": "left", "x": 0, "y": 0, "xanchor": "left",
                "yanchor": "top", "pad": {"t": 50},
                "buttons": [
                    {"label": "play", "method": "animate",
                     "args": [None, {"frame": {"duration": 150, "redraw": False},
                                     "fromcurrent": True, "transition": {"duration": 0}}]},
                    {"label": "pause", "method": "animate",
                     "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}]},
                ],
            }
        ],
    }  # fmt: skip
    return {"data": data, "layout": layout, "frames": frames}


def regions_figure(country: Regions, codes: Sequence[str], chosen: Sequence[str]) -> dict[str, Any]:
    """The regions to click on (where an outbreak starts): each a grey outline carrying its
    code (``customdata``), the ``chosen`` ones dark red."""
    table = country.table.set_index("code")
    outlines = country.boundaries
    order = sorted((c for c in codes if c in outlines), key=lambda c: -_area(outlines[c]))
    data = []
    for code in order:
        xs, ys = _outline(outlines[code])
        data.append(
            {
                "type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself",
                "fillcolor": REDS[-1] if code in chosen else NONE,
                "line": {"color": "#999", "width": 0.4}, "hoveron": "fills",
                "name": f"{table.at[code, 'name']} ({table.at[code, 'parent_name']})",
                "customdata": [code], "showlegend": False,
            }
        )  # fmt: skip
    lat = float(np.nanmean(table.loc[list(order), "lat"])) if order else 0.0
    layout = {
        "xaxis": {"visible": False},
        "yaxis": {
            "visible": False, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat))
        },
        "hovermode": "closest", "plot_bgcolor": "white", "height": 560,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
    }  # fmt: skip
    return {"data": data, "layout": layout}


def city_figure(city: Any, start: Sequence[float], most: int = 400) -> dict[str, Any]:
    """A city map to click on (where the outbreak starts): its land use as an image in
    metres (a PNG in the figure, at most ``most`` pixels a side), its named places as
    points, and the ``start`` marked. A click anywhere gives the point in metres."""
    from jonas.plots.city import landuse_png

    ny, nx = city.shape
    source, step = landuse_png(city, most)
    rows = -(-ny // step)
    cell = city.cell_m * step
    places = [(name, place.center) for name, place in city.places.items()]
    data = [
        {
            "type": "image", "source": source, "x0": cell / 2, "dx": cell,
            "y0": (rows - 0.5) * cell, "dy": -cell, "hoverinfo": "x+y",
        },
        {
            "type": "scatter", "mode": "markers", "name": "places",
            "x": [float(c[0]) for _, c in places], "y": [float(c[1]) for _, c in places],
            "text": [n for n, _ in places], "hoverinfo": "text",
            "marker": {"size": 7, "color": "#333", "symbol": "circle-open"},
        },
        {
            "type": "scatter", "mode": "markers", "name": "where it starts",
            "x": [float(start[0])], "y": [float(start[1])],
            "marker": {"size": 16, "color": "#99000d", "symbol": "star"}, "hoverinfo": "skip",
        },
    ]  # fmt: skip
    layout = {
        "xaxis": {"title": {"text": "metres east"}, "range": [0, nx * city.cell_m],
                  "constrain": "domain"},
        "yaxis": {"title": {"text": "metres north"}, "range": [0, ny * city.cell_m],
                  "scaleanchor": "x"},
        "height": 620, "margin": {"l": 60, "r": 10, "t": 10, "b": 50},
        "legend": {"orientation": "h", "y": 1.05}, "hovermode": "closest",
    }  # fmt: skip
    return {"data": data, "layout": layout}
