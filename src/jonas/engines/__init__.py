"""Engines: functions of (Model, options, seeds) → counts. No global state.

Every engine returns an array of compartment totals shaped (replicates, times,
compartments). Stochastic engines return int64 counts; the ODE returns floats. The lattice
engine also reports per-replicate figures of its own (see :func:`simulate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.errors import JonasError
from jonas.model import Model
from jonas.scenario import LATTICE_COMPARTMENTS, LatticeSpec, RunSpec, Scenario

ENGINES = ("ode", "ssa", "tauleap", "lattice", "agents", "metapop")

Progress = Callable[[int], None]


def replicate_seeds(seed: int, replicates: int) -> np.ndarray:
    """One 32-bit seed per replicate from ``SeedSequence(seed).spawn(replicates)``.

    Replicate i always gets the same seed, however the ensemble is split or run.
    """
    return seeds_for(seed, np.arange(replicates))


def seeds_for(seed: int, replicates: np.ndarray) -> np.ndarray:
    """The seeds of some replicates of an ensemble: replicate i's is that of the i-th child
    of ``SeedSequence(seed).spawn(...)`` (spawn key (i,)), whatever the ensemble's size."""
    return np.array(
        [
            np.random.SeedSequence(seed, spawn_key=(int(i),)).generate_state(1, np.uint32)[0]
            for i in replicates
        ],
        dtype=np.int64,
    )


def model_arrays(model: Model) -> tuple[np.ndarray, ...]:
    """The model's arrays in the order every stochastic kernel takes them first."""
    return (
        model.x0.astype(np.int64),
        model.state_compartment,
        model.src,
        model.dst,
        model.cat,
        model.den,
        model.rate,
        model.groups,
        model.offset,
    )


def event_arrays(model: Model) -> tuple[np.ndarray, ...]:
    """The events and triggers, in the order the kernels take them after the output times."""
    ev = model.events
    return (
        ev.times,
        ev.trigger,
        ev.fraction,
        ev.dest,
        ev.base,
        ev.factor,
        ev.weights,
        ev.threshold,
        ev.op,
    )


def by_source(model: Model) -> tuple[np.ndarray, ...]:
    """For tau-leaping: CSR lists of the transitions leaving each state, the inflows with no
    source, which states bound the adaptive step (reactants: a source, or counted by a
    catalyst or pool; not the stages of a chain, see below), for each state the
    transition that advances it to the next stage of its compartment's Erlang chain (−1
    for none), and for the last stage of each chain its first stage (−1 elsewhere)."""
    order = [j for s in range(model.n_states) for j in np.nonzero(model.src == s)[0]]
    counts = np.bincount(model.src[model.src >= 0], minlength=model.n_states)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    births = np.nonzero(model.src < 0)[0].astype(np.int64)
    watched = set(model.cat[model.cat >= 0].tolist())
    for g in set(model.den[model.den >= 0].tolist()):
        watched |= set(np.nonzero(model.groups[g])[0].tolist())
    reactant = np.array(
        [counts[s] > 0 or model.state_compartment[s] in watched for s in range(model.n_states)],
        dtype=np.bool_,
    )
    advance = np.full(model.n_states, -1, dtype=np.int64)
    comp = model.state_compartment
    for j, (s, d) in enumerate(zip(model.src, model.dst, strict=True)):
        if s >= 0 and d == s + 1 and comp[s] == comp[d]:
            advance[s] = j
    # The last stage of each chain, with the chain's first: whoever is anywhere in a chain
    # may leave it within a leap, so its exits bound the step as if all were in the last.
    first = np.full(model.n_states, -1, dtype=np.int64)
    for s in np.nonzero(advance >= 0)[0]:
        if s == 0 or advance[s - 1] < 0:
            end = s
            while advance[end] >= 0:
                end += 1
            first[end] = s
    # A chain's stages leap exactly (a cohort moves on along its Poisson clock within the
    # leap), so their own changes need not bound the step, unless the compartment is a
    # catalyst (then its count drives other rates).
    catalysts = set(model.cat[model.cat >= 0].tolist())
    for s in np.nonzero(advance >= 0)[0]:
        if comp[s] not in catalysts:
            reactant[s] = reactant[s + 1] = False
    return ptr, np.array(order, dtype=np.int64), births, reactant, advance, first


def simulate(
    model: Model,
    run: RunSpec,
    times: np.ndarray,
    seeds: np.ndarray,
    progress: Progress | None = None,
    metrics: dict[str, np.ndarray] | None = None,
    lattice: LatticeSpec | None = None,
    scenario: Scenario | None = None,
    frames: Callable[[int, Any], None] | None = None,
    replicates: np.ndarray | None = None,
    regional: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``len(seeds)`` replicates (the ODE runs once) on the engine ``run.engine``.

    Returns the counts (replicates × times × compartments) and when each event happened
    (replicates × events; NaN where it never did). Engines with figures of their own (the
    lattice engine: ``reached_edge``, ``cluster_size``, ``duration``, one value per
    replicate) put them into ``metrics`` when a dict is given. ``lattice`` is the scenario's
    ``[lattice]`` section (its defaults when None). The agents engine needs the
    ``scenario`` itself (its map and where interventions act) and may send pictures of its
    first replicate to ``frames`` (see :func:`jonas.engines.agents.simulate_agents`); it
    reports the rules' counts (bites, …) per replicate in ``metrics``. ``replicates`` are
    the replicates' numbers in their ensemble, for messages (0, 1, … when None). The
    metapop engine puts its districts' counts and arrival times into ``regional`` (see
    :class:`jonas.regional.Regional`).
    """
    if run.engine == "metapop":
        from jonas.engines.metapop import simulate_metapop
        from jonas.engines.metapop_setup import setup

        if scenario is None:
            raise JonasError("the metapop engine needs the scenario (its districts)")
        where = setup(scenario, model)
        dt = run.dt if run.dt is not None else 0.0
        out, fired, counts, arrival = simulate_metapop(
            model, where, times, seeds, dt, run.epsilon, progress
        )
        if regional is not None:
            regional.update(setup=where, counts=counts, arrival=arrival)
        return out, fired
    if run.engine == "agents":
        from jonas.engines.agents import simulate_agents
        from jonas.engines.agents_setup import setup

        if scenario is None:
            raise JonasError("the agents engine needs the scenario (its map and interventions)")
        return simulate_agents(setup(scenario, model), times, seeds, progress, metrics, frames)
    if run.engine == "lattice":
        from jonas.engines.lattice import simulate_lattice

        if model.compartments != LATTICE_COMPARTMENTS:
            raise JonasError(
                "lattice engine: the model must be the alemi-szr family (S, Z, R); got "
                + ", ".join(model.compartments)
            )
        size = (lattice or LatticeSpec()).size
        beta, kappa = model.parameters["beta"], model.parameters["kappa"]
        out, found = simulate_lattice(size, beta, kappa, times, seeds, progress)
        if metrics is not None:
            metrics.update(found)
        return out, np.full((len(seeds), 0), np.nan)

    if run.engine == "ode":
        from jonas.engines.ode import simulate_ode

        out, fired = simulate_ode(model, times, run.method, run.rtol, run.atol, run.euler_step)
        if progress:
            progress(1)
        return out[np.newaxis], fired[np.newaxis]

    arrays = model_arrays(model)
    events = event_arrays(model)
    out = np.zeros((len(seeds), times.size, model.n_compartments), dtype=np.int64)
    fired = np.full((len(seeds), len(model.events)), np.nan)
    if run.engine == "ssa":
        from jonas.engines.ssa import ssa_replicate

        for r, seed in enumerate(seeds):
            n = ssa_replicate(*arrays, times, events, int(seed), run.max_events, out[r], fired[r])
            if n < 0:
                number = r if replicates is None else int(replicates[r])
                raise JonasError(
                    f"ssa engine: replicate {number} reached run.max_events = {run.max_events} "
                    "before t_end; raise it, or use the tauleap engine for large populations"
                )
            if progress:
                progress(1)
    elif run.engine == "tauleap":
        from jonas.engines.tauleap import tauleap_replicate

        csr = by_source(model)
        dt = run.dt if run.dt is not None else 0.0  # 0: choose each step adaptively
        for r, seed in enumerate(seeds):
            tauleap_replicate(
                *arrays, *csr, times, events, dt, run.epsilon, int(seed), out[r], fired[r]
            )
            if progress:
                progress(1)
    else:  # pragma: no cover - the schema allows only known engines
        raise JonasError(f"unknown engine {run.engine!r}; engines are {', '.join(ENGINES)}")
    return out, fired
