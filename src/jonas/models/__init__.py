"""Built-in model families: each is a function returning compartments and transitions."""

from __future__ import annotations

from jonas.models.classic import CLASSIC_FAMILIES
from jonas.models.family import Family

FAMILIES: dict[str, Family] = dict(CLASSIC_FAMILIES)

__all__ = ["FAMILIES", "Family"]
