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
from jonas.errors import JonasError, shown_value
from jonas.model import Model
from jonas.results import Result, simulate
from jonas.spec import Scenario, validate_data
from jonas.spec import load as _load

Progress = Callable[[int], None]


Overrides = Sequence[str] | str | None

#: the run options the API takes, and the type each must have (bool is not an int here:
#: ``replicates=True`` is a slip, not one replicate)
_RUN_OPTIONS: dict[str, type] = {"engine": str, "seed": int, "replicates": int, "start": str}


def _source(function: str, source: Any, scenario_too: bool = False) -> None:
    allowed = (str, Path, Scenario) if scenario_too else (str, Path)
    if not isinstance(source, allowed) or (isinstance(source, str) and not source.strip()):
        what = "a built-in name, a file path" + (" or a Scenario" if scenario_too else "")
        raise JonasError(f"jonas.{function}: the scenario must be {what}; got {_what(source)}")


def _what(value: Any) -> str:
    return f"{shown_value(value)} ({type(value).__name__})"


def _overrides(function: str, overrides: Overrides) -> list[str]:
    """The overrides as a list of ``section.key=value`` strings: one string is one
    override (not its characters), None none."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if not isinstance(overrides, Sequence):
        raise JonasError(
            f"jonas.{function}: overrides must be a list of 'section.key=value' strings; "
            f"got {_what(overrides)}"
        )
    for i, item in enumerate(overrides):
        if not isinstance(item, str):
            raise JonasError(
                f"jonas.{function}: overrides[{i}] must be a 'section.key=value' string; "
                f"got {_what(item)}"
            )
    return list(overrides)


def _run_options(function: str, options: dict[str, Any]) -> dict[str, Any]:
    for key, value in options.items():
        wanted = _RUN_OPTIONS.get(key)
        if wanted is None:
            raise JonasError(
                f"jonas.{function}: unknown option {key!r}; the options are "
                + ", ".join(_RUN_OPTIONS)
            )
        if value is not None and (not isinstance(value, wanted) or isinstance(value, bool)):
            raise JonasError(
                f"jonas.{function}: {key} must be {'an integer' if wanted is int else 'a string'}"
                f" (or None); got {_what(value)}"
            )
    return options


def _callable(function: str, name: str, value: Any) -> None:
    if value is not None and not callable(value):
        raise JonasError(
            f"jonas.{function}: {name} must be a function (or None); got {_what(value)}"
        )


def load(source: str | Path, overrides: Overrides = ()) -> Scenario:
    """A built-in scenario by name, or a TOML file, with ``section.key=value`` overrides
    (a list of them, or one string)."""
    _source("load", source)
    return _load(source, _overrides("load", overrides))


def prepare(source: str | Path, overrides: Overrides = (), **run_options: Any) -> Prepared:
    """Load, apply run options (``engine``, ``seed``, ``replicates``), check against the
    engine and compile: every input error surfaces here, before any work is done or any
    file written. Errors name the scenario they come from. The result unpacks as
    ``(scenario, model)``."""
    _source("prepare", source)
    listed = _overrides("prepare", overrides)
    return prepare_source(source, listed, **_run_options("prepare", run_options))


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
    overrides: Overrides = (),
    progress: Progress | None = None,
    frames: Callable[[int, Any], None] | None = None,
) -> Result:
    """Run a scenario (an object, a built-in name or a path) and return its result.

    ``frames`` receives pictures of the first replicate of a run on a city map (the agents
    engine: :class:`jonas.abm.frames.Frame`), for an animation; other engines ignore it.
    The whole ensemble is held in memory; :func:`jonas.ensemble.run_ensemble` spreads one
    over processes or a Dask cluster and streams it to disk."""
    options = _run_options("run", {"engine": engine, "seed": seed, "replicates": replicates})
    _source("run", scenario, scenario_too=True)
    listed = _overrides("run", overrides)
    _callable("run", "progress", progress)
    _callable("run", "frames", frames)
    if isinstance(scenario, Scenario):
        if listed:
            raise JonasError(
                "jonas.run: overrides apply when loading; pass a name or path with overrides"
            )
        prepared = _prepare(with_run_options(scenario, **options))
    else:
        prepared = prepare(scenario, listed, **options)
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
