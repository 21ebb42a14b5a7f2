"""numba's ``njit`` as jonas uses it: cached on disk, with a fallback where no cache folder is
writable. Every compiled kernel (the compartment engines, the metapop engine, the agent
world) is declared with :func:`compiled`; :func:`uncached` tells whether a run will compile
(a first run on this machine) or load them, so that a first run can say so; and
:func:`compile_aside` lets a first run compile on two cores: numba compiles one function
at a time in a process, so a helper process takes the largest kernel meanwhile."""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
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


#: the environment variable that holds the lock file of a helper compiling aside: the
#: run's worker processes inherit it, and a helper seeing it starts no other
ASIDE = "JONAS_COMPILING_ASIDE"
#: the longest a process waits for the helper (a stuck helper must not stop the run: the
#: process then compiles the kernel itself)
ASIDE_WAIT_S = 300.0

_helpers: list[tuple[subprocess.Popen[bytes], str, int]] = []
_waited = False


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def compile_aside(target: str) -> bool:
    """Start a helper process that calls ``target`` ("module:function", no arguments),
    which compiles a kernel into numba's cache, while this process goes on compiling the
    rest (numba compiles one function at a time per process). Whoever calls that kernel
    calls :func:`wait_aside` first, and then loads it from the cache instead of compiling
    it twice. Returns whether a helper started: not with fewer than two CPUs of ours (the
    two would only take turns), not where a helper runs already or this process is one,
    and not without a writable cache folder (its work would be lost).

    The helper holds an exclusive ``flock`` on a file in a temporary folder until it
    exits, whatever the way (the system drops the lock of a process that dies): that is
    what waiting processes wait on. This process stops the helper if it is still running
    when this one exits, and removes the folder."""
    global _waited
    if os.environ.get(ASIDE) is not None or _uncached or _cpus() < 2:
        return False
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no flock
        return False
    folder = tempfile.mkdtemp(prefix="jonas-compiling-")
    lock = os.path.join(folder, "lock")
    fd = os.open(lock, os.O_CREAT | os.O_WRONLY, 0o600)
    module, function = target.split(":")
    root = str(Path(__file__).resolve().parents[1])  # where this jonas is imported from
    code = f"import sys; sys.path.insert(0, {root!r}); import {module} as m; m.{function}()"
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        helper = subprocess.Popen(
            [sys.executable, "-c", code],
            env=dict(os.environ, **{ASIDE: lock}),
            pass_fds=(fd,),  # the helper holds the lock through this descriptor
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return False
    finally:
        os.close(fd)  # from now on, only the helper's descriptor holds the lock
    if not _helpers:
        atexit.register(_stop_helpers)
    _helpers.append((helper, folder, os.getpid()))
    os.environ[ASIDE] = lock
    _waited = False
    return True


def wait_aside(meanwhile: Callable[[], None] | None = None, timeout: float = ASIDE_WAIT_S) -> None:
    """Wait until a helper compiling aside (:func:`compile_aside`) has exited, if one was
    started for this run, after calling ``meanwhile`` (what else there is to compile); at
    once on later calls in this process. The process that started the helper then clears
    it away (the environment variable, the lock's folder)."""
    global _waited
    if _waited:
        return
    _waited = True
    lock = os.environ.get(ASIDE)
    if lock is None:
        return
    if meanwhile is not None:
        meanwhile()
    import fcntl  # (a helper started, so the system has it)

    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:  # gone: the helper has exited and its run has cleaned up
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
    finally:
        os.close(fd)
    if any(folder == os.path.dirname(lock) for _, folder, _ in _helpers):
        del os.environ[ASIDE]
        _stop_helpers()


def types_of(arguments: tuple[Any, ...]) -> tuple[Any, ...]:
    """numba's types of a call's arguments: the signature a kernel called with them is
    compiled for (``kernel.compile(types_of(arguments))`` compiles without running)."""
    from numba import typeof

    return tuple(typeof(a) for a in arguments)


def _stop_helpers() -> None:
    """Stop this process's helpers still running (at its exit: nobody waits for them any
    more) and remove their folders."""
    for helper, folder, pid in list(_helpers):
        if pid != os.getpid():  # a forked child's copy of the list: not its helpers
            continue
        if helper.poll() is None:
            helper.terminate()
            try:
                helper.wait(timeout=5)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.wait()
        shutil.rmtree(folder, ignore_errors=True)
        _helpers.remove((helper, folder, pid))
