"""Engines: each runs the same compiled model its own way (the ODE, exact and approximate
stochastic simulation, a lattice, agents on a map, regions coupled by travel).

Each engine is a folder here that declares itself once (:class:`Engine`, read by
:mod:`jonas.engines.registry`); :func:`prepare` checks a scenario against its engine and
compiles it; the engine's run returns an :class:`~jonas.engines.output.EngineOutput`.
This package's own import is light (the command line reads the registry for its help);
the rest is imported on first use.
"""

from __future__ import annotations

from jonas.engines.registry import Engine, engines, get, names
from jonas.lazy import lazy_names
from jonas.modes import COMPARTMENTS, MAP, REGIONS

__all__ = [
    "COMPARTMENTS",
    "MAP",
    "REGIONS",
    "Engine",
    "Prepared",
    "digest",
    "engines",
    "get",
    "metric_names",
    "metrics_of",
    "names",
    "notes",
    "prepare",
    "replicate_seeds",
    "resolved",
    "seeds_for",
]

_LAZY = {
    "Prepared": "jonas.engines.prepared",
    "prepare": "jonas.engines.prepared",
    "resolved": "jonas.engines.prepared",
    "digest": "jonas.engines.prepared",
    "metrics_of": "jonas.engines.prepared",
    "metric_names": "jonas.engines.prepared",
    "notes": "jonas.engines.prepared",
    "replicate_seeds": "jonas.engines.seeds",
    "seeds_for": "jonas.engines.seeds",
}


__getattr__ = lazy_names(__name__, _LAZY)
