"""The one exception type users see: a message a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class JonasError(Exception):
    """A user-facing failure. The CLI prints its message and exits with code 2."""


class ScenarioError(JonasError):
    """A scenario file or override that cannot be used as written."""


def suggest(name: str, choices: Iterable[str]) -> str:
    """A ' Did you mean ...?' hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"
