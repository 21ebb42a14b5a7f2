"""``plot.png``: the story's curves over time (median with 50% and 90% bands, or the one
history), with the events marked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from jonas.files import write_atomic
from jonas.outputs.finished import FinishedRun
from jonas.outputs.summary import bands

if TYPE_CHECKING:
    from jonas.spec import Scenario


#: an ensemble's plot also draws this many single runs, thin, beside its bands
SINGLE_RUNS = 5
#: an ensemble splits into two outcomes when each holds at least this share of its runs
BRANCH = 0.1


@dataclass(frozen=True)
class Story:
    """What plot.png and ``Result.plot`` draw (:func:`story`): each group's quantiles over
    time (5 × times; one history: 1 × times); an ensemble's first SINGLE_RUNS runs (runs ×
    times) per group; and where its runs end two ways (the zombies gone in some, left in
    others: Alemi et al.'s humans win or zombies win), each branch's name, share and
    quantiles, which a pooled median would hide (it can be a course no run took)."""

    curves: list[tuple[str, np.ndarray]]
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    branches: list[tuple[str, float, list[tuple[str, np.ndarray]]]] = field(default_factory=list)


def story(
    scenario: Scenario, compartments: Sequence[str], series: Callable[[list[str]], np.ndarray]
) -> Story:
    """The story of a run; ``series(names)`` sums those compartments per replicate
    (replicates × times)."""
    from jonas.model.families import FAMILIES
    from jonas.plots.curves import curve_groups

    groups = [(label, np.asarray(series(names), dtype=float))
              for label, names in curve_groups(scenario, compartments)]  # fmt: skip
    if groups and groups[0][1].shape[0] == 1:
        return Story(groups)
    told = Story([(label, bands(v)) for label, v in groups],
                 {label: v[:SINGLE_RUNS] for label, v in groups})  # fmt: skip
    family = FAMILIES.get(scenario.model.family or "")
    zombies = [c for c in (family.zombies if family else ()) if c in compartments]
    if zombies:
        left = np.asarray(series(zombies))[:, -1] > 0
        share = float(left.mean())
        if min(share, 1 - share) >= BRANCH and min(left.sum(), (~left).sum()) >= 3:
            who = next((label for label, names in curve_groups(scenario, compartments)
                        if set(zombies) & set(names)), "zombies")  # fmt: skip
            for name, runs in ((f"{who} gone at the end", ~left), (f"{who} left at the end", left)):
                told.branches.append(
                    (name, float(runs.mean()), [(label, bands(v[runs])) for label, v in groups])
                )
    return told


def story_curves(run: FinishedRun) -> tuple[Story, list[tuple[float, str]]]:
    """What the story's curves show (:func:`story`) and the events'
    median times with their names."""
    from jonas.plots.curves import event_marks

    told = story(run.scenario, run.model.compartments, run.series)
    return told, event_marks(run.model.events.labels, run.event_times)


class Curves:
    name = "plot.png"
    order = 20

    def wanted(self, run: FinishedRun) -> bool:
        return True

    def write(self, run: FinishedRun) -> None:
        import matplotlib.pyplot as plt

        from jonas.plots.curves import plot_curves

        told, marks = story_curves(run)
        figure = plot_curves(
            run.scenario, run.engine.name, run.times, told.curves, marks, run.log, None,
            run.replicates, told.samples, told.branches,
        )  # fmt: skip
        write_atomic(run.root / self.name, lambda p: figure.savefig(p, format="png", dpi=120))
        plt.close(figure)


WRITERS = (Curves(),)
