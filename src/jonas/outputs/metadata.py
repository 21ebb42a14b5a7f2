"""What ``run.json`` records of a run: the jonas version, the scenario (resolved, and its
SHA-256), the engine, the seed, the replicates, the timing, the notes, the events and the
summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jonas.engines import digest, resolved
from jonas.model import Model
from jonas.model.analysis import initial_r0
from jonas.model.families import FAMILIES
from jonas.outputs.names import OUTPUTS
from jonas.spec import Scenario
from jonas.version import __version__


def run_metadata(
    scenario: Scenario,
    model: Model,
    wall_time: float,
    notes: list[str],
    summary: dict[str, Any],
    events: list[dict[str, Any]],
) -> dict[str, Any]:
    """The contents of a finished run's ``run.json`` (with ``r0`` where the family reports
    it: :func:`reproduction_number`)."""
    found: dict[str, Any] = {
        "jonas_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario_name": scenario.scenario.name,
        "scenario_sha256": digest(scenario),
        "engine": scenario.run.engine,
        "seed": scenario.run.seed,
        "replicates": summary["replicates"],
        "wall_time_s": round(wall_time, 4),
        "time_unit": model.time_unit,
        "compartments": list(model.compartments),
        "events": events,
        "notes": notes,
        "summary": summary,
        "scenario": resolved(scenario),
    }
    r0 = reproduction_number(scenario, model)
    if r0 is not None:
        found["r0"] = r0
    return found


def reproduction_number(scenario: Scenario, model: Model) -> dict[str, Any] | None:
    """R0 at the run's start, as :func:`jonas.model.analysis.initial_r0` gives it, for a
    family that reports it (``Family.reports_r0``); None for the others and for models
    written inline, whose infected compartments nobody has named."""
    family = FAMILIES.get(scenario.model.family or "")
    if family is None or not family.reports_r0:
        return None
    # the metapop engine's regions hold their people there, not in the model's [initial]
    regions_hold = scenario.metapop.susceptible if scenario.metapop is not None else None
    return initial_r0(model, family.infected, regions_hold)


def run_status(
    scenario: Scenario,
    status: str,
    replicates: int,
    done: int,
    backend: str,
    workers: int,
    seconds: float,
) -> dict[str, Any]:
    """run.json while a run goes on: enough to resume it and to see how far it got."""
    return {
        "jonas_version": __version__,
        "status": status,
        "scenario_name": scenario.scenario.name,
        "scenario_sha256": digest(scenario),
        "engine": scenario.run.engine,
        "seed": scenario.run.seed,
        "replicates": replicates,
        "replicates_done": done,
        "backend": backend,
        "workers": workers,
        "wall_time_s": round(seconds, 4),
        "scenario": resolved(scenario),
        # a run going on may yet write any of jonas's files (its claim checked them all)
        "files": sorted(OUTPUTS),
    }
