"""Benchmark the agents engine on the built-in scenario hyosan-city.

Run from the repository root::

    .venv/bin/python benchmarks/bench_agents.py            # about 4 minutes
    .venv/bin/python benchmarks/bench_agents.py --quick    # fewer steps, no whole story
    .venv/bin/python benchmarks/bench_agents.py --json bench-agents.json

Throughput: the world of `hyosan-city` as the engine builds it (its map, rules and 60-s
steps) with all its residents at home (for 1,000,000 agents the map is generated with
1,000,000 residents: same streets, denser homes), then the outbreak under way: 1% of them
zombies scattered at random, a sound drone over downtown, the cordon closed, and the camps
calling 1% of the people to walk to them. Two starts (`START`): "pile", as above, where
the drone calls most zombies onto one point (a horde the step works out once per run of
zombies on that spot), and "spread", the same without the drone: the horde stays spread
over the city, drawn only by the fights' and screams' sound.

After 30 untimed warm-up steps (the first compiles or loads the numba cache; the rest let
fear and fights get going), the timed steps give agent-steps per second (agents x steps /
wall time; cell lists and sound field included), best of 3 rounds. Memory is the bytes per
agent of the population's arrays plus the cell lists' per-agent arrays (the per-cell arrays
are reported apart).

The whole story: `jonas.run("hyosan-city")` from the first bite to the strike (84 h,
5,040 steps) and on to its end (108 h), wall time and the canon figures; after one short
untimed run so that the kernels are compiled.

Throughput is measured on one of numba's threads and on all of them (NUMBA_NUM_THREADS;
default all cores): the same numbers either way, the step runs its strips of the map side
by side (docs/agents.md). The whole story runs on all of them, as users run it; its
agent-steps per second count every resident at every step (the gone included).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time

import numba
import numpy as np

from bench_ensemble import machine
from jonas.abm import AgentWorld, State
from jonas.abm.population import speed_units

#: the benchmark's starts: with the drone over downtown (the horde piles on its point) or
#: without (the horde stays spread)
START = ("pile", "spread")


def build(residents: int, seed: int = 1, start: str = "pile") -> AgentWorld:
    """hyosan-city's world, all calm at home, then 1% zombies, a drone (the "pile" start
    only), the cordon, camps."""
    if start not in START:
        raise ValueError(f"start must be one of {START}, got {start!r}")
    from jonas.api import prepare
    from jonas.engines.agents.replicate import Replicate

    world = Replicate(prepare("hyosan-city", [f"initial.S={residents - 1}"]).setup, seed).world
    rng = np.random.default_rng(seed)
    z = rng.choice(residents, size=residents // 100, replace=False)
    world.pop.state[z] = State.ZOMBIE
    world.pop.speed[z] = speed_units(world.params.zombie_speed)
    city = world.city
    assert city is not None
    if start == "pile":
        world.add_sound(*city.place("downtown").center, 1e6)
    world.close_cordon()
    walkers = rng.choice(residents, size=residents // 100, replace=False)
    world.evacuate(walkers, ["military camp", "quarantine camp"])
    return world


def measure(residents: int, steps: int, rounds: int = 3, start: str = "pile") -> dict[str, object]:
    """Agent-steps per second of `build`'s world on numba's current number of threads."""
    t0 = time.perf_counter()
    world = build(residents, start=start)
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    world.step()
    first = time.perf_counter() - t0
    for _ in range(29):
        world.step()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            world.step()
        times.append(time.perf_counter() - t0)
    n = len(world.pop)
    best = min(times)
    cells = world.grid.start.nbytes + world.sound.level.nbytes * 3 + world.clear.nbytes
    cells += world.blocked.nbytes + world.indoor.nbytes + world.terrain.nbytes
    return {
        "agents": n,
        "start": start,
        "threads": numba.get_num_threads(),
        "steps": steps,
        "step_s": world.dt * 3600,
        "agent_steps_per_s": n * steps / best,
        "median_agent_steps_per_s": n * steps / sorted(times)[len(times) // 2],
        "ms_per_step": 1e3 * best / steps,
        "bytes_per_agent": world.bytes_per_agent(),
        "per_cell_mb": cells / 1e6,
        "setup_s": setup,
        "first_step_s": first,
        "simulated_minutes": world.t * 60,
        "counts": world.counts(),
    }


def whole_story() -> dict[str, object]:
    """hyosan-city as users run it: wall time to the strike and to the end."""
    import jonas

    jonas.run("hyosan-city", overrides=["run.t_end=0.5"])  # compile or load the cache
    t0 = time.perf_counter()
    to_strike = jonas.run("hyosan-city", overrides=["run.t_end=84.0"])
    strike_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    full = jonas.run("hyosan-city")
    full_s = time.perf_counter() - t0
    metrics = {k: float(np.median(v)) for k, v in full.metrics().items()}
    residents = int(full.counts[0, 0].sum())
    steps = round(108.0 * 60)  # 60-s steps
    return {
        "threads": numba.get_num_threads(),
        "outbreak_to_strike_s": strike_s,
        "whole_run_s": full_s,
        "agent_steps_per_s": residents * steps / full_s,
        "strike_in_first_run": float(to_strike.metrics()["strike_time"][0]),
        "metrics": metrics,
    }


def both_ways(residents: int, steps: int, start: str) -> list[dict[str, object]]:
    """`measure` on one thread, then on all of numba's threads."""
    cores = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = measure(residents, steps, start=start)
    finally:
        numba.set_num_threads(cores)
    return [one, measure(residents, steps, start=start)] if cores > 1 else [one]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    steps = 10 if args.quick else 60
    rows = [r for n in (170_000, 1_000_000) for st in START for r in both_ways(n, steps, st)]
    stories = [] if args.quick else [whole_story()]
    now = datetime.datetime.now(datetime.UTC)
    print(
        f"machine: {machine()}, numba threads {numba.get_num_threads()}, "
        f"{now:%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'agents':>10} {'start':>7} {'threads':>8} {'agent-steps/s':>15} {'(median)':>12} "
        f"{'ms/step':>9} {'bytes/agent':>12} {'per-cell MB':>12} {'first step s':>13}"
    )
    for r in rows:
        print(
            f"{r['agents']:>10,} {r['start']:>7} {r['threads']:>8} "
            f"{r['agent_steps_per_s'] / 1e6:>13.1f} M "
            f"{r['median_agent_steps_per_s'] / 1e6:>10.1f} M {r['ms_per_step']:>9.1f} "
            f"{r['bytes_per_agent']:>12.1f} {r['per_cell_mb']:>12.2f} {r['first_step_s']:>13.2f}"
        )
    for r in rows:
        c = {k: v for k, v in r["counts"].items() if v}
        minutes = r["simulated_minutes"]
        print(
            f"  {r['agents']:,}, {r['start']} ({r['threads']} threads) after {minutes:.0f} "
            f"minutes: {c}"
        )
    for story in stories:
        print(
            f"hyosan-city ({story['threads']} threads): outbreak to strike (84 h) "
            f"{story['outbreak_to_strike_s']:.1f} s, whole run (108 h) "
            f"{story['whole_run_s']:.1f} s ({story['agent_steps_per_s'] / 1e6:.1f} M agent-steps/s)"
        )
        print("  " + ", ".join(f"{k} {v:,.0f}" for k, v in story["metrics"].items()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"throughput": rows, "hyosan_city": stories}, fh, indent=2)


if __name__ == "__main__":
    main()
