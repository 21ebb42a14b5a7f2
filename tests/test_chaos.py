"""Chaos (issue 21, part B): `jonas run` processes killed (SIGKILL) or stopped (SIGINT, as
Ctrl-C) at random moments, seeded, from their start to their end, in single runs and in
small ensembles on two workers. Afterwards every file in the folder reads whole; a folder
stopped by Ctrl-C says so in its run.json (never "running") and the terminal was told to
--resume; and `jonas run --resume` then gives the uninterrupted run's files byte for byte
(or there is no folder at all: stopped before it was made).

A few cases run in the suite; ``pytest -m long tests/test_chaos.py`` runs many more."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jonas.cli import app
from jonas.outputs.names import LOCK

runner = CliRunner()
SEED = 2026
#: the tables whose bytes the resumed run must repeat
TABLES = ("timeseries.parquet", "incidence.parquet", "replicates.parquet", "bands.parquet")
#: the runs interrupted: one replicate, and an ensemble on two workers
RUNS = {
    "single": ["hyosan", "-r", "1", "-w", "1"],
    "ensemble": ["sir", "-e", "tauleap", "-r", "40", "-w", "2", "--set", "run.seed=3"],
}
#: the moments tried: seconds after the process started (its imports, the claim, the
#: first run.json), or after its run.json appeared (the batches, the merge, the writers)
LATEST_S = {"start": 9.0, "run.json": 4.0}
# Ctrl-C as a terminal sends it: pytest may start children with SIGINT ignored or blocked
_AS_FROM_A_TERMINAL = (
    "import signal; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT]); "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from jonas.cli import main; main()"
)


@dataclass(frozen=True)
class Case:
    run: str
    signal: signal.Signals
    after: float  # seconds after ``since``
    since: str = "start"


def chaos_cases(n: int, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        since = str(rng.choice(list(LATEST_S)))
        cases.append(
            Case(
                str(rng.choice(list(RUNS))),
                (signal.SIGKILL, signal.SIGINT)[int(rng.integers(2))],
                round(float(rng.uniform(0, LATEST_S[since])), 2),
                since,
            )
        )
    return cases


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in TABLES}


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each run uninterrupted (on one worker: the bytes do not depend on the workers)."""
    found = {}
    for name, args in RUNS.items():
        out = tmp_path_factory.mktemp(name) / "run"
        alone = [a if a != "2" else "1" for a in args]
        result = runner.invoke(app, ["run", *alone, "-q", "--out", str(out)])
        assert result.exit_code == 0, result.output
        found[name] = digests(out)
    return found


def readable(folder: Path) -> None:
    """Every file jonas left reads whole (temporary files of a write cut short aside: they
    are not results, and the next run removes them)."""
    for path in folder.rglob("*"):
        if not path.is_file() or path.name == LOCK or path.name.endswith(".part"):
            continue
        if path.suffix == ".parquet":
            pq.read_table(path)
        elif path.suffix == ".json":
            json.loads(path.read_text("utf-8"))
        else:
            assert path.stat().st_size > 0, f"{path} is empty"


def interrupt(case: Case, references: dict[str, dict[str, str]], out: Path) -> str:
    """Run, interrupt, check, resume, check; return what the interruption left."""
    args = [*RUNS[case.run], "-q", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-c", _AS_FROM_A_TERMINAL, "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if case.since == "run.json":
        while not (out / "run.json").exists() and process.poll() is None:
            time.sleep(0.01)
    end = time.monotonic() + case.after
    while time.monotonic() < end and process.poll() is None:
        time.sleep(0.02)
    if process.poll() is None:
        process.send_signal(case.signal)
    _out, err = process.communicate(timeout=120)
    if not out.exists():
        return "nothing"  # stopped before the folder was made
    readable(out)
    meta = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
    if case.signal == signal.SIGINT:
        assert meta.get("status") != "running", f"{case}: left 'running'\n{err}"
        if meta.get("status") == "interrupted":
            assert "--resume" in err, f"{case}: no hint to resume\n{err}"
    result = runner.invoke(app, ["run", *args, "--resume"])
    assert result.exit_code == 0, f"{case}: --resume failed\n{result.output}"
    assert digests(out) == references[case.run], f"{case}: resumed bytes differ"
    assert not (out / "parts").exists() and not (out / LOCK).exists()
    return meta.get("status", "no run.json")


def _chaos(cases: list[Case], references: dict[str, dict[str, str]], tmp_path: Path) -> None:
    left: dict[str, int] = {}
    for i, case in enumerate(cases):
        what = interrupt(case, references, tmp_path / f"run{i}")
        left[what] = left.get(what, 0) + 1
    print(f"{len(cases)} interruptions left: {left}")  # the counts in docs/reliability.md


def test_interrupted_runs_resume_to_the_uninterrupted_bytes(
    references: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    # each run and each signal, at seeded moments (one from the start, one once it runs)
    moments = iter(np.random.default_rng(SEED).uniform(0, 1, 4))
    plan = [
        ("single", signal.SIGKILL, "run.json"),
        ("single", signal.SIGINT, "start"),
        ("ensemble", signal.SIGKILL, "start"),
        ("ensemble", signal.SIGINT, "run.json"),
    ]
    cases = [
        Case(run, sent, round(next(moments) * LATEST_S[since], 2), since)
        for run, sent, since in plan
    ]
    _chaos(cases, references, tmp_path)


@pytest.mark.long
@pytest.mark.timeout(3600)  # about 10 minutes on 2 busy cores
def test_many_interrupted_runs_resume_to_the_uninterrupted_bytes(
    references: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    _chaos(chaos_cases(60, SEED + 1), references, tmp_path)
