"""Built-in model families: each is a function returning compartments and transitions."""

from __future__ import annotations

from jonas.model.families.classic import CLASSIC_FAMILIES
from jonas.model.families.family import Family
from jonas.model.families.jonas import JONAS_FAMILY

FAMILIES: dict[str, Family] = {**CLASSIC_FAMILIES, JONAS_FAMILY.name: JONAS_FAMILY}

__all__ = ["FAMILIES", "Family"]
