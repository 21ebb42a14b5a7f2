"""How exact is tau-leaping where outbreaks are decided? Small starts against the exact SSA
and against exact probabilities, with the time each engine takes.

    .venv/bin/python benchmarks/bench_accuracy.py            # prints the table
    .venv/bin/python benchmarks/bench_accuracy.py --readme   # ... and writes it into README.md
    .venv/bin/python benchmarks/bench_accuracy.py --quick    # fewer replicates

Questions (the ones issue 16 measured on the engine before critical reactions):

* alemi-szr, S = 1000, Z = 1, alpha = 0.8: P(humans win), against the exact recursion
  (`jonas.model.analysis.alemi_human_win_probability`);
* sir, N = 1000, R0 = 2, one infected: P(minor outbreak: fewer than 100 ever infected),
  against the exact final-size distribution (`sir_final_size_distribution`);
* sir, N = 10,000, R0 = 2.5, 10 infected: the final size's distribution against the SSA's
  (two-sample Kolmogorov–Smirnov p-value; a small p says they differ);
* munz-basic and the jonas family (hyosan's model in a town of 2,000) from one case:
  P(the outbreak dies out) against the SSA's.

Each probability comes with its 95% interval (Wilson); each row is timed.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import stats

import jonas
from jonas.model.analysis import alemi_human_win_probability, sir_final_size_distribution
from jonas.spec import validate_data

START, END = "<!-- accuracy:start -->", "<!-- accuracy:end -->"


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of a proportion k/n."""
    z = 1.96
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def finals(source: str, engine: str, n: int, seed: int, overrides: list[str]) -> tuple:
    """Every replicate's final counts, and the seconds the run took."""
    scenario = jonas.load(source, overrides)
    if source == "hyosan":  # the model alone: no response, no targets
        data = scenario.model_dump(by_alias=True, exclude_none=True)
        data["interventions"], data["targets"] = [], {}
        scenario = validate_data(data)
    start = time.perf_counter()
    result = jonas.run(scenario, engine=engine, replicates=n, seed=seed)
    return result.final(), time.perf_counter() - start


def prob_row(label: str, exact: float | None, runs: dict[str, tuple[np.ndarray, float]]) -> str:
    cells = []
    for hits, seconds in runs.values():
        k, n = int(hits.sum()), hits.size
        low, high = wilson(k, n)
        cells.append(f"{k / n:.3f} ({low:.3f}–{high:.3f}); {seconds:.1f} s")
    shown = f"{exact:.3f}" if exact is not None else "–"
    return f"| {label} | {shown} | " + " | ".join(cells) + " |"


def ks_row(label: str, samples: dict[str, tuple[np.ndarray, float]]) -> str:
    """Each engine's mean, and the KS p-value of its distribution against the SSA's."""
    reference = samples["ssa"][0]
    cells = []
    for name, (values, seconds) in samples.items():
        shown = f"mean {values.mean():,.1f}"
        if name != "ssa":
            shown += f", KS p = {stats.ks_2samp(values, reference).pvalue:.2g}"
        cells.append(f"{shown}; {seconds:.1f} s")
    return f"| {label} | – | " + " | ".join(cells) + " |"


ENGINES = {
    "ssa": ("ssa", []),
    "tauleap": ("tauleap", []),
    "tauleap, epsilon 0.005": ("tauleap", ["run.epsilon=0.005"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 replicates a row")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    n = 1000 if args.quick else 4000
    rows = []

    # alemi-szr: P(humans win) = P(no zombie left)
    szr = ["run.t_end=400.0", "run.output_every=400.0"]
    runs = {}
    for label, (engine, extra) in ENGINES.items():
        final, seconds = finals("alemi-szr", engine, n, 1, [*szr, *extra])
        runs[label] = (final["Z"] == 0, seconds)
    exact = alemi_human_win_probability(1000, 1, 0.8)
    rows.append(prob_row("alemi-szr, S = 1000, Z = 1, α = 0.8: P(humans win)", exact, runs))

    # sir, N = 1000, R0 = 2: P(minor outbreak)
    small = ["parameters.beta=0.2", "parameters.gamma=0.1", "run.t_end=2000.0"]
    small += ["run.output_every=2000.0"]
    runs = {}
    for label, (engine, extra) in ENGINES.items():
        final, seconds = finals("sir", engine, n, 2, [*small, *extra])
        runs[label] = (final["R"] < 100, seconds)
    exact = float(sir_final_size_distribution(1000, 1, 2.0)[: 100 - 1].sum())
    rows.append(prob_row("sir, N = 1000, R0 = 2, 1 infected: P(< 100 ever infected)", exact, runs))

    # munz-basic: P(the zombies die out), against the SSA
    munz = ["run.t_end=40.0", "run.output_every=40.0", "parameters.Pi=0.0", "initial.S=500"]
    munz += ["parameters.delta=0.0", "parameters.zeta=0.0"]
    runs = {}
    for label, (engine, extra) in ENGINES.items():
        final, seconds = finals("munz-basic", engine, n, 3, [*munz, *extra])
        runs[label] = (final["Z"] == 0, seconds)
    rows.append(prob_row("munz-basic, S = 500, Z = 1: P(the zombies die out)", None, runs))

    # distributions against the SSA's (two-sample KS)
    big = ["parameters.beta=0.25", "parameters.gamma=0.1", "initial.S=9990", "initial.I=10"]
    big += ["run.t_end=2000.0", "run.output_every=2000.0"]
    town = ["run.t_end=12.0", "run.output_every=12.0", "initial.S=1999", "parameters.leave=0.0"]
    for label_, source, overrides, figure in (
        ("sir, N = 10,000, R0 = 2.5, 10 infected: final size", "sir", big, "R"),
        ("jonas (hyosan's model, 2,000 people, no response), 1 bitten: zombies at 12 h",
         "hyosan", town, "Z"),
    ):  # fmt: skip
        samples = {}
        for label, (engine, extra) in ENGINES.items():
            final, seconds = finals(source, engine, n, 4, [*overrides, *extra])
            samples[label] = (final[figure], seconds)
        rows.append(ks_row(label_, samples))

    header = [
        f"{n:,} replicates a row; intervals are 95% (Wilson); each cell ends with the wall "
        "time of the whole row's run on that engine.",
        "",
        "| question | exact | " + " | ".join(ENGINES) + " |",
        "|---|---|" + "---|" * len(ENGINES),
    ]
    table = "\n".join(header + rows)
    print(table)
    if args.readme:
        from bench_ensemble import write_section

        write_section(START, END, table)


if __name__ == "__main__":
    main()
