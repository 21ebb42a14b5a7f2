"""Curves over time: compartments (or the family's story groups), with ensemble bands and
event markers (``plot.png``, :meth:`jonas.results.Result.plot`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

    from jonas.spec import Scenario

# Fixed colours for the usual compartment names so that every plot reads the same.
COLOURS = {
    "S": "#1f77b4",
    "I": "#ff7f0e",
    "Z": "#d62728",
    "R": "#7f7f7f",
    "Q": "#9467bd",
}


def curve_groups(scenario: Scenario, compartments: Sequence[str]) -> list[tuple[str, list[str]]]:
    """What to draw: the family's story groups if it has them, else every compartment."""
    from jonas.model.families import FAMILIES

    family = FAMILIES.get(scenario.model.family or "")
    groups = family.plot_groups if family is not None else None
    if not groups:
        return [(c, [c]) for c in compartments]
    chosen = [(label, [n for n in names if n in compartments]) for label, names in groups.items()]
    return [(label, names) for label, names in chosen if names]


def event_marks(labels: Sequence[str], times: np.ndarray) -> list[tuple[float, str]]:
    """Each event's median time across replicates (``times`` is replicates × events; events
    that never happened are left out); switching-off events are not marked, to keep the
    axis readable."""
    marks: list[tuple[float, str]] = []
    for e, label in enumerate(labels):
        column = times[:, e]
        if np.isnan(column).all() or label.endswith(" off"):
            continue
        mark = (float(np.nanmedian(column)), label.removesuffix(" on"))
        if mark not in marks:  # one flow per evacuated compartment: one mark
            marks.append(mark)
    return marks


def plot_curves(
    scenario: Scenario,
    engine: str,
    t: np.ndarray,
    curves: list[tuple[str, np.ndarray]],
    marks: list[tuple[float, str]],
    log: bool = False,
    ax: Any = None,
    replicates: int | None = None,
) -> Figure:
    """Draw curves over time: each is one history (1, times) or an ensemble's quantiles
    (5, times: 5, 25, 50, 75, 95%), drawn as the median with 50% and 90% bands."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    else:
        figure = ax.figure
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4)
    many = False
    for name, y in curves:
        colour = COLOURS.get(name) or next(cycle)
        if y.shape[0] == 5:
            many = True
            q05, q25, med, q75, q95 = y
            ax.fill_between(t, q05, q95, color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(t, q25, q75, color=colour, alpha=0.3, linewidth=0)
            ax.plot(t, med, color=colour, label=f"{name} (median)")
        else:
            ax.plot(t, y[0], color=colour, label=name)
    for time, label in marks:
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
    info = scenario.scenario
    ax.set_xlabel(f"time ({info.time_unit})")
    ax.set_ylabel("people")
    shown = f"{replicates} replicates" if replicates else "replicates"
    bands = f", {shown}: median, 50% and 90% bands" if many else ""
    ax.set_title(f"{info.name} — {engine}{bands}", fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    return figure
