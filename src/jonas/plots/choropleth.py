"""Maps of a regional run with matplotlib alone (no geopandas): a country's region
boundaries (any :class:`~jonas.geo.Regions`) drawn as polygons, coloured by a figure per
region.

- the outcome (``map.png``): two panels, when the outbreak arrived (median time of the
  first 100 zombies) and how hard it hit (median zombie peak per 1,000 residents); regions
  that do not take part are light grey, those never reached in most runs white;
- the spread (``map.gif``): the median zombies per 1,000 residents in each region at each
  output time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jonas.geo import Regions

OUTSIDE = "#e6e6e6"
NOT_REACHED = "#ffffff"


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _district_path(rings: list[np.ndarray]) -> Any:
    """One compound path per district. A ring inside another ring of the same district is
    a hole (Osan-si inside Hwaseong-si): it is turned against its outer ring, so that
    matplotlib's nonzero fill leaves it empty."""
    from matplotlib.path import Path as MplPath

    outlines = [MplPath(r) for r in rings]
    parts = []
    for i, ring in enumerate(rings):
        hole = any(j != i and outlines[j].contains_point(ring[0]) for j in range(len(rings)))
        clockwise = _signed_area(ring) < 0
        parts.append(MplPath(ring if clockwise == hole else ring[::-1]))
    return MplPath.make_compound_path(*parts)


def _collection(country: Regions, codes: Sequence[str]) -> tuple[Any, list[int]]:
    """One path per region of the country, and for each the position in ``codes`` (−1: not
    taking part)."""
    from matplotlib.collections import PathCollection

    shapes = country.boundaries
    paths = [_district_path(rings) for rings in shapes.values()]
    collection = PathCollection(paths, edgecolors="#555555", linewidths=0.15)
    index = {c: i for i, c in enumerate(codes)}
    return collection, [index.get(c, -1) for c in shapes]


def _draw(
    ax: Any,
    country: Regions,
    codes: Sequence[str],
    values: np.ndarray,
    cmap: str,
    label: str,
    **norm: Any,
) -> Any:
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    collection, owner = _collection(country, codes)
    scale = Normalize(**norm)
    colours = plt.get_cmap(cmap)
    faces = []
    for k in owner:
        if k < 0:
            faces.append(OUTSIDE)
        elif not np.isfinite(values[k]):
            faces.append(NOT_REACHED)
        else:
            faces.append(colours(scale(values[k])))
    collection.set_facecolors(faces)
    ax.add_collection(collection)
    for line in country.borders:
        ax.plot(line[:, 0], line[:, 1], color="#222222", linewidth=0.4)
    _links(ax, country)
    lon0, lon1, lat0, lat1 = extent(country)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / np.cos(np.radians((lat0 + lat1) / 2)))
    ax.set_axis_off()
    bar = plt.cm.ScalarMappable(norm=scale, cmap=colours)
    plt.colorbar(bar, ax=ax, shrink=0.6, label=label)
    return collection


def _links(ax: Any, country: Regions) -> None:
    """The flights and ferries between countries, as thin lines between the regions'
    points (one key entry): where the outbreak can jump the sea."""
    if not country.links:
        return
    table = country.table.set_index("code")
    label = f"flights and ferries ({len(country.links)} links)"
    for link in country.links:
        a, b = table.loc[link.a], table.loc[link.b]
        ax.plot(
            [float(a["lon"]), float(b["lon"])], [float(a["lat"]), float(b["lat"])],
            color="#2b6cb0", linewidth=0.5, alpha=0.45, label=label, zorder=1.5,
        )  # fmt: skip
        label = "_"


def extent(country: Regions) -> tuple[float, float, float, float]:
    """The country's frame on a map (lon0, lon1, lat0, lat1): its own, or every boundary's
    with a margin."""
    if country.extent is not None:
        return country.extent
    points = np.vstack([ring for rings in country.boundaries.values() for ring in rings])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    pad = max(x1 - x0, y1 - y0) * 0.05
    return x0 - pad, x1 + pad, y0 - pad, y1 + pad


def _zoom(ax: Any, country: Regions, codes: Sequence[str]) -> None:
    """Frame the regions taking part (with a margin) when they are a small part, within
    the country's own frame: Tokyo's outline reaches Minamitorishima (154°E, 1,800 km out
    to sea), which would make a zoom to Tokyo a view of the Pacific."""
    shapes = country.boundaries
    lon0, lon1, lat0, lat1 = extent(country)
    points = np.vstack([ring for c in codes for ring in shapes[c]])
    inside = points[
        (points[:, 0] >= lon0) & (points[:, 0] <= lon1)
        & (points[:, 1] >= lat0) & (points[:, 1] <= lat1)
    ]  # fmt: skip
    points = inside if inside.size else points
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    pad = max(x1 - x0, y1 - y0) * 0.08 + 0.05
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def _partial(country: Regions, codes: Sequence[str]) -> bool:
    """Whether the regions taking part are a small part of the country (then zoom in)."""
    return len(codes) < 0.8 * len(country)


def outcome_map(
    country: Regions,
    regions: Any,
    title: str,
    time_unit: str,
    origins: Sequence[str] = (),
    cordons: Sequence[Any] = (),
    named: int = 5,
) -> Any:
    """The two-panel figure from a regions table (pandas, regions.parquet), with where the
    outbreak started (``origins``: a star), the ``cordons``
    (:class:`jonas.plots.interactive.Cordon`: a red line around their regions) and the
    names of the ``named`` hardest-hit regions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = regions.assign(per_1000=1000.0 * regions["peak_zombies"] / regions["population"])
    grouped = per.groupby("region", sort=False)
    codes = list(grouped.groups)
    reached = grouped["first_100_zombies"].apply(lambda s: np.isfinite(s).mean() >= 0.5)
    arrival = grouped["first_100_zombies"].median().where(reached).to_numpy(dtype=float)
    peak = grouped["per_1000"].median().to_numpy(dtype=float)
    figure, axes = plt.subplots(1, 2, figsize=(12, 6.5))
    finite = arrival[np.isfinite(arrival)]
    _draw(
        axes[0],
        country,
        codes,
        arrival,
        "viridis",
        f"first 100 zombies ({time_unit})",
        vmin=0.0,
        vmax=float(finite.max()) if finite.size else 1.0,
    )
    axes[0].set_title("when the outbreak arrived (median)")
    _draw(
        axes[1],
        country,
        codes,
        peak,
        "Reds",
        "peak zombies per 1,000 residents",
        vmin=0.0,
        vmax=1000.0,
    )
    axes[1].set_title("how hard it hit (median)")
    _landmarks(axes, country, origins, cordons, time_unit)
    _name_hardest(axes[1], country, codes, peak, named)
    if _partial(country, codes):
        for ax in axes:
            _zoom(ax, country, codes)
    runs = per["replicate"].nunique()
    figure.suptitle(f"{title} — {runs} run{'s' if runs != 1 else ''}")
    figure.tight_layout()
    return figure


def _landmarks(
    axes: Sequence[Any],
    country: Regions,
    origins: Sequence[str],
    cordons: Sequence[Any],
    time_unit: str,
) -> None:
    """The outbreak's origin (a star) and each cordon (a red line around its regions) on
    every panel, with a key on the first."""
    table = country.table.set_index("code")
    stars = [c for c in origins if c in table.index]
    for ax in axes:
        for cordon in cordons:
            shut = cordon.closed
            when = f"closed at {shut:g} {time_unit}" if shut is not None else "never closed"
            label = f"cordon: {cordon.name} ({when})"
            for code in cordon.codes:
                for ring in country.boundaries.get(code, []):
                    ax.plot(ring[:, 0], ring[:, 1], color="#b40012", linewidth=1.6, label=label)
                    label = "_"  # one key entry a cordon
        if stars:
            ax.plot(
                [float(table.at[c, "lon"]) for c in stars],
                [float(table.at[c, "lat"]) for c in stars],
                "*", markersize=13, color="black", markeredgecolor="white",
                label="where it started: " + ", ".join(str(table.at[c, "name"]) for c in stars),
            )  # fmt: skip
    if stars or cordons or country.links:
        # one key, on the first panel: the second's corner holds the list of the hardest hit
        # (several countries: upper left, the open sea north of Korea; lower left holds
        # Okinawa's islands)
        where = "upper left" if country.parts else "lower left"
        axes[0].legend(loc=where, fontsize=7, frameon=False)


def _name_hardest(
    ax: Any, country: Regions, codes: Sequence[str], peak: np.ndarray, named: int
) -> None:
    """The ``named`` regions with the most zombies per resident at the peak: numbered on
    the map (the hardest hit are often neighbours, whose names would cover each other) and
    named in a list beside it."""
    from matplotlib import patheffects

    table = country.table.set_index("code")
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    finite = np.where(np.isfinite(peak), peak, -np.inf)
    lines = []
    for k in np.argsort(-finite)[:named]:
        if not finite[k] > 0 or codes[k] not in table.index:
            continue
        name = str(table.at[codes[k], "name"])
        if "parent_name" in table.columns:  # (Korea has a Jung-gu in six cities)
            name += f" ({table.at[codes[k], 'parent_name']})"
        lines.append(f"{len(lines) + 1}. {name}: {peak[k]:,.0f}")
        ax.annotate(
            str(len(lines)),
            (float(table.at[codes[k], "lon"]), float(table.at[codes[k], "lat"])),
            fontsize=7, weight="bold", ha="center", va="center", path_effects=halo,
        )  # fmt: skip
    if lines:
        ax.text(
            0.99, 0.02, "hardest hit (peak per 1,000):\n" + "\n".join(lines),
            transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            # over Tokyo's far islands, on a map of Korea and Japan: readable above them
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )  # fmt: skip


def spread_frames(
    country: Regions,
    codes: Sequence[str],
    population: np.ndarray,
    times: np.ndarray,
    zombies: np.ndarray,
    title: str,
    time_unit: str,
    national: np.ndarray | None = None,
    marks: Sequence[tuple[float, str]] = (),
    origins: Sequence[str] = (),
    cordons: Sequence[Any] = (),
) -> list[Any]:
    """Pictures (Pillow images) of ``zombies`` (times × regions: the median zombies in each
    region) per 1,000 residents, one per output time. Each title counts the country's
    zombies (``national``: the median over the replicates, each time) and names the
    latest event (``marks``: (time, name)); the origin and cordons are drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from PIL import Image

    per_1000 = 1000.0 * zombies / np.maximum(population, 1)[None, :]
    figure, ax = plt.subplots(figsize=(6.5, 6.5))
    values = np.where(per_1000[0] > 0, per_1000[0], np.nan)
    collection = _draw(
        ax, country, codes, values, "Reds", "zombies per 1,000 residents", vmin=0, vmax=1000
    )
    _landmarks([ax], country, origins, cordons, time_unit)
    if _partial(country, codes):
        _zoom(ax, country, codes)
    _, owner = _collection(country, codes)
    colours = plt.get_cmap("Reds")
    scale = Normalize(0, 1000)
    frames = []
    for k in range(len(times)):
        collection.set_facecolors(
            [
                OUTSIDE
                if j < 0
                else NOT_REACHED
                if per_1000[k, j] <= 0
                else colours(scale(per_1000[k, j]))
                for j in owner
            ]
        )
        count = None if national is None else float(national[k])
        ax.set_title(spread_title(title, float(times[k]), time_unit, count, marks), fontsize=10)
        figure.canvas.draw()
        rgb = np.asarray(figure.canvas.buffer_rgba())[..., :3]
        frames.append(Image.fromarray(rgb).quantize(colors=255, method=Image.Quantize.MEDIANCUT))
    plt.close(figure)
    return frames


def spread_title(
    title: str, t: float, time_unit: str, zombies: float | None, marks: Sequence[tuple[float, str]]
) -> str:
    """A map.gif frame's title: the time, the country's zombies, and the latest event."""
    words = f"{title}: {t:g} {time_unit}"
    if zombies is not None:
        words += f" · {zombies:,.0f} zombies (median)"
    past = [(when, name) for when, name in marks if when <= t]
    if past:
        when, name = past[-1]
        words += f"\nlast: {name} ({when:g} {time_unit})"
    return words
