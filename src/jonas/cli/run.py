"""``jonas list | validate | show | run | summarize | export``: one scenario, one folder of
results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jonas.cli.common import (
    AddressOption,
    BackendOption,
    EngineOption,
    SetOption,
    StartOption,
    WorkersOption,
    app,
    default_out,
    emit,
    first_run,
    guarded,
    make_console,
    print_summary,
    progress_bar,
)
from jonas.engines.registry import engines, spoken
from jonas.modes import MAP

if TYPE_CHECKING:
    from jonas.spec import Scenario


@app.command("list")
def list_scenarios() -> None:
    """List the built-in scenarios, one line each."""
    from rich.table import Table

    from jonas.spec import builtin_names, builtin_text, parse_toml

    table = Table(box=None, show_header=True, header_style="bold")
    table.add_column("scenario")
    table.add_column("description")
    for name in builtin_names():
        info = parse_toml(builtin_text(name), name).get("scenario", {})
        table.add_row(name, info.get("description", ""))
    console = make_console(140, soft_wrap=False)  # piped: one line per scenario
    console.print(table)


@app.command("engines")
def list_engines() -> None:
    """List the engines: what each is, what it can do, and the options it reads."""
    from rich.table import Table

    table = Table(box=None, show_header=True, header_style="bold")
    for column in ("engine", "what it is", "can", "reads"):
        table.add_column(column)
    for engine in engines().values():
        can = [
            "counts individuals" if engine.individuals else "amounts (floats)",
            *(["runs once"] if engine.deterministic else []),
            *(["a city map"] if MAP in engine.acts else []),
            *(["regions"] if engine.regions else []),
            "interventions on " + ", ".join(engine.acts) if engine.acts else "no interventions",
        ]
        reads = [f"[{engine.section}]"] if engine.section else []
        reads += [f"run.{key}" for key in engine.run_options]
        metrics = ", ".join(m.name for m in engine.metrics)
        table.add_row(
            engine.name,
            engine.summary + (f"; reports {metrics}" if metrics else ""),
            "; ".join(can),
            ", ".join(reads).replace("[", r"\[") or "–",
        )
    make_console(140).print(table)


@app.command()
def validate(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="A scenario file (or a built-in name).")
    ],
    set_: SetOption = None,
) -> None:
    """Check a scenario file and report what it describes."""

    def check() -> None:
        from jonas.api import prepare

        scenario, model = prepare(file, set_ or [])
        print(
            f"ok: {scenario.scenario.name} — {len(model.compartments)} compartments "
            f"({', '.join(model.compartments)}), {len(model.transitions)} transitions, "
            f"{len(model.events)} timed events; engine {scenario.run.engine}, "
            f"t_end {scenario.run.t_end:g} {scenario.scenario.time_unit}"
        )

    guarded(check)


@app.command()
def show(
    file: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="A built-in scenario name or a TOML file.")
    ],
    set_: SetOption = None,
    engine: EngineOption = None,
    start: StartOption = None,
) -> None:
    """Show a scenario: what it is, where it starts, its parameters with their notes, and
    its interventions with their names (for --set interventions.NAME.key=value), times and
    places."""

    def describe() -> None:
        from rich.table import Table

        from jonas.api import prepare
        from jonas.spec.overrides import apply_override
        from jonas.spec.sources import _read_source, parameter_notes, parse_toml

        prepared = prepare(file, set_ or [], engine=engine, start=start)
        s, unit = prepared.scenario, prepared.scenario.scenario.time_unit
        console = make_console(120)
        console.print(f"[bold]{s.scenario.name}[/bold] — {s.scenario.description or ''}")
        if s.scenario.citation:
            console.print(f"[dim]{s.scenario.citation}[/dim]")
        run = s.run
        console.print(
            f"engine {run.engine} · t_end {run.t_end:g} {unit} · output every "
            f"{run.output_every:g} · seed {run.seed} · {run.replicates} "
            f"replicate{'s' if run.replicates != 1 else ''}"
        )
        first = ", ".join(f"{k} = {v:g}" for k, v in s.initial.items() if v)
        console.print(f"starts with {first or 'its own layout'}{_where(prepared)}")
        console.print(_model_text(s), highlight=False)
        notes = parameter_notes(_read_source(file)[0])
        table = Table("parameter", "value", "note", box=None, title_justify="left")
        for name, value in s.parameters.items():
            table.add_row(name, f"{value:g}" if isinstance(value, float) else str(value),
                          notes.get(name, ""))  # fmt: skip
        console.print(table)
        table = Table("#", "intervention", "type", "when", "for", "where", box=None)
        # numbered as in the file (--set interventions.N...), those switched off included
        written = parse_toml(*_read_source(file))
        for assignment in set_ or []:
            apply_override(written, assignment)
        taking_part = iter(s.interventions)
        for i, item in enumerate(written.get("interventions", [])):
            on = item.get("enabled", True) is not False
            data = next(taking_part).model_dump(exclude_none=True) if on else item
            when = _at(data["at"]) if "at" in data else f"when {data.get('when', '?')}"
            if data.get("delay"):
                when += f", {data['delay']:g} later"
            table.add_row(
                str(i),
                data.get("name") or data.get("type", "?"),
                str(data.get("type", "?")),
                when + ("" if on else " (off)"),
                f"{data['duration']:g}" if "duration" in data else "–",
                _place(data, s.metapop.outbreak if s.metapop is not None else None),
            )
        console.print(table if written.get("interventions") else "no interventions")
        if s.targets:
            aims = Table("target", "aim", box=None, title_justify="left")
            for name, target in s.targets.items():
                low, high = target.bounds
                aims.add_row(name, f"{low:,.6g}" if low == high else f"{low:,.6g} – {high:,.6g}")
            console.print(aims)

    guarded(describe)


def _model_text(s: Scenario) -> str:
    """The model as flows and equations, with its mixing convention (jonas show)."""
    from jonas.model.equations import written
    from jonas.model.families import FAMILIES

    model = written(s)
    family = FAMILIES.get(s.model.family or "")
    head = f"model: family {family.name} — {family.summary}" if family else "model: inline"
    lines = [head, f"mixing: {model.mixing}", "transitions:"]
    width = max((len(name) for name, _, _ in model.flows), default=0)
    lines += [f"  {name:<{width}}  {move}  at  {rate}" for name, move, rate in model.flows]
    lines += ["equations (mean field, without the interventions' flows):"]
    lines += [f"  {eq}" for eq in model.equations]
    lines += [model.time] if model.time else []
    return "\n".join(lines)


def _at(at: float | list[float]) -> str:
    """'at 40', or for a list 'at 336, 504, 672, …, 2688 (15 times)'."""
    if not isinstance(at, list):
        return f"at {at:g}"
    shown = [f"{t:g}" for t in at]
    if len(shown) > 4:
        shown = [*shown[:3], "…", shown[-1]]
    return "at " + ", ".join(shown) + (f" ({len(at)} times)" if len(at) > 1 else "")


def _where(prepared: Any) -> str:
    """Where a scenario's outbreak starts, in words (a country's regions, a city's place)."""
    s = prepared.scenario
    if prepared.engine.regions and s.metapop is not None:
        return f" in {s.metapop.outbreak} (metapop.outbreak; --start moves it)"
    if prepared.engine.on_map(s):
        return f" at {s.agents.start_at} (agents.start_at; --start moves it)"
    return ""


def _place(data: dict[str, Any], outbreak: Any) -> str:
    """An intervention's place: its regions (``outbreak`` read as the run's), area, camps
    or route (else everywhere)."""
    for key in ("regions", "area", "camps", "route"):
        if key in data:
            value = data[key]
            items = value if isinstance(value, list) else [value]
            words = [
                str(item.get("place", item)) if isinstance(item, dict) else str(item)
                for item in items
            ]
            if key == "regions" and outbreak is not None:
                from jonas.geo.select import outbreak_named

                named = outbreak_named(value, outbreak)
                if named != words:
                    return f"regions: {', '.join(words)} ({', '.join(named)})"
            return f"{key}: " + ", ".join(words)
    return "everywhere"


@app.command()
def run(
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="A built-in scenario name or a TOML file.")
    ],
    engine: EngineOption = None,
    seed: Annotated[
        int | None, typer.Option(metavar="SEED", help="Random seed (stochastic engines).")
    ] = None,
    replicates: Annotated[
        int | None,
        typer.Option("--replicates", "-r", metavar="N", help="Number of stochastic replicates."),
    ] = None,
    start: StartOption = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Output folder (default: results/SCENARIO-TIME/)."),
    ] = None,
    set_: SetOption = None,
    workers: WorkersOption = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the interrupted (or smaller) run in --out DIR: only the missing "
            "replicates are run.",
        ),
    ] = False,
    log: Annotated[bool, typer.Option("--log", help="Log-scale plot.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print run.json to stdout instead of a table.")
    ] = False,
    animate: Annotated[
        bool,
        typer.Option(
            "--animate",
            help="Agents engine on a map: also write animation.gif (and .mp4 with ffmpeg) "
            "and snapshots/ of key moments. Metapop engine: map.gif of the spread.",
        ),
    ] = False,
    report: Annotated[
        bool,
        typer.Option(
            "--report",
            help="Also write report.html: the run in one page that opens offline "
            "(needs jonas\\[web]).",
        ),
    ] = False,
    csv: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="Also write timeseries.csv, incidence.csv and replicates.csv, for "
            "spreadsheets (as jonas export DIR does).",
        ),
    ] = False,
) -> None:
    """Run a scenario's replicates (on all cores, or a Dask cluster) and write
    timeseries.parquet, incidence.parquet, replicates.parquet, bands.parquet, plot.png and
    run.json."""

    def go() -> dict[str, Any]:
        from jonas.api import prepare
        from jonas.errors import JonasError

        # Every input error surfaces here, before any work is done or any file written.
        prepared = prepare(
            scenario, set_ or [], engine=engine, seed=seed, replicates=replicates, start=start
        )
        engine_, loaded = prepared.engine, prepared.scenario
        if resume and out is None:
            raise JonasError("--resume continues the run in a folder: give it with --out DIR")
        if report:
            from jonas.outputs.writers.report import check_available

            check_available()
        on_map = engine_.on_map(loaded)
        if animate and not (on_map or engine_.regions):
            drawn = [
                f"the {e.name} engine on a map" if MAP in e.acts else f"the {e.name} engine"
                for e in engines().values()
                if e.regions or MAP in e.acts
            ]
            raise JonasError(
                f"--animate: pictures need {spoken(drawn)}; this run is {engine_.name}"
                + (" with no map" if MAP in engine_.acts else "")
            )
        if animate and on_map and (resume or backend != "local"):
            raise JonasError(
                "--animate draws the first replicate here: use it without "
                "--resume and --backend dask"
            )
        from jonas.spec.sources import provenance

        origin = provenance(
            scenario,
            set_ or [],
            {"engine": engine, "seed": seed, "replicates": replicates, "start": start},
        )
        folder = out or default_out(loaded.scenario.name)
        if animate and on_map:
            meta = _animated(prepared, folder, quiet or as_json, log, report, origin)
        else:
            from jonas.ensemble import Clock, run_ensemble

            label = f"{engine_.name} replicates"
            clock, unit = Clock(), loaded.scenario.time_unit
            silent = quiet or as_json
            first = None if silent else first_run(engine_, loaded)
            with progress_bar(label, silent, clock, unit, first) as (started, advance):
                meta = run_ensemble(
                    prepared,
                    folder,
                    backend=backend,
                    workers=workers,
                    address=address,
                    resume=resume,
                    progress=advance,
                    started=started,
                    log=log,
                    animate=animate,
                    report=report,
                    provenance=origin,
                    clock=clock,
                )
        if csv:
            from jonas.outputs.export import export_csv

            export_csv(folder)
        meta["output_folder"] = str(folder)
        return meta

    emit(guarded(go), as_json, quiet, print_summary)


def _animated(
    prepared: Any, folder: Path, silent: bool, log: bool, report: bool, origin: dict[str, Any]
) -> dict[str, Any]:
    """The run in this process, with pictures of its first replicate: the animation and
    snapshots of the city."""
    from jonas.api import run_prepared
    from jonas.ensemble import Clock
    from jonas.ensemble.clock import hands, slot
    from jonas.outputs import Pictures

    frames: list[Any] = []
    clock, n = Clock(), prepared.replicates
    tick, done = hands(slot(str(clock.start([n], n, 0, float(prepared.times[-1]))), 0))
    unit = prepared.scenario.scenario.time_unit
    label = f"{prepared.engine.name} replicates"
    first = None if silent else first_run(prepared.engine, prepared.scenario)
    try:
        with progress_bar(label, silent, clock, unit, first) as (started, advance):
            if started is not None:
                started(0, n)

            def finished(k: int) -> None:
                if done is not None:
                    done(k)
                if advance is not None:
                    advance(k)

            result = run_prepared(
                prepared, finished, lambda _r, frame: frames.append(frame), clock=tick
            )
    finally:
        clock.close()
    result.save(
        folder,
        log=log,
        pictures=Pictures(prepared.city, frames),
        report=report,
        provenance=origin,
        named="--out",
    )
    return json.loads((folder / "run.json").read_text("utf-8"))


@app.command()
def summarize(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A run's folder (finished or interrupted).")
    ],
    log: Annotated[bool, typer.Option("--log", help="Log-scale plot.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON instead of a table.")
    ] = False,
) -> None:
    """Re-read a run's folder, finished or partial: print its summary and write its
    bands.parquet and plot.png again."""

    def go() -> dict[str, Any]:
        from jonas.outputs import refresh

        meta = refresh(folder, log=log)
        meta["output_folder"] = str(folder)
        return meta

    emit(guarded(go), as_json, False, print_summary)


@app.command("report")
def report_command(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A run's folder (finished or interrupted).")
    ],
) -> None:
    """Write report.html into a run's folder: the scenario, the outcome against its
    targets, interactive curves and maps, and the notes, in one page that opens offline
    (needs jonas\\[web])."""

    def go() -> dict[str, Any]:
        from jonas.outputs import write_report
        from jonas.outputs.writers.report import check_available

        check_available()
        return {"report": str(write_report(folder))}

    emit(guarded(go), False, False, lambda meta: print(f"wrote {meta['report']}"))


@app.command("export")
def export_command(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A run's folder (finished or interrupted).")
    ],
) -> None:
    """Write CSV copies of a run's tables for spreadsheets: timeseries.csv, incidence.csv
    and replicates.csv, beside the Parquet files (what jonas run --csv writes)."""

    def go() -> dict[str, Any]:
        from jonas.outputs.export import export_csv

        return {"written": [str(p) for p in export_csv(folder)]}

    emit(guarded(go), False, False, lambda meta: print("wrote " + ", ".join(meta["written"])))
