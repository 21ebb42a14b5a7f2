"""The first run on a fresh install against the same run once numba's cache is warm.

Run from the repository root::

    .venv/bin/python benchmarks/bench_first_run.py            # every case, prints a table
    .venv/bin/python benchmarks/bench_first_run.py --readme   # and writes it into README.md
    .venv/bin/python benchmarks/bench_first_run.py --only ssa,metapop --rounds 2
    .venv/bin/python benchmarks/bench_first_run.py --functions 10   # where compiling goes
    PYTHONPATH=/tmp/before/src .venv/bin/python benchmarks/bench_first_run.py --tag before

Each case is a ``jonas run`` as users type it, in a fresh process (the console script's
``main``, run by this Python, so that ``PYTHONPATH`` picks the revision): first with
``NUMBA_CACHE_DIR`` pointing at an empty folder (numba then compiles every kernel the run
needs: what a fresh install pays; ``NUMBA_CACHE_DIR`` wins over numba's ``__pycache__``
next to the sources, so an editable install's own cache is not used), then again with the
cache that left behind (the warm run). Wall time and the CPU time of the process and its
workers (``getrusage`` of the children) are both reported; the machine is shared, so CPU
time is the steadier figure and the load average is recorded. The extra time of a first
run is cold − warm; the targets are 3 s for the compartment engines and 15 s for the
agents engine (issue 22).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_ensemble import machine

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- first-run:start -->", "<!-- first-run:end -->"


@dataclass(frozen=True)
class Case:
    key: str
    engine: str
    args: tuple[str, ...]
    #: the most that a first run may add to the warm run (issue 22), seconds
    target_s: float


CASES = (
    Case("ode", "ode", ("sir", "-e", "ode"), 3.0),
    Case("ssa", "ssa", ("sir", "-e", "ssa"), 3.0),
    Case("tauleap", "tauleap", ("hyosan",), 3.0),
    Case("metapop", "metapop", ("korea", "-r", "1"), 3.0),
    Case("lattice", "lattice", ("alemi-lattice",), 3.0),
    # an hour of the city: the compile is the same as for the whole run, the rest is short
    Case("agents", "agents", ("hyosan-city", "-s", "run.t_end=1"), 15.0),
)

RUNNER = "import sys; from jonas.cli import main; sys.argv[0] = 'jonas'; sys.exit(main())"

# numba's event API: every compile of a function (not a load from the cache) is a
# "numba:compile" event; nested ones are its callees, so a function's own time is its
# event's less its callees' (LLVM's work on the callees it links in counts as its own)
PROFILER = """
import sys, time
from collections import defaultdict
from numba.core import event

stack, own, calls = [], defaultdict(float), defaultdict(int)


class Listener(event.Listener):
    def on_start(self, ev):
        stack.append([time.process_time(), 0.0])

    def on_end(self, ev):
        start, inner = stack.pop()
        spent = time.process_time() - start
        f = ev.data["dispatcher"].py_func
        name = f.__module__ + "." + f.__qualname__
        own[name] += spent - inner
        calls[name] += 1
        if stack:
            stack[-1][1] += spent


event.register("numba:compile", Listener())
from jonas.cli import main

count = int(sys.argv.pop())
sys.argv[0] = "jonas"
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
top = sorted(own, key=own.get, reverse=True)
print(f"PROFILE total {sum(own.values()):.2f}")
for name in top[:count]:
    print(f"PROFILE {own[name]:.2f} {calls[name]} {name}")
"""


def timed(args: tuple[str, ...], cache: Path, out: Path) -> tuple[float, float, str]:
    """(wall s, CPU s of the run and its workers, its stderr) of one ``jonas run``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, "run", *args, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"jonas run {' '.join(args)} failed:\n{done.stderr}{done.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def measure(case: Case) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="jonas-first-run-") as tmp:
        cache = Path(tmp) / "numba"
        cache.mkdir()
        cold_wall, cold_cpu, _ = timed(case.args, cache, Path(tmp) / "cold")
        warm_wall, warm_cpu, _ = timed(case.args, cache, Path(tmp) / "warm")
    return {
        "cold_wall": cold_wall,
        "cold_cpu": cold_cpu,
        "warm_wall": warm_wall,
        "warm_cpu": warm_cpu,
    }


def functions(case: Case, count: int) -> list[tuple[float, int, str]]:
    """The ``count`` functions whose compiling took most CPU time in a first run of the
    case (in one process: ``--workers 1``), with how many versions of each were compiled;
    first the total, as ("total", seconds)."""
    with tempfile.TemporaryDirectory(prefix="jonas-first-run-") as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        args = ["run", *case.args, "--workers", "1", "--out", str(Path(tmp) / "out")]
        done = subprocess.run(
            [sys.executable, "-c", PROFILER, *args, str(count)],
            env=env,
            capture_output=True,
            text=True,
        )
    rows: list[tuple[float, int, str]] = []
    for line in done.stdout.splitlines():
        if line.startswith("PROFILE total"):
            rows.insert(0, (float(line.split()[2]), 0, "total"))
        elif line.startswith("PROFILE "):
            _, seconds, versions, name = line.split()
            rows.append((float(seconds), int(versions), name))
    if not rows:
        raise SystemExit(f"profiling {case.key} failed:\n{done.stderr}")
    return rows


def revision() -> str:
    import jonas

    source = Path(jonas.__file__).resolve().parents[2]
    try:
        line = subprocess.run(
            ["git", "-C", str(source), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        line = str(source)
    return line[:60]


def table(rows: list[tuple[Case, dict[str, float]]], tag: str) -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average at "
        f"the end {load}; {tag}: `{revision()}`.",
        "",
        "| run | engine | first run (wall / CPU) | warm run (wall / CPU) | extra wall | target |",
        "|---|---|---|---|---|---|",
    ]
    for case, r in rows:
        extra = r["cold_wall"] - r["warm_wall"]
        mark = "met" if extra <= case.target_s else "missed"
        lines.append(
            f"| `jonas run {' '.join(case.args)}` | {case.engine} | "
            f"{r['cold_wall']:.1f} s / {r['cold_cpu']:.1f} s | "
            f"{r['warm_wall']:.1f} s / {r['warm_cpu']:.1f} s | "
            f"**{extra:.1f} s** | ≤ {case.target_s:g} s ({mark}) |"
        )
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text("utf-8")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{text}\n{END}{tail}", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", help="comma-separated case keys: " + ", ".join(c.key for c in CASES)
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="cold+warm pairs per case (best kept)"
    )
    parser.add_argument("--tag", default="revision", help="what to call the revision measured")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument(
        "--functions",
        type=int,
        metavar="N",
        help="instead: each case's N functions that took longest to compile (CPU s)",
    )
    options = parser.parse_args()
    wanted = set(options.only.split(",")) if options.only else {c.key for c in CASES}
    if options.functions:
        for case in CASES:
            if case.key in wanted:
                print(f"{case.key}: `jonas run {' '.join(case.args)}`")
                for seconds, versions, name in functions(case, options.functions):
                    print(f"  {seconds:6.2f} s  {versions or '':>2}  {name}")
        return
    rows: list[tuple[Case, dict[str, float]]] = []
    for case in CASES:
        if case.key not in wanted:
            continue
        runs = [measure(case) for _ in range(options.rounds)]
        best = {k: min(r[k] for r in runs) for k in runs[0]}
        rows.append((case, best))
        print(
            f"{case.key:8s} cold {best['cold_wall']:6.1f} s wall {best['cold_cpu']:6.1f} s CPU"
            f" | warm {best['warm_wall']:6.1f} s wall {best['warm_cpu']:6.1f} s CPU",
            flush=True,
        )
    text = table(rows, options.tag)
    print(text)
    if options.readme:
        write_readme(text)


if __name__ == "__main__":
    main()
