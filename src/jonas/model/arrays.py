"""The compiled model: a frozen value of read-only arrays that every engine runs.

The model works on *states*: the compartments, with any compartment whose progression is an
Erlang chain split into stages (``I`` with 3 stages becomes ``I_1``, ``I_2``, ``I_3``).
Engines move individuals between states and report compartment totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from jonas.model.expressions import over_time


def frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Events:
    """Events at fixed times or after a trigger.

    Event e happens at ``times[e]`` when ``trigger[e] == -1``, else ``times[e]`` after
    trigger ``trigger[e]`` first holds. It removes a share ``fraction[e, s]`` of state s and
    sends it to ``dest[e, s]`` (−1: out of the system). Transition j's rate is always
    base × factor: the event sets the base to ``base[e, j]`` (parameter changes, flows
    switched on or off) and the factor to ``factor[e, j]`` (cordons) where not NaN.
    Fixed-time events are sorted by time; events due at the same moment happen in index
    order.
    Trigger k holds when ``weights[k] · C  op[k]  threshold[k]`` (op: 0 >, 1 >=, 2 <, 3 <=).
    ``origin[e]`` is the index of the intervention event e comes from, and ``ends[e]`` says
    whether it ends what that intervention started (a flow switched off, a cordon lifted):
    engines that act on interventions, not only on rates (on a map, between regions), find
    the intervention from it.
    """

    times: np.ndarray
    trigger: np.ndarray
    fraction: np.ndarray
    dest: np.ndarray
    base: np.ndarray
    factor: np.ndarray
    labels: tuple[str, ...]
    kinds: tuple[str, ...]
    weights: np.ndarray
    threshold: np.ndarray
    op: np.ndarray
    origin: np.ndarray
    ends: np.ndarray
    # The intervention each trigger comes from (the metapop engine counts a trigger's
    # condition over that intervention's regions).
    trigger_origin: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The parameter values event e changes (a `set`), else None: the agents engine's rules
    # read parameters, not rates.
    parameters: tuple[Mapping[str, float] | None, ...] = ()

    def __len__(self) -> int:
        return int(self.times.size)


@dataclass(frozen=True, eq=False)
class TimeRates:
    """The transitions whose rate depends on the time t (in the model's time unit).

    Transition ``edges[i]``'s rate at time t is ``scale[i]`` (its Erlang stage count times
    its branch probability) times its rate expression ``rates[i]`` at t with
    ``parameters``, times any factor an event set (a cordon). :meth:`at` evaluates them
    exactly (the ODE's right-hand side). The engines that count individuals follow them as
    a piecewise-constant rate instead: from ``times[k]`` to the next (the last to t_end),
    each rate is ``values[k]``, its mean over that stretch (to the precision of
    Gauss–Legendre quadrature, :data:`jonas.model.compile.QUADRATURE` points): a person's
    chance to make a spontaneous move within a stretch is then the exact one. ``times``
    are the multiples of ``step`` (``run.rate_step``) below t_end. ``where`` names each
    rate's field."""

    edges: np.ndarray
    rates: tuple[str, ...]
    scale: np.ndarray
    parameters: Mapping[str, float]
    where: tuple[str, ...]
    step: float
    times: np.ndarray
    values: np.ndarray

    def at(self, t: float | np.ndarray) -> np.ndarray:
        """The rates at time t (edges), or at each of many times (edges × times)."""
        times = np.atleast_1d(np.asarray(t, dtype=np.float64))
        pairs = zip(self.rates, self.where, strict=True)
        values = np.array([over_time(r, self.parameters, times, w) for r, w in pairs])
        values *= self.scale[:, np.newaxis]
        return values[:, 0] if np.ndim(t) == 0 else values


@dataclass(frozen=True, eq=False)
class Model:
    """Engine-ready arrays. Transition j moves one individual from state ``src[j]`` to
    ``dst[j]`` (−1: nothing) at propensity
    ``rate[j] · X[src[j]] · C[cat[j]] / D[den[j]]``, where X are state counts, C compartment
    totals, and D[g] = Σ_c groups[g, c]·C[c] + offset[g] a weighted total; missing factors
    are 1. Group 0 is the mixing population (frequency dependence; weights 0 or 1); later
    groups are the pools that capacity-limited flows (evacuations) share, weighted by their
    priorities. ``transition_origin[j]`` is the index of the intervention that added
    transition j, or −1 for the model's own.

    The incidence (how often each transition happened) is counted per *named* transition:
    ``named_transitions`` are the scenario's transitions by name (one per destination of
    one that branches: ``"turning → Z"``) and the interventions' flows by label;
    ``named_of[j]`` is the one transition j counts as, or −1 for a step within an Erlang
    chain (a staged transition counts once, as its last stage ends).
    """

    compartments: tuple[str, ...]
    states: tuple[str, ...]
    state_compartment: np.ndarray
    transitions: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    cat: np.ndarray
    den: np.ndarray
    rate: np.ndarray
    groups: np.ndarray
    offset: np.ndarray
    x0: np.ndarray
    events: Events
    time_unit: str
    transition_origin: np.ndarray
    named_transitions: tuple[str, ...]
    named_of: np.ndarray
    parameters: Mapping[str, float] = field(default_factory=dict)
    #: the transitions whose rate depends on t, if any (``rate`` holds their rate at t = 0)
    time_rates: TimeRates | None = None

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_compartments(self) -> int:
        return len(self.compartments)

    @property
    def pool(self) -> np.ndarray:
        """Which compartments make up N, the mixing population."""
        return self.groups[0] > 0

    @property
    def freq(self) -> np.ndarray:
        """Which transitions are frequency-dependent (divided by N)."""
        return self.den == 0

    def stoichiometry(self) -> np.ndarray:
        """The (states × transitions) change matrix."""
        nu = np.zeros((self.n_states, len(self.transitions)))
        for j, (s, d) in enumerate(zip(self.src, self.dst, strict=True)):
            if s >= 0:
                nu[s, j] -= 1
            if d >= 0:
                nu[d, j] += 1
        return nu

    def named_stoichiometry(self) -> np.ndarray:
        """The (compartments × named transitions) change matrix: what one occurrence of each
        named transition does to the compartment totals."""
        nu = np.zeros((self.n_compartments, len(self.named_transitions)))
        for s, d, n in zip(self.src, self.dst, self.named_of, strict=True):
            if n >= 0:
                nu[:, n] = 0.0
                if s >= 0:
                    nu[self.state_compartment[s], n] -= 1
                if d >= 0:
                    nu[self.state_compartment[d], n] += 1
        return nu

    def conserves_population(self) -> bool:
        """True when no transition creates or destroys individuals (births, deaths)."""
        return bool(np.all(self.src >= 0) and np.all(self.dst >= 0))

    def totals(self, x: np.ndarray) -> np.ndarray:
        """Compartment totals of a state vector (or of the last axis of an array)."""
        out = np.zeros((*x.shape[:-1], self.n_compartments), dtype=x.dtype)
        for s, c in enumerate(self.state_compartment):
            out[..., c] += x[..., s]
        return out
