"""The command line: ``jonas list | validate | run``.

Imports of numpy, numba and friends happen inside the commands so that ``jonas --help``
answers at once. Every :class:`~jonas.errors.JonasError` becomes a one-paragraph message
on stderr and exit code 2, with no traceback and no output files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

app = typer.Typer(
    name="jonas",
    help="Outbreak simulator for the Jonas virus and any zombie-like epidemic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="SECTION.KEY=VALUE",
        help="Override one scenario value, e.g. parameters.alpha=0.8 (repeatable).",
    ),
]


def _fail(message: str, code: int = 2) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {message}", markup=True
    )
    raise typer.Exit(code)


def _guarded(action: Callable[[], T]) -> T:
    from jonas.errors import JonasError

    try:
        return action()
    except JonasError as exc:
        _fail(str(exc).replace("[", r"\["))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    raise AssertionError("unreachable")


def _version(value: bool) -> None:
    if value:
        from jonas import __version__

        typer.echo(f"jonas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Outbreak simulator for the Jonas virus and any zombie-like epidemic."""


@app.command("list")
def list_scenarios() -> None:
    """List the built-in scenarios, one line each."""
    from rich.console import Console
    from rich.table import Table

    from jonas.scenario import _builtin_text, builtin_names, parse_toml

    table = Table(box=None, show_header=True, header_style="bold")
    table.add_column("scenario")
    table.add_column("description")
    for name in builtin_names():
        info = parse_toml(_builtin_text(name), name).get("scenario", {})
        table.add_row(name, info.get("description", ""))
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 140)  # piped: one line per scenario
    console.print(table)


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

    _guarded(check)


def _default_out(name: str) -> Path:
    # The scenario's name is the user's text: keep it to one harmless path component.
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip(".-") or "scenario"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("results") / f"{name}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = Path("results") / f"{name}-{stamp}-{n}"
    return out


@app.command()
def run(
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="A built-in scenario name or a TOML file.")
    ],
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", "-e", metavar="ENGINE", help="ode, ssa, tauleap, lattice or agents."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="SEED", help="Random seed (stochastic engines).")
    ] = None,
    replicates: Annotated[
        int | None,
        typer.Option("--replicates", "-r", metavar="N", help="Number of stochastic replicates."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Output folder (default: results/SCENARIO-TIME/)."),
    ] = None,
    set_: SetOption = None,
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
            "and snapshots/ of key moments.",
        ),
    ] = False,
) -> None:
    """Run a scenario and write timeseries.parquet, run.json and plot.png."""

    def go() -> dict[str, Any]:
        from jonas.api import prepare
        from jonas.api import run as run_scenario

        # Every input error surfaces here, before any work is done or any file written.
        loaded, _ = prepare(scenario, set_ or [], engine=engine, seed=seed, replicates=replicates)
        spec = loaded.run
        if animate and not (spec.engine == "agents" and loaded.agents_spec.mode == "spatial"):
            from jonas.errors import JonasError

            raise JonasError(
                "--animate: pictures of the city need the agents engine on a map "
                f'(run.engine = "agents", agents.mode = "spatial"); this run is {spec.engine}'
                + (" in the mixed mode" if spec.engine == "agents" else "")
            )
        frames: list[Any] = []
        sink = (lambda _r, frame: frames.append(frame)) if animate else None
        result = _run_with_progress(run_scenario, loaded, quiet or as_json, sink)
        folder = out or _default_out(loaded.scenario.name)
        result.save(folder, log=log)
        if animate:
            _pictures(result, frames, folder)
        meta = json.loads((folder / "run.json").read_text("utf-8"))
        meta["output_folder"] = str(folder)
        return meta

    meta = _guarded(go)
    if as_json:
        sys.stdout.write(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    elif not quiet:
        _print_summary(meta)


def _run_with_progress(
    run_scenario: Callable[..., Any], scenario: Any, silent: bool, frames: Any = None
) -> Any:
    n = 1 if scenario.run.engine == "ode" else scenario.run.replicates
    if silent or n < 2:
        return run_scenario(scenario, frames=frames)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(f"{scenario.run.engine} replicates", total=n)
        return run_scenario(scenario, progress=lambda k: bar.advance(task, k), frames=frames)


def _pictures(result: Any, frames: list[Any], folder: Path) -> None:
    """The animation and snapshots of the agents engine's first replicate."""
    from jonas.agents.animate import write_animation, write_snapshots
    from jonas.engines.agents_setup import setup

    city = setup(result.scenario, result.model).city
    write_animation(city, frames, folder / "animation.gif")
    write_snapshots(city, frames, folder / "snapshots")


def _number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _print_summary(meta: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    summary = meta["summary"]
    many = meta["replicates"] > 1
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 100)  # piped output: room for the tables
    console.print(
        f"[bold]{meta['scenario_name']}[/] · {meta['engine']} · seed {meta['seed']} · "
        f"{meta['replicates']} replicate{'s' if many else ''} · "
        f"t_end {summary['t_end']:g} {summary['time_unit']}"
    )
    if summary["metrics"]:
        table = Table(
            title="outcome" + (" (median of the replicates)" if many else ""), title_justify="left"
        )
        table.add_column("metric", no_wrap=True)
        table.add_column("simulated", justify="right", no_wrap=True)
        if many:
            table.add_column("5–95%", justify="right", no_wrap=True)
        table.add_column("target", justify="right", no_wrap=True)
        table.add_column("", justify="center", no_wrap=True, min_width=3)
        for name, m in summary["metrics"].items():
            timed = m["unit"] != "people"
            digits = 1 if timed else 0
            row = [name, _number(m["median"], digits) + (f" {m['unit']}" if timed else "")]
            if many:
                row.append(f"{_number(m['q05'], digits)}–{_number(m['q95'], digits)}")
            check = summary["targets"].get(name)
            if check is None:
                row += ["", ""]
            else:
                wanted = (
                    f"{check['value']:,.0f} ± {100 * check.get('tolerance', 0):g}%"
                    if "value" in check
                    else f"{check['low']:g} – {check['high']:g}"
                )
                row += [wanted, "[green]ok[/]" if check["within"] else "[red]off[/]"]
            table.add_row(*row)
        console.print(table)
    table = Table(title="compartments", title_justify="left")
    table.add_column("compartment")
    table.add_column("final (median)" if many else "final", justify="right")
    if many:
        table.add_column("5–95% range", justify="right")
    table.add_column("peak (median)" if many else "peak", justify="right")
    digits = 1 if meta["engine"] == "ode" else 0
    for name, s in summary["final"].items():
        row = [name, _number(s["median"], digits)]
        if many:
            row.append(f"{_number(s['q05'], digits)} – {_number(s['q95'], digits)}")
        row.append(_number(summary["peak"][name]["median"], digits))
        table.add_row(*row)
    console.print(table)
    for note in meta.get("notes", []):
        console.print(f"note: {note}")
    folder = Path(meta["output_folder"])
    written = ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()))
    console.print(f"wrote {folder}/ ({written}) in {meta['wall_time_s']:.2f} s of simulation")


def main() -> None:
    app()
