"""The Python API: load a scenario, run it on any engine, get a :class:`Result`.

A front end only: it names no engine. :func:`prepare` checks a scenario against its engine
and compiles it (every input error surfaces there), :func:`run` runs it in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines import Prepared, notes
from jonas.engines import prepare as _prepare
from jonas.engines.prepared import prepare_source
from jonas.model import Model
from jonas.results import Result, simulate
from jonas.spec import Scenario, validate_data
from jonas.spec import load as _load

Progress = Callable[[int], None]


def load(source: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """A built-in scenario by name, or a TOML file, with ``section.key=value`` overrides."""
    return _load(source, list(overrides))


def prepare(source: str | Path, overrides: Sequence[str] = (), **run_options: Any) -> Prepared:
    """Load, apply run options (``engine``, ``seed``, ``replicates``), check against the
    engine and compile: every input error surfaces here, before any work is done or any
    file written. Errors name the scenario they come from. The result unpacks as
    ``(scenario, model)``."""
    return prepare_source(source, overrides, **run_options)


def compile_model(scenario: Scenario) -> Model:
    """A scenario's model, compiled for (and checked against) the engine it names."""
    return _prepare(scenario).model


def with_run_options(scenario: Scenario, label: str | None = None, **options: Any) -> Scenario:
    """A copy of the scenario with some ``[run]`` keys replaced (None leaves a key alone)."""
    changes = {k: v for k, v in options.items() if v is not None}
    if not changes:
        return scenario
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["run"].update(changes)
    return validate_data(data, label or f"scenario {scenario.scenario.name!r}")


def run(
    scenario: Scenario | str | Path,
    *,
    engine: str | None = None,
    seed: int | None = None,
    replicates: int | None = None,
    overrides: Sequence[str] = (),
    progress: Progress | None = None,
    frames: Callable[[int, Any], None] | None = None,
) -> Result:
    """Run a scenario (an object, a built-in name or a path) and return its result.

    ``frames`` receives pictures of the first replicate of a run on a city map (the agents
    engine: :class:`jonas.abm.frames.Frame`), for an animation; other engines ignore it.
    The whole ensemble is held in memory; :func:`jonas.ensemble.run_ensemble` spreads one
    over processes or a Dask cluster and streams it to disk."""
    options = {"engine": engine, "seed": seed, "replicates": replicates}
    if isinstance(scenario, Scenario):
        if overrides:
            raise ValueError("overrides apply when loading; pass a name or path with overrides")
        prepared = _prepare(with_run_options(scenario, **options))
    else:
        prepared = prepare(scenario, overrides, **options)
    return run_prepared(prepared, progress, frames)


def run_prepared(
    prepared: Prepared,
    progress: Progress | None = None,
    frames: Callable[[int, Any], None] | None = None,
    clock: np.ndarray | None = None,
) -> Result:
    """Every replicate of a prepared scenario, in this process, with the notes a user
    should read (see :func:`run`); ``clock[0]`` follows the running replicate's simulated
    time (:mod:`jonas.ensemble.clock`)."""
    ids = np.arange(prepared.replicates, dtype=np.int64)
    result = simulate(prepared, ids, progress, frames, clock)
    result.notes = notes(prepared.scenario) + result.notes
    return result
