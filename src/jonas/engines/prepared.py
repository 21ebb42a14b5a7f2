"""A scenario checked against its engine and compiled, once: :class:`Prepared`.

:func:`prepare` is where every input error surfaces before any work is done: the engine's
name, sections read by another engine, interventions the engine cannot carry out, targets
that name no metric, the model itself (:func:`jonas.model.compile_model`) and what the
engine builds from the scenario (its map, its regions).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines.registry import Engine, engines, get, spoken
from jonas.errors import ScenarioError, suggest
from jonas.interventions import kind_of
from jonas.interventions.base import parse_condition
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
    found += [Metric(name, "time", f"when {condition} first held")
              for name, condition in scenario.thresholds.items()]  # fmt: skip
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


def _check_thresholds(scenario: Scenario, model: Model) -> None:
    """``[thresholds]``: each a name no other metric has, and a condition on compartments."""
    others = [m.name for m in metrics_of(scenario)][: -len(scenario.thresholds) or None]
    for name, condition in scenario.thresholds.items():
        where = f"thresholds.{name}"
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ScenarioError(f"{where}: a metric's name is letters, digits and _")
        if name in others:
            raise ScenarioError(f"{where}: already a metric of this scenario; choose another name")
        parse_condition(condition, list(model.compartments), where, key="")


def _check_time_rates(engine: Engine, model: Model) -> None:
    """A rate that depends on t only on the engines that follow one."""
    if model.time_rates is None or engine.time_rates:
        return
    able = [e.name for e in engines().values() if e.time_rates]
    raise ScenarioError(
        f"{model.time_rates.where[0]}: the rate depends on t (the time), and the "
        f"{engine.name} engine cannot follow a rate that changes with time; use the "
        f"{spoken(able)} engine (run.engine), or a rate without t"
    )


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
    _check_time_rates(engine, model)
    _check_thresholds(scenario, model)
    # an empty start is fine where people arrive (births, immigration: a transition with no
    # 'from'), and nowhere else: nothing would ever happen
    if not engine.own_start and not any(scenario.initial.values()) and (model.src >= 0).all():
        raise ScenarioError(
            "[initial] puts nobody in any compartment, and nobody arrives (no transition "
            "without 'from'); give some counts"
        )
    _check_targets(scenario)
    _check_work(scenario, engine, model)
    _check_output_size(scenario, engine, model, None)  # before a setup's own work
    # a first run starts compiling on a second core now, before the setup's own work
    engine.compile_aside(scenario)
    setup = engine.hook("setup")
    built = setup(scenario, model) if setup else None
    if built is not None:
        _check_output_size(scenario, engine, model, built)  # now with its regions
    return Prepared(scenario, engine, model, built)


#: Values that validate but would keep a run going for hours or forever, refused before it
#: starts (docs/reliability.md): the most fixed steps per replicate (t_end / run.dt), the
#: most individuals an engine that simulates every event may start with, the fastest rate
#: constant (per time unit), and how close to t = 0 a timed event may be without being 0
MAX_STEPS = 1e8
MAX_EXACT_INDIVIDUALS = 1e8
MAX_RATE = 1e12
MIN_EVENT_TIME = 1e-9  # × t_end
#: the most states (compartments and Erlang stages) a deterministic engine integrates: its
#: stiff solver's work grows with their cube (hyosan's 120 with 100 stages: 5 s; 320:
#: 53 s on a 2-core machine; 1,020: reported hung in issue 21)
MAX_DETERMINISTIC_STATES = 200


def _check_work(scenario: Scenario, engine: Engine, model: Model) -> None:
    run = scenario.run
    unit = scenario.scenario.time_unit
    if run.dt is not None and "dt" in engine.run_options and run.t_end / run.dt > MAX_STEPS:
        raise ScenarioError(
            f"run.dt: {run.dt:g} {unit} makes {_count(run.t_end / run.dt)} steps to t_end = "
            f"{run.t_end:g}; at most {MAX_STEPS:.0e} are taken: raise run.dt to at least "
            f"{run.t_end / MAX_STEPS:.3g}"
        )
    if engine.deterministic and model.n_states > MAX_DETERMINISTIC_STATES:
        where = "model.stages" if model.n_states > model.n_compartments else "model"
        raise ScenarioError(
            f"{where}: {model.n_states} states (compartments and their Erlang stages) are too "
            f"many for the {engine.name} engine (at most {MAX_DETERMINISTIC_STATES}); use "
            "fewer stages, or an engine that draws each stage's individuals"
        )
    total = float(np.sum(model.x0))
    if "max_events" in engine.run_options and total > MAX_EXACT_INDIVIDUALS:
        # the engines that simulate every event read run.max_events; the others do not
        others = [
            e.name for e in engines().values()
            if "max_events" not in e.run_options and e.section is None and not e.regions
        ]
        raise ScenarioError(
            f"initial: {_count(total)} individuals are too many for the {engine.name} engine, "
            f"which simulates every event one by one (at most {MAX_EXACT_INDIVIDUALS:.0e}); "
            f"use the {spoken(others)} engine (run.engine)"
        )
    fastest = model.rate.copy()
    if model.time_rates is not None and model.time_rates.values.size:  # its most, over time
        timed = model.time_rates
        fastest[timed.edges] = np.maximum(fastest[timed.edges], timed.values.max(axis=0))
    if fastest.size and float(np.max(fastest)) > MAX_RATE:
        j = int(np.argmax(fastest))
        raise ScenarioError(
            f"parameters: the transition {model.transitions[j]!r} has a rate of "
            f"{float(fastest[j]):g} per {unit.removesuffix('s')}, faster than any engine "
            f"can follow (at most {MAX_RATE:.0e}); give a smaller value, or a shorter "
            "scenario.time_unit"
        )
    for i, iv in enumerate(scenario.interventions):
        for t in kind_of(iv).times(iv):
            if 0 < t < MIN_EVENT_TIME * run.t_end:
                raise ScenarioError(
                    f"interventions.{i}.at: {t:g} is too close to 0 to tell apart from it "
                    f"(t_end = {run.t_end:g}); give 0 or a time from "
                    f"{MIN_EVENT_TIME * run.t_end:.3g}"
                )


#: the default most bytes of outputs a run may hold (its counts and incidence at every
#: output time, every replicate, every region): refused before any work beyond it, instead
#: of numpy's "Unable to allocate 7.28 TiB" an hour in. JONAS_MAX_OUTPUT_GB changes it.
MAX_OUTPUT_GB = 2.0


def max_output_bytes() -> float:
    """The limit on a run's outputs, in bytes: ``JONAS_MAX_OUTPUT_GB`` or the default."""
    import os

    raw = os.environ.get("JONAS_MAX_OUTPUT_GB", "")
    try:
        limit = float(raw) if raw.strip() else MAX_OUTPUT_GB
    except ValueError:
        raise ScenarioError(f"JONAS_MAX_OUTPUT_GB={raw!r}: not a number of gigabytes") from None
    return limit * 1e9 if limit > 0 else float("inf")


def _check_output_size(scenario: Scenario, engine: Engine, model: Model, setup: Any) -> None:
    """Refuse a run whose outputs would not fit, from its scenario alone: output times ×
    (compartments + counted transitions) × replicates, and × regions where it has them.
    Computed in floats, so that t_end / output_every of 1e308 is a number, not an
    overflow."""
    run = scenario.run
    times = run.t_end / run.every + 2
    replicates = 1 if engine.deterministic else run.replicates
    per_time = 8.0 * (model.n_compartments + len(model.transitions))  # counts, incidence
    regions = int(getattr(setup, "n_regions", 0) or 0)
    per_time += 4.0 * regions * model.n_compartments  # int32 counts per region
    size = times * replicates * per_time
    limit = max_output_bytes()
    if size <= limit:
        return
    field = "run.output_every" if times > 100_000 else "run.replicates"
    shape = f"{_count(times)} output times × {replicates:,} replicate(s)" + (
        f" × {regions:,} regions" if regions else ""
    )
    raise ScenarioError(
        f"{field}: this run would hold {_bytes(size)} of outputs ({shape}); the "
        f"limit is {_bytes(limit)}. Record less often (raise run.output_every, now "
        f"{run.every:g}), run fewer replicates or a shorter run.t_end; or raise the limit "
        "with the environment variable JONAS_MAX_OUTPUT_GB"
    )


def _count(n: float) -> str:
    if n == float("inf"):
        return "infinitely many"
    return f"{n:,.0f}" if n < 1e12 else f"{n:.2g}"


def _bytes(size: float) -> str:
    if size == float("inf"):
        return "more than any machine holds"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if size >= scale:
            value = size / scale
            return f"about {value:,.1f} {unit}" if value < 1e6 else f"about {value:.2g} {unit}"
    return f"about {size:,.0f} bytes"
