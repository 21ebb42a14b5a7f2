"""A first run says that it compiles, a warm one does not; the progress line's time left.

The subprocess test compiles the ssa kernel once into an empty numba cache (seconds: the
cost of what it checks, a fresh install's first run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jonas.cli.common import Pace, compile_notice, duration, progress_text
from jonas.compiled import uncached
from jonas.ensemble.clock import Reading

RUN = "import sys; from jonas.cli import main; sys.argv[0] = 'jonas'; sys.exit(main())"
NOTICE = "compiling the ssa engine (first run only"


def _run(cache: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    return subprocess.run(
        [sys.executable, "-c", RUN, "run", "sir", "-e", "ssa", "-r", "1", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_cold_cache_is_announced_and_a_warm_one_is_not(tmp_path: Path) -> None:
    cache = tmp_path / "numba"
    cache.mkdir()
    first = _run(cache, tmp_path / "first")
    assert first.returncode == 0, first.stderr
    assert NOTICE in first.stderr
    assert any(cache.rglob("*.nbi")), "the first run left numba's cache empty"
    second = _run(cache, tmp_path / "second")
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stderr + second.stdout


def test_uncached_reads_numba_s_index(tmp_path: Path) -> None:
    # in a fresh process with an empty cache folder, nothing is cached yet; a quiet run
    # (no notice printed) fills it, and then nothing is missing
    kernel = "jonas.engines.lattice.kernel:lattice_replicate"
    probe = (
        f"from jonas.compiled import uncached; import jonas, sys; print(uncached(({kernel!r},)))"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    before = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert before.stdout.strip() == f"[{kernel!r}]", before.stderr
    warm = "import jonas; jonas.run('alemi-lattice', replicates=1, overrides=['lattice.size=11'])"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True, timeout=300)
    after = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert after.stdout.strip() == "[]", after.stderr


def test_jonas_compile_fills_the_cache_ahead_of_a_first_run(tmp_path: Path) -> None:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    kernel = "jonas.engines.lattice.kernel:lattice_replicate"
    probe = f"from jonas.compiled import uncached; print(uncached(({kernel!r},)))"

    def jonas(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", RUN, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    first = jonas("compile", "lattice", "ode")
    assert first.returncode == 0, first.stderr
    assert "compiling the lattice engine (about" in first.stderr
    assert "lattice: compiled in" in first.stdout and "ode: nothing to compile" in first.stdout
    after = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert after.stdout.strip() == "[]", after.stderr
    again = jonas("compile", "lattice", "--json")
    assert again.returncode == 0, again.stderr
    assert '"status": "already compiled"' in again.stdout and "compiling" not in again.stderr
    # the first run after it compiles nothing, so says nothing of it
    run = jonas("run", "alemi-lattice", "-s", "lattice.size=11", "--out", str(tmp_path / "r"))
    assert run.returncode == 0, run.stderr
    assert "compiling" not in run.stderr + run.stdout


def test_jonas_compile_names_the_engines_it_knows() -> None:
    from typer.testing import CliRunner

    from jonas.cli import app

    done = CliRunner().invoke(app, ["compile", "lattice", "tauleep"])
    assert done.exit_code == 2
    assert "ENGINE: no engine named 'tauleep'" in done.output and "tauleap" in done.output


def test_uncached_knows_a_kernel_compiled_in_this_process() -> None:
    import jonas

    jonas.run("alemi-lattice", replicates=1, overrides=["lattice.size=11"])
    assert uncached(("jonas.engines.lattice.kernel:lattice_replicate",)) == []


def test_a_bad_kernel_name_is_not_guessed() -> None:
    assert uncached(("jonas.engines.lattice.kernel:no_such_kernel",)) is None


def test_compile_notice_names_the_engine_and_the_wait() -> None:
    assert compile_notice("agents", 41.6) == (
        "compiling the agents engine (first run only, about 42 s)"
    )


def _reading(replicates: float, total: int, t: float | None, t_end: float) -> Reading:
    return Reading(replicates, total, t, t_end)


def test_pace_waits_for_the_run_to_move_then_extrapolates() -> None:
    pace = Pace()
    assert pace.left(0.0, 1, 100.0) is None  # compiling: nothing moved
    assert pace.left(0.1, 1, 130.0) is None  # first move: the clock starts here
    assert pace.left(0.12, 1, 131.0) is None  # too soon to tell
    # 0.1 of the run in 10 s since it first moved: 0.8 left takes 80 s
    assert pace.left(0.2, 1, 140.0) == pytest.approx(80.0)
    # several replicates: the same rule on the replicates done
    many = Pace()
    many.left(2.0, 10, 0.0)
    assert many.left(4.0, 10, 20.0) == pytest.approx(60.0)


def test_the_progress_line_of_a_long_single_run() -> None:
    now = _reading(0.25, 1, 24.0, 96.0)
    text = progress_text("agents replicates", now, "hours", 95.0, None, 0.0)
    assert text == "agents replicates · 1.0 of 4 days · about 1 min 35 s left"
    # no estimate yet: where it is only
    assert progress_text("agents replicates", now, "hours", None, None, 0.0) == (
        "agents replicates · 1.0 of 4 days"
    )


def test_the_progress_line_before_anything_moves() -> None:
    idle = _reading(0.0, 1, None, 96.0)
    notice = compile_notice("agents", 40)
    assert progress_text("agents replicates", idle, "hours", None, notice, 12.4) == (
        f"agents replicates · {notice} · 12 s"
    )
    assert progress_text("agents replicates", idle, "hours", None, None, 12.4) == (
        "agents replicates · starting"
    )


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(4.4, "4 s"), (59.6, "1 min 00 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")],
)
def test_durations_in_words(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def test_the_server_says_a_run_compiles_until_it_moves(tmp_path: Path) -> None:
    from jonas.api import prepare
    from jonas.ensemble.clock import slot
    from jonas.web.jobs import Job

    job = Job("a", {}, prepare("sir"), tmp_path, total=1, compile_s=5.0)
    job.status = "running"
    path = job.clock.start([1], 1, 0, 200.0)
    assert job.state(None)["compiling_s"] == 5.0
    hand = slot(str(path), 0)
    assert hand is not None
    hand[0] = 12.5  # the kernel wrote its simulated time: it compiled and runs
    state = job.state(None)
    assert state["compiling_s"] is None and state["t"] == 12.5
    job.clock.close()


def test_jonas_compile_compiles_the_ssa_with_and_without_events(tmp_path: Path) -> None:
    # the ssa kernel compiles without the events' code for a model with none: its warm-up
    # runs one scenario of each kind, and after it neither kind of run compiles anything
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    warm = [sys.executable, "-c", RUN, "compile", "ssa", "--quiet"]
    assert subprocess.run(warm, env=env, timeout=300).returncode == 0
    probe = (
        "import jonas\n"
        "from numba.core import event\n"
        "seen = []\n"
        "class L(event.Listener):\n"
        "    def on_start(self, ev): seen.append(ev.data['dispatcher'].py_func.__name__)\n"
        "    def on_end(self, ev): pass\n"
        "event.register('numba:compile', L())\n"
        "jonas.run('sir', engine='ssa', replicates=1)\n"
        "jonas.run('munz-impulsive', engine='ssa', replicates=1)\n"
        "print(seen)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
