"""The compiled model's arrays as the stochastic kernels take them (the ssa, tauleap,
metapop and agents engines)."""

from __future__ import annotations

import numpy as np

from jonas.model import Model


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
    """The events and triggers, in the order the kernels take them after the output times.

    Rates that depend on t (:class:`jonas.model.TimeRates`) come as more events after the
    model's own: one at the start of each stretch of ``run.rate_step``, setting their base
    rates to their mean over the stretch (a model's own event due at the same moment comes
    first). They are the kernels' business only: :func:`reported` leaves them out of the
    event times a run reports."""
    ev = model.events
    timed = model.time_rates
    if timed is None:
        return (ev.times, ev.trigger, ev.fraction, ev.dest, ev.base, ev.factor, ev.weights,
                ev.threshold, ev.op)  # fmt: skip
    k, n_states, n_t = timed.times.size, model.n_states, len(model.transitions)
    base = np.full((k, n_t), np.nan)
    base[:, timed.edges] = timed.values
    return (
        np.concatenate([ev.times, timed.times]),
        np.concatenate([ev.trigger, np.full(k, -1, dtype=np.int64)]),
        np.concatenate([ev.fraction, np.zeros((k, n_states))]),
        np.concatenate([ev.dest, np.full((k, n_states), -1, dtype=np.int64)]),
        np.concatenate([ev.base, base]),
        np.concatenate([ev.factor, np.full((k, n_t), np.nan)]),
        ev.weights,
        ev.threshold,
        ev.op,
    )


def kernel_events(model: Model) -> int:
    """How many events the kernels keep: the model's own, and the steps of its rates that
    depend on t (:func:`event_arrays`)."""
    timed = model.time_rates
    return len(model.events) + (0 if timed is None else timed.times.size)


def per_kernel_event(model: Model, per_event: np.ndarray, fill: object) -> np.ndarray:
    """An array over the model's events (its first axis) extended to the kernels' events
    (:func:`event_arrays`), ``fill`` for the steps of rates that depend on t."""
    extra = kernel_events(model) - len(model.events)
    if not extra:
        return per_event
    more = np.full((extra, *per_event.shape[1:]), fill, dtype=per_event.dtype)
    return np.concatenate([per_event, more])


def reported(model: Model, fired: np.ndarray) -> np.ndarray:
    """When the model's own events happened (… × events), from the kernels' record of all
    their events (:func:`event_arrays`): the steps of rates that depend on t left out."""
    return fired[..., : len(model.events)]


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


def blank_output(model: Model, times: np.ndarray, replicates: int) -> tuple[np.ndarray, np.ndarray]:
    """What an engine fills for some replicates: counts (replicates × times × compartments,
    int64, zero) and when each event happened (replicates × the kernels' events, NaN: not
    yet; :func:`reported` gives the model's own)."""
    counts = np.zeros((replicates, times.size, model.n_compartments), dtype=np.int64)
    return counts, np.full((replicates, kernel_events(model)), np.nan)


def transition_totals(model: Model, times: np.ndarray, replicates: int) -> np.ndarray:
    """Where a counting engine keeps how often each transition has fired since t = 0, at
    each output time (replicates × times × transitions, int64, zero): what
    :func:`jonas.engines.output.incidence` turns into the incidence."""
    return np.zeros((replicates, times.size, len(model.transitions)), dtype=np.int64)


def watched(clock: np.ndarray | None) -> np.ndarray:
    """Where a run writes its simulated time as it goes (``clock[0]``, hours or the model's
    unit): the watcher's array (:mod:`jonas.ensemble.clock`), or a private one when nobody
    watches (the compiled kernels want an array either way)."""
    if clock is None:
        return np.zeros(1)
    return clock
