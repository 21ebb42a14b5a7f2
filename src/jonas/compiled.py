"""numba's ``njit`` as jonas uses it: cached on disk, with a fallback where no cache folder is
writable. Every compiled kernel (the compartment engines, the metapop engine, the agent
world) is declared with :func:`compiled`."""

from __future__ import annotations

import warnings

from numba import njit

_uncached: list[str] = []


def compiled(
    function=None,
    *,
    inline: bool = False,
    parallel: bool = False,
    nrt: bool = True,
    nogil: bool = False,
):
    """``numba.njit(cache=True)``: compiled on first call, kept in numba's on-disk cache.

    Numba caches next to the source (``__pycache__``), else in the user's cache folder
    (``~/.cache/numba``), or in ``NUMBA_CACHE_DIR`` when set. Where none is writable (a
    read-only install run with no writable home) numba refuses caching with a RuntimeError
    at import; then the kernel is compiled in every process instead, with one warning.

    ``@compiled(inline=True)``: a small helper that numba inlines into its callers (its
    own call costs more than its body in the agents' hot loop).
    ``@compiled(parallel=True)``: a kernel with ``numba.prange`` loops, run on numba's
    threads (``NUMBA_NUM_THREADS``, default all cores).
    ``@compiled(nogil=True)``: a kernel that runs for long (a whole replicate) lets the
    interpreter's other threads go on meanwhile: a progress bar, a server's requests, a
    watcher reading its clock (:mod:`jonas.ensemble.clock`).
    """
    if function is None:
        return lambda f: compiled(f, inline=inline, parallel=parallel, nrt=nrt, nogil=nogil)
    options: dict[str, object] = {"inline": "always"} if inline else {}
    if parallel:
        options["parallel"] = True
    if nogil:
        options["nogil"] = True
    if not nrt:
        options["_nrt"] = False
    try:
        return njit(cache=True, **options)(function)
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
        return njit(**options)(function)
