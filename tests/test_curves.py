"""plot.png's curves: the few (halfbies, the bitten) drawn again below on their own scale."""

from __future__ import annotations

import numpy as np

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
