"""What every command shares: the app, error handling, options, progress and tables.

Imports of numpy, numba and friends happen inside the commands so that ``jonas --help``
answers at once. Every :class:`~jonas.errors.JonasError` becomes a one-paragraph message
on stderr and exit code 2 (130 for an interrupted run), with no traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from jonas.metrics import is_yes_no, wilson_interval

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


def fail(message: str, code: int = 2) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {message}", markup=True
    )
    raise typer.Exit(code)


def guarded(action: Callable[[], T]) -> T:
    from jonas.errors import JonasError

    try:
        return action()
    except JonasError as exc:
        fail(str(exc).replace("[", r"\["), getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    raise AssertionError("unreachable")


def _version(value: bool) -> None:
    if value:
        from jonas.version import __version__

        typer.echo(f"jonas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Outbreak simulator for the Jonas virus and any zombie-like epidemic."""


def default_out(name: str) -> Path:
    # The scenario's name is the user's text: keep it to one harmless path component.
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip(".-") or "scenario"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("results") / f"{name}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = Path("results") / f"{name}-{stamp}-{n}"
    return out


def _engines_help() -> str:
    # The registry's declarations are light: the help lists every engine at once.
    from jonas.engines.registry import names, spoken

    return f"{spoken(names())} (jonas engines describes them)."


EngineOption = Annotated[
    str | None,
    typer.Option("--engine", "-e", metavar="ENGINE", help=_engines_help()),
]
StartOption = Annotated[
    str | None,
    typer.Option(
        "--start",
        metavar="WHERE",
        help="Where the outbreak starts: a country's region (a district, a province: "
        "metapop.outbreak) or a place of a city map (a name, or [x, y] in metres: "
        'agents.start_at). Interventions written for regions = "outbreak" follow it.',
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-w", metavar="K", help="Worker processes (default: all cores)."),
]
BackendOption = Annotated[
    str,
    typer.Option(
        "--backend",
        metavar="BACKEND",
        # rich reads [dask] as markup: the bracket is escaped
        help="local (processes on this machine) or dask (pip install 'jonas\\[dask]').",
    ),
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        "--address",
        metavar="HOST:PORT",
        help="With --backend dask: an existing scheduler (default: a local cluster).",
    ),
]


def emit(
    result: dict[str, Any], as_json: bool, quiet: bool, table: Callable[[dict[str, Any]], None]
) -> None:
    """A command's result: JSON on stdout, the tables, or nothing."""
    import json
    import sys

    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    elif not quiet:
        table(result)


def compile_notice(engine: str, seconds: float) -> str:
    """What a first run says while numba compiles the engine (nothing runs meanwhile)."""
    return f"compiling the {engine} engine (first run only, about {seconds:.0f} s)"


def first_run(engine: Any, scenario: Any) -> str | None:
    """The :func:`compile_notice` for a run of ``scenario`` on ``engine`` (a
    :class:`~jonas.engines.registry.Engine`) that will compile it first, else None."""
    seconds = engine.compiling(scenario)
    return None if seconds is None else compile_notice(engine.name, seconds)


@contextmanager
def progress_bar(
    label: str,
    silent: bool,
    clock: Any = None,
    unit: str = "",
    first_run: str | None = None,
) -> Iterator[Any]:
    """A transient bar; yields (started, advance) callbacks for run_ensemble (or Nones).

    With a ``clock`` (:class:`jonas.ensemble.Clock`, handed to the run) the bar moves as
    the replicates advance in simulated time, not only as batches finish, and says where
    a lone long replicate is ("day 2.5 of 4") and about how long is left (:class:`Pace`).
    ``first_run``: the :func:`compile_notice` of a run that compiles first, printed at once
    and shown with the seconds it has taken until the run moves."""
    if silent:
        yield None, None
        return
    import threading
    import time

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if first_run is not None:
        Console(stderr=True, highlight=False).print(f"{first_run}…")
    last = TimeRemainingColumn() if clock is None else TimeElapsedColumn()
    columns = (SpinnerColumn(), "{task.description}", BarColumn(), MofNCompleteColumn(), last)
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def started(done: int, total: int) -> None:
            bar.update(task, total=total, completed=done)

        if clock is None:
            yield started, lambda k: bar.advance(task, k)
            return

        pace, began = Pace(), time.monotonic()

        def look() -> None:
            now, wall = clock.reading(), time.monotonic()
            left = pace.left(now.replicates, now.total, wall)
            text = progress_text(label, now, unit, left, first_run, wall - began)
            bar.update(task, completed=now.replicates, description=text)

        stop = threading.Event()

        def follow() -> None:
            while not stop.wait(0.25):
                look()

        watcher = threading.Thread(target=follow, name="jonas-progress", daemon=True)
        watcher.start()
        try:
            yield started, lambda _k: look()
        finally:
            stop.set()
            watcher.join()


class Pace:
    """The time left of a run, from how fast it has advanced since it first moved: the
    replicates done, each running one counted by how far it got in simulated time (a lone
    long replicate: the simulated time per wall second). Measured from its first move, so
    that compiling and setting up do not count as slowness."""

    #: seconds of moving before an estimate is given (the first moves are noisy)
    SETTLE_S = 2.0

    def __init__(self) -> None:
        self._since: tuple[float, float] | None = None

    def left(self, done: float, total: int, wall: float) -> float | None:
        """Seconds left with ``done`` of ``total`` replicates at wall time ``wall``
        (seconds, any origin); None until it can tell."""
        if done <= 0.0:
            return None
        if self._since is None:
            self._since = (wall, done)
            return None
        wall0, done0 = self._since
        if wall - wall0 < self.SETTLE_S or done <= done0:
            return None
        return max(0.0, total - done) * (wall - wall0) / (done - done0)


def progress_text(
    label: str, now: Any, unit: str, left: float | None, first_run: str | None, waited: float
) -> str:
    """The progress line for a clock's reading ``now`` (:class:`jonas.ensemble.Reading`):
    where the run is in simulated time, about how long is left, or, before anything moved,
    that it compiles (``first_run``, with the ``waited`` seconds) or starts."""
    if now.t is not None:
        text = f"{label} · {simulated(now.t, now.t_end, unit)}"
    elif now.replicates == 0:
        text = f"{label} · " + (f"{first_run} · {waited:.0f} s" if first_run else "starting")
    else:
        text = label
    return text if left is None else f"{text} · about {duration(left)} left"


def duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '2 h 05 min'."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def simulated(t: float, t_end: float, unit: str) -> str:
    """How far a run is in simulated time, in the scenario's unit: '2.5 of 4 days'."""
    if unit == "hours" and t_end >= 48:
        t, t_end, unit = t / 24, t_end / 24, "days"
    return f"{t:.1f} of {t_end:g} {unit}" if unit else f"t = {t:.1f} of {t_end:g}"


def make_console(width: int, **options: Any) -> Any:
    """A rich console; piped output (not a terminal) gets at least ``width`` columns, so
    that the tables are not squeezed to the pipe's default 80."""
    from rich.console import Console

    out = Console(highlight=False, **options)
    if not out.is_terminal:
        out.width = max(out.width, width)
    return out


def number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def print_summary(meta: dict[str, Any]) -> None:
    from rich.table import Table

    summary = meta["summary"]
    many = summary["replicates"] > 1
    console = make_console(100)
    shown = f"{summary['replicates']:,} replicate{'s' if many else ''}"
    if meta.get("status") == "partial":
        shown = f"{summary['replicates']:,} of {meta['replicates']:,} replicates (partial)"
    console.print(
        f"[bold]{meta['scenario_name']}[/] · {meta['engine']} · seed {meta['seed']} · "
        f"{shown} · t_end {summary['t_end']:g} {summary['time_unit']}"
    )
    if "r0" in meta:
        r0 = meta["r0"]
        infinite = "growth_rate" in r0
        value = f"{r0['value']:.3g}" if r0["value"] is not None else "∞" if infinite else "–"
        console.print(f"R0 = {value} ({r0['method']}, {r0['mixing']}; at {r0['at']})")
        if "reason" in r0:  # why it is infinite or not one number
            growth = (
                f"; the initial growth rate is defined: {r0['growth_rate']:.3g} per "
                f"{summary['time_unit'].removesuffix('s')}"
                if infinite
                else ""
            )
            console.print(f"  ({r0['reason']}{growth})")
    if summary["metrics"]:
        title = "outcome"
        if many:
            title += " (medians; yes/no: the share of yes, 95% Wilson interval)"
        table = Table(title=title, title_justify="left")
        table.add_column("metric", no_wrap=True)
        table.add_column("simulated", justify="right", no_wrap=True)
        if many:
            table.add_column("5–95%", justify="right", no_wrap=True)
        table.add_column("target", justify="right", no_wrap=True)
        table.add_column("", justify="center", no_wrap=True, min_width=3)
        for name, m in summary["metrics"].items():
            if is_yes_no(m["unit"]):
                row = [name, *_yes_no(m, summary["replicates"], many)]
            else:
                timed = m["unit"] != "people"
                digits = 1 if timed else 0
                row = [name, number(m["median"], digits) + (f" {m['unit']}" if timed else "")]
                if many:
                    row.append(f"{number(m['q05'], digits)}–{number(m['q95'], digits)}")
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
    from jonas.engines.registry import get

    digits = 0 if get(meta["engine"]).individuals else 1  # amounts show a decimal
    for name, s in summary["final"].items():
        row = [name, number(s["median"], digits)]
        if many:
            row.append(f"{number(s['q05'], digits)} – {number(s['q95'], digits)}")
        row.append(number(summary["peak"][name]["median"], digits))
        table.add_row(*row)
    console.print(table)
    if summary.get("hardest_hit"):
        words = summary.get("regions", {"units": "districts", "unit": "district"})
        console.print(_hardest_hit(summary["hardest_hit"], summary["time_unit"], many, words))
    for note in meta.get("notes", []):
        console.print(f"note: {note}")
    folder = Path(meta["output_folder"])
    written = ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()))
    console.print(f"wrote {folder}/ ({written}) in {meta['wall_time_s']:.2f} s")


def _yes_no(m: dict[str, Any], replicates: int, many: bool) -> list[str]:
    """A yes/no metric's cells: yes or no for one replicate; for many, the share that says
    yes (a probability) and its 95% Wilson interval."""
    if m["mean"] is None:
        return ["–", "–"] if many else ["–"]
    if not many:
        return ["yes" if m["mean"] == 1 else "no"]
    n = replicates - m["missing"]
    low, high = wilson_interval(m["mean"] * n, n)
    return [f"p = {m['mean']:.3f}", f"{low:.3f}–{high:.3f}"]


def _hardest_hit(rows: list[dict[str, Any]], unit: str, many: bool, words: dict[str, str]) -> Any:
    """A regional run's ten hardest-hit regions (by zombie peak per 1,000), in the
    country's own words (districts and provinces for Korea)."""
    from rich.table import Table

    table = Table(
        title=f"hardest-hit {words.get('units', 'regions')}" + (" (medians)" if many else ""),
        title_justify="left",
    )
    for name, justify in (
        (words.get("unit", "region"), "left"),
        (words.get("parent", "province"), "left"),
        ("population", "right"),
        ("peak zombies / 1,000", "right"),
        (f"first infected ({unit})", "right"),
        (f"first 100 zombies ({unit})", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row["name"],
            row["province"],
            number(row["population"], 0),
            f"{row['peak_zombies_per_1000']:.1f}",
            "—" if row["first_infected"] is None else f"{row['first_infected']:g}",
            "—" if row["first_100_zombies"] is None else f"{row['first_100_zombies']:g}",
        )
    return table
