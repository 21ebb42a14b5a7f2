"""Two revisions of jonas side by side: the same commands, as users run them, timed in turn.

Use it when a change should not change speed (a refactoring): check the other revision out
beside this one with its own environment, then

    git worktree add /tmp/jonas-before <commit>
    (cd /tmp/jonas-before && python -m venv .venv && .venv/bin/pip install -e .)
    .venv/bin/python benchmarks/bench_revisions.py --other /tmp/jonas-before [--readme]

Every command runs in a fresh process of each revision's own Python, the two revisions
alternating (A B A B …) so that a busy moment of the machine falls on both; the best of the
rounds is compared. Each command runs once untimed first in each revision (numba's cache,
the OS file cache). Commands use only what both revisions share: the ``jonas`` command, and
``jonas.run``. What each measures:

* ``jonas --help``; ``import jonas.api`` (numpy, numba, pydantic, …): start-up;
* ``jonas run hyosan`` (20 replicates on one worker, to its folder): the main job, end to
  end (loading, checking, compiling, the run, every file written);
* ``jonas.run("alemi-szr", engine="ssa", replicates=1000)``: what a run costs per replicate
  besides its kernel (the Python around it);
* ``jonas run korea`` (2 replicates on one worker, 10 days): the metapop engine and its maps;
* ``jonas run hyosan-city`` to 6 hours: the agents engine with its city and response.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import tempfile
import time
from pathlib import Path

from bench_ensemble import machine, write_section

START, END = "<!-- revisions:start -->", "<!-- revisions:end -->"
RUN = ["run", "--workers", "1", "--quiet"]
COMMANDS: list[tuple[str, list[str]]] = [
    ("`jonas --help`", ["jonas", "--help"]),
    ("`python -c 'import jonas.api'`", ["python", "-c", "import jonas.api"]),
    ("`jonas run hyosan` (20 replicates, 1 worker)", ["jonas", *RUN, "hyosan", "--out", "{out}"]),
    (
        "`jonas.run('alemi-szr', engine='ssa', replicates=1000)`",
        [
            "python",
            "-c",
            "import jonas; jonas.run('alemi-szr', engine='ssa', replicates=1000, seed=1)",
        ],
    ),
    (
        "`jonas run korea` (2 replicates, 10 days, 1 worker)",
        ["jonas", *RUN, "korea", "-r", "2", "--set", "run.t_end=240.0", "--out", "{out}"],
    ),
    (
        "`jonas run hyosan-city` to 6 hours",
        ["jonas", *RUN, "hyosan-city", "--set", "run.t_end=6.0", "--out", "{out}"],
    ),
]


def timed(root: Path, command: list[str]) -> float:
    """Seconds one command takes in the revision at ``root`` (its .venv), in a new folder."""
    bin_dir = root / ".venv" / "bin"
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(bin_dir / command[0]), *(a.replace("{out}", f"{tmp}/out") for a in command[1:])]
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, cwd=tmp)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--other", type=Path, required=True, help="the other revision's checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    revisions = {"other": args.other.resolve(), "this": here}
    names = {
        key: subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h %s"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()[:60]
        for key, root in revisions.items()
    }  # fmt: skip
    rows = []
    for label, command in COMMANDS:
        for root in revisions.values():
            timed(root, command)  # untimed: caches
        best = {key: float("inf") for key in revisions}
        for _ in range(args.rounds):
            for key, root in revisions.items():
                best[key] = min(best[key], timed(root, command))
        ratio = best["this"] / best["other"]
        rows.append(f"| {label} | {best['other']:.2f} s | {best['this']:.2f} s | {ratio:.2f} |")
        print(rows[-1], flush=True)
    table = "\n".join(
        [
            f"Measured {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}; "
            f"best of {args.rounds}, the revisions alternating.",
            "",
            f"- other: `{names['other']}`",
            f"- this: `{names['this']}`",
            "",
            "| command | other | this | this / other |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if args.readme:
        write_section(START, END, table)


if __name__ == "__main__":
    main()
