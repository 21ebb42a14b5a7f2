"""``plot.png``: the story's curves over time (median with 50% and 90% bands, or the one
history), with the events marked."""

from __future__ import annotations

from typing import Any

from jonas.files import write_atomic
from jonas.outputs.finished import FinishedRun
from jonas.outputs.summary import bands


def story_curves(run: FinishedRun) -> tuple[list[tuple[str, Any]], list[tuple[float, str]]]:
    """What the story's curves show: each group's quantiles over time (5 × times; one
    history: 1 × times), and the events' median times with their names."""
    from jonas.plots.curves import curve_groups, event_marks

    curves = []
    for label, names in curve_groups(run.scenario, run.model.compartments):
        series = run.series(names)
        curves.append((label, bands(series) if series.shape[0] > 1 else series))
    return curves, event_marks(run.model.events.labels, run.event_times)


class Curves:
    name = "plot.png"
    order = 20

    def wanted(self, run: FinishedRun) -> bool:
        return True

    def write(self, run: FinishedRun) -> None:
        import matplotlib.pyplot as plt

        from jonas.plots.curves import plot_curves

        curves, marks = story_curves(run)
        figure = plot_curves(
            run.scenario, run.engine.name, run.times, curves, marks, run.log, None, run.replicates
        )
        write_atomic(run.root / self.name, lambda p: figure.savefig(p, format="png", dpi=120))
        plt.close(figure)


WRITERS = (Curves(),)
