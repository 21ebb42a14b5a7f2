"""Benchmark jonas's spatial agent engine against Starsim's agent-based SIR, same agents and steps.

Run from the repository root::

    .venv/bin/python benchmarks/bench_starsim.py             # full run (a few minutes)
    .venv/bin/python benchmarks/bench_starsim.py --quick     # smoke run: fewer steps, 1 round
    .venv/bin/python benchmarks/bench_starsim.py --readme --default-threads --json out.json
    .venv/bin/python benchmarks/bench_starsim.py --render out.json --readme   # no re-run

Jonas: `bench_agents.measure` (the world of hyosan-city, its 60-s steps; see that file)
at 170,000 and 1,000,000 agents, in a subprocess of this Python, from both of its starts:
the horde piled on a drone's point, and spread over the city (no drone). Starsim: its
`ss.SIR` on the same numbers of agents for the same numbers of steps, in a subprocess of the
benchmark's own virtualenv, `benchmarks/.venv-starsim` (gitignored; created here from
`benchmarks/starsim-requirements.txt` when missing or out of date; Starsim is never a jonas
dependency). Starsim's routes:

- `ss.RandomNet(n_contacts=4)`: about 4 contacts per agent, redrawn every step (the edges'
  default duration is 0). The issue's reference network.
- `ss.RandomNet()`: the same class with its own default, `n_contacts=ss.constant(10)`.
- `ss.StaticNet(n_contacts=4)`: an Erdős–Rényi graph (networkx's `fast_gnp_random_graph`,
  p = 4/N) drawn once at initialisation, never changed.
- `ss.MixingPool(n_contacts=ss.constant(4))`: no contact network at all (Starsim's
  network-free route: every susceptible is exposed to the population's mean infectiousness).

SIR: beta 0.05 per contact per day, 10-day infection, no deaths, 1% infected at the start,
1-day steps, seed 1. Every worker first runs an untimed sim at 10,000 agents (numba's
compilation or cache load, imports), then times `sim.run()` of fresh sims (construction and
`sim.init()` timed apart), best of 3. Agent-steps/s = agents x steps / run time. Memory per
agent, for both sides: (peak RSS of the process after the large run - peak RSS after the
10,000-agent run) / (N - 10,000); jonas's own count of its arrays is shown too. Every worker
runs with NUMBA_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS and OPENBLAS_NUM_THREADS = 1
(one core each); `--default-threads` adds RandomNet rows with those left unset.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_ensemble import cpu_model

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-starsim"
REQS = HERE / "starsim-requirements.txt"
README = HERE / "README.md"
HEADING = "## Agents against Starsim"
BEGIN, END = "<!-- starsim:begin -->", "<!-- starsim:end -->"
SMALL = 10_000
SIZES = (170_000, 1_000_000)
THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
CONTACTS = 4
VARIANTS = {
    "randomnet": f"Starsim SIR, `ss.RandomNet(n_contacts={CONTACTS})` (redrawn each step)",
    "randomnet-default": "Starsim SIR, `ss.RandomNet()` (its default: 10 contacts, redrawn)",
    "staticnet": f"Starsim SIR, `ss.StaticNet(n_contacts={CONTACTS})` (static random graph)",
    "mixingpool": f"Starsim SIR, `ss.MixingPool(n_contacts={CONTACTS})` (network-free)",
}
RESULT = "BENCH-RESULT "
#: jonas on one thread, and on all cores (the same numbers: the step runs strips of the map
#: side by side), from each start of `bench_agents`: (start, one thread) -> (model, label)
JONAS = {
    ("pile", True): ("jonas", "jonas, full rules on Hyosan, one thread"),
    ("pile", False): ("jonas-cores", "jonas, full rules on Hyosan, all cores"),
    ("spread", True): ("jonas-spread", "jonas, horde spread (no drone), one thread"),
    ("spread", False): ("jonas-cores-spread", "jonas, horde spread (no drone), all cores"),
}


def peak_rss() -> int:
    """The process's peak resident set size in bytes (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --- workers (each runs in its own process, so that peak RSS is its own) ---------------------


def jonas_worker(n: int, steps: int, rounds: int, start: str) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    import bench_agents

    # numba cache, imports, a small world: the baseline
    bench_agents.measure(SMALL, 2, 1, start=start)
    base = peak_rss()
    r = bench_agents.measure(n, steps, rounds, start=start)
    peak = peak_rss()
    r["peak_rss_mb"] = peak / 1e6
    r["rss_bytes_per_agent"] = (peak - base) / (n - SMALL)
    return r


def starsim_sim(variant: str, n: int, steps: int):
    import starsim as ss

    if variant == "randomnet":
        net = ss.RandomNet(n_contacts=CONTACTS)
    elif variant == "randomnet-default":
        net = ss.RandomNet()
    elif variant == "staticnet":
        net = ss.StaticNet(n_contacts=CONTACTS)
    elif variant == "mixingpool":
        net = ss.MixingPool(n_contacts=ss.constant(CONTACTS), beta=1.0)
    else:
        raise ValueError(variant)
    sir = ss.SIR(beta=ss.perday(0.05), init_prev=0.01, dur_inf=ss.days(10), p_death=0)
    return ss.Sim(
        n_agents=n,
        start=ss.days(0),
        dur=ss.days(steps - 1),  # steps - 1 days from day 0: `steps` time points, one step each
        dt=ss.days(1),
        diseases=sir,
        networks=net,
        rand_seed=1,
        verbose=0,
    )


def starsim_run(variant: str, n: int, steps: int) -> dict[str, object]:
    import numpy as np

    t0 = time.perf_counter()
    sim = starsim_sim(variant, n, steps)
    t1 = time.perf_counter()
    sim.init()
    t2 = time.perf_counter()
    sim.run()
    t3 = time.perf_counter()
    if sim.t.npts != steps:
        raise RuntimeError(f"Starsim ran {sim.t.npts} steps, not {steps}")
    res = sim.results.sir
    out = {
        "construct_s": t1 - t0,
        "init_s": t2 - t1,
        "run_s": t3 - t2,
        "peak_infected": int(np.max(res.n_infected)),
        "final": {k: int(res[k][-1]) for k in ("n_susceptible", "n_infected", "n_recovered")},
        "edges": len(sim.networks[0]) if variant != "mixingpool" else 0,
    }
    return out


def starsim_worker(variant: str, n: int, steps: int, rounds: int) -> dict[str, object]:
    import gc

    import numba
    import numpy as np
    import starsim as ss

    starsim_run(variant, SMALL, steps)  # untimed warm-up: numba compile or cache, imports
    gc.collect()
    base = peak_rss()
    runs = []
    for _ in range(rounds):
        runs.append(starsim_run(variant, n, steps))  # a fresh sim each round
        gc.collect()
    peak = peak_rss()
    times = sorted(r["run_s"] for r in runs)
    versions = {"python": platform.python_version(), "starsim": ss.__version__}
    versions |= {"numpy": np.__version__, "numba": numba.__version__}
    if variant == "staticnet":
        import networkx

        versions["networkx"] = networkx.__version__
    return {
        "agents": n,
        "steps": steps,
        "agent_steps_per_s": n * steps / times[0],
        "median_agent_steps_per_s": n * steps / times[len(times) // 2],
        "ms_per_step": 1e3 * times[0] / steps,
        "run_s": [r["run_s"] for r in runs],
        "init_s": runs[0]["construct_s"] + runs[0]["init_s"],
        "init_later_rounds_s": [r["construct_s"] + r["init_s"] for r in runs[1:]],
        "peak_rss_mb": peak / 1e6,
        "rss_bytes_per_agent": (peak - base) / (n - SMALL),
        "peak_infected": runs[0]["peak_infected"],
        "final": runs[0]["final"],
        "edges": runs[0]["edges"],
        "threads": {k: os.environ.get(k) for k in THREAD_VARS},
        "versions": versions,
    }


# --- the driver ------------------------------------------------------------------------------


def venv_python() -> Path:
    return VENV / "bin" / "python"


def pinned_starsim() -> str:
    m = re.search(r"^starsim==(\S+)", REQS.read_text(), re.M)
    if not m:
        raise SystemExit(f"{REQS} pins no starsim version")
    return m.group(1)


def ensure_env() -> None:
    """Create or update benchmarks/.venv-starsim from the pinned requirements."""
    want, py = pinned_starsim(), venv_python()
    if py.exists():
        check = "import importlib.metadata as m; print(m.version('starsim'))"
        r = subprocess.run([py, "-c", check], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip() == want:
            return
    print(f"installing starsim {want} into {VENV} ...", flush=True)
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv:
        if not py.exists():
            subprocess.run([uv, "venv", str(VENV), "--python", "3.11"], check=True)
        install = [uv, "pip", "install", "--python", str(py), "--compile-bytecode"]
        subprocess.run([*install, "-r", str(REQS)], check=True)
    else:
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "-r", str(REQS)], check=True)


def worker_env(single_thread: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    if single_thread:
        env |= dict.fromkeys(THREAD_VARS, "1")
    env |= {"MPLBACKEND": "Agg", "STARSIM_INSTALL_FONTS": "0"}
    return env


def call(python: Path | str, args: list[str], single_thread: bool = True) -> dict[str, object]:
    cmd = [str(python), str(Path(__file__).resolve()), *args]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=worker_env(single_thread))
    lines = [x for x in p.stdout.splitlines() if x.startswith(RESULT)]
    if p.returncode or not lines:
        sys.stderr.write(p.stdout[-4000:] + p.stderr[-4000:])
        raise SystemExit(f"worker failed: {' '.join(cmd)}")
    out = json.loads(lines[-1][len(RESULT) :])
    out["process_s"] = time.perf_counter() - t0
    return out


def jonas_tree() -> str:
    """The commit of the jonas being measured, and whether src/ differs from it."""
    root = HERE.parent

    def git(*a: str) -> str:
        r = subprocess.run(["git", "-C", str(root), *a], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "src")
    return head + (" with uncommitted changes in src/" if dirty else " (src/ as committed)")


def fmt_rate(x: float) -> str:
    return f"{x / 1e6:.1f} M"


def table(rows: list[dict[str, object]]) -> list[str]:
    ours = [
        {r["agents"]: r for r in rows if r["model"] == m}
        for m in ("jonas", "jonas-cores", "jonas-cores-spread")
    ]
    out = [
        "| model | agents | steps | agent-steps/s (best) | median | jonas 1 thread ÷ this "
        "| jonas all cores ÷ this | jonas all cores, spread ÷ this | bytes/agent (peak RSS) "
        "| init s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratios = [
            "—" if r["model"].startswith("jonas") or r["agents"] not in j else
            f"{j[r['agents']]['agent_steps_per_s'] / r['agent_steps_per_s']:.2f}×"
            for j in ours
        ]  # fmt: skip
        mem = f"{r['rss_bytes_per_agent']:.0f}"
        if r["model"].startswith("jonas"):
            mem += f" ({r['bytes_per_agent']:.0f} in its arrays)"
            init = r["setup_s"]
        else:
            init = r["init_s"]
        out.append(
            f"| {r['label']} | {r['agents']:,} | {r['steps']} | "
            f"**{fmt_rate(r['agent_steps_per_s'])}** | {fmt_rate(r['median_agent_steps_per_s'])} "
            f"| {' | '.join(ratios)} | {mem} | {init:.2f} |"
        )
    return out


def verdict(rows: list[dict[str, object]]) -> list[str]:
    def rate(model: str, n: int) -> float:
        match = (r for r in rows if r["model"] == model and r["agents"] == n)
        return next(match)["agent_steps_per_s"]

    sizes = sorted({r["agents"] for r in rows})
    mine = [r for r in rows if r["model"].startswith("jonas")]
    mem = {r["agents"]: r["rss_bytes_per_agent"] for r in mine}
    others = [r["rss_bytes_per_agent"] for r in rows if not r["model"].startswith("jonas")]
    arrays = max(r["bytes_per_agent"] for r in mine)

    def listing(d: dict[int, float]) -> str:
        return ", ".join(f"{v:.2f}× at {n:,}" for n, v in d.items())

    lines = []
    for model, how in (
        ("jonas", "one thread"),
        ("jonas-cores", "all cores"),
        ("jonas-cores-spread", "all cores, horde spread"),
    ):
        if not any(r["model"] == model for r in rows):
            continue
        ratios = {n: rate(model, n) / rate("randomnet", n) for n in sizes}
        pool = {n: rate(model, n) / rate("mixingpool", n) for n in sizes}
        dflt = {n: rate(model, n) / rate("randomnet-default", n) for n in sizes}
        met = all(v >= 2 for v in ratios.values())
        stretch = all(v >= 1 for v in pool.values())
        lines += [
            f"- **jonas ({how}) ≥ 2× Starsim's SIR on `ss.RandomNet(n_contacts={CONTACTS})`: "
            f"{'met' if met else 'not met'}** ({listing(ratios)}; against `ss.RandomNet()` "
            f"with its default 10 contacts, {listing(dflt)}).",
            f"- **Stretch, jonas ({how}) ≥ Starsim's network-free SIR (`ss.MixingPool`): "
            f"{'met' if stretch else 'not met'}** (jonas runs {listing(pool)} its rate).",
        ]
    lines.append(
        f"- **Under 100 bytes per agent: {'met' if arrays < 100 else 'not met'}** by jonas's "
        f"own count ({arrays:.0f} bytes in its per-agent arrays, `world.bytes_per_agent()`); "
        "by peak RSS per agent "
        + ", ".join(f"{v:.0f} at {n:,}" for n, v in mem.items())
        + (" (also under 100" if max(mem.values()) < 100 else " (not all under 100")
        + ": that figure includes build temporaries, per-cell arrays allocated on the way "
        "and allocator slack); Starsim's SIR takes "
        f"{min(others):.0f}–{max(others):.0f} bytes per agent by that measure."
    )
    return lines


def report(meta: dict[str, object], rows: list[dict[str, object]], quick: bool) -> str:
    ss_versions = next(r["versions"] for r in rows if not r["model"].startswith("jonas"))
    steps = {r["agents"]: r["steps"] for r in rows if r["model"] == "jonas"}
    rounds = meta["rounds"]
    lines = [
        "Measured with `benchmarks/bench_starsim.py`"
        + (" --quick (a smoke run: few steps, one round)" if quick else "")
        + " on:",
        "",
        f"- cpu: {meta['cpu']}",
        f"- cores: {meta['cores']} logical ({meta['usable_cores']} usable by this process); "
        "every worker limited to one thread (NUMBA/OMP/MKL/OPENBLAS_NUM_THREADS=1) unless marked",
        f"- load average: {meta['load_start']} at start, {meta['load_end']} at the end",
        f"- jonas side: python {meta['python']}, jonas {meta['jonas']} ({meta['jonas_tree']}), "
        f"numpy {meta['numpy']}, numba {meta['numba']}",
        "- Starsim side (benchmarks/.venv-starsim): "
        + ", ".join(f"{k} {v}" for k, v in ss_versions.items())
        + (f", networkx {meta['networkx']}" if meta.get("networkx") else ""),
        f"- date: {meta['date']}; the whole benchmark took {meta['total_s']:.0f} s",
        "",
        *table(rows),
        "",
        f"Steps: {', '.join(f'{s} at {n:,} agents' for n, s in steps.items())}, best of "
        f"{rounds} rounds (jonas: hyosan-city's 60-s steps after 30 untimed ones; "
        "Starsim: 1-day steps). "
        "Bytes per agent by peak RSS: (peak RSS after the run - peak RSS after the same "
        "worker's 10,000-agent warm-up) / (N - 10,000), each row in a process of its own; "
        "it counts temporaries (Starsim's per-step edge arrays, the build of jonas's map) and "
        "is noisier at 170,000 than at 1,000,000. Init: jonas's `build` (map and world), "
        "Starsim's `ss.Sim(...)` plus `sim.init()` of the first round (StaticNet's includes "
        "drawing its graph with networkx). Ratios compare rows of the same size.",
        "",
        *verdict(rows),
    ]
    return "\n".join(lines)


def write_readme(text: str) -> None:
    old = README.read_text()
    block = f"{BEGIN}\n{SECTION_INTRO}\n\n{text}\n{END}"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + block + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"
    README.write_text(new)


SECTION_INTRO = """\
```bash
.venv/bin/python benchmarks/bench_starsim.py --readme --default-threads  # ~4 min; rewrites this
.venv/bin/python benchmarks/bench_starsim.py --quick    # smoke run; prints only
```

The full jonas rules on Hyosan (`bench_agents.measure`, above) against
[Starsim](https://starsim.org)'s agent-based SIR (`ss.SIR`) with the same numbers of agents
and steps. Starsim is installed only in the benchmark's own virtualenv,
`benchmarks/.venv-starsim` (gitignored), which the script creates from
`benchmarks/starsim-requirements.txt` (pinned) when it is missing; it is never a jonas
dependency. Starsim's routes: `ss.RandomNet(n_contacts=4)`, about 4 contacts per agent
redrawn every step (edges last 0 steps by default: every step `end_pairs` drops them all and
`add_pairs` draws new ones), the issue's reference; `ss.RandomNet()` with the class's own
default, `n_contacts=ss.constant(10)`; `ss.StaticNet(n_contacts=4)`, an Erdős–Rényi graph
(networkx's `fast_gnp_random_graph`, p = 4/N) drawn once at initialisation; and
`ss.MixingPool(n_contacts=ss.constant(4))`, Starsim's network-free route (each susceptible
is exposed to the mean infectiousness of all agents; an `ss.SIR` with no route at all
transmits nothing, so it is no benchmark). SIR: beta 0.05 per contact per day, 10-day
infection, no deaths, 1% infected at the start, 1-day steps, seed 1: a full outbreak in the
longer runs. Each worker first runs an untimed 10,000-agent sim (numba's compilation or
cache, imports), then times `sim.run()` on fresh sims (construction and `sim.init()` timed
apart). Starsim and the first jonas row run on one thread (NUMBA/OMP/MKL/OPENBLAS_NUM_THREADS
=1): Starsim's numba kernels are declared `parallel=False` and neither side calls BLAS, so
`--default-threads` (RandomNet rows with the thread variables unset) changes nothing beyond
the noise. jonas runs a second time with its threads left at numba's default (all cores):
its step runs strips of the map side by side, with the same numbers on any number of
threads (docs/agents.md). Both run again from `bench_agents`'s "spread" start (no drone:
the horde is not piled on one point, which the step works out once), reported beside.

Caveat: the two do different amounts of work per agent-step. A jonas step moves every agent
on the map's raster (walking, fleeing, hiding indoors, held by the cordon), rebuilds the cell
lists, updates the sound field, searches each agent's neighbours for fear, bites and fights,
and runs the timers of the bitten; a Starsim SIR step draws the contacts (RandomNet), tests
each edge with an infectious end, and updates a few state arrays. Starsim is a general
framework (any disease, network or intervention, common random numbers), jonas's engine one
model; the figures say what each costs, not which is better written."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps, one round")
    ap.add_argument("--json", help="also write every figure to this file")
    ap.add_argument("--readme", action="store_true", help="rewrite the section in README.md")
    ap.add_argument(
        "--default-threads", action="store_true", help="add RandomNet rows with default threads"
    )
    ap.add_argument("--render", metavar="JSON", help="only re-render a --json file's figures")
    ap.add_argument("--jonas-worker", nargs=4, metavar=("N", "STEPS", "ROUNDS", "START"))
    ap.add_argument("--starsim-worker", nargs=4, metavar=("VARIANT", "N", "STEPS", "ROUNDS"))
    args = ap.parse_args()
    if args.jonas_worker:
        n, steps, rounds, start = args.jonas_worker
        print(RESULT + json.dumps(jonas_worker(int(n), int(steps), int(rounds), start)), flush=True)
        return
    if args.starsim_worker:
        v, n, steps, rounds = args.starsim_worker
        print(RESULT + json.dumps(starsim_worker(v, int(n), int(steps), int(rounds))), flush=True)
        return

    if args.render:
        with open(args.render) as fh:
            saved = json.load(fh)
        text = report(saved["meta"], saved["rows"], saved["meta"].get("quick", False))
        print(text)
        if args.readme:
            write_readme(text)
        return

    t_start = time.perf_counter()
    load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ensure_env()
    steps = {170_000: 30, 1_000_000: 10} if args.quick else {170_000: 150, 1_000_000: 40}
    rounds = 1 if args.quick else 3
    rows: list[dict[str, object]] = []
    for n in SIZES:
        print(f"{n:,} agents, {steps[n]} steps:", flush=True)
        for (start, single), (model, label) in JONAS.items():
            a = ["--jonas-worker", str(n), str(steps[n]), str(rounds), start]
            r = call(sys.executable, a, single_thread=single)
            rows.append(r | {"model": model, "label": label})
            print(f"  {model} {fmt_rate(r['agent_steps_per_s'])} agent-steps/s", flush=True)
        runs = [(v, True) for v in VARIANTS]
        if args.default_threads:
            runs.append(("randomnet", False))
        for v, single in runs:
            a = ["--starsim-worker", v, str(n), str(steps[n]), str(rounds)]
            r = call(venv_python(), a, single_thread=single)
            label = VARIANTS[v] + ("" if single else ", default threads")
            rows.append(r | {"model": v if single else v + "-threads", "label": label})
            print(f"  {v}{'' if single else ' (threads)'} {fmt_rate(r['agent_steps_per_s'])} "
                  f"agent-steps/s, peak infected {r['peak_infected']:,}", flush=True)  # fmt: skip

    import importlib.metadata as md

    meta = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "load_start": load_start,
        "load_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "jonas": md.version("jonas"),
        "jonas_tree": jonas_tree(),
        "numpy": md.version("numpy"),
        "numba": md.version("numba"),
        "networkx": next(
            (r["versions"].get("networkx") for r in rows if r["model"] == "staticnet"), None
        ),
        "date": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "rounds": rounds,
        "quick": args.quick,
        "steps": steps,
        "total_s": time.perf_counter() - t_start,
    }
    text = report(meta, rows, args.quick)
    print()
    print(text)
    for r in rows:
        if r["model"].startswith("jonas"):
            c = {k: v for k, v in r["counts"].items() if v}
            print(f"  jonas {r['agents']:,} after {r['simulated_minutes']:.0f} min: {c}")
        else:
            print(f"  {r['model']} {r['agents']:,}: peak infected {r['peak_infected']:,}, "
                  f"final {r['final']}, edges {r['edges']:,}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=2)
    if args.readme:
        write_readme(text)
        print(f"rewrote the section '{HEADING}' of {README}")


if __name__ == "__main__":
    main()
