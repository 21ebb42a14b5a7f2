"""How exact is tau-leaping where outbreaks are decided? Small starts against the exact SSA
and against exact probabilities, with the time each engine takes.

    .venv/bin/python benchmarks/bench_accuracy.py            # prints the table (under a minute)
    .venv/bin/python benchmarks/bench_accuracy.py --readme   # ... and writes it into README.md
    .venv/bin/python benchmarks/bench_accuracy.py --quick    # fewer replicates
    .venv/bin/python benchmarks/bench_accuracy.py --other /tmp/jonas-before   # before/after

Questions (the ones issue 16 measured on the engine before critical reactions):

* alemi-szr, S = 1000, Z = 1, alpha = 0.8: P(humans win), against the exact recursion
  (`jonas.model.analysis.alemi_human_win_probability`);
* sir, N = 1000, R0 = 2, one infected: P(minor outbreak: fewer than 100 ever infected),
  against the exact final-size distribution (`sir_final_size_distribution`);
* munz-basic, S = 500, Z = 1: P(the zombies die out), against the SSA's;
* sir, N = 10,000, R0 = 2.5, 10 infected: the final size's distribution against the SSA's
  (two-sample Kolmogorov–Smirnov p-value; a small p says they differ);
* the jonas family (hyosan's model in a town of 2,000, no response) from one bitten
  person: the zombies at 12 hours, against the SSA's (KS, as above).

Each probability comes with its 95% interval (Wilson); each cell ends with the wall time of
that engine's run of the whole row (a warm-up run first, so no compilation is counted).

``--other PATH`` compares two revisions: PATH is another checkout of jonas with its own
environment (``PATH/.venv``), as for bench_revisions.py. Its tau-leap columns are run by
this same script with that checkout's Python, in a subprocess per question (``--worker``),
alternating with this checkout's, on the same seeds; the exact and SSA columns are this
checkout's. The other revision is "before", this one "after".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import jonas

START, END = "<!-- accuracy:start -->", "<!-- accuracy:end -->"

# name: (engine, extra overrides)
ENGINES = {
    "ssa": ("ssa", []),
    "tauleap": ("tauleap", []),
    "tauleap ε = 0.005": ("tauleap", ["run.epsilon=0.005"]),
}
LEAPING = [name for name, (engine, _) in ENGINES.items() if engine == "tauleap"]

SZR = ["run.t_end=400.0", "run.output_every=400.0"]
SIR_1000 = ["parameters.beta=0.2", "parameters.gamma=0.1", "run.t_end=2000.0"]
SIR_1000 += ["run.output_every=2000.0"]
MUNZ = ["run.t_end=40.0", "run.output_every=40.0", "parameters.Pi=0.0", "initial.S=500"]
MUNZ += ["parameters.delta=0.0", "parameters.zeta=0.0"]
SIR_BIG = ["parameters.beta=0.25", "parameters.gamma=0.1", "initial.S=9990", "initial.I=10"]
SIR_BIG += ["run.t_end=2000.0", "run.output_every=2000.0"]
TOWN = ["run.t_end=12.0", "run.output_every=12.0", "initial.S=1999", "parameters.leave=0.0"]

# key: (label, source, seed, overrides, compartment, kind); kind "win" (the compartment is
# empty at the end), "minor" (fewer than 100 in it) or "values" (its distribution)
QUESTIONS = {
    "alemi": ("alemi-szr, S = 1000, Z = 1, α = 0.8: P(humans win)", "alemi-szr", 1, SZR, "Z",
              "win"),
    "sir-minor": ("sir, N = 1000, R0 = 2, 1 infected: P(< 100 ever infected)", "sir", 2,
                  SIR_1000, "R", "minor"),
    "munz": ("munz-basic, S = 500, Z = 1: P(the zombies die out)", "munz-basic", 3, MUNZ, "Z",
             "win"),
    "sir-big": ("sir, N = 10,000, R0 = 2.5, 10 infected: final size", "sir", 4, SIR_BIG, "R",
                "values"),
    "town": ("jonas (hyosan's model, 2,000 people, no response), 1 bitten: zombies at 12 h",
             "hyosan", 4, TOWN, "Z", "values"),
}  # fmt: skip


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of a proportion k/n."""
    z = 1.96
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def scenario(source: str, overrides: list[str]):
    loaded = jonas.load(source, overrides)
    if source == "hyosan":  # the model alone: no response, no targets
        from jonas.spec import validate_data

        data = loaded.model_dump(by_alias=True, exclude_none=True)
        data["interventions"], data["targets"] = [], {}
        loaded = validate_data(data)
    return loaded


def measure(key: str, column: str, n: int) -> tuple[list[int], float]:
    """One engine's answers to one question (per replicate: 0/1 for a probability, the
    count for a distribution), and the seconds its run took after a warm-up run."""
    _, source, seed, overrides, compartment, kind = QUESTIONS[key]
    engine, extra = ENGINES[column]
    chosen = scenario(source, [*overrides, *extra])
    jonas.run(chosen, engine=engine, replicates=2, seed=seed + 1000)  # warm-up: numba's cache
    start = time.perf_counter()
    final = jonas.run(chosen, engine=engine, replicates=n, seed=seed).final()[compartment]
    seconds = time.perf_counter() - start
    if kind == "win":
        final = final == 0
    elif kind == "minor":
        final = final < 100
    return [int(v) for v in final], seconds


def exact(key: str) -> float | None:
    from jonas.model.analysis import alemi_human_win_probability, sir_final_size_distribution

    if key == "alemi":
        return alemi_human_win_probability(1000, 1, 0.8)
    if key == "sir-minor":
        return float(sir_final_size_distribution(1000, 1, 2.0)[: 100 - 1].sum())
    return None


def prob_cell(values: list[int], seconds: float) -> str:
    k, n = sum(values), len(values)
    low, high = wilson(k, n)
    return f"{k / n:.3f} ({low:.3f}–{high:.3f}); {seconds:.1f} s"


def dist_cell(values: list[int], seconds: float, reference: list[int] | None) -> str:
    """The mean, and the KS p-value against the SSA's distribution (``reference``)."""
    shown = f"mean {np.mean(values):,.1f}"
    if reference is not None:
        from scipy import stats

        shown += f", KS p = {stats.ks_2samp(values, reference).pvalue:.2g}"
    return f"{shown}; {seconds:.1f} s"


def other_columns(root: Path, key: str, n: int) -> dict[str, tuple[list[int], float]]:
    """The tau-leap columns of one question, measured by this script in the checkout at
    ``root`` with its own Python."""
    python = root / ".venv" / "bin" / "python"
    args = [str(python), str(Path(__file__).resolve()), "--worker", key, "--replicates", str(n)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=root).stdout
    got = json.loads(out.strip().splitlines()[-1])
    return {column: (values, seconds) for column, (values, seconds) in got.items()}


def revision(root: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%h %s"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()[:60]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 replicates a row")
    parser.add_argument("--replicates", type=int, help="replicates a row (default 4,000)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--other", type=Path, help="another checkout: its tau-leap as 'before'")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one question, tau-leap, as JSON
    args = parser.parse_args()
    n = args.replicates or (1000 if args.quick else 4000)

    if args.worker:
        got = {column: measure(args.worker, column, n) for column in LEAPING}
        print(json.dumps(got))
        return

    other = args.other.resolve() if args.other else None
    if other is None:
        columns = list(ENGINES)
    else:
        columns = ["ssa"] + [f"{c} {w}" for c in LEAPING for w in ("before", "after")]
    rows = []
    for key, (label, *_, kind) in QUESTIONS.items():
        runs = {}
        for column in ENGINES:
            runs[column if other is None or column == "ssa" else f"{column} after"] = measure(
                key, column, n
            )
        if other is not None:
            for column, got in other_columns(other, key, n).items():
                runs[f"{column} before"] = got
        if kind == "values":
            reference = runs["ssa"][0]
            cells = [dist_cell(*runs[c], None if c == "ssa" else reference) for c in columns]
        else:
            cells = [prob_cell(*runs[c]) for c in columns]
        value = exact(key)
        shown = f"{value:.3f}" if value is not None else "–"
        rows.append(f"| {label} | {shown} | " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr, flush=True)

    from bench_ensemble import machine, write_section

    header = [
        f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}; "
        f"{n:,} replicates a row; intervals are 95% (Wilson); each cell ends with the wall "
        "time of that engine's run of the whole row.",
        "",
    ]
    if other is not None:
        here = Path(__file__).resolve().parent.parent
        header += [f"- before: `{revision(other)}`", f"- after: `{revision(here)}`", ""]
    header += [
        "| question | exact | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    table = "\n".join(header + rows)
    print(table)
    if args.readme:
        write_section(START, END, table)


if __name__ == "__main__":
    main()
