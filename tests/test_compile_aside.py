"""A first run compiles the agents' strips in a helper process while it compiles the rest
(`jonas.compiled.compile_aside`), then loads them; the helper's lock, its time limit, its
failure and its end.

The first test compiles the agents engine into an empty numba cache (about 15 s on two
cores: the cost of what it checks, a fresh install's first run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jonas import compiled
from jonas.compiled import ASIDE, compile_aside, wait_aside

PROBE = """
import json, sys
from numba.core import event

names = []


class Listener(event.Listener):
    def on_start(self, ev):
        pass

    def on_end(self, ev):
        names.append(ev.data["dispatcher"].py_func.__qualname__)


event.register("numba:compile", Listener())
import jonas

result = jonas.run("hyosan-city", overrides=["run.t_end=0.2"])
print(json.dumps({"compiled": names, "counts": result.counts[0].tolist()}))
"""


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No helper of an earlier test or run in the environment; temporary folders here."""
    monkeypatch.delenv(ASIDE, raising=False)
    monkeypatch.setattr(compiled, "_waited", False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    return tmp_path


def test_a_first_run_compiles_the_strips_aside_and_loads_them(clean: Path) -> None:
    cache = clean / "numba"
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if k != ASIDE}
    env.update(NUMBA_CACHE_DIR=str(cache), TMPDIR=str(clean))
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    if compiled._cpus() >= 2:
        # the helper compiled the strips (and the strip, inside them); this process
        # compiled what comes after them meanwhile, and loaded the strips
        assert "_strips" not in found["compiled"] and "_strip" not in found["compiled"]
        assert "_roam" in found["compiled"] and "hunt_unseen" in found["compiled"]
    else:  # one CPU: no helper, the run compiles everything itself
        assert "_strips" in found["compiled"]
    assert any(cache.rglob("*_strips*.nbi"))
    assert not list(clean.glob("jonas-compiling-*")), "the helper's folder was left behind"
    # the same numbers as a run that compiled (or loaded) everything itself
    import jonas

    here = jonas.run("hyosan-city", overrides=["run.t_end=0.2"])
    np.testing.assert_array_equal(np.array(found["counts"]), here.counts[0])


def _holder(folder: Path, seconds: float, monkeypatch: pytest.MonkeyPatch) -> subprocess.Popen[str]:
    """A process holding an exclusive flock on a lock in ``folder`` for ``seconds``, as a
    helper does, named in the environment as a helper's is."""
    lock = folder / "lock"
    monkeypatch.setenv(ASIDE, str(lock))
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(lock)!r}, os.O_CREAT | os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_wait_aside_compiles_meanwhile_then_waits_for_the_lock(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = _holder(clean, 1.0, monkeypatch)
    meanwhile: list[float] = []
    start = time.monotonic()
    wait_aside(lambda: meanwhile.append(time.monotonic()))
    waited = time.monotonic() - start
    holder.wait()
    assert len(meanwhile) == 1 and meanwhile[0] - start < 0.5
    assert waited >= 0.5  # until the holder let go, not before
    # later calls in the process return at once, with nothing to do meanwhile
    start = time.monotonic()
    wait_aside(lambda: meanwhile.append(0.0))
    assert len(meanwhile) == 1 and time.monotonic() - start < 0.1


def test_wait_aside_gives_up_on_a_stuck_helper(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = _holder(clean, 30.0, monkeypatch)
    start = time.monotonic()
    wait_aside(timeout=0.3)
    assert 0.3 <= time.monotonic() - start < 5.0
    holder.kill()
    holder.wait()


def test_no_wait_without_a_helper(clean: Path) -> None:
    called: list[int] = []
    wait_aside(lambda: called.append(1))
    assert called == []  # nothing is compiled aside, so nothing meanwhile either


def test_no_helper_within_a_helper(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ASIDE, str(clean / "lock"))
    assert compile_aside("signal:pause") is False
    assert not list(clean.glob("jonas-compiling-*"))


def test_a_failing_helper_leaves_the_run_to_compile(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled, "_cpus", lambda: 2)
    assert compile_aside("jonas.no_such_module:compile") is True
    assert os.environ[ASIDE].startswith(str(clean))
    start = time.monotonic()
    wait_aside()  # it fails at once: the wait ends with it
    assert time.monotonic() - start < 60
    assert ASIDE not in os.environ and not compiled._helpers
    assert not list(clean.glob("jonas-compiling-*"))


def test_a_helper_still_running_is_stopped(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "_cpus", lambda: 2)
    assert compile_aside("signal:pause") is True  # a helper that never ends
    ((helper, folder, _),) = compiled._helpers
    assert helper.poll() is None and Path(folder).is_dir()
    wait_aside(timeout=0.3)  # gives up, and stops it
    assert helper.poll() is not None
    assert not Path(folder).exists() and ASIDE not in os.environ and not compiled._helpers


def test_one_cpu_starts_no_helper(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "_cpus", lambda: 1)
    assert compile_aside("signal:pause") is False
    assert ASIDE not in os.environ and not list(clean.glob("jonas-compiling-*"))
