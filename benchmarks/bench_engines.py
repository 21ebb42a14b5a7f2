"""Benchmark the stochastic engines and the start-up time of the command line.

Run from the repository root::

    .venv/bin/python benchmarks/bench_engines.py           # full run, rewrites README.md
    .venv/bin/python benchmarks/bench_engines.py --quick   # a smoke run, prints only

What it measures (numba's single thread; compilation excluded by a warm-up call and
reported separately):

* SSA throughput in reaction events per second: the compiled ``ssa_replicate`` kernel is
  called directly, as the ssa engine's run calls it, and the events it reports are
  counted exactly. Networks: Munz et al.'s basic SZR with S = 10^6, and SIR with
  N = 10^6, R0 = 3.
* tau-leaping throughput in steps per second on the same two networks (the kernel's step
  count; each step visits every state).
* A 1,000-replicate SSA ensemble of the built-in ``alemi-szr`` scenario through
  ``jonas.run`` (Python dispatch included).
* ``jonas --help`` and ``python -c "import jonas"`` wall time (fresh processes, best of 5).
* First-call time of each kernel in a fresh process: with an empty numba cache (a cold
  compile, what a fresh CI machine or a user's first ``jonas run`` pays) and again with the
  cache that run left behind.

The full run writes its results table into ``benchmarks/README.md`` between the
``<!-- results:start -->`` and ``<!-- results:end -->`` markers.
"""

from __future__ import annotations

import os

# Before numba is imported anywhere: one thread (the engines are serial anyway).
os.environ["NUMBA_NUM_THREADS"] = "1"

import argparse
import datetime as dt
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


@dataclass(frozen=True)
class Network:
    label: str
    scenario: str
    overrides: tuple[str, ...]
    replicates: int  # SSA replicates per timed round (full run; --quick uses fewer)
    tauleap: bool = True  # also time tau-leaping on it


# The benchmark networks. SSA targets apply to the first two; the third shows how the
# SSA scales with the number of transitions (each event recomputes every propensity).
NETWORKS = (
    Network(
        "munz-basic, S=10^6, Z=1 (mass action, 5 transitions)",
        "munz-basic",
        ("initial.S=1000000", "initial.Z=1", "initial.R=0"),
        10,
    ),
    Network(
        "sir, N=10^6, R0=3, I=1 (frequency-dependent, 2 transitions)",
        "sir",
        ("initial.S=999999", "initial.I=1", "initial.R=0"),
        10,
    ),
    Network(
        "munz-latent, S=10^5, I in 20 Erlang stages, rho=1 (45 transitions)",
        "munz-latent",
        ("initial.S=100000", "initial.Z=1", "model.stages={I=20}", "parameters.rho=1.0"),
        10,
        tauleap=False,
    ),
)


@dataclass
class Row:
    what: str
    value: str
    detail: str = ""
    data: dict[str, float | int | str] = field(default_factory=dict)


def machine() -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())  # the first CPU's
    except OSError:
        pass
    cpu = fields.get("model name") or platform.processor() or "unknown"
    if "cpu MHz" in fields:
        cpu += f" ({float(fields['cpu MHz']):.0f} MHz)"
    import numba
    import numpy

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    return {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


def stochastic_inputs(name: str, overrides: tuple[str, ...], engine: str):
    """The model and the kernel arguments exactly as the engines' runs build them."""
    from jonas.api import prepare
    from jonas.engines.arrays import by_source, event_arrays, model_arrays

    prepared = prepare(name, overrides, engine=engine)
    scenario, model, times = prepared.scenario, prepared.model, prepared.times
    return scenario, model, times, (model_arrays(model), event_arrays(model)), by_source(model)


def _rounds(one, replicates: int, rounds: int) -> tuple[float, float, float, int]:
    """Time ``one(seed)`` (which returns a count of work done) over rounds of replicates,
    after an untimed warm-up call (it compiles, or loads from numba's cache). Returns the
    warm-up time, the best and median rates (work per second), and the work per round."""
    start = time.perf_counter()
    one(10**6)
    warm_up = time.perf_counter() - start
    rates, per_round = [], 0
    for _ in range(rounds):
        per_round = 0
        start = time.perf_counter()
        for seed in range(1, replicates + 1):
            per_round += one(seed)
        rates.append(per_round / (time.perf_counter() - start))
    return warm_up, max(rates), statistics.median(rates), per_round


def bench_ssa(net: Network, replicates: int, rounds: int) -> Row:
    import numpy as np

    from jonas.engines.ssa.kernel import ssa_replicate

    scenario, model, times, (arrays, ev_args), _ = stochastic_inputs(
        net.scenario, net.overrides, "ssa"
    )
    out = np.zeros((times.size, model.n_compartments), dtype=np.int64)
    fired = np.zeros(len(model.events))
    flows = np.zeros((times.size, len(model.transitions)), dtype=np.int64)

    def one(seed: int) -> int:
        n = ssa_replicate(
            *arrays, times, ev_args, seed, scenario.run.max_events, out, fired, flows,
            np.zeros(1),
        )  # fmt: skip
        if n < 0:
            raise RuntimeError("max_events reached")
        if out.min() < 0:
            raise RuntimeError(f"ssa: a negative count (seed {seed})")
        return int(n)

    warm_up, best, median, events_per_round = _rounds(one, replicates, rounds)
    return Row(
        f"SSA: {net.label}",
        f"{best / 1e6:.1f} M events/s",
        f"median {median / 1e6:.1f} M/s over {rounds} rounds of {replicates} replicates "
        f"({events_per_round:,} events per round); warm-up replicate {warm_up:.2f} s",
        {"best_events_per_s": best, "median_events_per_s": median, "warm_up_s": warm_up},
    )


def bench_tauleap(net: Network, replicates: int, rounds: int) -> Row:
    import numpy as np

    from jonas.engines.tauleap.kernel import tauleap_replicate

    scenario, model, times, (arrays, events), csr = stochastic_inputs(
        net.scenario, net.overrides, "tauleap"
    )
    out = np.zeros((times.size, model.n_compartments), dtype=np.int64)
    fired = np.zeros(len(model.events))
    flows = np.zeros((times.size, len(model.transitions)), dtype=np.int64)
    dt = scenario.run.euler_step  # a fixed step: steps/s measures the cost of one leap

    def one(seed: int) -> int:
        args = (*arrays, *csr, times, events, dt, scenario.run.epsilon, seed, out, fired, flows)
        steps = int(tauleap_replicate(*args, np.zeros(1)))
        if out.min() < 0:
            raise RuntimeError(f"tauleap: a negative count (seed {seed})")
        return steps

    warm_up, best, median, steps_per_round = _rounds(one, replicates, rounds)
    return Row(
        f"tau-leap: {net.label.split(' (')[0]}",
        f"{best / 1e6:.2f} M steps/s",
        f"median {median / 1e6:.2f} M/s; fixed dt = {dt:g}, {rounds} rounds of "
        f"{replicates} replicates ({steps_per_round:,} steps per round); "
        f"warm-up replicate {warm_up:.2f} s",
        {"best_steps_per_s": best, "median_steps_per_s": median, "warm_up_s": warm_up},
    )


def bench_ensemble(replicates: int, rounds: int) -> Row:
    import jonas

    jonas.run("alemi-szr", engine="ssa", replicates=2, seed=1)  # warm-up
    walls, sims = [], []
    for k in range(rounds):
        start = time.perf_counter()
        result = jonas.run("alemi-szr", engine="ssa", replicates=replicates, seed=k + 1)
        walls.append(time.perf_counter() - start)
        sims.append(result.wall_time)
    best = min(walls)
    return Row(
        f"SSA ensemble: alemi-szr, {replicates:,} replicates (jonas.run)",
        f"{best:.3f} s ({replicates / best:,.0f} replicates/s)",
        f"median {statistics.median(walls):.3f} s over {rounds} runs; of which the engine's run "
        f"{min(sims):.3f} s (best); the rest is loading the scenario and building the result",
        {"best_wall_s": best, "replicates_per_s": replicates / best},
    )


def bench_hyosan(replicates: int, rounds: int) -> list[Row]:
    """The built-in Jonas scenario as users run it: adaptive tau-leaping, and the exact SSA."""
    import jonas

    rows = []
    for engine, n in (("tauleap", replicates), ("ssa", max(1, replicates // 10))):
        jonas.run("hyosan", engine=engine, replicates=1, seed=1)  # warm-up
        walls = []
        for k in range(rounds):
            start = time.perf_counter()
            jonas.run("hyosan", engine=engine, replicates=n, seed=k + 1)
            walls.append(time.perf_counter() - start)
        best = min(walls)
        rows.append(
            Row(
                f"hyosan (170,000 people, Jonas model): {engine}, {n} replicates",
                f"{best:.2f} s ({best / n:.3f} s per replicate)",
                f"median {statistics.median(walls):.2f} s over {rounds} runs, via jonas.run",
                {"best_wall_s": best, "replicates": n},
            )
        )
    return rows


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def console_script() -> str:
    here = Path(sys.executable).parent / "jonas"
    if here.exists():
        return str(here)
    found = shutil.which("jonas")
    if found is None:
        raise SystemExit("the jonas console script is not installed next to this Python")
    return found


def bench_startup(repeat: int) -> list[Row]:
    rows = []
    for label, cmd in (
        ("`jonas --help`", [console_script(), "--help"]),
        ('`python -c "import jonas"`', [sys.executable, "-c", "import jonas"]),
        (
            '`python -c "import jonas.api"` (numpy, numba, …)',
            [sys.executable, "-c", "import jonas.api"],
        ),
    ):
        _timed(cmd)  # warm the OS file cache
        times = [_timed(cmd) for _ in range(repeat)]
        rows.append(
            Row(
                label,
                f"{min(times):.3f} s",
                f"best of {repeat}; median {statistics.median(times):.3f} s",
                {"best_s": min(times)},
            )
        )
    return rows


# A fresh process times one kernel's first call; NUMBA_CACHE_DIR points at a folder that
# starts empty (a cold compile) and is then reused (a load from numba's on-disk cache).
_FIRST_CALL = r"""
import os, sys, time, json
t0 = time.perf_counter()
import numpy as np
from jonas.api import prepare
from jonas.engines.arrays import by_source, event_arrays, model_arrays
engine = sys.argv[1]
if engine == "ssa":
    from jonas.engines.ssa.kernel import ssa_replicate as kernel
else:
    from jonas.engines.tauleap.kernel import tauleap_replicate as kernel
t1 = time.perf_counter()
p = prepare("munz-basic", engine=engine)
m, times = p.model, p.times
a, ev = model_arrays(m), event_arrays(m)
out = np.zeros((times.size, m.n_compartments), dtype=np.int64)
fired = np.zeros(len(m.events))
flows = np.zeros((times.size, len(m.transitions)), dtype=np.int64)
t2 = time.perf_counter()
if engine == "ssa":
    kernel(*a, times, ev, 1, 10**9, out, fired, flows, np.zeros(1))
else:
    kernel(*a, *by_source(m), times, ev, 0.0, 0.03, 1, out, fired, flows, np.zeros(1))
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_call": t3 - t2}))
"""


def bench_first_calls() -> list[Row]:
    rows = []
    for engine, kernel in (("ssa", "ssa_replicate"), ("tauleap", "tauleap_replicate")):
        with tempfile.TemporaryDirectory(prefix="jonas-numba-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "NUMBA_NUM_THREADS": "1"}
            runs = []
            for _ in range(2):  # 1: empty cache (compile); 2: the cache the first one wrote
                done = subprocess.run(
                    [sys.executable, "-c", _FIRST_CALL, engine],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            files = sorted(p.name for p in Path(cache).rglob("*") if p.is_file())
        cold, warm = runs[0]["first_call"], runs[1]["first_call"]
        rows.append(
            Row(
                f"first call of `{kernel}` (fresh process)",
                f"{cold:.2f} s compile, {warm:.3f} s cached",
                f"munz-basic (500 people); an empty NUMBA_CACHE_DIR, then the {len(files)} "
                f"cache files it wrote; imports before the call took {runs[1]['import']:.2f} s",
                {"cold_s": cold, "cached_s": warm, "cache_files": len(files)},
            )
        )
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| benchmark | result | details |", "|---|---|---|"]
    lines += [f"| {r.what} | **{r.value}** | {r.detail} |" for r in rows]
    return "\n".join(lines)


def write_readme(rows: list[Row], info: dict[str, str], argv: list[str]) -> None:
    text = README.read_text("utf-8") if README.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    machine_lines = "\n".join(f"- {k}: {v}" for k, v in info.items())
    block = (
        f"{START}\n"
        f"Measured with `{' '.join(['benchmarks/bench_engines.py', *argv])}` on:\n\n"
        f"{machine_lines}\n\n{table(rows)}\n"
        f"{END}"
    )
    README.write_text(head + block + tail, "utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer replicates and rounds")
    parser.add_argument(
        "--readme",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write the results into benchmarks/README.md (default: on, off with --quick)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    quick = args.quick
    write = args.readme if args.readme is not None else not quick

    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    rows: list[Row] = []

    def add(row: Row | list[Row]) -> None:
        for r in row if isinstance(row, list) else [row]:
            rows.append(r)
            print(f"  {r.what}: {r.value}  ({r.detail})", flush=True)

    rounds = 2 if quick else 5
    for net in NETWORKS:
        add(bench_ssa(net, 3 if quick else net.replicates, rounds))
    for net in NETWORKS:
        if net.tauleap:
            add(bench_tauleap(net, 50 if quick else 500, rounds))
    add(bench_ensemble(1000, 2 if quick else 5))
    add(bench_hyosan(20, 1 if quick else 3))
    add(bench_startup(3 if quick else 5))
    add(bench_first_calls())

    print()
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps({"machine": info, "results": {r.what: r.data for r in rows}}, indent=2)
        )
    if write:
        write_readme(rows, info, list(argv if argv is not None else sys.argv[1:]))
        print(f"\nwrote {README}")


if __name__ == "__main__":
    main()
