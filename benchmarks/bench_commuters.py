"""Commuters' fixed steps against adaptive ones (the metapop engine).

While at work, each group of commuters leaps in fixed steps of
``jonas.engines.metapop.kernel.COMMUTER_STEP_HOURS`` (their hazards are their workplace's,
set by the others there, whose counts are shared every hour, and barely moved by the group
itself); the residents leap adaptively, with critical reactions. This runs the same
outbreak both ways (the ``korea`` scenario over Seoul and Gyeonggi, 72 hours, the same
seeds) and compares what a user reads: the zombies at the end, and how many districts the
virus reached. Run from the repository root::

    .venv/bin/python benchmarks/bench_commuters.py [--replicates 200] [--hours 0.25 0.5]

``--hours`` are the fixed steps to try (in hours; the engine's is ``COMMUTER_STEP_HOURS``),
each against adaptive steps.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

import jonas
from jonas.engines.metapop.engine import simulate_metapop
from jonas.engines.metapop.kernel import COMMUTER_STEP_HOURS
from jonas.engines.metapop.setup import setup
from jonas.model import compile_model, output_times

SETS = ["metapop.regions=['Seoul', 'Gyeonggi']", "run.t_end=72.0", "run.output_every=72.0"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--hours", type=float, nargs="+", default=[COMMUTER_STEP_HOURS])
    args = parser.parse_args()
    scenario = jonas.load("korea", SETS)
    model = compile_model(scenario)
    where = setup(scenario, model)
    times = output_times(scenario.run.t_end, scenario.run.every)
    seeds = np.arange(1000, 1000 + args.replicates)
    z = model.compartments.index("Z")
    found = {}
    for hours in (*args.hours, 0.0):
        label = f"fixed, {hours * 60:g} min" if hours else "adaptive"
        simulate_metapop(
            model, where, times, seeds[:1], 0.0, scenario.run.epsilon, commuter_hours=hours
        )  # fmt: skip  (compiles)
        start = time.perf_counter()
        out, _, _, arrival, _ = simulate_metapop(
            model, where, times, seeds, 0.0, scenario.run.epsilon, commuter_hours=hours
        )
        seconds = (time.perf_counter() - start) / seeds.size
        found[label] = (out[:, -1, z], np.isfinite(arrival[:, :, 0]).sum(axis=1), seconds)
    print(f"{args.replicates} replicates each, seeds 1000-{999 + args.replicates}\n")
    print(
        "| commuters' steps | zombies at 72 h: mean (median) | districts reached: mean "
        "| s per replicate |"
    )
    print("|---|---|---|---|")
    for label, (zombies, reached, seconds) in found.items():
        print(
            f"| {label} | {zombies.mean():,.0f} ({np.median(zombies):,.0f}) | "
            f"{reached.mean():.1f} | {seconds:.2f} |"
        )
    print()
    for label in found:
        if label == "adaptive":
            continue
        for i, what in ((0, "zombies at 72 h"), (1, "districts reached")):
            ks = stats.ks_2samp(found[label][i], found["adaptive"][i])
            print(
                f"KS against adaptive, {label}, {what}: D = {ks.statistic:.3f}, p = {ks.pvalue:.2g}"
            )


if __name__ == "__main__":
    main()
