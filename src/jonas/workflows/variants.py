"""Studies of several ensembles on common random numbers: the variants of a comparison or a
sweep, each an ordinary run folder, all run on one backend.

Every variant runs with the same seed, so replicate i of every variant starts from the
same random numbers: differences between variants are then paired, replicate by replicate,
and far less noisy than differences between independent ensembles. Each ensemble is an
ordinary run folder (:func:`jonas.ensemble.run_ensemble`), so it can be resumed, summarised
or read on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jonas.engines import Prepared
from jonas.engines.prepared import prepare_source
from jonas.ensemble import run_ensemble
from jonas.ensemble.backends import check_options, open_backend
from jonas.errors import JonasError


@dataclass
class Variant:
    """One scenario of a study: where it comes from, its overrides, and its folder."""

    label: str
    source: str
    overrides: list[str]
    folder: Path


@dataclass
class Execution:
    """Where a study's ensembles run (a backend, its workers or a Dask scheduler), whether
    to resume one left in its folder, and whom to tell how far it got."""

    backend: str = "local"
    workers: int | None = None
    address: str | None = None
    resume: bool = False
    progress: Callable[[int], None] | None = None
    started: Callable[[int, int], None] | None = None


def load_variant(variant: Variant, run_options: dict[str, Any]) -> Prepared:
    """The variant's scenario, prepared (every error surfaces before any work)."""
    return prepare_source(variant.source, variant.overrides, **run_options)


def run_variants(
    variants: Sequence[Variant], run_options: dict[str, Any], how: Execution
) -> list[dict[str, Any]]:
    """Run each variant's ensemble into its folder on one backend; return their run.json."""
    check_options(how.backend, how.workers, how.address)
    prepared = [load_variant(v, run_options) for v in variants]
    seeds = {p.scenario.run.seed for p in prepared}
    if len(seeds) > 1:  # only a --set run.seed=… per variant could do this
        raise JonasError("the variants must share one seed (common random numbers)")
    total = sum(p.replicates for p in prepared)
    if how.started is not None:
        how.started(0, total)
    pool = open_backend(how.backend, how.workers, how.address, total)
    try:
        return [
            run_ensemble(
                one,
                variant.folder,
                resume=how.resume and (variant.folder / "run.json").exists(),
                progress=how.progress,
                pool=pool,
            )
            for variant, one in zip(variants, prepared, strict=True)
        ]
    finally:
        pool.close()
