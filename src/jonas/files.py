"""Atomic file writing: a file appears under its final name complete, or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


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
