"""Draw a CityMap with matplotlib: land uses, named places, the cordon and checkpoints.

python -m jonas.plots.city hyosan-city.png [--seed 2022] [--map my-town.toml]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from jonas.space.city import CityMap
from jonas.space.geometry import Circle
from jonas.space.landuse import COLOURS, LEGEND

# kinds of place not labelled, and those labelled below their box (not above)
_LABEL_SKIP = {"city"}
_LABEL_BELOW = {"construction site": True, "city hall": True}


def draw_map(city: CityMap, ax=None, *, labels: bool = True, legend: bool = True):
    """Draw `city` on a matplotlib Axes (a new figure if None) in kilometres; returns the Axes.

    Later animations can draw agents on top of the same Axes.
    """
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 7.0), layout="constrained")
    km = city.cell_m / 1000
    ny, nx = city.shape
    ax.imshow(
        COLOURS[city.landuse],
        origin="lower",
        extent=(0, nx * km, 0, ny * km),
        interpolation="antialiased",
        interpolation_stage="rgba",
    )
    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    if city.cordon is not None:
        line = city.cordon.line / 1000
        ax.plot(line[:, 0], line[:, 1], color="#d62728", lw=1.6, ls=(0, (5, 2)), label="cordon")
        cps = np.array(list(city.cordon.checkpoints.values())) / 1000
        if len(cps):
            ax.plot(cps[:, 0], cps[:, 1], "s", ms=6, mfc="#ff7800", mec="black", mew=1.0)
    if labels:
        for place in city.places.values():
            if place.kind in _LABEL_SKIP:
                continue
            x, y = np.array(place.center) / 1000
            if place.kind == "road out":
                a = place.area
                x0, y0, x1, y1 = (v / 1000 for v in a.bbox)
                # label at the map edge end of the road
                x = x0 if x0 <= 0.001 else (x1 if x1 >= nx * km - 0.001 else x)
                y = y0 if y0 <= 0.001 else (y1 if y1 >= ny * km - 0.001 else y)
                ha = "left" if x <= 0.001 else ("right" if x >= nx * km - 0.001 else "left")
                va = "bottom" if y <= 0.001 else ("top" if y >= ny * km - 0.001 else "bottom")
                dx = 0.06 if ha == "left" else -0.06
                ax.text(x + dx, y + (0.05 if va == "bottom" else -0.05), place.name, fontsize=8,
                        ha=ha, va=va, style="italic", path_effects=halo)  # fmt: skip
                continue
            if place.kind == "direction":
                ax.annotate(
                    f"to {place.name} →", (x, y), xytext=(-4, -12), textcoords="offset points",
                    ha="right", va="top", fontsize=9, weight="bold", path_effects=halo,
                )  # fmt: skip
                continue
            if place.kind == "downtown":
                x0, _, _, y1 = (v / 1000 for v in place.area.bbox)
                ax.text(x0 + 0.04, y1 - 0.04, "downtown", fontsize=9, weight="bold",
                        ha="left", va="top", path_effects=halo)  # fmt: skip
                continue
            if place.kind == "mountain":
                ax.text(x, 0.3 * ny * km, place.name, fontsize=9, weight="bold", color="#1e3d17",
                        rotation=90, ha="center", va="center")  # fmt: skip
                continue
            x0, y0, x1, y1 = (v / 1000 for v in place.area.bbox)
            if not isinstance(place.area, Circle):
                ax.add_patch(
                    plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=0.8, ec="black")
                )
            below = _LABEL_BELOW.get(place.kind, False)
            ha, edge = "center", 0.06 * nx * km
            if x0 < edge or x1 > nx * km - edge:
                ha, x = ("left", x0) if x0 < edge else ("right", x1)
            ax.annotate(
                place.name, (x, y0 if below else y1), xytext=(0, -3 if below else 3),
                textcoords="offset points", ha=ha, va="top" if below else "bottom",
                fontsize=8.5, weight="bold", path_effects=halo, annotation_clip=False,
            )  # fmt: skip
    ax.set_xlim(0, nx * km)
    ax.set_ylim(0, ny * km)
    ax.set_xlabel("km east")
    ax.set_ylabel("km north")
    ax.set_title(f"{city.name}: {city.residents:,} residents, {city.cell_m:g} m cells")
    if legend:
        handles = [
            Patch(facecolor=np.array(info.rgb) / 255, edgecolor="#888888", label=info.description)
            for info in LEGEND
            if (city.landuse == info.code).any()
        ]
        if city.cordon is not None:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color="#d62728", lw=1.6, ls=(0, (5, 2)), label="cordon"))
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
            frameon=False,
        )  # fmt: skip
    return ax


def landuse_png(city: CityMap, most_px: int) -> tuple[str, int]:
    """The land use as a PNG data URL, north up, at most ``most_px`` pixels a side, and the
    cells a pixel spans (for the pages that draw it: the map to click on, the playback)."""
    import base64
    import io

    from PIL import Image

    ny, nx = city.shape
    step = max(1, -(-max(nx, ny) // most_px))
    rgb = COLOURS[city.landuse[::step, ::step]][::-1]  # image rows run north to south
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), step


def render_map(city: CityMap, path: str | Path, *, dpi: int = 110) -> Path:
    """Write a PNG of `city` to `path` (atomically) and return the path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path)
    ax = draw_map(city)
    fig = ax.figure
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jonas.plots.city", description="Draw a city map to a PNG."
    )
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--seed", type=int, default=2022, help="seed of the built-in Hyosan")
    parser.add_argument("--map", help="a map TOML file (with its PNG) instead of Hyosan")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args(argv)
    from jonas.errors import JonasError

    try:
        if args.map:
            from jonas.space.mapfile import load_map

            city = load_map(args.map)
        else:
            from jonas.space.hyosan import hyosan_city

            city = hyosan_city(seed=args.seed)
        render_map(city, args.out, dpi=args.dpi)
    except JonasError as exc:
        print(f"error: {exc}")
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
