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


def _curves(result: Result) -> list[tuple[str, np.ndarray]]:
    """What to draw: the family's story groups if it has them, else every compartment."""
    from jonas.models import FAMILIES

    family = FAMILIES.get(result.scenario.model.family or "")
    groups = family.plot_groups if family is not None else None
    if not groups:
        return [(c, result.counts[:, :, i]) for i, c in enumerate(result.compartments)]
    curves = []
    for label, names in groups.items():
        columns = [result.compartments.index(n) for n in names if n in result.compartments]
        if columns:
            curves.append((label, result.counts[:, :, columns].sum(axis=2)))
    return curves


def _event_marks(result: Result) -> list[tuple[float, str]]:
    """Each event's median time across replicates (events that never happened are left out);
    switching-off events are not marked, to keep the axis readable."""
    marks: list[tuple[float, str]] = []
    for e, label in enumerate(result.model.events.labels):
        times = result.event_times[:, e]
        if np.isnan(times).all() or label.endswith(" off"):
            continue
        mark = (float(np.nanmedian(times)), label.removesuffix(" on"))
        if mark not in marks:  # one flow per evacuated compartment: one mark
            marks.append(mark)
    return marks


def plot_result(result: Result, log: bool = False, ax: Any = None) -> Figure:
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    else:
        figure = ax.figure
    t = result.times
    many = result.replicates > 1
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4)
    for name, series in _curves(result):
        colour = COLOURS.get(name) or next(cycle)
        y = series.astype(float)
        if many:
            q05, q25, med, q75, q95 = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
            ax.fill_between(t, q05, q95, color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(t, q25, q75, color=colour, alpha=0.3, linewidth=0)
            ax.plot(t, med, color=colour, label=f"{name} (median)")
        else:
            ax.plot(t, y[0], color=colour, label=name)
    for time, label in _event_marks(result):
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
        ax.set_ylim(bottom=0)
    info = result.scenario.scenario
    ax.set_xlabel(f"time ({info.time_unit})")
    ax.set_ylabel("people")
    bands = f", {result.replicates} replicates: median, 50% and 90% bands" if many else ""
    ax.set_title(f"{info.name} — {result.engine}{bands}", fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    return figure
