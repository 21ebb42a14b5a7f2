"""The Python API: load a scenario, run it on any engine, get a :class:`Result`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines import Progress, seeds_for, simulate
from jonas.errors import ScenarioError
from jonas.model import Model, compile_model, output_times
from jonas.results import Result
from jonas.scenario import Scenario, source_label, validate_data
from jonas.scenario import load as _load


def load(source: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """A built-in scenario by name, or a TOML file, with ``section.key=value`` overrides."""
    return _load(source, list(overrides))


def prepare(
    source: str | Path, overrides: Sequence[str] = (), **run_options: Any
) -> tuple[Scenario, Model]:
    """Load, apply run options, and compile: every input error surfaces here, before any
    work is done or any file written. Errors name the scenario they come from."""
    # Run options (--engine, --seed, --replicates) go in with the overrides, before
    # validation, so that checks across sections see them ([lattice] needs engine lattice).
    options = [f"run.{key}={value}" for key, value in run_options.items() if value is not None]
    scenario = load(source, [*overrides, *options])
    try:
        model = compile_model(scenario)
        if scenario.run.engine == "agents":
            from jonas.engines.agents_setup import setup

            setup(scenario, model)  # the map, places and areas: checked before any work
        if scenario.run.engine == "metapop":
            from jonas.engines.metapop_setup import setup as districts

            districts(scenario, model)  # the regions named: checked before any work
        return scenario, model
    except ScenarioError as exc:
        raise ScenarioError(f"{source_label(source)}: {exc}") from None


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

    ``frames`` receives pictures of the agents engine's first replicate on a map
    (`jonas.agents.animate.Frame`), for an animation; other engines ignore it. The whole
    ensemble is held in memory; :func:`jonas.ensemble.run_ensemble` spreads one over
    processes or a Dask cluster and streams it to disk."""
    if not isinstance(scenario, Scenario):
        scenario = load(scenario, overrides)
    elif overrides:
        raise ValueError("overrides apply when loading; pass a name or path with overrides")
    scenario = with_run_options(scenario, engine=engine, seed=seed, replicates=replicates)
    model = compile_model(scenario)
    ids = np.arange(replicate_count(scenario), dtype=np.int64)
    result = simulate_replicates(scenario, model, ids, progress, frames)
    result.notes = run_notes(scenario) + result.notes
    return result


def replicate_count(scenario: Scenario) -> int:
    """How many replicates a run makes: ``run.replicates``, or one for the ODE."""
    return 1 if scenario.run.engine == "ode" else scenario.run.replicates


def simulate_replicates(
    scenario: Scenario,
    model: Model,
    replicates: np.ndarray,
    progress: Progress | None = None,
    frames: Callable[[int, Any], None] | None = None,
) -> Result:
    """Some replicates of a scenario's ensemble (replicate i has the i-th spawned seed, so
    any split of an ensemble gives the same numbers). Its notes are about these replicates."""
    spec = scenario.run
    times = output_times(spec.t_end, spec.every)
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    districts: dict[str, Any] = {}
    seeds = seeds_for(spec.seed, replicates)
    counts, fired = simulate(
        model,
        spec,
        times,
        seeds,
        progress,
        extra,
        scenario.lattice,
        scenario,
        frames,
        replicates,
        districts,
    )
    notes = []
    late = int(np.sum(extra.get("duration", np.zeros(0)) > spec.t_end))
    if late:
        notes.append(
            f"{late} of {replicates.size} outbreak(s) went on after t_end = {spec.t_end:g}: "
            "the counts stop at t_end; reached_edge, cluster_size and duration are for the "
            "whole outbreak (raise run.t_end to see it all)"
        )
    return Result(
        scenario=scenario,
        model=model,
        times=times,
        counts=counts,
        event_times=fired,
        seed=spec.seed,
        wall_time=time.perf_counter() - start,
        notes=notes,
        engine_metrics=extra,
        replicate_ids=replicates,
        seeds=seeds,
        regional=_regional(districts),
    )


def _regional(found: dict[str, Any]) -> Any:
    """The metapop engine's district figures as a :class:`jonas.regional.Regional`."""
    if not found:
        return None
    from jonas.regional import Regional

    where = found["setup"]
    return Regional(
        codes=where.codes,
        names=where.names,
        provinces=where.provinces,
        population=where.population,
        counts=found["counts"],
        arrival=found["arrival"],
        zombies=where.zombies,
    )


def run_notes(scenario: Scenario) -> list[str]:
    """What a user should know about a run before it starts (events after t_end, the ODE
    run once, what the lattice engine starts from)."""
    spec = scenario.run
    notes = [
        f"interventions.{i} ({iv.label}) at {t:g} comes after t_end = {spec.t_end:g}: "
        "it never happens"
        for i, iv in enumerate(scenario.interventions)
        for t in (iv.times if iv.type == "cull" else [iv.at] if iv.at is not None else [])
        if t > spec.t_end
    ]
    if spec.engine == "ode" and spec.replicates > 1:
        notes.append(f"the ode engine is deterministic: ran once, not {spec.replicates} times")
    if spec.engine == "lattice":
        notes.append(_lattice_note(scenario))
    return notes


def _lattice_note(scenario: Scenario) -> str:
    """What the lattice engine starts from, and that it does not read [initial]."""
    size = scenario.lattice_size
    note = (
        f"the lattice engine fills the {size}×{size} lattice itself: {size * size - 1} humans "
        "(S) and one zombie (Z) at the centre"
    )
    given = {k: v for k, v in scenario.initial.items() if v}
    if given and given != {"S": size * size - 1, "Z": 1}:
        shown = ", ".join(f"{k} = {v:g}" for k, v in given.items())
        note += f"; [initial] ({shown}) is not used"
    return note
