"""Benchmark the agent engine's step (jonas.agents) on the built-in Hyosan map.

Run from the repository root::

    .venv/bin/python benchmarks/bench_agents.py            # 170,000 and 1,000,000 agents
    .venv/bin/python benchmarks/bench_agents.py --quick    # fewer steps
    .venv/bin/python benchmarks/bench_agents.py --json bench-agents.json

Each size runs the full rules (spatial mode, 10 s steps): all the map's residents at their
homes (Hyosan is rebuilt with 1,000,000 residents for the larger size, same streets, denser
homes), 1% of them zombies scattered at random, a sound drone over downtown, and the cordon
closed. After 30 untimed warm-up steps (the first compiles or loads the numba cache; the
rest let fear and fights get going), the timed steps give agent-steps per second (agents x
steps / wall time, cell lists and sound field included), best of 3 rounds. Memory is the
bytes per agent of the population's arrays plus the cell lists' per-agent arrays (the
per-cell arrays of the map, cell lists and sound field are reported separately). Serial:
numba's threads play no part (the step has no parallel loop).
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import datetime
import json
import platform
import time

import numpy as np

from jonas.agents import AgentParams, AgentWorld, State
from jonas.agents.population import speed_units
from jonas.space import hyosan_city


def build(residents: int, seed: int = 1) -> AgentWorld:
    city = hyosan_city(seed=2022, residents=residents)
    world = AgentWorld.on_map(city, residents, AgentParams(), seed=seed, dt_s=10.0)
    rng = np.random.default_rng(seed)
    z = rng.choice(residents, size=residents // 100, replace=False)
    world.pop.state[z] = State.ZOMBIE
    world.pop.speed[z] = speed_units(world.params.zombie_speed)
    world.add_sound(*city.place("downtown").center, 1e4)
    world.close_cordon()
    return world


def measure(residents: int, steps: int, rounds: int = 3) -> dict[str, object]:
    t0 = time.perf_counter()
    world = build(residents)
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
    cells = world.grid.start.nbytes + world.sound.level.nbytes * 3
    cells += world.blocked.nbytes + world.indoor.nbytes + world.terrain.nbytes
    return {
        "agents": n,
        "steps": steps,
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    steps = 10 if args.quick else 60
    rows = [measure(170_000, steps), measure(1_000_000, steps)]
    now = datetime.datetime.now(datetime.UTC)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, numba threads {os.environ['NUMBA_NUM_THREADS']}, "
        f"{now:%Y-%m-%d %H:%M} UTC"
    )
    print(f"{'agents':>10} {'agent-steps/s':>15} {'(median)':>12} {'ms/step':>9} "
          f"{'bytes/agent':>12} {'per-cell MB':>12} {'first step s':>13}")  # fmt: skip
    for r in rows:
        print(
            f"{r['agents']:>10,} {r['agent_steps_per_s'] / 1e6:>13.1f} M "
            f"{r['median_agent_steps_per_s'] / 1e6:>10.1f} M {r['ms_per_step']:>9.1f} "
            f"{r['bytes_per_agent']:>12.1f} {r['per_cell_mb']:>12.2f} {r['first_step_s']:>13.2f}"
        )
    for r in rows:
        c = {k: v for k, v in r["counts"].items() if v}
        print(f"  {r['agents']:,} after {r['simulated_minutes']:.0f} simulated minutes: {c}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
