"""Matplotlib figures: compartments over time, with ensemble bands and event markers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from jonas.results import Result

# Fixed colours for the usual compartment names so that every plot reads the same.
COLOURS = {
    "S": "#1f77b4",
    "I": "#ff7f0e",
    "Z": "#d62728",
    "R": "#7f7f7f",
    "Q": "#9467bd",
}


def plot_result(result: Result, log: bool = False, ax: Any = None) -> Figure:
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    else:
        figure = ax.figure
    t = result.times
    many = result.replicates > 1
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"][5:] * 4)
    for i, name in enumerate(result.compartments):
        colour = COLOURS.get(name) or next(cycle)
        y = result.counts[:, :, i].astype(float)
        if many:
            q05, q25, med, q75, q95 = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
            ax.fill_between(t, q05, q95, color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(t, q25, q75, color=colour, alpha=0.3, linewidth=0)
            ax.plot(t, med, color=colour, label=f"{name} (median)")
        else:
            ax.plot(t, y[0], color=colour, label=name)
    for time, label in zip(result.model.events.times, result.model.events.labels, strict=True):
        ax.axvline(time, color="black", linestyle=":", linewidth=0.8)
        ax.annotate(
            label,
            (time, 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
        )
    if log:
        ax.set_yscale("symlog", linthresh=1.0)
    info = result.scenario.scenario
    ax.set_xlabel(f"time ({info.time_unit})")
    ax.set_ylabel("individuals")
    bands = f", {result.replicates} replicates: median, 50% and 90% bands" if many else ""
    ax.set_title(f"{info.name} — {result.engine}{bands}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return figure
