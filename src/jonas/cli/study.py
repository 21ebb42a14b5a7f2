"""``jonas compare`` and ``jonas sweep``: several ensembles on common random numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jonas.cli.common import (
    AddressOption,
    BackendOption,
    EngineOption,
    SetOption,
    WorkersOption,
    app,
    default_out,
    emit,
    guarded,
    make_console,
    number,
    progress_bar,
)

SeedOption = Annotated[
    int | None, typer.Option(metavar="SEED", help="Random seed, shared by every variant.")
]
ReplicatesOption = Annotated[
    int | None,
    typer.Option("--replicates", "-r", metavar="N", help="Replicates of each variant."),
]
OutOption = Annotated[Path | None, typer.Option(metavar="DIR", help="Output folder.")]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Continue an interrupted study in --out DIR.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]


def _studying(folder: Path, silent: bool) -> Any:
    """A progress bar for a study, and its interruption message."""
    from contextlib import contextmanager

    from jonas.ensemble import Interrupted

    @contextmanager
    def bar() -> Any:
        try:
            with progress_bar("replicates", silent) as callbacks:
                yield callbacks
        except Interrupted:
            raise Interrupted(
                f"interrupted: the finished replicates are saved in {folder}; run the same "
                f"command with --resume (and --out {folder}) to finish them"
            ) from None

    return bar()


@app.command()
def compare(
    a: Annotated[str, typer.Argument(metavar="A", help="A scenario (built-in name or file).")],
    b: Annotated[
        str | None,
        typer.Argument(metavar="[B]", help="A second scenario (default: A again, with --b-set)."),
    ] = None,
    set_: SetOption = None,
    a_set: Annotated[
        list[str] | None,
        typer.Option("--a-set", metavar="SECTION.KEY=VALUE", help="An override for A only."),
    ] = None,
    b_set: Annotated[
        list[str] | None,
        typer.Option("--b-set", metavar="SECTION.KEY=VALUE", help="An override for B only."),
    ] = None,
    engine: EngineOption = None,
    seed: SeedOption = None,
    replicates: ReplicatesOption = None,
    workers: WorkersOption = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    out: OutOption = None,
    resume: ResumeOption = False,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run A and B on the same seeds and report the paired differences B − A of every
    summary metric, with 95% confidence intervals."""

    def go() -> dict[str, Any]:
        from jonas.errors import JonasError
        from jonas.workflows.compare import compare as run_compare
        from jonas.workflows.variants import Execution

        if resume and out is None:
            raise JonasError("--resume continues the study in a folder: give it with --out DIR")
        options = {"engine": engine, "seed": seed, "replicates": replicates}
        folder = out or default_out("compare")
        with _studying(folder, quiet or as_json) as (started, advance):
            how = Execution(backend, workers, address, resume, advance, started)
            overrides_a = [*(set_ or []), *(a_set or [])]
            overrides_b = [*(set_ or []), *(b_set or [])]
            result = run_compare(a, b or a, overrides_a, overrides_b, options, folder, how)
        result["output_folder"] = str(folder)
        return result

    emit(guarded(go), as_json, quiet, _print_compare)


def _print_compare(result: dict[str, Any]) -> None:
    from rich.table import Table

    console = make_console(120)
    console.print(
        f"[bold]B − A[/] · {result['engine']} · seed {result['seed']} · "
        f"{result['replicates']} paired replicates\n  A: {result['a']['label']}\n"
        f"  B: {result['b']['label']}"
    )
    table = Table(title_justify="left")
    for column in (
        "metric",
        "A (mean)",
        "B (mean)",
        "B − A (mean)",
        "95% interval",
        "B higher",
        "pairing gain",
    ):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, d in result["differences"].items():
        if d.get("difference") is None:
            table.add_row(name, "–", "–", "–", "–", "–", "–")
            continue
        if "ci95_a" in d:  # a yes/no metric: its means are probabilities
            name = f"{name} (p)"
            digits = 3
        else:
            digits = 0 if result["units"][name] == "people" else 2
        low, high = d["ci95"]
        interval = "–" if low is None else f"{number(low, digits)} – {number(high, digits)}"
        gain = d["variance_reduction"]
        table.add_row(
            name,
            number(d["mean_a"], digits),
            number(d["mean_b"], digits),
            f"{d['difference']:+,.{digits}f}",
            interval,
            f"{100 * d['share_b_higher']:.0f}%",
            "–" if gain is None else f"{gain:.1f}×",
        )
    console.print(table)
    if any("ci95_a" in d for d in result["differences"].values()):
        console.print(
            "(p): a yes/no metric, as the share of replicates that say yes; its interval is "
            "Newcombe's for paired proportions"
        )
    console.print(f"wrote {result['output_folder']}/ (a/, b/, compare.json, compare.png)")


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="A scenario to vary.")],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            "-g",
            metavar="SECTION.KEY=V1,V2,…",
            help="Values of one scenario key, listed or as a range START:STOP:STEP "
            "(0.5:1.0:0.1; repeatable: every combination is run).",
        ),
    ] = None,
    set_: SetOption = None,
    engine: EngineOption = None,
    seed: SeedOption = None,
    replicates: ReplicatesOption = None,
    workers: WorkersOption = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    out: OutOption = None,
    resume: ResumeOption = False,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run a grid of parameter values (every combination, same seeds) and write one table
    (sweep.parquet, sweep.csv) and one plot per summary metric."""

    def go() -> dict[str, Any]:
        from jonas.errors import JonasError
        from jonas.workflows.sweep import parse_grid
        from jonas.workflows.sweep import sweep as run_sweep
        from jonas.workflows.variants import Execution

        parsed = parse_grid(grid or [])
        if resume and out is None:
            raise JonasError("--resume continues the sweep in a folder: give it with --out DIR")
        options = {"engine": engine, "seed": seed, "replicates": replicates}
        folder = out or default_out(f"sweep-{Path(scenario).stem}")
        with _studying(folder, quiet or as_json) as (started, advance):
            how = Execution(backend, workers, address, resume, advance, started)
            result = run_sweep(scenario, parsed, set_ or [], options, folder, how)
        result["output_folder"] = str(folder)
        return result

    emit(guarded(go), as_json, quiet, _print_sweep)


def _print_sweep(result: dict[str, Any]) -> None:
    from rich.table import Table

    console = make_console(140)
    table_data = result["table"]
    keys = list(result["grid"])
    names = [c.removesuffix(":median") for c in table_data if c.endswith(":median")]
    console.print(
        f"[bold]sweep of {result['scenario']}[/] · {result['engine']} · seed {result['seed']} · "
        f"{len(result['points'])} points × {result['replicates']} replicates (medians; "
        "yes/no: the share of yes [95% Wilson interval])"
    )
    table = Table(title_justify="left")
    # Headers wrap at spaces: the table stays within the terminal.
    for column in [k.rsplit(".", 1)[-1] for k in keys] + [n.replace("_", " ") for n in names]:
        table.add_column(column, justify="right")
    for i in range(len(result["points"])):
        row = [str(table_data[k][i]) for k in keys]
        row += [_cell(table_data, n, i) for n in names]
        table.add_row(*row)
    console.print(table)
    _print_steps(result, console)
    console.print(
        f"wrote {result['output_folder']}/ (sweep.parquet, sweep.csv, sweep.json, plots/, points/)"
    )


def _cell(table: dict[str, list[Any]], name: str, i: int) -> str:
    """A sweep point's figure: the median, or a yes/no metric's probability and interval."""
    if f"{name}:probability" not in table:
        return number(table[f"{name}:median"][i], 1 if "time" in name else 0)
    p, low, high = (table[f"{name}:{k}"][i] for k in ("probability", "ci_low", "ci_high"))
    if p is None:
        return "–"
    return f"{p:.3f}" if low is None else f"{p:.3f} [{low:.3f}–{high:.3f}]"


def _print_steps(result: dict[str, Any], console: Any) -> None:
    """The yes/no metrics' paired differences between neighbouring grid points (the
    same seeds: common random numbers), with Newcombe's interval."""
    from rich.table import Table

    rows = [
        (step, name, d)
        for step in result["steps"]
        for name, d in step["differences"].items()
        if "ci95_a" in d and d.get("difference") is not None
    ]
    if not rows:
        return
    table = Table(
        title="one step along the grid, replicate by replicate (yes/no: difference of "
        "probabilities, 95% Newcombe interval)",
        title_justify="left",
    )
    for column in ("from", "to", "metric", "difference", "95% interval"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    points = result["points"]
    for step, name, d in rows:
        low, high = d["ci95"]
        table.add_row(
            _point(points[step["from"]]["values"]),
            _point(points[step["to"]]["values"]),
            name,
            f"{d['difference']:+.3f}",
            "–" if low is None else f"{low:+.3f} – {high:+.3f}",
        )
    console.print(table)


def _point(values: dict[str, str]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]} = {v}" for k, v in values.items())
