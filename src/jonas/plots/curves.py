"""Curves over time: compartments (or the family's story groups), with ensemble bands and
event markers (``plot.png``, :meth:`jonas.results.Result.plot`)."""

from __future__ import annotations

import re
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


def _letters(name: str) -> str:
    """The compartment a curve's name ends with: 'zombies (Z)' → 'Z' (its fixed colour)."""
    found = re.search(r"\(([A-Za-z]+)\)$", name)
    return found.group(1) if found else name


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
    samples: dict[str, np.ndarray] | None = None,
    branches: Sequence[tuple[str, float, list[tuple[str, np.ndarray]]]] = (),
) -> Figure:
    """Draw curves over time: each is one history (1, times) or an ensemble's quantiles
    (5, times: 5, 25, 50, 75, 95%), drawn as the median with 50% and 90% bands, and
    ``samples``' single runs (runs × times, per curve) as thin lines: the bands hide that
    each run is one jagged history, and a median can be a course no run took. With
    ``branches`` (an ensemble whose runs end two ways: name, share, quantiles per curve),
    each branch's median and 50% band are drawn instead of the pooled ones, solid and
    dashed.

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
    # tab10, then tab20's lighter shades: eleven groups and more each get their own colour
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    if len(curves) > len(palette):
        palette = [plt.get_cmap("tab20")(i) for i in (*range(0, 20, 2), *range(1, 20, 2))]
    cycle = iter(palette * 4)
    colours = {name: COLOURS.get(_letters(name)) or next(cycle) for name, _ in curves}
    info = scenario.scenario
    unit, scale = time_axis(info.time_unit, float(t[-1]) if t.size else 0.0)
    t = t / scale
    marks = [(time / scale, label) for time, label in marks]
    samples = samples or {}
    styles = ("-", "--")
    if branches:
        for style, (_, _, quantiles) in zip(styles, branches, strict=False):
            shown = dict(quantiles)
            _draw(ax, t, [(n, shown[n]) for n, _ in curves], colours, {}, style, False)
            if below is not None:
                _draw(below, t, [(n, shown[n]) for n, _ in few], colours, {}, style, False)
        many = True
        _draw(ax, t, [], colours, {n: samples[n] for n, _ in curves if n in samples})
        if below is not None:
            _draw(below, t, [], colours, {n: samples[n] for n, _ in few if n in samples})
    else:
        many = _draw(ax, t, curves, colours, {n: samples[n] for n, _ in curves if n in samples})
        if below is not None:
            _draw(below, t, few, colours, {n: samples[n] for n, _ in few if n in samples})
    if below is not None:
        below.set_yscale("symlog", linthresh=1.0)  # ten halfbies beside 400 bitten
        below.set_ylim(bottom=0)
        below.set_ylabel("people (log scale)")
        below.set_title(
            f"the few, on a scale of their own (never {FEW:.0%} of the largest group)",
            fontsize=9, loc="left",
        )  # fmt: skip
        below.grid(alpha=0.3)
    if log:
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0)
    (below if below is not None else ax).set_xlabel(f"time ({unit})")
    ax.set_ylabel("people")
    shown = f"{replicates} replicates" if replicates else "replicates"
    runs = max((len(v) for v in samples.values()), default=0)
    single = f", {runs} single runs (thin)" if runs else ""
    bands = f", {shown}: median, 50% and 90% bands{single}" if many else ""
    ax.set_title(f"{info.name} — {engine}{bands}", fontsize=10)
    if branches:
        from matplotlib.lines import Line2D

        bands = f", {shown}: each outcome's median and 50% band{single}"
        ax.set_title(f"{info.name} — {engine}{bands}", fontsize=10)
        handles = [Line2D([], [], color=colours[n]) for n, _ in curves]
        labels = [n for n, _ in curves]
        for style, (name, share, _) in zip(styles, branches, strict=False):
            handles.append(Line2D([], [], color="black", linestyle=style))
            labels.append(f"{name} ({share:.0%} of runs)")
    listed = _mark_events(ax, below, marks, unit)
    where = {"loc": "upper left" if listed else "center left",
             "bbox_to_anchor": (1.01, 1.0 if listed else 0.5), "fontsize": 8}  # fmt: skip
    if branches:
        ax.legend(handles, labels, **where)
    else:
        ax.legend(**where)
    ax.grid(alpha=0.3)
    return figure


def time_axis(unit: str, t_end: float) -> tuple[str, float]:
    """The unit to draw time in, and what to divide by: days for runs in hours longer than
    ten days (four months read as 120 days, not 2,880 hours)."""
    if unit == "hours" and t_end > 240:
        return "days", 24.0
    return unit, 1.0


#: labels of events closer than this share of the time axis would overlap: they are
#: numbered on the plot and named in a list beside it
CROWDED = 0.03


def _mark_events(ax: Any, below: Any, marks: list[tuple[float, str]], unit: str) -> bool:
    """A dotted line for each event on both panels and its name: written along the line,
    or, where labels would overlap, a number on the line and the name in a list beside the
    plot. An event repeated ("the army's sweeps #1", "#2", …) is named once, at its first
    time, with how many times it happened. Whether the list was drawn."""
    from matplotlib.lines import Line2D

    series: dict[str, list[float]] = {}
    for time, label in marks:
        series.setdefault(re.sub(r" #\d+$", "", label), []).append(time)
    for axis in (ax, below):
        if axis is not None:
            for time, _ in marks:
                axis.axvline(time, color="black", linestyle=":", linewidth=0.8)
    named = sorted((times[0], base, len(times)) for base, times in series.items())
    names = [base + (f" (×{n})" if n > 1 else "") for _, base, n in named]
    lo, hi = ax.get_xlim()
    gaps = np.diff([time for time, _, _ in named])
    if not (gaps < CROWDED * (hi - lo)).any():
        for (time, _, _), name in zip(named, names, strict=True):
            ax.annotate(name, (time, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                        va="top", ha="right", fontsize=7)  # fmt: skip
        return False
    box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}
    row = 0
    for k, (time, _, _) in enumerate(named):
        # numbers of events close together step down the axis instead of covering each other
        row = row + 1 if k and time - named[k - 1][0] < CROWDED * (hi - lo) else 0
        ax.annotate(str(k + 1), (time, 0.98 - 0.06 * row), xycoords=("data", "axes fraction"),
                    ha="left", va="top", fontsize=8, fontweight="bold",
                    bbox=box)  # fmt: skip
    blank = Line2D([], [], linestyle="")
    listed = [f"{k + 1}  {name}, {time:.3g} {unit}" for k, ((time, _, _), name) in enumerate(
        zip(named, names, strict=True))]  # fmt: skip
    where = below if below is not None else ax
    events = where.legend([blank] * len(listed), listed, title="events", loc="lower left",
                          bbox_to_anchor=(1.01, 0.0), fontsize=8, title_fontsize=8,
                          handlelength=0, handletextpad=0, alignment="left")  # fmt: skip
    if where is ax:
        ax.add_artist(events)  # the curves' legend would replace it
    return True


def _draw(
    ax: Any,
    t: np.ndarray,
    curves: list[tuple[str, np.ndarray]],
    colours: dict,
    samples: dict[str, np.ndarray],
    style: str = "-",
    wide: bool = True,
) -> bool:
    """Each curve on ``ax`` (the median and bands of an ensemble's quantiles, the 90% band
    only if ``wide``; its single runs thin); whether any was an ensemble's."""
    many = False
    for name, runs in samples.items():
        for run in runs:
            ax.plot(t, run, color=colours[name], linewidth=0.6, alpha=0.45)
    for name, y in curves:
        colour = colours[name]
        if y.shape[0] == 5:
            many = True
            q05, q25, med, q75, q95 = y
            if wide:
                ax.fill_between(t, q05, q95, color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(t, q25, q75, color=colour, alpha=0.3, linewidth=0)
            ax.plot(t, med, color=colour, linestyle=style, label=f"{name} (median)")
        else:
            ax.plot(t, y[0], color=colour, label=name)
    return many
