"""Atomic file writing: a file appears under its final name complete, or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jonas.errors import ScenarioError


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it to ``final`` only on success."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600 files; give the result the permissions of an ordinary new file.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_atomic(final: Path, writer: Callable[[Path], Any]) -> None:
    """Call ``writer(tmp_path)`` and move the result to ``final`` atomically."""
    with atomic_path(final) as tmp:
        writer(tmp)


def write_json(final: Path, data: Any) -> None:
    write_atomic(
        final,
        lambda p: p.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8"),
    )


def read_text_capped(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of a user's file of at most ``limit`` bytes, read only so far: a file
    that is not a plain file (a FIFO would block, /dev/zero never ends, also behind a
    symlink) or is larger is refused with a ScenarioError naming it, before any reading."""
    check_regular(path, what)
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ScenarioError(
            f"{path}: larger than the {limit / 1e6:g} MB a {what} may have; is it the right file?"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a {what} (not UTF-8 text)") from None


def check_regular(path: Path, what: str) -> None:
    """Refuse (ScenarioError) a path that is missing or is not a plain file (a FIFO, a device,
    a folder), following symlinks, before anything opens it."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such {what}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a plain file (a device, a pipe?)"
        raise ScenarioError(f"{path}: {kind}; a {what} must be a plain file")
