"""Run folders (issue 21, part B): one writer at a time, --out checked, only jonas's own files
deleted or overwritten, nothing lost or held twice whatever moment a run is killed at, a
resumed run's files byte for byte the uninterrupted run's, no worker left behind by a
killed run, and a run that fails or is stopped at once leaves nothing. The random kills of
whole `jonas run` processes are in tests/test_chaos.py."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import jonas
import jonas.ensemble.runner as runner_module
from jonas.cli import app
from jonas.ensemble import run_ensemble
from jonas.ensemble.runner import Interrupted, RunFailed
from jonas.errors import JonasError
from jonas.outputs import RunFolder, all_writers
from jonas.outputs.names import LOCK, OUTPUTS

runner = CliRunner()
SIR = ["run.engine=tauleap", "run.t_end=60", "run.seed=5"]
#: the tables whose bytes a resumed run must repeat
TABLES = ("timeseries.parquet", "incidence.parquet", "replicates.parquet", "bands.parquet")


def sir(replicates: int) -> jonas.Scenario:
    return jonas.load("sir", [*SIR, f"run.replicates={replicates}"])


def digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The uninterrupted run of sir(6) on one worker."""
    folder = tmp_path_factory.mktemp("reference") / "run"
    run_ensemble(sir(6), folder, workers=1)
    return digests(folder)


def test_every_writer_writes_a_name_jonas_owns() -> None:
    assert {w.name for w in all_writers()} <= set(OUTPUTS)


# ---------------------------------------------------------------------- one writer


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    held = RunFolder(out).claim()
    for extra in ([], ["--resume"]):
        result = runner.invoke(app, ["run", "sir", "-q", "--out", str(out), *extra])
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())
        assert f"another jonas process (pid {os.getpid()}) is writing into this folder" in said
    assert sorted(p.name for p in out.iterdir()) == [LOCK]
    held.release()
    result = runner.invoke(app, ["run", "sir", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / LOCK).exists()  # let go as the run ended


def test_a_killed_writer_leaves_no_lock_stuck(tmp_path: Path) -> None:
    out = tmp_path / "run"
    hold = (
        "import sys, time; from pathlib import Path; from jonas.outputs import RunFolder; "
        "RunFolder(Path(sys.argv[1])).claim(); print('held', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(JonasError, match=f"another jonas process \\(pid {holder.pid}\\)"):
            RunFolder(out).claim()
    finally:
        holder.kill()
        holder.wait()
    RunFolder(out).claim().release()  # the system let go of the killed process's lock


# ---------------------------------------------------------------------- --out


def _read_only(tmp_path: Path) -> Path:
    """A folder to be made where this user cannot write."""
    if os.geteuid() == 0:  # root writes anywhere a disk is writable: not in /proc
        return Path("/proc/jonas-test/out")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    return locked / "out"


@pytest.mark.parametrize(
    ("what", "said"),
    [
        ("file", "a file, not a folder"),
        ("link", "a symbolic link; jonas does not write through links"),
        ("root", "the file system's root"),
        ("foreign", "not a jonas run folder: it holds files jonas did not write (thesis.tex"),
        ("read-only", "cannot be made"),
    ],
)
def test_an_out_jonas_may_not_write_is_refused(tmp_path: Path, what: str, said: str) -> None:
    out = tmp_path / "out"
    if what == "file":
        out.write_text("mine")
    elif what == "link":
        (tmp_path / "real").mkdir()
        out.symlink_to(tmp_path / "real")
    elif what == "root":
        out = Path("/")
    elif what == "foreign":
        out.mkdir()
        (out / "thesis.tex").write_text("mine")
    else:
        out = _read_only(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(app, ["run", "sir", "-q", "--out", str(out)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert f"--out {out}: {said}" in message
    assert "give a new folder, an empty one, or the folder of an earlier jonas run" in message
    assert "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before  # nothing made, nothing touched


# ---------------------------------------------------------------------- only its own files


@pytest.fixture
def finished(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    run_ensemble(sir(3), out, workers=1)
    return out


def _refused(out: Path, shown: str) -> None:
    for extra in ([], ["--resume"]):
        result = runner.invoke(app, ["run", "sir", *SIR_SET, "-q", "--out", str(out), *extra])
        assert result.exit_code == 2, result.output
        message = " ".join(result.output.split())
        assert f"holds {shown}, which jonas did not write" in message, message
        assert "Traceback" not in result.output


SIR_SET = [a for s in [*SIR, "run.replicates=3"] for a in ("--set", s)]


def test_a_users_file_in_parts_is_never_deleted(finished: Path) -> None:
    (finished / "parts").mkdir()
    (finished / "parts" / "thesis.tex").write_text("mine")
    _refused(finished, "parts/thesis.tex")
    assert (finished / "parts" / "thesis.tex").read_text() == "mine"


def test_a_folder_under_a_table_name_is_never_deleted(finished: Path) -> None:
    (finished / "timeseries.parquet").unlink()
    (finished / "timeseries.parquet").mkdir()
    (finished / "timeseries.parquet" / "data.bin").write_text("mine")
    _refused(finished, "timeseries.parquet/")
    assert (finished / "timeseries.parquet" / "data.bin").read_text() == "mine"


@pytest.mark.parametrize("name", ["parts", "replicates.parquet"])
def test_links_out_of_the_folder_are_never_followed(
    finished: Path, tmp_path: Path, name: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (finished / name).unlink(missing_ok=True)
    (finished / name).symlink_to(elsewhere)
    _refused(finished, f"{name} (a link)")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]


def test_a_file_under_a_name_the_run_did_not_write_is_not_taken(finished: Path) -> None:
    """run.json records the files jonas wrote; a map.gif in a run of sir is the user's."""
    assert "map.gif" not in json.loads((finished / "run.json").read_text())["files"]
    (finished / "map.gif").write_text("mine")
    _refused(finished, "map.gif")


def test_a_users_own_file_beside_the_outputs_stays(finished: Path) -> None:
    (finished / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["run", "sir", *SIR_SET, "-q", "--out", str(finished)])
    assert result.exit_code == 0, result.output
    assert (finished / "notes.txt").read_text() == "mine"
    meta = json.loads((finished / "run.json").read_text())
    assert "notes.txt" not in meta["files"] and "timeseries.parquet" in meta["files"]


# ---------------------------------------------------------------------- killed at any moment


class Killed(BaseException):
    """A kill -9 as the test plays it: raised by the k-th file operation, and by every one
    after it (a killed process does nothing more on disk)."""


@pytest.fixture
def kill_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts the file operations that change a run's folder (os.replace, os.rename,
    os.unlink, os.rmdir: every rename, deletion and shutil.rmtree goes through them) and
    kills the run at operation ``k`` (0: never)."""
    state = {"k": 0, "count": 0}
    for name in ("replace", "rename", "unlink", "rmdir"):
        real = getattr(os, name)

        def counted(*args, _real=real, **kwargs):  # type: ignore[no-untyped-def]
            state["count"] += 1
            if state["k"] and state["count"] >= state["k"]:
                raise Killed
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, counted)
    yield state


def _let_go_of_locks() -> None:
    """A killed process's locks go with it: here, the descriptors the kill left open."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith(LOCK):
            os.close(int(fd))


def _readable(folder: Path) -> None:
    """Every file jonas left is whole: parquet, JSON, a picture."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.endswith(".part") and path.name != LOCK:
            if path.suffix == ".parquet":
                pq.read_table(path)
            elif path.suffix == ".json":
                json.loads(path.read_text())
            else:
                assert path.stat().st_size > 0, path


@pytest.mark.parametrize("before_merge", [pytest.param(1, marks=pytest.mark.long), 4])
def test_a_kill_at_any_file_operation_then_resume_gives_the_uninterrupted_bytes(
    tmp_path: Path,
    reference: dict[str, str],
    kill_at: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    before_merge: int,
) -> None:
    """The run is killed at each of its file operations in turn: writing batches and
    run.json (every ``before_merge``-th of those in the quick version), the merge, its
    commit and the clean-up of parts, the writers (every one); --resume then always gives
    the uninterrupted run's files, byte for byte, each replicate once."""
    merge, merged_at = RunFolder.merge, []

    def counted(self: RunFolder, total: int | None = None) -> None:
        merged_at.append(kill_at["count"])
        merge(self, total)

    monkeypatch.setattr(RunFolder, "merge", counted)
    run_ensemble(sir(6), tmp_path / "counted", workers=1)
    operations, first = kill_at["count"], merged_at[0] + 1
    assert first > 10 and operations - first > 15  # batches; the merge, clean-up, writers
    chosen = [k for k in range(1, operations + 1) if k >= first or k % before_merge == 0]
    for k in chosen:
        out = tmp_path / f"k{k}"
        kill_at.update(k=k, count=0)
        with pytest.raises(Killed):
            run_ensemble(sir(6), out, workers=1)
        kill_at["k"] = 0
        _let_go_of_locks()
        _readable(out)
        meta = run_ensemble(sir(6), out, workers=1, resume=True)
        assert meta["status"] == "complete", k
        assert digests(out) == reference, f"killed at file operation {k} of {operations}"
        assert not (out / "parts").exists() and not list(out.glob(".*.part"))


def test_resumed_and_extended_runs_give_the_same_bytes(
    tmp_path: Path, reference: dict[str, str]
) -> None:
    run_ensemble(sir(2), tmp_path / "a", workers=1)
    run_ensemble(sir(6), tmp_path / "a", workers=2, resume=True)
    assert digests(tmp_path / "a") == reference


def test_a_folder_holding_a_replicate_twice_is_never_called_complete(
    finished: Path,
) -> None:
    folder = RunFolder(finished)
    table = pq.read_table(finished / "replicates.parquet")
    (finished / "replicates.parquet").unlink()
    pq.write_table(table.slice(0, 2), finished / "replicates.parquet")
    pq.write_table(table.slice(1, 2), finished / "replicates2.parquet")
    twice = [finished / "replicates.parquet", finished / "replicates2.parquet"]
    from jonas.outputs.folder import _concatenate

    _concatenate(twice, finished / "replicates.parquet")
    with pytest.raises(JonasError, match=r"4 replicate rows for 3 replicates \(1 repeated"):
        folder.check(3)


# ---------------------------------------------------------------------- Ctrl-C, failures


def test_ctrl_c_before_the_run_began_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    def stopped(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner_module, "open_backend", stopped)
    with pytest.raises(Interrupted, match="nothing was left"):
        run_ensemble(sir(6), tmp_path / "out", workers=2)
    assert not (tmp_path / "out").exists()


def test_an_earlier_run_stays_until_the_new_one_has_begun(
    finished: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C or an unreachable scheduler while the workers start leaves the run there."""
    before = digests(finished)

    def stopped(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner_module, "open_backend", stopped)
    with pytest.raises(Interrupted, match=f"{finished} is as it was"):
        run_ensemble(sir(6), finished, workers=2)
    assert digests(finished) == before
    assert json.loads((finished / "run.json").read_text())["status"] == "complete"


def test_ctrl_c_during_the_merge_leaves_a_folder_resume_finishes(
    tmp_path: Path, reference: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = RunFolder._commit

    def stopped(self: RunFolder) -> None:
        monkeypatch.setattr(RunFolder, "_commit", commit)
        raise KeyboardInterrupt

    monkeypatch.setattr(RunFolder, "_commit", stopped)
    out = tmp_path / "out"
    with pytest.raises(Interrupted, match=r"6 of 6 replicates are saved .* --resume"):
        run_ensemble(sir(6), out, workers=1)
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    run_ensemble(sir(6), out, workers=1, resume=True)
    assert digests(out) == reference


def test_a_run_that_fails_as_it_runs_leaves_no_files(tmp_path: Path) -> None:
    args = ["run", "sir", "-e", "ssa", "--set", "run.max_events=10", "-q"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "new")])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "run.max_events" in message and "the run left no files" in message
    assert not (tmp_path / "new").exists()
    old = tmp_path / "old"
    run_ensemble(sir(3), old, workers=1)
    (old / "notes.txt").write_text("mine")
    with pytest.raises(RunFailed):  # an earlier run's folder: jonas's files go, not the folder
        run_ensemble(jonas.load("sir", ["run.engine=ssa", "run.max_events=10"]), old)
    assert [p.name for p in old.iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------------- workers


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_parts(folder: Path, process: subprocess.Popen, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while not list((folder / "parts").glob("replicates-*.parquet")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < end, "no batch finished in time"
        time.sleep(0.05)


def _jonas(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from jonas.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_of_a_killed_run_end_by_themselves(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = _jonas("run", "hyosan", "-r", "400", "-w", "2", "-q", "--out", str(out))
    _wait_for_parts(out, process)
    children = _children(process.pid)
    assert len(children) >= 2  # two workers (and the resource tracker)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    end = time.monotonic() + 10
    while any(_alive(c) for c in children) and time.monotonic() < end:
        time.sleep(0.1)
    assert not [c for c in children if _alive(c)], "workers outlived their run"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_lost_worker_is_told_and_its_batches_run_again(tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = _jonas("run", "hyosan", "-r", "160", "-w", "2", "-q", "--out", str(out))
    _wait_for_parts(out, process)
    workers = [
        c
        for c in _children(process.pid)
        if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
    ]
    os.kill(workers[0], signal.SIGKILL)
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert f"a local worker died (pid {workers[0]}, killed by signal 9)" in err
    table = pq.read_table(out / "replicates.parquet", columns=["replicate"])
    assert np.array_equal(table.column(0).to_numpy(), np.arange(160))
