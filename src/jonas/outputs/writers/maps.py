"""``map.png`` and, with ``--animate``, ``map.gif`` of a regional run: when the outbreak
arrived and how hard it hit in each region, and the spread over time."""

from __future__ import annotations

from typing import Any

import numpy as np

from jonas.files import write_atomic
from jonas.geo import Regions
from jonas.model.families import FAMILIES
from jonas.outputs.finished import FinishedRun
from jonas.outputs.names import NATIONAL, TIMESERIES


def country_of(run: FinishedRun) -> Regions:
    country = run.country
    assert country is not None  # a run with a regions table has its country
    return country


def zombie_names(run: FinishedRun) -> list[str]:
    """The compartments a regional run counts as zombies on its maps."""
    spec = run.scenario.metapop
    assert spec is not None
    family = FAMILIES.get(run.scenario.model.family or "")
    names = spec.zombies or (family.zombies if family is not None else ())
    return [n for n in names if n in run.model.compartments]


def median_zombies(run: FinishedRun) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The median over the replicates of each region's zombies at each output time, read
    from timeseries.parquet: (codes, their populations, times, times × regions)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = run.root / TIMESERIES
    schema = pq.read_schema(path)
    names = [n for n in zombie_names(run) if n in schema.names]
    table = pq.read_table(path, columns=["replicate", "time", "region", *names])
    table = table.filter(pc.not_equal(table["region"], NATIONAL))
    frame = table.to_pandas()
    frame["zombies"] = frame[names].sum(axis=1) if names else 0
    median = frame.groupby(["time", "region"], sort=True)["zombies"].median().unstack("region")
    population = dict(zip(run.regions["region"], run.regions["population"], strict=True))
    codes = list(median.columns)
    return (
        codes,
        np.array([population[c] for c in codes], dtype=float),
        median.index.to_numpy(),
        median.to_numpy(dtype=float),
    )


class OutcomeMap:
    name = "map.png"
    order = 30

    def wanted(self, run: FinishedRun) -> bool:
        return run.regions is not None

    def write(self, run: FinishedRun) -> None:
        import matplotlib.pyplot as plt

        from jonas.plots.choropleth import outcome_map

        figure = outcome_map(
            country_of(run), run.regions, run.scenario.scenario.name, run.model.time_unit,
            origins(run), cordons(run),
        )  # fmt: skip
        write_atomic(run.root / self.name, lambda p: figure.savefig(p, format="png", dpi=110))
        plt.close(figure)


class SpreadMap:
    name = "map.gif"
    order = 40
    fps = 6

    def wanted(self, run: FinishedRun) -> bool:
        return run.animate and run.regions is not None

    def write(self, run: FinishedRun) -> None:
        """Frames of :func:`median_zombies`, saved by Pillow naming the format, as the file
        is written under a temporary name first."""
        from jonas.plots.choropleth import spread_frames
        from jonas.plots.curves import event_marks

        codes, population, times, zombies = median_zombies(run)
        national = np.median(run.series(zombie_names(run)), axis=0)
        first, *rest = spread_frames(
            country_of(run),
            codes,
            population,
            times,
            zombies,
            run.scenario.scenario.name,
            run.scenario.scenario.time_unit,
            national,
            sorted(event_marks(run.model.events.labels, run.event_times)),
            origins(run),
            cordons(run),
        )
        write_atomic(
            run.root / self.name,
            lambda p: first.save(
                p,
                format="GIF",
                save_all=True,
                append_images=rest,
                duration=1000 // self.fps,
                loop=0,
            ),
        )


WRITERS = (OutcomeMap(), SpreadMap())


def origins(run: FinishedRun) -> list[str]:
    """The regions where the outbreak started (infected at t = 0 in most replicates)."""
    first = run.regions.groupby("region")["first_infected"].median()
    return [str(c) for c in first.index[first.to_numpy() == 0.0]]


def cordons(run: FinishedRun) -> list[Any]:
    """The cordons of a regional run (:class:`jonas.plots.interactive.Cordon`): each one's
    regions (``"outbreak"`` read as the run's outbreak) and when it closed and opened again,
    the median over the replicates where it did so in at least half of them."""
    from jonas.geo.select import outbreak_named
    from jonas.plots.interactive import Cordon

    scenario, events = run.scenario, run.model.events
    country = country_of(run)
    outbreak = scenario.metapop.outbreak if scenario.metapop is not None else []
    table = run.table
    found = []
    for i, iv in enumerate(scenario.interventions):
        if iv.type != "cordon":
            continue
        where = "all" if iv.regions is None else outbreak_named(iv.regions, outbreak)
        rows = country.select(where, f"interventions.{i}.regions")
        codes = tuple(str(c) for c in country.table["code"].to_numpy()[rows])

        def when(ends: bool, i: int = i) -> float | None:
            k = [e for e in range(len(events)) if events.origin[e] == i and events.ends[e] == ends]
            column = f"event:{k[0]}" if k else None
            if column is None or column not in table:
                return None
            times = np.asarray(table[column], dtype=float)
            if np.isfinite(times).mean() < 0.5:
                return None
            return float(np.nanmedian(times))

        found.append(Cordon(iv.name or f"cordon {i}", codes, when(False), when(True)))
    return found
