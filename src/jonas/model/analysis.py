"""Closed forms, equilibria and exact probabilities for the published models.

Reference values to check simulations against (and to teach with):

- :func:`next_generation_r0`: R0 of any compiled model, from its transitions (van den
  Driessche & Watmough 2002); :func:`initial_r0`, the R0 a run reports; where R0 is
  infinite, :func:`undefined_r0` says why and :func:`growth_rate` gives the initial growth
  rate, which is defined.
- :func:`sir_final_size`, :func:`sir_peak_prevalence`: Kermack–McKendrick (1927).
- :func:`alemi_szr_closed_form`: the fully mixed SZR of Alemi et al. (2015), solved exactly.
- :func:`munz_treatment_equilibrium`: the endemic state of Munz et al.'s (2009) model with a cure.
- :func:`alemi_human_win_probability`, :func:`sir_final_size_distribution`: exact
  small-population probabilities by dynamic programming over the embedded jump chain, to
  compare with the stochastic engines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import brentq
from scipy.signal import lfilter
from scipy.special import exprel, lambertw

from jonas.model import Model


def _linearised(
    model: Model, infected: Sequence[str], dfe: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F, V and the infected states they are over (see :func:`next_generation_r0`), keeping
    only the states that take part in an outbreak at the DFE: those that new infections
    reach and that lead to new infections (through the flows of F and V). The others (a
    compartment that only an intervention's flow fills, switched off at the start) leave
    R0 as it is, but would make V singular for nothing."""
    unknown = [c for c in [*infected, *dfe] if c not in model.compartments]
    if unknown:
        raise ValueError(f"unknown compartment(s) {unknown}; model has {model.compartments}")
    if any(dfe.get(c, 0.0) != 0.0 for c in infected):
        raise ValueError("infected compartments must be 0 at the disease-free equilibrium")

    comp = model.state_compartment
    x = np.zeros(model.n_states)
    for name, value in dfe.items():  # a staged compartment's count sits in its first stage
        x[int(np.argmax(comp == model.compartments.index(name)))] = value
    totals = model.totals(x)
    pools = model.groups @ totals + model.offset  # the denominators D[g]

    # J[j, k] = ∂(propensity j)/∂(state k) at the DFE, for
    # propensity = rate · X[src] · C[cat] / D[den].
    n_tr = len(model.transitions)
    jac = np.zeros((n_tr, model.n_states))
    for j in range(n_tr):
        s, c, g = model.src[j], model.cat[j], model.den[j]
        p_src = x[s] if s >= 0 else 1.0
        p_cat = totals[c] if c >= 0 else 1.0
        div = pools[g] if g >= 0 else 1.0
        if div <= 0:
            continue
        if s >= 0:
            jac[j, s] += model.rate[j] * p_cat / div
        if c >= 0:
            jac[j, comp == c] += model.rate[j] * p_src / div
        if g >= 0:  # ∂D/∂X[k] is the weight of state k's compartment in the pool
            jac[j] -= model.rate[j] * p_src * p_cat / div**2 * model.groups[g][comp]

    inf_idx = [model.compartments.index(c) for c in infected]
    is_inf = np.isin(comp, inf_idx)
    states = np.nonzero(is_inf)[0]
    row = {int(s): i for i, s in enumerate(states)}
    f = np.zeros((states.size, states.size))
    v = np.zeros_like(f)
    for j in range(n_tr):
        s, d = int(model.src[j]), int(model.dst[j])
        s_inf = s >= 0 and is_inf[s]
        d_inf = d >= 0 and is_inf[d]
        if d_inf and not s_inf:
            f[row[d]] += jac[j, states]
        if s_inf:
            v[row[s]] += jac[j, states]
            if d_inf:
                v[row[d]] -= jac[j, states]
    # step[k, i]: F or V moves people from state k into state i (or k makes i's infections)
    step = ((f != 0) | ((v != 0) & ~np.eye(states.size, dtype=bool))).T
    reach = step.copy()
    for _ in range(states.size):  # the transitive closure: who reaches whom at all
        reach = reach | ((reach.astype(int) @ step.astype(int)) > 0)
    born = (f != 0).any(axis=1)  # states that new infections enter
    infecting = (f != 0).any(axis=0)  # states that make new infections
    entered = born | reach[born].any(axis=0)
    leads = infecting | reach[:, infecting].any(axis=1)
    keep = entered & leads
    return f[np.ix_(keep, keep)], v[np.ix_(keep, keep)], states[keep]


def next_generation_r0(model: Model, infected: Sequence[str], dfe: Mapping[str, float]) -> float:
    """The basic reproduction number R0 = ρ(F V⁻¹) of a compiled model.

    ``infected`` names the infected compartments (all their Erlang stages count) and ``dfe``
    gives the disease-free equilibrium, compartment → count (missing ones are 0; infected
    ones must be 0). The flows are linearised at the DFE: F holds the *new infections*, the
    transitions from a non-infected compartment into an infected one (a bite S → Z by Z);
    V holds every other flow out of, and between, the infected states (turning I → Z,
    zombies destroyed Z → R, quarantine, ...). Infected states that new infections never
    reach at the DFE, or that never lead to one, take no part. For Munz et al.'s basic SZR
    this gives β/α; for frequency-dependent SIR, β/γ.

    Returns ``math.inf`` when V is singular: infection never leaves the infected states
    (e.g. Munz's R counted as infected with resurrection ζ > 0 and no other exit, or the
    jonas family's halfbies, who bite and never die; :func:`undefined_r0` says which).
    """
    f, v, states = _linearised(model, infected, dfe)
    if states.size == 0 or np.linalg.cond(v) > 1e13:
        return math.inf if states.size else 0.0
    k = np.linalg.solve(v.T, f.T).T  # F V⁻¹
    return float(np.max(np.abs(np.linalg.eigvals(k))))


def undefined_r0(model: Model, infected: Sequence[str], dfe: Mapping[str, float]) -> str | None:
    """Why R0 is infinite at this DFE, in words (None when it is finite): the infected
    compartments that nobody leaves at these rates while they lead to new infections, so
    that the infections one case causes have no bound."""
    _, v, states = _linearised(model, infected, dfe)
    if states.size == 0 or np.linalg.cond(v) <= 1e13:
        return None
    # V's column k summed: what leaves state k less what it passes on to infected states,
    # so what leaves the infected states from k; trapped are those from which no path of
    # V's flows leads to such an exit
    scale = max(1.0, float(np.abs(v).max(initial=0.0)))
    exits = v.sum(axis=0) > 1e-12 * scale
    moves = ((v != 0) & ~np.eye(states.size, dtype=bool)).T  # moves[k, i]: V takes k to i
    reach = moves.copy()
    for _ in range(states.size):
        reach = reach | ((reach.astype(int) @ moves.astype(int)) > 0)
    trapped = ~(exits | reach[:, exits].any(axis=1))
    comp = model.state_compartment
    names = list(dict.fromkeys(model.compartments[comp[s]] for s in states[trapped]))
    if not names:
        return "V (the flows out of the infected compartments) is singular at these rates"
    one = len(names) == 1
    return (
        f"{', '.join(names)} never {'leaves' if one else 'leave'} the infected compartments "
        f"at these rates (no transition out of {'it' if one else 'them'} is on) and "
        f"{'leads' if one else 'lead'} to new infections: the infections one case causes "
        "have no bound"
    )


def growth_rate(model: Model, infected: Sequence[str], dfe: Mapping[str, float]) -> float:
    """The outbreak's initial exponential growth rate r (per time unit) at the DFE: the
    largest real part of the eigenvalues of F − V. It is defined where R0 is not (and
    r > 0 exactly when R0 > 1, where both are)."""
    f, v, states = _linearised(model, infected, dfe)
    if states.size == 0:
        return 0.0
    return float(np.max(np.linalg.eigvals(f - v).real))


def initial_r0(
    model: Model, infected: Sequence[str], regions_hold: str | None = None
) -> dict[str, object]:
    """R0 at the start of a run: :func:`next_generation_r0` at the initial counts with the
    ``infected`` compartments set to 0 (the disease-free state the outbreak invades), as
    ``run.json`` records it: ``value`` (None when not defined), the ``mixing`` of the new
    infections ("frequency-dependent", "mass action" or "mixed") and what it was computed
    at. Where R0 is not defined, ``reason`` says why; where it is infinite (:func:`undefined_r0`),
    ``growth_rate`` gives the initial growth rate per time unit (:func:`growth_rate`), which
    is defined. Rates are those at t = 0: interventions that change them later do not count.

    ``regions_hold`` names the compartment where an engine with regions puts each region's
    people (the metapop engine: ``metapop.susceptible``), which the model's own initial
    counts then leave out: R0 is each region's, at a state with everyone there; it is the
    same for every region when new infections are frequency-dependent, and not one number
    (not defined) under mass action, where it grows with the region's population."""
    # a family names the compartments of all its options; a model holds those chosen
    infected = [c for c in infected if c in model.compartments]
    inf_idx = [model.compartments.index(c) for c in infected]
    is_inf = np.isin(model.state_compartment, inf_idx)
    # the new infections: a catalysed flow from outside the infected states into them
    new = [
        j
        for j in range(len(model.transitions))
        if model.cat[j] >= 0
        and model.dst[j] >= 0
        and is_inf[model.dst[j]]
        and not (model.src[j] >= 0 and is_inf[model.src[j]])
    ]
    kinds = {"frequency-dependent" if model.den[j] == 0 else "mass action" for j in new}
    found: dict[str, object] = {
        "value": None,
        "method": "next-generation matrix",
        "mixing": next(iter(kinds)) if len(kinds) == 1 else "mixed",
        "infected": list(infected),
        "at": "the initial counts with " + ", ".join(infected) + " set to 0",
    }
    if regions_hold is not None:
        # any count gives a frequency-dependent R0: one person stands for a region's people
        dfe = {regions_hold: 1.0}
        found["at"] = f"each region with everyone in {regions_hold}"
        if kinds != {"frequency-dependent"}:
            found["reason"] = (
                "each region's R0 grows with its population under mass action: not one "
                "number for the whole run"
            )
            return found
    else:
        totals = model.totals(model.x0)
        dfe = {c: float(totals[i]) for i, c in enumerate(model.compartments) if c not in infected}
    value = next_generation_r0(model, infected, dfe)
    if math.isfinite(value):
        found["value"] = value
    else:
        found["reason"] = undefined_r0(model, infected, dfe)
        found["growth_rate"] = growth_rate(model, infected, dfe)
    return found


def sir_final_size(r0: float, s0: float = 1.0) -> float:
    """Kermack–McKendrick final size: the fraction of the population infected by the end.

    With everyone susceptible at the start (``s0 = 1``, a vanishing number infected) it is
    the root z > 0 of ``z = 1 − exp(−R0·z)`` (0 when R0 ≤ 1). For a susceptible fraction
    ``s0`` (the rest infected, none removed), it is ``1 − s∞`` with
    ``s∞ = s0·exp(−R0(1 − s∞))``, solved with the Lambert W function.
    """
    if r0 <= 0:
        return 1.0 - s0
    s_inf = -lambertw(-r0 * s0 * math.exp(-r0)).real / r0
    return float(1.0 - s_inf)


def sir_peak_prevalence(r0: float, s0: float = 1.0) -> float:
    """Largest infected fraction of SIR: ``1 − (1 + ln R0)/R0`` when s0 = 1.

    In general (susceptible fraction ``s0``, the rest infected) it is
    ``1 − (1 + ln(R0·s0))/R0``, reached when s = 1/R0; if R0·s0 ≤ 1 the peak is at the start.
    """
    if r0 * s0 <= 1.0:
        return 1.0 - s0
    return 1.0 - (1.0 + math.log(r0 * s0)) / r0


def alemi_szr_closed_form(
    t: np.ndarray | float,
    S0: float,
    Z0: float,
    beta: float,
    kappa: float,
    removed0: float = 0.0,
    N: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact S(t), Z(t), R(t) of the fully mixed SZR (Alemi et al. 2015).

    ``S' = −βSZ/N, Z' = (β − κ)SZ/N, R' = κSZ/N`` with N = S0 + Z0 + removed0 by default
    (the ``alemi-szr`` family); ``N = 1`` gives the paper's density form ``S' = −βSZ``.
    With α = κ/β, dZ/dS = −(1 − α), so Z = Z0 + (1 − α)(S0 − S), R = removed0 + α(S0 − S),
    and S solves the logistic equation ``S' = −(β/N) S (A − (1 − α)S)``, A = Z0 + (1 − α)S0:

        1/S(t) = e^{rt}/S0 − (1 − α)(βt/N)·(e^{rt} − 1)/(rt),    r = βA/N.

    Humans are all bitten (S → 0) when A > 0, i.e. α < 1 + Z0/S0; when A < 0 the zombies die
    out and S → A/(1 − α).
    """
    n = S0 + Z0 + removed0 if N is None else N
    tt = np.asarray(t, dtype=float)
    alpha = kappa / beta
    b = 1.0 - alpha
    r = beta * (Z0 + b * S0) / n
    x = r * tt
    k = b * S0 * beta * tt / n

    def szr(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return s, Z0 + b * (S0 - s), removed0 + alpha * (S0 - s)

    # Two algebraically equal forms, each free of overflow for its sign of r.
    if r >= 0:
        return szr(S0 * np.exp(-x) / (1.0 - k * exprel(-x)))
    return szr(S0 / (np.exp(x) - k * exprel(x)))


def munz_treatment_equilibrium(
    N: float,
    *,
    alpha: float,
    beta: float,
    zeta: float,
    rho: float,
    c: float,
    delta: float = 0.0,
    Pi: float = 0.0,
) -> dict[str, float]:
    """The endemic equilibrium of Munz et al.'s (2009) SIZR model with a cure (Z → S at c).

    With no births (Π = 0) the population N = S + I + Z + R is conserved. Setting the
    derivatives to zero gives S = cZ/(βZ + δ), I = βSZ/(ρ + δ), R = (δS + δI + αSZ)/ζ, and
    N fixes Z (unique, since the sum increases with Z). With δ = 0 it is explicit:

        S* = c/β,  I* = cZ*/ρ,  R* = αcZ*/(βζ),  Z* = (N − c/β)/(1 + c/ρ + αc/(βζ)),

    which exists only when N > c/β. Accepts ``**model.parameters`` of ``munz-treatment``.
    """
    if Pi != 0:
        raise ValueError("with births (Pi > 0) the population grows: no equilibrium")
    if zeta <= 0:
        raise ValueError("needs resurrection zeta > 0 (otherwise R only accumulates)")

    def state(z: float) -> dict[str, float]:
        s = c / beta if delta == 0 else c * z / (beta * z + delta)
        i = beta * s * z / (rho + delta)
        return {"S": s, "I": i, "Z": z, "R": (delta * s + delta * i + alpha * s * z) / zeta}

    if delta == 0:
        if c / beta >= N:
            raise ValueError(f"no endemic equilibrium: N = {N} <= c/beta = {c / beta}")
        z = (N - c / beta) / (1 + c / rho + alpha * c / (beta * zeta))
    else:
        z = brentq(lambda z: sum(state(z).values()) - N, 0.0, N, xtol=1e-14 * N, rtol=1e-15)
    return state(z)


def alemi_human_win_probability(S0: int, Z0: int, alpha: float) -> float:
    """Exact chance that the humans win (zombies die out) in the stochastic fully mixed SZR.

    Every S–Z encounter is a bite (S − 1, Z + 1) with probability p = 1/(1 + α), else a kill
    (Z − 1) (Alemi et al. 2015). Humans win when Z reaches 0 before S does. The probability
    P(s, z) = p·P(s − 1, z + 1) + (1 − p)·P(s, z − 1), P(s, 0) = 1, P(0, z) = 0, is computed
    row by row in O(S0·(S0 + Z0)). For large S0 it tends to α^Z0 (gambler's ruin), or 1 if
    α ≥ 1.
    """
    if Z0 == 0:
        return 1.0
    if S0 == 0:
        return 0.0
    p = 1.0 / (1.0 + alpha)
    q = 1.0 - p
    size = Z0 + S0 + 2  # z = 0 .. Z0 + S0 + 1; row s is valid for z <= size − 1 − s
    prob = np.zeros(size)
    prob[0] = 1.0  # row s = 0: humans already lost unless z = 0
    for _ in range(S0):
        # P(s, z) = q·P(s, z − 1) + p·P(s − 1, z + 1) for z = 1 .. size − 2, P(s, 0) = 1.
        prob[1:-1] = lfilter([p], [1.0, -q], prob[2:], zi=[q])[0]
    return float(prob[Z0])


def sir_final_size_distribution(N: int, I0: int, r0: float) -> np.ndarray:
    """Exact distribution of the final size of the stochastic frequency-dependent SIR.

    Starting from S0 = N − I0 susceptibles and I0 infected, entry k is the probability that
    exactly k susceptibles are infected in all. From (s, i) the next event is an infection
    with probability R0·s/(R0·s + N), else a recovery; the chain is solved level by level in
    s, O(S0·N). For large N the chance of a minor outbreak tends to (1/R0)^I0 (R0 > 1).
    """
    s0 = N - I0
    if I0 == 0:
        return np.eye(1, s0 + 1)[0]  # nobody to start an outbreak
    size = N + 1  # i = 0 .. N
    p = r0 * np.arange(s0 + 1) / (r0 * np.arange(s0 + 1) + N)  # P(infection | s)
    final = np.zeros(s0 + 1)
    visit = np.zeros(size)  # probability of visiting (s, i), for the current s
    inflow = np.zeros(size)
    inflow[I0] = 1.0
    for s in range(s0, -1, -1):
        # visit[i] = inflow[i] + (1 − p(s))·visit[i + 1], solved from the top i down.
        visit[1:] = lfilter([1.0], [1.0, -(1.0 - p[s])], inflow[:0:-1])[::-1]
        final[s0 - s] = (1.0 - p[s]) * visit[1]
        inflow[1:] = p[s] * visit[:-1]
        inflow[0] = 0.0
    return final
