"""Engines: functions of (Model, options, seeds) → counts. No global state.

Every engine returns an array of compartment totals shaped (replicates, times,
compartments). Stochastic engines return int64 counts; the ODE returns floats.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jonas.errors import JonasError
from jonas.model import Model
from jonas.scenario import RunSpec

ENGINES = ("ode", "ssa", "tauleap")
ENGINE_NOTES = {
    "ode": "deterministic mean field (scipy solve_ivp, or fixed-step Euler)",
    "ssa": "exact stochastic simulation (Gillespie direct method, numba)",
    "tauleap": "approximate stochastic, binomial leaps that never go negative (numba)",
}

Progress = Callable[[int], None]


def replicate_seeds(seed: int, replicates: int) -> np.ndarray:
    """One 32-bit seed per replicate from ``SeedSequence(seed).spawn(replicates)``.

    Replicate i always gets the same seed, however the ensemble is split or run.
    """
    children = np.random.SeedSequence(seed).spawn(replicates)
    return np.array([c.generate_state(1, dtype=np.uint32)[0] for c in children], dtype=np.int64)


def _stochastic_arrays(model: Model) -> dict[str, np.ndarray | int]:
    return {
        "x0": model.x0.astype(np.int64),
        "state_comp": model.state_compartment,
        "n_comp": model.n_compartments,
        "pool": model.pool,
        "src": model.src,
        "dst": model.dst,
        "cat": model.cat,
        "freq": model.freq,
        "rate": model.rate,
    }


def _by_source(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR lists of the transitions leaving each state, and the inflows with no source."""
    order = [j for s in range(model.n_states) for j in np.nonzero(model.src == s)[0]]
    counts = np.bincount(model.src[model.src >= 0], minlength=model.n_states)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    births = np.nonzero(model.src < 0)[0].astype(np.int64)
    return ptr, np.array(order, dtype=np.int64), births


def simulate(
    model: Model,
    run: RunSpec,
    times: np.ndarray,
    seeds: np.ndarray,
    progress: Progress | None = None,
) -> np.ndarray:
    """Run ``len(seeds)`` replicates (the ODE runs once) on the engine ``run.engine``."""
    if run.engine == "ode":
        from jonas.engines.ode import simulate_ode

        out = simulate_ode(model, times, run.method, run.rtol, run.atol, run.step)
        if progress:
            progress(1)
        return out[np.newaxis]

    arrays = _stochastic_arrays(model)
    ev = model.events
    out = np.zeros((len(seeds), times.size, model.n_compartments), dtype=np.int64)
    if run.engine == "ssa":
        from jonas.engines.ssa import ssa_replicate

        for r, seed in enumerate(seeds):
            n = ssa_replicate(
                *arrays.values(),
                times,
                ev.times,
                ev.fraction,
                ev.dest,
                int(seed),
                run.max_events,
                out[r],
            )
            if n < 0:
                raise JonasError(
                    f"ssa engine: replicate {r} reached run.max_events = {run.max_events} "
                    "before t_end; raise it, or use the tauleap engine for large populations"
                )
            if progress:
                progress(1)
    elif run.engine == "tauleap":
        from jonas.engines.tauleap import tauleap_replicate

        ptr, idx, births = _by_source(model)
        for r, seed in enumerate(seeds):
            tauleap_replicate(
                *arrays.values(),
                ptr,
                idx,
                births,
                times,
                ev.times,
                ev.fraction,
                ev.dest,
                run.step,
                int(seed),
                out[r],
            )
            if progress:
                progress(1)
    else:  # pragma: no cover - the schema allows only known engines
        raise JonasError(f"unknown engine {run.engine!r}; engines are {', '.join(ENGINES)}")
    return out
