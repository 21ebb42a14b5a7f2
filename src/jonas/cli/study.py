"""``jonas compare`` and ``jonas sweep``: several ensembles on common random numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jonas.cli.common import (
    AddressOption,
    BackendOption,
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

EngineOption = Annotated[
    str | None,
    typer.Option("--engine", "-e", metavar="ENGINE", help="ode, ssa, tauleap, lattice or agents."),
]
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


def _run(
    variants: list[Any],
    options: dict[str, Any],
    backend: str,
    workers: int | None,
    address: str | None,
    resume: bool,
    silent: bool,
    folder: Path,
) -> list[dict[str, Any]]:
    """Every variant's ensemble on one pool of workers, under one progress bar."""
    from jonas.ensemble import Interrupted
    from jonas.study import run_variants

    try:
        with progress_bar("replicates", silent) as (started, advance):
            return run_variants(
                variants,
                options,
                backend=backend,
                workers=workers,
                address=address,
                resume=resume,
                progress=advance,
                started=started,
            )
    except Interrupted:
        raise Interrupted(
            f"interrupted: the finished replicates are saved in {folder}; run the same "
            f"command with --resume (and --out {folder}) to finish them"
        ) from None


def _label(source: str, overrides: list[str]) -> str:
    return source + (f" with {', '.join(overrides)}" if overrides else "")


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
        from jonas import __version__
        from jonas.ensemble.store import Store
        from jonas.errors import JonasError
        from jonas.io import write_atomic, write_json
        from jonas.results import metric_names
        from jonas.study import Variant, load_variant, paired_differences

        second = b or a
        overrides_a = [*(set_ or []), *(a_set or [])]
        overrides_b = [*(set_ or []), *(b_set or [])]
        if second == a and overrides_a == overrides_b:
            raise JonasError(
                "compare: A and B are the same; give a second scenario or --b-set (or --a-set)"
            )
        if resume and out is None:
            raise JonasError("--resume continues the study in a folder: give it with --out DIR")
        options = {"engine": engine, "seed": seed, "replicates": replicates}
        folder = out or default_out("compare")
        variants = [
            Variant(_label(a, overrides_a), a, overrides_a, folder / "a"),
            Variant(_label(second, overrides_b), second, overrides_b, folder / "b"),
        ]
        metas = _run(variants, options, backend, workers, address, resume, quiet or as_json, folder)
        scenarios = [load_variant(v, options) for v in variants]
        names = [n for n in metric_names(scenarios[0]) if n in metric_names(scenarios[1])]
        tables = [Store(v.folder).table() for v in variants]
        diffs = paired_differences(tables[0], tables[1], names)
        result = {
            "jonas_version": __version__,
            "a": {"label": variants[0].label, "source": a, "overrides": overrides_a},
            "b": {"label": variants[1].label, "source": second, "overrides": overrides_b},
            "seed": metas[0]["seed"],
            "engine": metas[0]["engine"],
            "replicates": metas[0]["replicates"],
            "differences": diffs,
            "units": {n: metas[0]["summary"]["metrics"][n]["unit"] for n in names},
        }
        write_json(folder / "compare.json", result)
        figure = _compare_plot(result)
        write_atomic(folder / "compare.png", lambda p: figure.savefig(p, format="png", dpi=120))
        result["output_folder"] = str(folder)
        return result

    emit(guarded(go), as_json, quiet, _print_compare)


def _compare_plot(result: dict[str, Any]) -> Any:
    """Each metric's mean difference relative to A's mean, with its 95% interval."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = [
        (name, d)
        for name, d in result["differences"].items()
        if d.get("difference") is not None and d.get("mean_a")
    ]
    figure, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * max(len(rows), 1)), layout="constrained")
    for y, (_, d) in enumerate(rows):
        scale = 100 / abs(d["mean_a"])
        low, high = d["ci95"]
        if low is not None:
            ax.plot([low * scale, high * scale], [y, y], color="tab:blue", linewidth=3)
        ax.plot(d["difference"] * scale, y, "o", color="black")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows])
    ax.set_xlabel("B − A, % of A's mean (mean and 95% interval, paired replicates)")
    ax.set_title(f"B: {result['b']['label']}\nA: {result['a']['label']}", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    return figure


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
            help="Values of one scenario key (repeatable: every combination is run).",
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
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        from jonas import __version__
        from jonas.errors import JonasError
        from jonas.io import write_atomic, write_json
        from jonas.results import metric_names
        from jonas.study import (
            Variant,
            grid_points,
            load_variant,
            parse_grid,
            plot_sweep,
            sweep_table,
        )

        parsed = parse_grid(grid or [])
        points = grid_points(parsed)
        if resume and out is None:
            raise JonasError("--resume continues the sweep in a folder: give it with --out DIR")
        options = {"engine": engine, "seed": seed, "replicates": replicates}
        folder = out or default_out(f"sweep-{Path(scenario).stem}")
        variants = [
            Variant(
                ", ".join(f"{k} = {v}" for k, v in point.items()),
                scenario,
                [*(set_ or []), *(f"{k}={v}" for k, v in point.items())],
                folder / "points" / f"{i:03d}",
            )
            for i, point in enumerate(points)
        ]
        metas = _run(variants, options, backend, workers, address, resume, quiet or as_json, folder)
        first = load_variant(variants[0], options)
        names = [n for n in metric_names(first) if n in metas[0]["summary"]["metrics"]]
        table = sweep_table(points, metas, names)
        arrow = pa.table(table)
        write_atomic(folder / "sweep.parquet", lambda p: pq.write_table(arrow, p))
        write_atomic(folder / "sweep.csv", lambda p: pacsv.write_csv(arrow, p))
        keys = [k for k, _ in parsed]
        plots = []
        import matplotlib.pyplot as plt

        for name in names:
            unit = metas[0]["summary"]["metrics"][name]["unit"]
            figure = plot_sweep(table, keys, name, unit, first.scenario.name)
            path = folder / "plots" / f"{name}.png"
            write_atomic(path, lambda p, f=figure: f.savefig(p, format="png", dpi=120))
            plt.close(figure)
            plots.append(str(path.relative_to(folder)))
        result = {
            "jonas_version": __version__,
            "scenario": scenario,
            "overrides": set_ or [],
            "grid": {k: v for k, v in parsed},
            "seed": metas[0]["seed"],
            "engine": metas[0]["engine"],
            "replicates": metas[0]["replicates"],
            "points": [
                {"values": p, "folder": str(v.folder.relative_to(folder))}
                for p, v in zip(points, variants, strict=True)
            ],
            "table": table,
            "plots": plots,
        }
        write_json(folder / "sweep.json", result)
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
        f"{len(result['points'])} points × {result['replicates']} replicates (medians)"
    )
    table = Table(title_justify="left")
    # Headers wrap at spaces: the table stays within the terminal.
    for column in [k.rsplit(".", 1)[-1] for k in keys] + [n.replace("_", " ") for n in names]:
        table.add_column(column, justify="right")
    for i in range(len(result["points"])):
        row = [str(table_data[k][i]) for k in keys]
        row += [number(table_data[f"{n}:median"][i], 1 if "time" in n else 0) for n in names]
        table.add_row(*row)
    console.print(table)
    console.print(
        f"wrote {result['output_folder']}/ (sweep.parquet, sweep.csv, sweep.json, plots/, points/)"
    )
