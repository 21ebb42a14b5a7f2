"""The engine registry: each engine declares once what it is, and everything else reads it.

An engine is a folder ``jonas/engines/<name>/`` whose ``__init__.py`` declares ``ENGINE``,
an :class:`Engine`: its name, its options (its scenario section and the ``[run]`` keys it
reads), its capabilities (whether it counts individuals, runs once, has a map or regions,
how it carries out interventions) and its metrics. The declaration imports nothing heavy,
so the command line lists the engines at once. What the engine does lives in the module
its declaration names (``implementation``), imported when it is used; it may define:

- ``check(scenario)``: refuse a scenario that the engine cannot run, before compiling;
- ``setup(scenario, model)``: build (and check) what its runs share, after compiling: a
  city map, a country's regions; the result is ``Prepared.setup``;
- ``modes(scenario)``: how it carries out interventions in this scenario (default:
  ``acts``);
- ``kernels(scenario)``: the compiled kernels this scenario's runs call (default:
  ``kernels``), which a first run compiles;
- ``notes(scenario)``: what a user should know before a run starts;
- ``resolve(scenario, data)``: write the values it chose into the resolved scenario;
- ``run(prepared, seeds, replicates, progress, frames)`` (required): run one replicate
  per seed and return an :class:`~jonas.engines.output.EngineOutput`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jonas.errors import ScenarioError, suggest
from jonas.metrics import Metric
from jonas.modes import COMPARTMENTS, MAP

if TYPE_CHECKING:
    from jonas.spec import Scenario


@dataclass(frozen=True)
class Engine:
    """What an engine is (see the module notes)."""

    name: str
    summary: str
    #: the module holding what it does (check, setup, run, …), imported when used
    implementation: str
    #: its place in lists and help texts
    rank: int
    #: the scenario section only it reads (``[lattice]``), if any
    section: str | None = None
    #: the ``[run]`` keys it reads besides t_end, output_every, seed and replicates
    run_options: tuple[str, ...] = ()
    #: it counts individuals: whole initial counts, integer outputs
    individuals: bool = True
    #: one run whatever ``run.replicates`` (the ODE)
    deterministic: bool = False
    #: it lays out its own start (the lattice): ``[initial]`` may be empty
    own_start: bool = False
    #: regions coupled by travel (interventions may name ``regions``)
    regions: bool = False
    #: how it carries out interventions, in order of preference: on compartments, on a
    #: city map, between regions (an engine with none refuses interventions)
    acts: tuple[str, ...] = (COMPARTMENTS,)
    #: the figures it reports per replicate itself
    metrics: tuple[Metric, ...] = field(default=())
    #: where ``--start`` puts the outbreak: the setting and what it takes, in words
    start: tuple[str, str] | None = None
    #: it follows rates that depend on t (exactly, or in steps of ``run.rate_step``)
    time_rates: bool = False
    #: its compiled kernels that a run calls from Python ("module:function"): what a first
    #: run on a machine compiles (numba caches them on disk for the next runs)
    kernels: tuple[str, ...] = ()
    #: about how long compiling them takes, in seconds (benchmarks/bench_first_run.py on a
    #: 2-core machine): what a first run announces
    compile_s: float = 0.0
    #: built-in scenarios, each with its settings, whose runs, short, call them: what
    #: ``jonas compile`` runs to compile them ahead of a first run (several where a kernel
    #: is compiled in versions: the ssa's, with and without events)
    warm_up: tuple[tuple[str, ...], ...] = ()
    #: the one of ``kernels`` that takes longest to compile, and a function
    #: ("module:function", no arguments) that compiles it without a run: at a first run on
    #: two or more cores a helper process calls it while the run compiles the rest
    aside: tuple[str, str] | None = None

    def code(self) -> ModuleType:
        return importlib.import_module(self.implementation)

    def hook(self, name: str) -> Callable[..., Any] | None:
        return getattr(self.code(), name, None)

    def modes(self, scenario: Scenario) -> tuple[str, ...]:
        """How it carries out interventions in this scenario."""
        hook = self.hook("modes")
        return tuple(hook(scenario)) if hook is not None else self.acts

    def kernels_of(self, scenario: Scenario) -> tuple[str, ...]:
        """The compiled kernels this scenario's runs call (see ``kernels``)."""
        hook = self.hook("kernels")
        return tuple(hook(scenario)) if hook is not None else self.kernels

    def compiling(self, scenario: Scenario) -> float | None:
        """About how many seconds a run of this scenario will spend compiling the engine's
        kernels, where numba's cache lacks some (a first run on this machine); None where
        nothing is to compile or that cannot be told."""
        kernels = self.kernels_of(scenario)
        if not kernels:
            return None
        from jonas.compiled import uncached

        return self.compile_s if uncached(kernels) else None

    def compile_aside(self, scenario: Scenario) -> bool:
        """Where a run of this scenario will compile ``aside``'s kernel, start a helper
        process compiling it now (:func:`jonas.compiled.compile_aside`); whether one
        started."""
        if self.aside is None:
            return False
        kernel, target = self.aside
        if kernel not in self.kernels_of(scenario):
            return False
        from jonas.compiled import compile_aside, uncached

        return uncached((kernel,)) == [kernel] and compile_aside(target)

    def on_map(self, scenario: Scenario) -> bool:
        """Whether this scenario's runs put people on a city map."""
        return MAP in self.modes(scenario)


@cache
def _discover() -> dict[str, Engine]:
    # the engines are this module's sibling packages
    package, folder = __name__.rsplit(".", 1)[0], Path(__file__).parent
    found: list[Engine] = []
    for info in pkgutil.iter_modules([str(folder)]):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        declared = getattr(module, "ENGINE", None)
        if isinstance(declared, Engine):
            found.append(declared)
    found.sort(key=lambda e: (e.rank, e.name))
    return {e.name: e for e in found}


def engines() -> dict[str, Engine]:
    """Every engine, by name, in their order."""
    return dict(_discover())


def names() -> tuple[str, ...]:
    return tuple(_discover())


def spoken(items: list[str] | tuple[str, ...], last: str = "or") -> str:
    """'a, b or c'."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def get(name: str, field_name: str = "run.engine") -> Engine:
    """The engine of that name; an unknown name is a ScenarioError naming the field."""
    found = _discover()
    if name not in found:
        raise ScenarioError(
            f"{field_name}: unknown engine {name!r}; engines are {', '.join(found)}."
            + suggest(name, found)
        )
    return found[name]
