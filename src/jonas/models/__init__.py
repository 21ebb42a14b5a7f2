"""Built-in model families: each is a function returning compartments and transitions."""

from __future__ import annotations

from jonas.models.classic import CLASSIC_FAMILIES
from jonas.models.family import Family
from jonas.models.jonas import JONAS_FAMILY

FAMILIES: dict[str, Family] = {**CLASSIC_FAMILIES, JONAS_FAMILY.name: JONAS_FAMILY}

__all__ = ["FAMILIES", "Family"]
