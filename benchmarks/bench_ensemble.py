"""Benchmark ensembles: replicates per second on 1 and 2 local workers and on Dask, and
peak memory as the number of replicates grows.

Run from the repository root (Dask from the ``dask`` extra)::

    .venv/bin/python benchmarks/bench_ensemble.py                # full run; prints the table
    .venv/bin/python benchmarks/bench_ensemble.py --readme       # ... and writes it into README.md
    .venv/bin/python benchmarks/bench_ensemble.py --quick        # a smoke run

What it measures, each in a fresh process (``jonas run`` as users run it: start-up of the
workers, every replicate written to disk, the merge, the bands, the plot and run.json
included; imports and numba's cache loading excluded by measuring inside the process):

* ``hyosan`` on tau-leap, 1,000 replicates: wall time with 1 and 2 local workers, and with a
  local Dask cluster of 2 workers; scaling efficiency = (time on 1) / (2 × time on 2), the
  Dask overhead = (Dask time) / (local time) − 1.
* 10,000 replicates of ``hyosan`` on 1 and 2 local workers: scaling once start-up costs
  are small, and peak memory (the parent's and the largest worker's resident set; 217
  output times of 19 compartments) against 1,000: memory that stays flat as the ensemble
  grows tenfold is memory that streams.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- ensemble:start -->", "<!-- ensemble:end -->"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import jonas
from jonas.ensemble import run_ensemble
source, replicates, backend, workers, out = sys.argv[1:6]
overrides = json.loads(sys.argv[6])
scenario = jonas.load(source, [*overrides, f"run.replicates={replicates}"])
start = time.perf_counter()
meta = run_ensemble(scenario, Path(out), backend=backend, workers=int(workers))
wall = time.perf_counter() - start
print(json.dumps({
    "wall_s": wall,
    "replicates": meta["replicates"],
    "parent_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def measure(source: str, replicates: int, backend: str, workers: int, overrides: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = [source, str(replicates), backend, str(workers), tmp, json.dumps(overrides)]
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    cpu = cpu_model()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(start: str, end: str, table: str) -> None:
    """Put ``table`` between the markers ``start`` and ``end`` of the benchmarks README."""
    text = README.read_text("utf-8")
    head, rest = text.split(start)
    _, tail = rest.split(end)
    README.write_text(f"{head}{start}\n{table}\n{end}{tail}", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 replicates")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    n = 100 if args.quick else 1000
    rows = []
    runs = {}
    measure("hyosan", 4, "local", 1, [])  # warm numba's cache and the OS file cache
    for label, backend, workers in (
        ("local, 1 worker", "local", 1),
        ("local, 2 workers", "local", 2),
        ("Dask local cluster, 2 workers", "dask", 2),
    ):
        got = measure("hyosan", n, backend, workers, [])
        runs[label] = got
        rows.append(
            f"| hyosan tau-leap, {n:,} replicates | {label} | {got['wall_s']:.1f} s | "
            f"{n / got['wall_s']:.1f} | {got['parent_rss_mb']:.0f} / "
            f"{got['worker_rss_mb']:.0f} MB |"
        )
    one, two = runs["local, 1 worker"]["wall_s"], runs["local, 2 workers"]["wall_s"]
    dask = runs["Dask local cluster, 2 workers"]["wall_s"]
    memory = [runs["local, 2 workers"]]
    big = {}
    for workers in (1, 2):
        got = measure("hyosan", 10 * n, "local", workers, [])
        big[workers] = got["wall_s"]
        if workers == 2:
            memory.append(got)
        rows.append(
            f"| hyosan tau-leap, {10 * n:,} replicates | local, {workers} worker"
            f"{'s' if workers > 1 else ''} | {got['wall_s']:.1f} s | "
            f"{10 * n / got['wall_s']:.0f} | {got['parent_rss_mb']:.0f} / "
            f"{got['worker_rss_mb']:.0f} MB |"
        )
    stamp = dt.date.today().isoformat()
    table = "\n".join(
        [
            f"Measured {stamp} on {machine()}.",
            "",
            "| ensemble | backend | wall time | replicates/s | peak RSS parent / worker |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"- Scaling from 1 to 2 local workers: {one / two:.2f}× faster at {n:,} replicates "
            f"(efficiency {one / (2 * two):.0%}; starting the workers and writing the outputs "
            f"take about as long as the replicates), {big[1] / big[2]:.2f}× at {10 * n:,} "
            f"(efficiency {big[1] / (2 * big[2]):.0%}).",
            f"- Dask against local processes (2 workers each): {dask / two - 1:+.0%} time.",
            f"- Memory from {n:,} to {10 * n:,} replicates: parent "
            f"{memory[0]['parent_rss_mb']:.0f} → {memory[1]['parent_rss_mb']:.0f} MB, "
            f"worker {memory[0]['worker_rss_mb']:.0f} → {memory[1]['worker_rss_mb']:.0f} MB.",
            f"- Target: 1,000 hyosan replicates in under 30 s on 2 workers: "
            f"{two:.1f} s{'' if args.quick else (' (met)' if two < 30 else ' (not met)')}.",
        ]
    )
    print(table)
    if args.readme and not args.quick:
        write_section(START, END, table)


if __name__ == "__main__":
    main()
