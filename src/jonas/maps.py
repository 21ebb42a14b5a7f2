"""Maps of a metapop run with matplotlib alone (no geopandas): the shipped district
boundaries drawn as polygons, coloured by a figure per district.

- ``map.png``: two panels, when the outbreak arrived (median time of the first 100
  zombies) and how hard it hit (median zombie peak per 1,000 residents); districts that do
  not take part are light grey, those never reached in most runs white.
- ``map.gif``: the spread over time, the median zombies per 1,000 residents in each
  district at each output time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jonas.io import write_atomic

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


def _collection(codes: Sequence[str]) -> tuple[Any, list[int]]:
    """One path per shipped district, and for each the position in ``codes`` (−1: not
    taking part)."""
    from matplotlib.collections import PathCollection

    from jonas.korea import boundaries

    shapes = boundaries()
    paths = [_district_path(rings) for rings in shapes.values()]
    collection = PathCollection(paths, edgecolors="#555555", linewidths=0.15)
    index = {c: i for i, c in enumerate(codes)}
    return collection, [index.get(c, -1) for c in shapes]


def _draw(ax: Any, codes: Sequence[str], values: np.ndarray, cmap: str, label: str, **norm):
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    from jonas.korea import province_borders

    collection, owner = _collection(codes)
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
    for line in province_borders():
        ax.plot(line[:, 0], line[:, 1], color="#222222", linewidth=0.4)
    ax.set_xlim(124.5, 130.0)
    ax.set_ylim(33.0, 38.7)
    ax.set_aspect(1 / np.cos(np.radians(36)))
    ax.set_axis_off()
    bar = plt.cm.ScalarMappable(norm=scale, cmap=colours)
    plt.colorbar(bar, ax=ax, shrink=0.6, label=label)
    return collection


def _zoom(ax: Any, codes: Sequence[str]) -> None:
    """Frame the districts taking part (with a margin) when they are a small part."""
    from jonas.korea import boundaries

    shapes = boundaries()
    points = np.vstack([ring for c in codes for ring in shapes[c]])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    pad = max(x1 - x0, y1 - y0) * 0.08 + 0.05
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


def outcome_map(regions: Any, title: str, time_unit: str) -> Any:
    """The two-panel figure from a regions table (pandas, regions.parquet)."""
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
        codes,
        arrival,
        "viridis",
        f"first 100 zombies ({time_unit})",
        vmin=0.0,
        vmax=float(finite.max()) if finite.size else 1.0,
    )
    axes[0].set_title("when the outbreak arrived (median)")
    _draw(axes[1], codes, peak, "Reds", "peak zombies per 1,000 residents", vmin=0.0, vmax=1000.0)
    axes[1].set_title("how hard it hit (median)")
    if len(codes) < 200:
        for ax in axes:
            _zoom(ax, codes)
    runs = per["replicate"].nunique()
    figure.suptitle(f"{title} — {runs} run{'s' if runs != 1 else ''}")
    figure.tight_layout()
    return figure


def write_map(path: Path, regions: Any, title: str, time_unit: str) -> None:
    import matplotlib.pyplot as plt

    figure = outcome_map(regions, title, time_unit)
    write_atomic(path, lambda p: figure.savefig(p, format="png", dpi=110))
    plt.close(figure)


def write_spread_animation(
    path: Path,
    codes: Sequence[str],
    population: np.ndarray,
    times: np.ndarray,
    zombies: np.ndarray,
    title: str,
    time_unit: str,
    fps: int = 6,
) -> None:
    """A GIF of ``zombies`` (times × districts: the median zombies in each district) per
    1,000 residents, one frame per output time. Frames are drawn here and saved by Pillow
    naming the format, as the file is written under a temporary name first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize
    from PIL import Image

    per_1000 = 1000.0 * zombies / np.maximum(population, 1)[None, :]
    figure, ax = plt.subplots(figsize=(6.5, 6.5))
    values = np.where(per_1000[0] > 0, per_1000[0], np.nan)
    collection = _draw(ax, codes, values, "Reds", "zombies per 1,000 residents", vmin=0, vmax=1000)
    if len(codes) < 200:
        _zoom(ax, codes)
    _, owner = _collection(codes)
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
        ax.set_title(f"{title}: {times[k]:g} {time_unit}")
        figure.canvas.draw()
        rgb = np.asarray(figure.canvas.buffer_rgba())[..., :3]
        frames.append(Image.fromarray(rgb).quantize(colors=255, method=Image.Quantize.MEDIANCUT))
    plt.close(figure)
    first, *rest = frames
    write_atomic(
        path,
        lambda p: first.save(
            p, format="GIF", save_all=True, append_images=rest, duration=1000 // fps, loop=0
        ),
    )


def spread_from_folder(folder: Path, scenario: Any) -> Path:
    """``map.gif`` of a finished metapop run: the median over the replicates of each
    district's zombies at each output time, read from timeseries.parquet."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from jonas.engines.metapop_setup import ARRIVAL_COMPARTMENTS
    from jonas.regional import NATIONAL

    path = Path(folder) / "timeseries.parquet"
    schema = pq.read_schema(path)
    spec = scenario.metapop
    names = spec.zombies or ARRIVAL_COMPARTMENTS.get(scenario.model.family or "", ((), ()))[1]
    names = [n for n in names if n in schema.names]
    table = pq.read_table(path, columns=["replicate", "time", "region", *names])
    table = table.filter(pc.not_equal(table["region"], NATIONAL))
    frame = table.to_pandas()
    frame["zombies"] = frame[names].sum(axis=1) if names else 0
    median = frame.groupby(["time", "region"], sort=True)["zombies"].median().unstack("region")
    regions = pq.read_table(Path(folder) / "regions.parquet", columns=["region", "population"])
    population = dict(
        zip(*(regions[c].to_pylist() for c in ("region", "population")), strict=False)
    )
    codes = list(median.columns)
    out = Path(folder) / "map.gif"
    write_spread_animation(
        out,
        codes,
        np.array([population[c] for c in codes], dtype=float),
        median.index.to_numpy(),
        median.to_numpy(dtype=float),
        scenario.scenario.name,
        scenario.scenario.time_unit,
    )
    return out
