"""A scenario checked against its engine and compiled, once: :class:`Prepared`.

:func:`prepare` is where every input error surfaces before any work is done: the engine's
name, sections read by another engine, interventions the engine cannot carry out, targets
that name no metric, the model itself (:func:`jonas.model.compile_model`) and what the
engine builds from the scenario (its map, its regions).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines.registry import Engine, engines, get, spoken
from jonas.errors import ScenarioError, suggest
from jonas.interventions import kind_of
from jonas.metrics import Metric
from jonas.model import Model, compile_model, output_times
from jonas.model.families import FAMILIES
from jonas.modes import MAP
from jonas.spec import Scenario, load, source_label
from jonas.spec.sections import SECTIONS


@dataclass(frozen=True, eq=False)
class Prepared:
    """A scenario, its engine, its compiled model and what the engine built from it (its
    ``setup``: a city map, a country's regions; None for most). It unpacks as
    ``(scenario, model)``, as :func:`jonas.api.prepare` returned before."""

    scenario: Scenario
    engine: Engine
    model: Model
    setup: Any = None
    #: the output times, when not those of ``[run]`` (t_end and output_every)
    output_times: np.ndarray | None = None

    def __iter__(self) -> Any:
        return iter((self.scenario, self.model))

    def at(self, times: np.ndarray) -> Prepared:
        """The same, recording the counts at other ``times`` (from 0, ending at t_end)."""
        return replace(self, output_times=np.asarray(times, dtype=np.float64))

    @property
    def replicates(self) -> int:
        """How many replicates a run makes: ``run.replicates``, or one if deterministic."""
        return 1 if self.engine.deterministic else self.scenario.run.replicates

    @cached_property
    def times(self) -> np.ndarray:
        if self.output_times is not None:
            return self.output_times
        run = self.scenario.run
        return output_times(run.t_end, run.every)

    @property
    def city(self) -> Any:
        """The city map of a run on a map (what its engine set up), else None."""
        return getattr(self.setup, "city", None)

    def resolved(self) -> dict[str, Any]:
        return resolved(self.scenario)

    def digest(self) -> str:
        return digest(self.scenario)


def options(scenario: Scenario, section: str) -> Any:
    """A section of the scenario, or its defaults when it is not given."""
    return getattr(scenario, section) or SECTIONS[section]()


def resolved(scenario: Scenario) -> dict[str, Any]:
    """The fully resolved scenario as plain data (what ``run.json`` records): with the
    output interval, the engine's own section and whatever else the engine chose written
    out."""
    engine = get(scenario.run.engine)
    data = scenario.dump()
    if engine.section is not None and getattr(scenario, engine.section) is None:
        section = options(scenario, engine.section)
        data[engine.section] = section.model_dump(mode="json", by_alias=True, exclude_none=True)
    hook = engine.hook("resolve")
    if hook is not None:
        hook(scenario, data)
    return data


def digest(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario: equal digests mean the same inputs."""
    text = json.dumps(resolved(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def metrics_of(scenario: Scenario) -> list[Metric]:
    """The metrics a scenario's runs report: its family's, its intervention types', and its
    engine's."""
    found: list[Metric] = []
    family = FAMILIES.get(scenario.model.family or "")
    if family is not None:
        found += family.metrics_for(set(scenario.parameters))
    kinds = list(dict.fromkeys(kind_of(iv) for iv in scenario.interventions))
    for kind in kinds:
        found += kind.metrics
    found += get(scenario.run.engine).metrics
    return found


def metric_names(scenario: Scenario) -> list[str]:
    return [m.name for m in metrics_of(scenario)]


def notes(scenario: Scenario) -> list[str]:
    """What a user should know about a run before it starts (events after t_end, and what
    the engine says)."""
    t_end = scenario.run.t_end
    found = [
        f"interventions.{i} ({iv.label}) at {t:g} comes after t_end = {t_end:g}: it never happens"
        for i, iv in enumerate(scenario.interventions)
        for t in kind_of(iv).times(iv)
        if t > t_end
    ]
    engine = get(scenario.run.engine)
    if engine.deterministic and scenario.run.replicates > 1:
        found.append(
            f"the {engine.name} engine is deterministic: ran once, not "
            f"{scenario.run.replicates} times"
        )
    hook = engine.hook("notes")
    return found + (list(hook(scenario)) if hook is not None else [])


def _check_sections(scenario: Scenario, engine: Engine) -> None:
    for other in engines().values():
        section = other.section
        if other is engine or section is None or getattr(scenario, section) is None:
            continue
        raise ScenarioError(
            f"{section}: a [{section}] section is read only by the {other.name} engine, and "
            f'run.engine is {engine.name!r}; set run.engine = "{other.name}" or remove the '
            "section"
        )


def _check_interventions(scenario: Scenario, engine: Engine) -> None:
    if not scenario.interventions:
        return
    modes = engine.modes(scenario)
    everyone = engines().values()
    if not modes:
        able = [e.name for e in everyone if e.acts]
        raise ScenarioError(
            f"interventions: the {engine.name} engine does not support interventions yet; "
            f"remove them or use the {spoken(able)} engine"
        )
    regional = [e.name for e in everyone if e.regions]
    for i, iv in enumerate(scenario.interventions):
        where = f"interventions.{i}"
        if iv.regions is not None and not engine.regions:
            raise ScenarioError(
                f"{where}.regions: only the {spoken(regional)} engine has regions (this run "
                f"is {engine.name}); remove 'regions' or set run.engine = \"{regional[0]}\""
            )
        kind = kind_of(iv)
        wanted = kind.modes_for(iv)
        if not set(wanted) & set(modes):
            able = [e.name for e in everyone if set(wanted) & set(e.acts)]
            raise ScenarioError(kind.unsupported(iv, where, engine.name, able))


def _check_targets(scenario: Scenario) -> None:
    known = metric_names(scenario)
    for name in scenario.targets:
        if name not in known:
            raise ScenarioError(
                f"targets.{name}: not a metric this scenario reports; it reports "
                + (", ".join(known) or "no metrics")
                + "."
                + suggest(name, known)
            )


def prepare_source(
    source: str | Path, overrides: Sequence[str] = (), **run_options: Any
) -> Prepared:
    """Load a scenario (a built-in name or a file) with ``--set`` overrides and ``[run]``
    options (engine, seed, replicates: None leaves one alone) and prepare it; errors name
    the scenario they come from."""
    # Run options go in with the overrides, before validation, so that checks across
    # sections see them ([lattice] needs engine lattice).
    start = run_options.pop("start", None)
    options = [f"run.{key}={value}" for key, value in run_options.items() if value is not None]
    if start is not None:  # where it goes depends on the engine: the scenario says which
        overrides = [*overrides, start_at(load(source, [*overrides, *options]), start)]
    scenario = load(source, [*overrides, *options])
    try:
        return prepare(scenario)
    except ScenarioError as exc:
        raise ScenarioError(f"{source_label(source)}: {exc}") from None


def start_at(scenario: Scenario, where: str) -> str:
    """The ``--set`` that starts the outbreak at ``where`` (``--start``): a country's
    regions (``metapop.outbreak``), a place on a city map (``agents.start_at``). The
    interventions written for ``regions = "outbreak"`` follow it."""
    engine = get(scenario.run.engine)
    if engine.start is None or (MAP in engine.acts and not engine.on_map(scenario)):
        takers = [f"{e.name} ({e.start[1]})" for e in engines().values() if e.start is not None]
        why = "has no map" if MAP in engine.acts else "has no places"
        raise ScenarioError(
            f"--start {where}: the {engine.name} engine {why} to start from; --start works on "
            + "; ".join(takers)
        )
    value = where.strip()
    return f"{engine.start[0]}={value if value.startswith('[') else json.dumps(value)}"


def prepare(scenario: Scenario) -> Prepared:
    """Check a scenario against its engine, compile it, and let the engine build what its
    runs share. Every input error is a ScenarioError naming its field."""
    engine = get(scenario.run.engine)
    _check_sections(scenario, engine)
    check = engine.hook("check")
    if check is not None:
        check(scenario)
    _check_interventions(scenario, engine)
    model = compile_model(scenario, engine.name if engine.individuals else None)
    # an empty start is fine where people arrive (births, immigration: a transition with no
    # 'from'), and nowhere else: nothing would ever happen
    if not engine.own_start and not any(scenario.initial.values()) and (model.src >= 0).all():
        raise ScenarioError(
            "[initial] puts nobody in any compartment, and nobody arrives (no transition "
            "without 'from'); give some counts"
        )
    _check_targets(scenario)
    setup = engine.hook("setup")
    return Prepared(scenario, engine, model, setup(scenario, model) if setup else None)
