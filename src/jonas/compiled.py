"""numba's ``njit`` as jonas uses it: cached on disk, with a fallback where no cache folder is
writable. Every compiled kernel (the compartment engines, the metapop engine, the agent
world) is declared with :func:`compiled`; :func:`uncached` tells whether a run will compile
(a first run on this machine) or load them, so that a first run can say so."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from numba import njit
from numba.core import types

_uncached: list[str] = []


def compiled(
    function=None,
    *,
    parallel: bool = False,
    nrt: bool = True,
    nogil: bool = False,
):
    """``numba.njit(cache=True)``: compiled on first call, kept in numba's on-disk cache.

    Numba caches next to the source (``__pycache__``), else in the user's cache folder
    (``~/.cache/numba``), or in ``NUMBA_CACHE_DIR`` when set. Where none is writable (a
    read-only install run with no writable home) numba refuses caching with a RuntimeError
    at import; then the kernel is compiled in every process instead, with one warning.

    Helpers are compiled as kernels of their own, not inlined into their callers by
    numba (``inline="always"``): numba then typed and lowered a helper anew at every call
    site, and LLVM inlines the small ones anyway. With every agents helper inlined so, a
    first ``hyosan-city`` run compiled for 28.5 s of CPU; without, for 23.8 s, and the
    steps run as fast (benchmarks/README.md, "First run").
    ``@compiled(parallel=True)``: a kernel with ``numba.prange`` loops, run on numba's
    threads (``NUMBA_NUM_THREADS``, default all cores).
    ``@compiled(nogil=True)``: a kernel that runs for long (a whole replicate) lets the
    interpreter's other threads go on meanwhile: a progress bar, a server's requests, a
    watcher reading its clock (:mod:`jonas.ensemble.clock`).
    """
    if function is None:
        return lambda f: compiled(f, parallel=parallel, nrt=nrt, nogil=nogil)
    options: dict[str, object] = {}
    if parallel:
        options["parallel"] = True
    if nogil:
        options["nogil"] = True
    if not nrt:
        options["_nrt"] = False
    try:
        return _general(njit(cache=True, **options)(function))
    except RuntimeError as exc:
        if "no locator available" not in str(exc):
            raise
        if not _uncached:
            warnings.warn(
                "jonas: numba found no writable cache folder, so the simulation kernels are "
                "compiled afresh in every run (seconds); set NUMBA_CACHE_DIR to a writable "
                "folder to keep them",
                RuntimeWarning,
                stacklevel=2,
            )
        _uncached.append(function.__name__)
        return _general(njit(**options)(function))


def _general(kernel: Any) -> Any:
    """The kernel, compiled once per argument types for calls from other kernels, not once
    per constant: numba types a constant argument (``gather(..., KIND_PREY, 1, ...)``) as
    a literal and compiles a version of the callee for each value met, so that a helper
    called with six sets of constants compiled six times (the agents' ``gather``: a first
    run's 4.7 of 85 s). The versions differ in nothing but constants folded early, which
    LLVM folds anyway where it inlines the call, and give the same numbers."""
    typed = kernel.get_call_template

    def get_call_template(args: tuple[Any, ...], kws: dict[str, Any]) -> Any:
        return typed(
            tuple(types.unliteral(a) for a in args),
            {k: types.unliteral(v) for k, v in kws.items()},
        )

    kernel.get_call_template = get_call_template
    return kernel


def uncached(kernels: tuple[str, ...]) -> list[str] | None:
    """Those of ``kernels`` ("module:function", compiled with :func:`compiled`) that neither
    this process nor numba's on-disk cache holds compiled for this machine: a run that calls
    them compiles them first (seconds each). None where that cannot be told (no cache
    folder, or numba's cache laid out otherwise than this reads it): a caller then says
    nothing rather than something untrue.

    Read from numba's index file of each kernel (``*.nbi``: which signatures are cached, for
    which CPU, and the source's stamp, so an edited source reads as not cached); a kernel
    cached for other argument types only counts as cached (the usual types are what the
    engines pass)."""
    missing: list[str] = []
    try:
        for name in kernels:
            module, function = name.split(":")
            kernel = getattr(importlib.import_module(module), function)
            if kernel.overloads:  # compiled in this process already
                continue
            cache = kernel._cache  # numba's FunctionCache; a NullCache where uncached
            index = getattr(cache, "_cache_file", None)
            if index is None:
                return None
            machine = kernel.targetctx.codegen().magic_tuple()
            if not any(key[1] == machine for key in index._load_index()):
                missing.append(name)
    except (AttributeError, TypeError, IndexError, ValueError, OSError):
        return None
    return missing
