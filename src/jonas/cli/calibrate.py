"""``jonas calibrate``: fit scenario values to targets with ABC-SMC."""

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
)


@app.command()
def calibrate(
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="[SCENARIO]", help="The scenario (default: the targets file's scenario)."
        ),
    ] = None,
    targets: Annotated[
        str,
        typer.Option(
            "--targets", "-t", metavar="FILE", help="A targets file, or a shipped one by name."
        ),
    ] = "",
    set_: SetOption = None,
    engine: EngineOption = None,
    seed: Annotated[int | None, typer.Option(metavar="SEED", help="Random seed.")] = None,
    population: Annotated[
        int | None, typer.Option(metavar="N", help="ABC particles per generation.")
    ] = None,
    generations: Annotated[
        int | None, typer.Option(metavar="G", help="Most ABC-SMC generations.")
    ] = None,
    replicates: Annotated[
        int | None,
        typer.Option("--replicates", "-r", metavar="N", help="Simulations averaged per particle."),
    ] = None,
    workers: WorkersOption = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="Output folder.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print calibration.json.")] = False,
) -> None:
    """Fit scenario values (with priors) to target figures by ABC-SMC (pyabc): fitted values
    with uncertainty, and a posterior-predictive check."""

    def go() -> dict[str, Any]:
        import importlib.util

        from jonas.errors import JonasError

        if not targets:
            raise JonasError("calibrate: give the targets with --targets FILE (or a name)")
        if importlib.util.find_spec("pyabc") is None:
            raise JonasError(
                "jonas calibrate needs pyabc; install it with pip install 'jonas[calibrate]'"
            )
        from jonas.api import prepare
        from jonas.ensemble.backends import check_options
        from jonas.workflows.calibrate import calibrate as fit
        from jonas.workflows.calibrate import check, load_targets

        spec, _, label = load_targets(targets)
        settings = spec.calibrate
        source = scenario or settings.scenario
        if source is None:
            raise JonasError(
                f"calibrate: name the scenario (jonas calibrate SCENARIO …), or give "
                f"[calibrate] scenario in {label}"
            )
        check_options(backend, workers, address)
        for name, value in (
            ("--population", population),
            ("--generations", generations),
            ("--replicates", replicates),
        ):
            if value is not None and value < (2 if name == "--population" else 1):
                raise JonasError(f"{name} {value}: too small")
        loaded, model = prepare(
            source,
            set_ or [],
            engine=engine or settings.engine,
            seed=seed if seed is not None else settings.seed,
        )
        check(spec, loaded, model, label)
        folder = out or default_out(f"calibrate-{loaded.scenario.name}")
        say = None
        if not (quiet or as_json):
            from rich.console import Console

            console = Console(highlight=False)
            say = console.print
        result = fit(
            loaded,
            spec,
            folder,
            seed=loaded.run.seed,
            population=population or settings.population,
            generations=generations or settings.generations,
            replicates=replicates or settings.replicates,
            backend=backend,
            workers=workers,
            address=address,
            report=say,
        )
        result["output_folder"] = str(folder)
        return result

    emit(guarded(go), as_json, quiet, _print)


def _print(result: dict[str, Any]) -> None:
    from rich.table import Table

    console = make_console(110)
    console.print(
        f"[bold]{result['scenario_name']}[/] · {result['engine']} · seed {result['seed']} · "
        f"{result['generations']} generations of {result['population']} · "
        f"{result['evaluations']:,} simulations · final epsilon {result['epsilons'][-1]:.3g}"
    )
    table = Table(title="fitted (weighted posterior)", title_justify="left")
    for column in ("value", "mean ± sd", "5–95%", "scenario default"):
        table.add_column(column, justify="left" if column == "value" else "right")
    for key, f in result["fitted"].items():
        default = f["default"]
        table.add_row(
            key,
            f"{f['mean']:.4g} ± {f['sd']:.2g}",
            f"{f['q05']:.4g} – {f['q95']:.4g}",
            f"{default:.4g}" if isinstance(default, int | float) else "–",
        )
    console.print(table)
    table = Table(title="posterior-predictive check", title_justify="left")
    for column in ("target", "wanted", "predicted median", "5–95%", "within tolerance", ""):
        table.add_column(column, justify="left" if column == "target" else "right")
    for name, c in result["predictive_check"].items():
        table.add_row(
            name,
            f"{c['target']:,.4g} ± {c['unit']:,.3g}",
            number(c["predictive_median"]),
            f"{number(c['predictive_q05'])} – {number(c['predictive_q95'])}",
            f"{100 * c['share_within']:.0f}% of runs",
            "[green]ok[/]" if c["within"] else "[red]off[/]",
        )
    console.print(table)
    console.print(
        f"wrote {result['output_folder']}/ (calibration.json, posterior.parquet, "
        f"posterior.png, predictive.png, calibration.db) in {result['wall_time_s']:.0f} s"
    )
