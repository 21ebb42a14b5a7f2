"""Lazy public names: a package's names imported from their modules on first use, so that
importing the package (``jonas --help``, the engine registry) loads nothing heavy."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``homes`` from its module."""

    def __getattr__(name: str) -> Any:
        if name in homes:
            return getattr(importlib.import_module(homes[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def forward(old: str, new: str) -> Callable[[str], Any]:
    """A deprecated module's ``__getattr__``: every public name of the module ``new``."""
    target = importlib.import_module(new)
    public = getattr(target, "__all__", None)

    def __getattr__(name: str) -> Any:
        if (name in public) if public is not None else not name.startswith("_"):
            return getattr(target, name)
        raise AttributeError(f"module {old!r} (now {new!r}) has no attribute {name!r}")

    return __getattr__
