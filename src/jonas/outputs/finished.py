"""Finishing a run: one :func:`finish` runs every writer over a run's folder.

Whoever ran the replicates (the ensemble runner, :meth:`jonas.results.Result.save`, ``jonas
summarize`` re-reading a folder) calls :func:`finish`. It merges the parts, then hands a
:class:`FinishedRun` to each writer of :mod:`jonas.outputs.writers` that wants it, in their
order: tables, curves, maps, animations, and ``run.json`` last (a folder with a complete
``run.json`` holds a finished run). Everything the writers read comes back from the folder
(:class:`~jonas.outputs.folder.RunFolder`), so ``jonas summarize DIR`` gives the same as
the run that wrote it, and works on a run that was interrupted.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from jonas.engines import Engine, get
from jonas.errors import JonasError
from jonas.geo import Regions
from jonas.geo.files import regions_of
from jonas.model import Model, output_times
from jonas.outputs.folder import RunFolder
from jonas.outputs.metadata import run_metadata
from jonas.outputs.summary import event_summaries, hardest_hit, summarize
from jonas.spec import Scenario


@dataclass(frozen=True, eq=False)
class Pictures:
    """Pictures a run recorded as it went (the agents engine on a map): the ``city`` and
    its ``frames`` (:class:`jonas.abm.frames.Frame`)."""

    city: Any
    frames: list[Any]


@dataclass(eq=False)
class FinishedRun:
    """What writers see of a finished (or partial) run: its folder, scenario, model and
    engine, and what is computed once from the folder for all of them."""

    folder: RunFolder
    scenario: Scenario
    model: Model
    notes: list[str]
    seconds: float
    log: bool = False
    animate: bool = False
    pictures: Pictures | None = None
    #: write report.html too
    report: bool = False
    #: written into run.json besides what the run computes (resumed runs keep their count)
    extra: dict[str, Any] = field(default_factory=dict)
    #: the replicates a finished run must hold (checked before it is called complete)
    total: int | None = None

    @property
    def root(self) -> Path:
        return self.folder.root

    @property
    def engine(self) -> Engine:
        return get(self.scenario.run.engine)

    @cached_property
    def times(self) -> np.ndarray:
        return output_times(self.scenario.run.t_end, self.scenario.run.every)

    @cached_property
    def table(self) -> dict[str, np.ndarray]:
        """The replicate table of every finished replicate."""
        table = self.folder.table()
        if table["replicate"].size == 0:
            raise JonasError(f"{self.root}: no replicate has finished yet")
        return table

    @property
    def replicates(self) -> int:
        return int(self.table["replicate"].size)

    @cached_property
    def regions(self) -> Any:
        """The regions table (pandas) of a regional run, else None."""
        return self.folder.regions()

    @cached_property
    def event_times(self) -> np.ndarray:
        """When each event happened (replicates × events; NaN: never)."""
        n = len(self.model.events)
        columns = [self.table[f"event:{e}"] for e in range(n)]
        return np.column_stack(columns) if columns else np.zeros((self.replicates, 0))

    def series(self, names: list[str]) -> np.ndarray:
        """The sum of some compartments over time, per replicate (replicates × times)."""
        return self.folder.series(names, self.times.size)

    @cached_property
    def country(self) -> Regions | None:
        """The country of a regional run (its regions' boundaries, its words), else None."""
        spec = self.scenario.metapop
        if self.regions is None or spec is None:
            return None
        return regions_of(spec.country, spec.boundaries)

    @cached_property
    def summary(self) -> dict[str, Any]:
        found = summarize(self.table, self.scenario, self.model, self.times[-1])
        if self.regions is not None:
            found["hardest_hit"] = hardest_hit(self.regions)
            if self.country is not None:
                words = self.country.words
                found["regions"] = {
                    "country": self.country.country,
                    "unit": words.unit,
                    "units": words.units,
                    "parent": words.parent,
                }
        return found

    @cached_property
    def _computed(self) -> dict[str, Any]:
        events = event_summaries(self.table, self.model)
        meta = run_metadata(
            self.scenario, self.model, self.seconds, self.notes, self.summary, events
        )
        meta["status"] = "complete" if self.folder.complete else "partial"
        meta["replicates_done"] = self.replicates
        meta.update(self.extra)
        return meta

    @property
    def metadata(self) -> dict[str, Any]:
        """The contents of run.json, with the files jonas wrote here as they are now (the
        writers before run.json may have added some)."""
        return {**self._computed, "files": self.folder.owned()}


class Writer(Protocol):
    """A writer of one kind of output. Each module of :mod:`jonas.outputs.writers`
    declares its ``WRITERS``; they run in the order of their ``order``."""

    name: str
    order: int

    def wanted(self, run: FinishedRun) -> bool: ...

    def write(self, run: FinishedRun) -> None: ...


@cache
def all_writers() -> tuple[Writer, ...]:
    """Every writer, in the order they run."""
    import jonas.outputs.writers as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.extend(getattr(module, "WRITERS", ()))
    return tuple(sorted(found, key=lambda w: (w.order, w.name)))


def finish(run: FinishedRun, merge: bool = True) -> dict[str, Any]:
    """Merge the run's parts (``merge``: every replicate is done) and run every writer that
    wants it; return the contents of run.json."""
    if merge and not run.folder.complete:
        run.folder.merge(run.total)
    elif merge:
        run.folder.check(run.total)
    for writer in all_writers():
        if writer.wanted(run):
            writer.write(run)
    return run.metadata


def open_run(folder: Path, log: bool = False, report: bool = False) -> FinishedRun:
    """A run's folder (finished or interrupted) read back as writers see it."""
    from jonas.engines import prepare
    from jonas.spec import validate_data

    path = Path(folder) / "run.json"
    try:
        meta = json.loads(path.read_text("utf-8"))
        data = meta["scenario"]
    except FileNotFoundError:
        raise JonasError(f"{folder}: not a jonas run folder (no run.json)") from None
    except (ValueError, KeyError):
        raise JonasError(f"{path}: not a jonas run.json") from None
    scenario = validate_data(data, f"{path} scenario")
    model = prepare(scenario).model
    store = RunFolder(Path(folder))
    return FinishedRun(
        store,
        scenario,
        model,
        meta.get("notes", []),
        float(meta.get("wall_time_s", 0.0)),
        log,
        # the replicates asked for, not only those done; where the scenario came from
        extra={k: meta[k] for k in ("replicates", "provenance") if k in meta},
        report=report,
    )


def refresh(folder: Path, log: bool = False) -> dict[str, Any]:
    """Re-read a run's folder (finished or interrupted) and write its outputs again; a
    finished run's run.json is rewritten too, a partial run's is left for --resume. Refused
    while a run writes into the folder (:meth:`RunFolder.claim`); what a killed run left
    is put right first (:meth:`RunFolder.recover`)."""
    with RunFolder(Path(folder)).claim("", create=False) as claim:
        claim.keep = True
        claim.folder.recover()
        return finish(open_run(folder, log), merge=False)
