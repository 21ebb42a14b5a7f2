"""jonas: an outbreak simulator for the Jonas virus and any zombie-like epidemic.

The happy path::

    import jonas
    result = jonas.run("munz-basic", engine="ssa", replicates=100, seed=1)
    result.summary(); result.to_pandas(); result.plot()

Heavy parts (numpy, numba, scipy) are imported on first use, so that ``jonas --help``
answers at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jonas.lazy import lazy_names
from jonas.version import __version__

__all__ = [
    "JonasError",
    "Model",
    "Result",
    "Scenario",
    "__version__",
    "compile_model",
    "load",
    "prepare",
    "run",
]

if TYPE_CHECKING:
    from jonas.api import compile_model, load, prepare, run
    from jonas.errors import JonasError
    from jonas.model import Model
    from jonas.results import Result
    from jonas.spec import Scenario

_LAZY = {
    "load": "jonas.api",
    "prepare": "jonas.api",
    "run": "jonas.api",
    "compile_model": "jonas.api",
    "JonasError": "jonas.errors",
    "Model": "jonas.model",
    "Result": "jonas.results",
    "Scenario": "jonas.spec",
}


__getattr__ = lazy_names(__name__, _LAZY)
