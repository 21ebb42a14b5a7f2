"""Benchmark the metapop engine: the whole country for 60 days, and a korea ensemble.

Run from the repository root::

    .venv/bin/python benchmarks/bench_metapop.py            # prints the table
    .venv/bin/python benchmarks/bench_metapop.py --readme   # ... and writes it into README.md

What it measures, each in a fresh process (imports and numba's cache loading excluded by
timing inside the process; a first replicate warms the kernels):

* The whole country: the ``korea`` scenario (its outbreak and response) over all 250
  districts, 49.9 million people, for 60 days (1,440 hours) at one-hour steps
  (``run.dt = 1``, travel every hour), one replicate: wall and CPU time with numba on 1
  thread and on all cores, and the process's peak resident memory (everything: Python,
  numpy, numba, pandas and the run).
* A 100-replicate ``korea`` ensemble as ``jonas run`` runs it (2 local workers; every
  replicate written to disk, the merge, bands, plot, regions table and map included):
  wall time, and the CPU time of the workers and of the parent, so that a run on a shared
  machine still says what the code costs (the load average is printed with the table).

Targets on the 2-core machine: the country in under 5 s and under 500 MB; 100 korea
replicates in under two minutes.

``--japan`` measures Korea and Japan instead (issue 20): the ``japan`` scenario (seoul's
outbreak and response, the flights open) over Korea's 250 districts and Japan's 47
prefectures, 176 million people, 60 days at one-hour steps, one replicate timed after a
warming one, numba on 1 thread and on all cores. Target: under 10 s and 1 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile

from bench_ensemble import machine, write_section

START, END = "<!-- metapop:start -->", "<!-- metapop:end -->"
JAPAN_START, JAPAN_END = "<!-- metapop-japan:start -->", "<!-- metapop-japan:end -->"
COUNTRY = ["run.t_end=1440.0", "run.dt=1.0", "run.output_every=24.0", "metapop.regions=all"]

ONE_RUN = r"""
import json, resource, sys, time
import numpy as np
import jonas
from jonas.results import simulate
prepared = jonas.prepare(sys.argv[2], json.loads(sys.argv[1]))
simulate(prepared, np.array([1]))
start, cpu = time.perf_counter(), time.process_time()
result = simulate(prepared, np.array([2]))
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({
    "wall_s": wall,
    "cpu_s": cpu,
    "people": int(result.counts[0, 0].sum()),
    "districts": int(result.regional.counts.shape[2]),
    "reached": int(np.isfinite(result.regional.arrival[0, :, 0]).sum()),
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

ENSEMBLE = r"""
import json, resource, sys, time
from pathlib import Path
import jonas
from jonas.ensemble import run_ensemble
scenario = jonas.load("korea", [f"run.replicates={sys.argv[1]}"])
start, cpu = time.perf_counter(), time.process_time()
meta = run_ensemble(scenario, Path(sys.argv[2]), workers=2)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, joined by now
print(json.dumps({
    "wall_s": wall,
    "parent_cpu_s": cpu,
    "workers_cpu_s": workers.ru_utime + workers.ru_stime,
    "replicates": meta["replicates"],
}))
"""


def child(code: str, args: list[str], threads: str | None = None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = threads
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def korea_and_japan(readme: bool) -> None:
    """The ``--japan`` case (see the module notes)."""
    rows = []
    for threads in ("1", None):
        got = child(ONE_RUN, [json.dumps(COUNTRY), "japan"], threads)
        label = "1 thread" if threads else "all cores"
        rows.append(
            f"| Korea + Japan, 60 days at 1-hour steps, 1 replicate | numba on {label} | "
            f"{got['wall_s']:.2f} s | {got['rss_mb']:.0f} MB |"
        )
    best = min(float(r.split("|")[3].strip().split()[0]) for r in rows)
    table = "\n".join(
        [
            f"Measured {dt.date.today().isoformat()} on {machine()}.",
            "",
            "| run | how | wall time | peak RSS |",
            "|---|---|---|---|",
            *rows,
            "",
            f"- {got['people']:,} people in {got['districts']} regions; the outbreak reached "
            f"{got['reached']} of them in that replicate.",
            f"- Target: under 10 s ({best:.2f} s at best, {'met' if best < 10 else 'not met'}) "
            f"and 1 GB ({got['rss_mb']:.0f} MB, {'met' if got['rss_mb'] < 1024 else 'not met'}).",
        ]
    )
    print(table)
    if readme:
        write_section(JAPAN_START, JAPAN_END, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("--replicates", type=int, default=100, help="the ensemble's size")
    parser.add_argument("--japan", action="store_true", help="Korea and Japan instead")
    args = parser.parse_args()
    if args.japan:
        korea_and_japan(args.readme)
        return
    load = [os.getloadavg()[0]]
    rows = []
    for threads in ("1", None):
        got = child(ONE_RUN, [json.dumps(COUNTRY), "korea"], threads)
        label = "1 thread" if threads else "all cores"
        rows.append(
            f"| country, 60 days at 1-hour steps, 1 replicate | numba on {label} | "
            f"{got['wall_s']:.2f} s | {got['cpu_s']:.2f} s | {got['rss_mb']:.0f} MB |"
        )
        country = got
    with tempfile.TemporaryDirectory() as tmp:
        ensemble = child(ENSEMBLE, [str(args.replicates), tmp])
    load.append(os.getloadavg()[0])
    n = args.replicates
    cpu = ensemble["workers_cpu_s"] + ensemble["parent_cpu_s"]
    rows.append(
        f"| korea (10 days), {n} replicates | 2 local workers | {ensemble['wall_s']:.1f} s | "
        f"{ensemble['workers_cpu_s']:.0f} s workers + {ensemble['parent_cpu_s']:.0f} s parent | |"
    )
    table = "\n".join(
        [
            f"Measured {dt.date.today().isoformat()} on {machine()}; load average "
            f"{load[0]:.1f} at the start, {load[1]:.1f} at the end.",
            "",
            "| run | how | wall time | CPU time | peak RSS |",
            "|---|---|---|---|---|",
            *rows,
            "",
            f"- The country: {country['people']:,} people in {country['districts']} districts; "
            f"the outbreak reached {country['reached']} of them in that replicate.",
            f"- The ensemble: {ensemble['workers_cpu_s'] / n:.2f} s of the workers' CPU a "
            f"replicate (starting them, preparing the scenario in each and returning the "
            f"batches included); on two otherwise idle cores its {cpu:.0f} s of CPU would take "
            f"about {cpu / 2:.0f} s.",
            f"- Targets: the country in under 5 s ({country['wall_s']:.2f} s, "
            f"{'met' if country['wall_s'] < 5 else 'not met'}) and 500 MB "
            f"({country['rss_mb']:.0f} MB, {'met' if country['rss_mb'] < 500 else 'not met'}); "
            f"{n} korea replicates in under 2 minutes ({ensemble['wall_s']:.0f} s, "
            f"{'met' if ensemble['wall_s'] < 120 else 'not met'}).",
        ]
    )
    print(table)
    if args.readme:
        write_section(START, END, table)


if __name__ == "__main__":
    main()
