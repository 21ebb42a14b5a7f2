"""The command line: ``jonas list | validate | run | summarize | report | compare | sweep |
calibrate | serve | compile``.

The app and what commands share are in :mod:`jonas.cli.common`; importing the command
modules registers their commands.
"""

from jonas.cli import calibrate as _calibrate  # noqa: F401  (registers calibrate)
from jonas.cli import run as _run  # noqa: F401  (registers list, validate, run, summarize)
from jonas.cli import serve as _serve  # noqa: F401  (registers serve)
from jonas.cli import study as _study  # noqa: F401  (registers compare, sweep)
from jonas.cli import warm as _warm  # noqa: F401  (registers compile)
from jonas.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
