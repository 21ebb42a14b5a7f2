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


#: a group that never reaches this share of the largest is drawn again below, on its own
#: scale (plot.png)
FEW = 0.02


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
    (5, times: 5, 25, 50, 75, 95%), drawn as the median with 50% and 90% bands.

    A figure of its own (no ``ax``) on a linear scale gets a second panel below for the
    few: the groups that never reach FEW of the largest (halfbies, the bitten), which the
    main panel's scale flattens onto zero, drawn again on a scale of their own."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    top = max((float(np.nanmax(y)) for _, y in curves if y.size), default=0.0)
    few = [(n, y) for n, y in curves if y.size and 0 < np.nanmax(y) < FEW * top]
    below = None
    if ax is None and few and not log:
        figure, (ax, below) = plt.subplots(
            2, 1, figsize=(10, 7.5), sharex=True, height_ratios=(3, 1.3), layout="constrained"
        )
    elif ax is None:
        figure, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    else:
        figure = ax.figure
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4)
    colours = {name: COLOURS.get(name) or next(cycle) for name, _ in curves}
    many = _draw(ax, t, curves, colours)
    if below is not None:
        _draw(below, t, few, colours)
        below.set_yscale("symlog", linthresh=1.0)  # ten halfbies beside 400 bitten
        below.set_ylim(bottom=0)
        below.set_ylabel("people (log scale)")
        below.set_title(
            f"the few, on a scale of their own (never {FEW:.0%} of the largest group)",
            fontsize=9, loc="left",
        )  # fmt: skip
        below.grid(alpha=0.3)
        for time, _ in marks:
            below.axvline(time, color="black", linestyle=":", linewidth=0.8)
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
    (below if below is not None else ax).set_xlabel(f"time ({info.time_unit})")
    ax.set_ylabel("people")
    shown = f"{replicates} replicates" if replicates else "replicates"
    bands = f", {shown}: median, 50% and 90% bands" if many else ""
    ax.set_title(f"{info.name} — {engine}{bands}", fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def _draw(ax: Any, t: np.ndarray, curves: list[tuple[str, np.ndarray]], colours: dict) -> bool:
    """Each curve on ``ax`` (the median and bands of an ensemble's quantiles); whether any
    was an ensemble's."""
    many = False
    for name, y in curves:
        colour = colours[name]
        if y.shape[0] == 5:
            many = True
            q05, q25, med, q75, q95 = y
            ax.fill_between(t, q05, q95, color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(t, q25, q75, color=colour, alpha=0.3, linewidth=0)
            ax.plot(t, med, color=colour, label=f"{name} (median)")
        else:
            ax.plot(t, y[0], color=colour, label=name)
    return many
