"""The one exception type users see: a message a person can act on."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from typing import Any


class JonasError(Exception):
    """A user-facing failure. The CLI prints its message and exits with code 2.

    Its message is made fit to print here, once for every message: each line shortened to
    about 600 characters and its control characters escaped, since messages quote what
    users wrote (a 200 kB key, a name holding a newline)."""

    def __init__(self, message: object = "", *args: object) -> None:
        if isinstance(message, str):
            message = "\n".join(clipped(line) for line in message.split("\n"))
        super().__init__(message, *args)


class ScenarioError(JonasError):
    """A scenario file or override that cannot be used as written."""


def suggest(name: str, choices: Iterable[str]) -> str:
    """A ' Did you mean ...?' hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


def printable(text: str, limit: int = 80) -> str:
    """User text as a message shows it: control characters escaped (a key holding a newline
    or a tab must not break the message's lines) and shortened to about ``limit``
    characters, saying how long it was (a 200 kB key is not echoed whole)."""
    if len(text) > limit:
        text = f"{text[: limit - 20]}…({len(text):,} characters)"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shown_value(value: Any, limit: int = 80) -> str:
    """A value the user wrote, as a message shows it: in TOML's words (true, a date), not
    Python's (True, ``datetime.time(1, 2, 3)``), escaped and shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + printable(value, limit).replace("'", "\\'") + "'"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"{value.isoformat()}, a TOML date or time"
    if isinstance(value, int | float) or value is None:
        return printable(repr(value), limit)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    return f"a {type(value).__name__}"


def clipped(message: str, limit: int = 600) -> str:
    """A message line of at most about ``limit`` characters, escaped, its end kept (it says
    what is allowed)."""
    if len(message) > limit:
        head, tail = message[: limit // 2], message[-limit // 4 :]
        left_out = len(message) - len(head) - len(tail)
        message = f"{head} …({left_out:,} characters)… {tail}"
    return printable(message, 2 * limit)
