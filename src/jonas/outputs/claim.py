"""Owning a run's folder: one writer at a time, and only jonas's own files.

Whoever writes into a folder first takes it (:func:`claim`): the folder is checked (a
folder, not a link, writable, empty or an earlier jonas run's), and locked with ``flock`` on
``.jonas.lock`` for as long as the writer lives (the system drops the lock of a killed
process, so none is left stuck). Only the names of :data:`~jonas.outputs.names.OUTPUTS`
are jonas's, and of those only what the folder's ``run.json`` records (``files``); anything
else with one of those names, a link among them, or a stranger's file in ``parts/`` or
``snapshots/``, is refused, never deleted or written through.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from jonas.errors import JonasError
from jonas.outputs.names import COMMITTED, INSIDE, LOCK, MERGED, MERGING, OUTPUTS, PARTS, final_name

if TYPE_CHECKING:
    from jonas.outputs.folder import RunFolder

_ALLOWED = "give a new folder, an empty one, or the folder of an earlier jonas run"


class Claim:
    """This process's hold on a run folder (:meth:`RunFolder.claim`): its lock, and whether
    the folder was made for it. As a context manager it lets go at the end; if the block
    fails before ``keep`` is set (a run that left nothing worth resuming), what jonas wrote
    there goes too, and the folder if it was made for it."""

    def __init__(self, folder: RunFolder, fd: int, created: bool) -> None:
        self.folder = folder
        self.created = created
        self.keep = False
        self._fd: int | None = fd

    def __enter__(self) -> Claim:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, _e: BaseException | None, _t: TracebackType | None
    ) -> None:
        if kind is not None and not self.keep:
            self.discard()
        self.release()

    def release(self) -> None:
        """Let go of the folder: its lock file goes first, so that whoever opened it while
        it was held sees it gone and makes a new one (see :func:`_lock`)."""
        if self._fd is None:
            return
        (self.folder.root / LOCK).unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def discard(self) -> None:
        """Remove every file jonas wrote here, and the folder if it was made for this."""
        self.folder.clear()
        self.release()
        if self.created:
            # (something of the user's put there meanwhile stays, and the folder with it)
            with contextlib.suppress(OSError):
                self.folder.root.rmdir()


def _lock(path: Path, where: str) -> int:
    """Hold ``flock`` on the lock file ``path`` (made if missing, never through a link);
    refuse if another process holds it."""
    import fcntl

    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise JonasError(
                f"{where}: cannot be written ({exc.strerror}); {_ALLOWED}, in a place you may write"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise JonasError(
                f"{where}: another jonas process (pid {holder}) is writing into this folder "
                "now; wait for it to end, or choose another folder"
            ) from None
        # The holder before may have removed the file as it let go (Claim.release): then
        # this lock is on a file nobody else will see; take the one that is there.
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)


def claim(folder: RunFolder, label: str = "--out", create: bool = True) -> Claim:
    """Take the folder for writing (made if missing and ``create``): refuse (a
    JonasError naming ``label``, the option that gave the folder) a path that is a
    file, a link, the file system's root, not writable, or a folder holding files jonas
    did not write; refuse while another process holds it."""
    root = folder.root
    where = f"{label} {root}".strip()
    try:
        mode: int | None = os.lstat(root).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise JonasError(f"{where}: cannot be read ({exc.strerror}); {_ALLOWED}") from None
    if mode is not None and stat.S_ISLNK(mode):
        raise JonasError(
            f"{where}: a symbolic link; jonas does not write through links: {_ALLOWED} "
            "(the folder itself)"
        )
    if mode is not None and not stat.S_ISDIR(mode):
        raise JonasError(f"{where}: a file, not a folder; {_ALLOWED}")
    if root.resolve() == Path(root.resolve().anchor):
        raise JonasError(f"{where}: the file system's root; {_ALLOWED}")
    created = False
    if mode is None:
        if not create:
            raise JonasError(f"{where}: not a jonas run folder (no such folder)")
        try:
            root.mkdir(parents=True)
            created = True
        except FileExistsError:  # made by another process just now: checked below
            pass
        except OSError as exc:
            raise JonasError(
                f"{where}: cannot be made ({exc.strerror}); {_ALLOWED}, in a place you "
                "may write"
            ) from None
    claim = Claim(folder, _lock(root / LOCK, where), created)
    try:
        _check_own(folder, where)
    except BaseException:
        claim.release()
        raise
    return claim

def _check_own(folder: RunFolder, where: str) -> None:
    meta = folder.run_json()
    # (a temporary file of jonas's: a run killed as it wrote its first run.json)
    names = sorted(
        e.name
        for e in os.scandir(folder.root)
        if e.name != LOCK and (final_name(e.name) == e.name or final_name(e.name) not in OUTPUTS)
    )
    if meta is None and names:
        raise JonasError(
            f"{where}: not a jonas run folder: it holds files jonas did not write "
            f"({_listed(names)}; no jonas run.json); {_ALLOWED}"
        )
    recorded = meta.get("files") if meta is not None else None
    foreign = _foreign(folder, set(recorded) if isinstance(recorded, list) else None)
    if foreign:
        raise JonasError(
            f"{where}: holds {_listed(foreign)}, which jonas did not write (it deletes "
            "and overwrites only its own files, and never writes through a link); move "
            "them away, or choose another folder"
        )

def _foreign(folder: RunFolder, recorded: set[str] | None) -> list[str]:
    """What is here under a name jonas writes but is not jonas's: not recorded in
    run.json (``recorded``; None: an earlier jonas's run.json, which records nothing), a
    link, a file where jonas writes a folder or the other way, a stranger inside."""
    found = []
    for entry in sorted(os.scandir(folder.root), key=lambda e: e.name):
        name, plain = entry.name, final_name(entry.name)
        if plain not in OUTPUTS or name == LOCK:
            continue  # the user's own file beside the run: left alone
        folder = entry.is_dir(follow_symlinks=False)
        if entry.is_symlink():
            found.append(f"{name} (a link)")
        elif folder != (OUTPUTS[plain] and name == plain) or (
            recorded is not None and plain not in recorded
        ):
            found.append(name + ("/" if folder else ""))
        elif folder:
            found += [f"{name}/{inner}" for inner in _strangers(Path(entry.path), name)]
    return found


def _strangers(folder: Path, name: str) -> list[str]:
    """What is in jonas's folder ``name`` (parts/, snapshots/) that jonas did not put."""
    found = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        staging = name == PARTS and entry.name in (MERGING, COMMITTED)
        if staging and not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
            found += [
                f"{entry.name}/{inner.name}"
                for inner in os.scandir(entry.path)
                if inner.is_symlink()
                or not inner.is_file(follow_symlinks=False)
                or final_name(inner.name) not in MERGED.values()
            ]
            continue
        if (
            entry.is_symlink()
            or not entry.is_file(follow_symlinks=False)
            or not INSIDE[name].fullmatch(final_name(entry.name))
        ):
            found.append(entry.name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
    return found


def _listed(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
