"""A model written as people read it (``jonas show``): each transition's flow and each
compartment's rate of change, the mean-field equations the ``ode`` engine solves.

Flows are written as the engines compute them (``TransitionSpec``): the rate, times the
source's count, times the contact's count, divided by N for frequency-dependent mixing.
A transition split into Erlang stages is written unstaged, with its stage count noted, and
interventions' flows (switched on by events) are not part of the equations. A rate that
depends on the time t is written as it is, and said so (:attr:`Written.time`).
"""

from __future__ import annotations

from dataclasses import dataclass

from jonas.model.expressions import uses_time
from jonas.spec.scenario import Scenario, TransitionSpec


@dataclass(frozen=True)
class Written:
    """A model on paper: its flows (name, from → to, flow), equations and mixing, and which
    rates depend on the time t and how each engine follows them ("" if none does)."""

    flows: tuple[tuple[str, str, str], ...]
    equations: tuple[str, ...]
    mixing: str
    time: str = ""


def _factor(text: str) -> str:
    """An expression as a factor of a product: bracketed if it is a sum or a difference."""
    text = text.strip()
    return f"({text})" if any(op in text.lstrip("-") for op in "+-") else text


def flow(tr: TransitionSpec) -> str:
    """The transition's flow per time unit: 'beta · S · Z / N'."""
    parts = [] if tr.rate == 1 else [_factor(str(tr.rate))]
    parts += [c for c in (tr.from_, tr.by) if c is not None]
    text = " · ".join(parts) or "1"
    return text + (" / N" if tr.mixing == "frequency" else "")


def _moves(tr: TransitionSpec) -> str:
    """'S → E (1 - p_slow), L (p_slow)'; ∅ for a birth or a death out of the system."""
    targets = tr.targets
    if not targets:
        to = "∅"
    elif len(targets) == 1:
        to = next(iter(targets))
    else:
        to = ", ".join(f"{d} ({p:g})" if not isinstance(p, str) else f"{d} ({p})"
                       for d, p in targets.items())  # fmt: skip
    staged = f", Erlang {tr.stages} stages" if tr.stages > 1 else ""
    return f"{tr.from_ or '∅'} → {to}{staged}"


def written(scenario: Scenario) -> Written:
    """The scenario's model as flows and equations."""
    from jonas.model.compile import structure

    compartments, transitions, population = structure(scenario)
    flows = tuple((tr.label, _moves(tr), flow(tr)) for tr in transitions)
    equations = []
    for c in compartments:
        terms: list[str] = []
        for tr in transitions:
            f = flow(tr)
            share = tr.targets.get(c)
            if tr.from_ == c and share is None:
                terms.append(f"− {f}")
            elif share is not None and tr.from_ != c:
                p = "" if share == 1 else f"{_factor(str(share))} · "
                terms.append(f"+ {p}{f}")
        if terms:
            body = " ".join(terms)
            equations.append(f"d{c}/dt = {body.removeprefix('+ ')}")
    kinds = {tr.mixing for tr in transitions if tr.by is not None}
    pool = " + ".join(population or compartments)
    if kinds == {"frequency"}:
        mixing = f"frequency-dependent: contacts divided by N = {pool}"
    elif kinds == {"density"}:
        mixing = "mass action (density-dependent): contacts not divided by N"
    elif kinds:
        mixing = f"both: terms with / N are frequency-dependent, N = {pool}; the others mass action"
    else:
        mixing = "no contacts between compartments"
    timed = [tr.label for tr in transitions if uses_time(tr.rate)]
    time = (
        f"rates that depend on t ({scenario.scenario.time_unit}): {', '.join(timed)}; the ode "
        "engine follows them exactly, the engines that count individuals as constant over "
        f"each run.rate_step = {scenario.run.time_step:g} (each step's mean rate)"
        if timed
        else ""
    )
    return Written(flows, tuple(equations), mixing, time)
