"""``jonas compile``: compile the engines' kernels ahead of anyone's first run.

numba compiles an engine's kernels the first time a run on a machine calls them (seconds
for the ssa, about half a minute for the agents and metapop engines: benchmarks/README.md)
and keeps them in its on-disk cache. Setting jonas up for a classroom, a container image or
a CI runner, ``jonas compile`` pays that once, up front: each engine runs its short
``warm_up`` scenario in this process, and says how long compiling took.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from jonas.cli.common import app, compile_notice, emit, guarded, make_console
from jonas.engines.registry import Engine, engines, spoken


@app.command("compile")
def compile_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ENGINE]...",
            help="The engines to compile (default: every engine that has kernels).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was done as JSON instead of a table.")
    ] = False,
) -> None:
    """Compile the engines' kernels into numba's cache now, so that no first run waits for
    it (a fresh install, a container image, a classroom's machines)."""

    def go() -> dict[str, Any]:
        known = engines()
        chosen = _chosen(names or [], known)
        done: dict[str, Any] = {}
        for engine in chosen:
            done[engine.name] = _warm(engine, silent=quiet or as_json)
        return {"engines": done}

    emit(guarded(go), as_json, quiet, _table)


def _chosen(names: list[str], known: dict[str, Engine]) -> list[Engine]:
    from jonas.errors import JonasError, suggest

    unknown = [n for n in names if n not in known]
    if unknown:
        raise JonasError(
            f"ENGINE: no engine named {unknown[0]!r}."
            + suggest(unknown[0], list(known))
            + f" Engines: {spoken(list(known), 'and')}"
        )
    return [known[n] for n in names] if names else list(known.values())


def _warm(engine: Engine, silent: bool) -> dict[str, Any]:
    """Run the engine's warm-up scenarios if its kernels are not in numba's cache (as the
    first of them calls them: a kernel compiled for other arguments counts as compiled)."""
    if not engine.warm_up:
        return {"status": "nothing to compile"}
    from jonas.api import prepare, run_prepared

    runs = [
        prepare(scenario, settings, engine=engine.name, replicates=1)
        for scenario, *settings in engine.warm_up
    ]
    seconds = engine.compiling(runs[0].scenario)
    if seconds is None:
        return {"status": "already compiled"}
    t0 = time.perf_counter()
    if silent:
        for prepared in runs:
            run_prepared(prepared)
    else:
        # said at once, then a spinner where the terminal shows one: never silence
        console = make_console(100, stderr=True)
        notice = compile_notice(engine.name, seconds).replace("first run only, ", "")
        console.print(f"{notice}…")
        with console.status(f"compiling the {engine.name} engine"):
            for prepared in runs:
                run_prepared(prepared)
    return {"status": "compiled", "seconds": round(time.perf_counter() - t0, 1)}


def _table(result: dict[str, Any]) -> None:
    console = make_console(100)
    for name, done in result["engines"].items():
        took = f" in {done['seconds']:.1f} s" if "seconds" in done else ""
        console.print(f"{name}: {done['status']}{took}")
