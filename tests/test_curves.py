"""plot.png's curves: the few (halfbies, the bitten) drawn again below on their own scale."""

from __future__ import annotations

import numpy as np
import pytest

import jonas
from jonas.plots.curves import FEW, plot_curves


def test_the_few_get_a_panel_of_their_own() -> None:
    scenario = jonas.load("hyosan")
    t = np.linspace(0, 10, 11)
    big = np.tile(np.linspace(1000, 100_000, 11), (5, 1))
    small = np.tile(np.linspace(0, 12, 11), (5, 1))  # halfbies: flat at the main scale
    curves = [("afraid", big), ("halfbies", small)]
    figure = plot_curves(scenario, "tauleap", t, curves, [(5.0, "strike")], replicates=5)
    main, below = figure.axes
    assert [line.get_label() for line in below.get_lines() if line.get_label()[0] != "_"] == [
        "halfbies (median)"
    ]
    assert below.get_yscale() == "symlog" and main.get_yscale() == "linear"
    # nothing small, or a log scale already: one panel
    assert len(plot_curves(scenario, "tauleap", t, curves[:1], []).axes) == 1
    assert len(plot_curves(scenario, "tauleap", t, curves, [], log=True).axes) == 1
    assert FEW * 100_000 > 12  # (the test's small group is small)


def test_crowded_events_are_numbered_and_listed_and_long_runs_read_in_days() -> None:
    """Four months in hours read as 120 days; events a few hours apart get numbers on the
    plot and their names in a list; a weekly event is named once with its count."""
    scenario = jonas.load("seoul")
    t = np.linspace(0, 2880, 121)
    curves = [("zombies", np.tile(np.linspace(0, 1e6, 121), (5, 1)))]
    sweeps = [(336.0 + 168 * k, f"the army's sweeps #{k + 1}") for k in range(3)]
    marks = [(20.0, "cordon around Seoul"), (26.0, "camps in Seoul"), *sweeps]
    figure = plot_curves(scenario, "metapop", t, curves, marks, replicates=5)
    ax = figure.axes[0]
    assert ax.get_xlabel() == "time (days)" and ax.get_xlim()[1] < 200
    listed = [text.get_text() for legend in _legends(ax) for text in legend.get_texts()]
    assert "1  cordon around Seoul, 0.833 days" in listed
    assert "3  the army's sweeps (×3), 14 days" in listed
    numbers = [a.get_text() for a in ax.texts]
    assert numbers == ["1", "2", "3"]
    # far apart: written along the lines, no list
    spread = plot_curves(scenario, "metapop", t, curves, [(20.0, "a"), (1500.0, "b")])
    assert [a.get_text() for a in spread.axes[0].texts] == ["a", "b"]
    assert all(legend.get_title().get_text() != "events" for legend in _legends(spread.axes[0]))


def _legends(ax):
    from matplotlib.legend import Legend

    return [child for child in ax.get_children() if isinstance(child, Legend)]


def test_runs_that_end_two_ways_are_drawn_apart_with_single_runs() -> None:
    """alemi-szr's humans win or zombies win: each outcome's median (solid, dashed) with
    its share, instead of a pooled median that sits on the humans' line; and thin single
    runs beside the bands."""
    from jonas.outputs.writers.curves import SINGLE_RUNS, story

    result = jonas.run("alemi-szr", replicates=60, engine="ssa", seed=4)
    z = result.counts[:, -1, result.compartments.index("Z")]

    def series(names):
        return result.counts[:, :, [result.compartments.index(n) for n in names]].sum(axis=2)

    told = story(result.scenario, result.compartments, series)
    assert [len(runs) for runs in told.samples.values()] == [SINGLE_RUNS] * len(told.curves)
    (gone, share_gone, _), (left, share_left, quantiles) = told.branches
    assert "gone" in gone and "left" in left
    assert share_left == pytest.approx((z > 0).mean()) and share_gone + share_left == 1
    zombies = dict(quantiles)[next(n for n, _ in told.curves if "Z" in n)]
    assert zombies[2, -1] == np.median(z[z > 0])  # the zombies-win branch's own median
    figure = result.plot()
    labels = figure.axes[0].get_legend().get_texts()
    assert any(f"({share_left:.0%} of runs)" in t.get_text() for t in labels)
    styles = {line.get_linestyle() for line in figure.axes[0].get_lines()}
    assert {"-", "--"} <= styles
    # one outcome only (every run ends the same way): the pooled bands, no branches
    sure = jonas.run("alemi-szr", replicates=20, engine="ssa", seed=4,
                     overrides=["parameters.kappa=0.0"])  # fmt: skip
    assert story(sure.scenario, sure.compartments, lambda n: sure.counts[
        :, :, [sure.compartments.index(c) for c in n]].sum(axis=2)).branches == []
