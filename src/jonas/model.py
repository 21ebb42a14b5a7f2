"""Compile a :class:`~jonas.scenario.Scenario` into an immutable, engine-ready :class:`Model`.

The model works on *states*: the compartments, with any compartment whose progression is an
Erlang chain split into stages (``I`` with 3 stages becomes ``I_1``, ``I_2``, ``I_3``).
Engines move individuals between states and report compartment totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from jonas.errors import ScenarioError, suggest
from jonas.expressions import evaluate, names_in
from jonas.scenario import Scenario, TransitionSpec

STOCHASTIC_ENGINES = ("ssa", "tauleap")


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Events:
    """Fixed-time events (culls), sorted by time.

    At ``times[e]`` a share ``fraction[e, s]`` of state ``s`` is removed and sent to state
    ``dest[e, s]`` (−1: out of the system).
    """

    times: np.ndarray
    fraction: np.ndarray
    dest: np.ndarray
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.times.size)


@dataclass(frozen=True, eq=False)
class Model:
    """Engine-ready arrays. Transition j moves one individual from state ``src[j]`` to
    ``dst[j]`` (−1: nothing) at propensity
    ``rate[j] · X[src[j]] · C[cat[j]] / N^freq[j]``, where X are state counts, C compartment
    totals, N the total of the ``pool`` compartments, and missing factors are 1."""

    compartments: tuple[str, ...]
    states: tuple[str, ...]
    state_compartment: np.ndarray
    transitions: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    cat: np.ndarray
    freq: np.ndarray
    rate: np.ndarray
    pool: np.ndarray
    x0: np.ndarray
    events: Events
    time_unit: str
    parameters: Mapping[str, float] = field(default_factory=dict)

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_compartments(self) -> int:
        return len(self.compartments)

    def stoichiometry(self) -> np.ndarray:
        """The (states × transitions) change matrix."""
        nu = np.zeros((self.n_states, len(self.transitions)))
        for j, (s, d) in enumerate(zip(self.src, self.dst, strict=True)):
            if s >= 0:
                nu[s, j] -= 1
            if d >= 0:
                nu[d, j] += 1
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


def output_times(t_end: float, every: float) -> np.ndarray:
    """0, every, 2·every, … up to t_end, with t_end itself always included."""
    n = int(np.floor(t_end / every * (1 + 1e-12)))
    times = np.arange(n + 1) * every
    if t_end - times[-1] > 1e-9 * max(1.0, t_end):
        times = np.append(times, t_end)
    return times


def _structure(scenario: Scenario) -> tuple[list[str], list[TransitionSpec], list[str] | None]:
    spec = scenario.model
    if spec.family is None:
        if spec.variant != "paper":
            raise ScenarioError("model.variant: only built-in families have variants")
        if spec.stages:
            raise ScenarioError(
                "model.stages: for inline models put 'stages' on the transition itself"
            )
        return list(spec.compartments or []), list(spec.transitions or []), spec.population
    from jonas.models import FAMILIES

    family = FAMILIES.get(spec.family)
    if family is None:
        raise ScenarioError(
            f"model.family: unknown family {spec.family!r}; built-in families are "
            + ", ".join(FAMILIES)
            + "."
            + suggest(spec.family, FAMILIES)
        )
    if spec.variant not in family.variants:
        raise ScenarioError(
            f"model.variant: family {family.name!r} has only the variant(s) "
            + ", ".join(repr(v) for v in family.variants)
            + f" (got {spec.variant!r})"
        )
    built = family.build(spec.variant)
    transitions = list(built.transitions)
    stageable = family.stageable or {}
    for compartment, k in spec.stages.items():
        if compartment not in stageable:
            raise ScenarioError(
                f"model.stages.{compartment}: family {family.name!r} can stage only "
                + (", ".join(stageable) if stageable else "no compartment")
            )
        transitions = [
            tr.model_copy(update={"stages": k}) if tr.name == stageable[compartment] else tr
            for tr in transitions
        ]
    population = spec.population or (list(built.population) if built.population else None)
    return list(built.compartments), transitions, population


def _check_names(transitions: list[TransitionSpec], compartments: list[str]) -> None:
    for i, tr in enumerate(transitions):
        for key, name in (("from", tr.from_), ("to", tr.to), ("by", tr.by)):
            if name is not None and name not in compartments:
                raise ScenarioError(
                    f"model.transitions.{i}.{key}: unknown compartment {name!r}; "
                    f"compartments are {', '.join(compartments)}." + suggest(name, compartments)
                )
    staged: dict[str, int] = {}
    for i, tr in enumerate(transitions):
        if tr.stages > 1:
            if tr.from_ in staged:
                raise ScenarioError(
                    f"model.transitions.{i}.stages: compartment {tr.from_!r} already has a "
                    f"staged transition (number {staged[tr.from_]}); only one may be staged"
                )
            staged[str(tr.from_)] = i


def _check_parameters(scenario: Scenario, transitions: list[TransitionSpec]) -> None:
    used: set[str] = set()
    for i, tr in enumerate(transitions):
        used |= names_in(tr.rate, f"model.transitions.{i}.rate")
    if scenario.model.family is not None:
        from jonas.models import FAMILIES

        used = set(FAMILIES[scenario.model.family].parameters)
    given = set(scenario.parameters)
    unknown = sorted(given - used)
    if unknown:
        raise ScenarioError(
            f"parameters.{unknown[0]}: unknown parameter for this model; it uses "
            + (", ".join(sorted(used)) or "none")
            + "."
            + suggest(unknown[0], used)
        )
    missing = sorted(used - given)
    if missing:
        raise ScenarioError(
            "parameters: missing value(s) for " + ", ".join(missing) + " (used by the model)"
        )


def compile_model(scenario: Scenario) -> Model:
    """Turn a validated scenario into engine-ready arrays, checking names across sections."""
    compartments, transitions, population = _structure(scenario)
    _check_names(transitions, compartments)
    _check_parameters(scenario, transitions)
    params = dict(scenario.parameters)

    # Expand Erlang chains: a staged transition out of C with k stages splits C into C_1..C_k.
    stages = {str(tr.from_): tr.stages for tr in transitions if tr.stages > 1}
    states: list[str] = []
    state_comp: list[int] = []
    first: dict[str, int] = {}
    for ci, name in enumerate(compartments):
        k = stages.get(name, 1)
        first[name] = len(states)
        for i in range(k):
            states.append(name if k == 1 else f"{name}_{i + 1}")
            state_comp.append(ci)

    src: list[int] = []
    dst: list[int] = []
    cat: list[int] = []
    freq: list[bool] = []
    rate: list[float] = []
    labels: list[str] = []
    for i, tr in enumerate(transitions):
        value = evaluate(tr.rate, params, f"model.transitions.{i}.rate ({tr.label})")
        target = first[tr.to] if tr.to is not None else -1
        catalyst = compartments.index(tr.by) if tr.by is not None else -1
        if tr.from_ is None:
            sources = [(-1, target, value, tr.label)]
        elif tr.stages > 1:
            k = tr.stages
            base = first[tr.from_]
            sources = [
                (base + s, base + s + 1 if s < k - 1 else target, k * value, f"{tr.label}[{s + 1}]")
                for s in range(k)
            ]
        else:
            base, k = first[tr.from_], stages.get(tr.from_, 1)
            sources = [
                (base + s, target, value, tr.label if k == 1 else f"{tr.label}[{s + 1}]")
                for s in range(k)
            ]
        for s, d, v, label in sources:
            src.append(s)
            dst.append(d)
            cat.append(catalyst)
            freq.append(tr.mixing == "frequency")
            rate.append(v)
            labels.append(label)

    pool_names = population if population is not None else compartments
    for name in pool_names:
        if name not in compartments:
            raise ScenarioError(
                f"model.population: unknown compartment {name!r}." + suggest(name, compartments)
            )
    pool = np.array([c in pool_names for c in compartments], dtype=np.bool_)

    x0 = np.zeros(len(states))
    stochastic = scenario.run.engine in STOCHASTIC_ENGINES
    for name, count in scenario.initial.items():
        if name not in compartments:
            raise ScenarioError(
                f"initial.{name}: unknown compartment; compartments are "
                f"{', '.join(compartments)}." + suggest(name, compartments)
            )
        if stochastic and count != int(count):
            raise ScenarioError(
                f"initial.{name}: {count} is not a whole number; the {scenario.run.engine} "
                "engine counts individuals (use the ode engine for fractional amounts)"
            )
        x0[first[name]] = count
    if stochastic and x0.sum() > 2**62:
        raise ScenarioError("initial: total population too large for the stochastic engines")

    return Model(
        compartments=tuple(compartments),
        states=tuple(states),
        state_compartment=_frozen(np.array(state_comp, dtype=np.int64)),
        transitions=tuple(labels),
        src=_frozen(np.array(src, dtype=np.int64)),
        dst=_frozen(np.array(dst, dtype=np.int64)),
        cat=_frozen(np.array(cat, dtype=np.int64)),
        freq=_frozen(np.array(freq, dtype=np.bool_)),
        rate=_frozen(np.array(rate, dtype=np.float64)),
        pool=_frozen(pool),
        x0=_frozen(x0),
        events=_compile_events(scenario, compartments, first, len(states), state_comp),
        time_unit=scenario.scenario.time_unit,
        parameters=MappingProxyType(params),
    )


def _compile_events(
    scenario: Scenario,
    compartments: list[str],
    first: dict[str, int],
    n_states: int,
    state_comp: list[int],
) -> Events:
    rows: list[tuple[float, int, np.ndarray, np.ndarray, str]] = []
    for i, iv in enumerate(scenario.interventions):
        where = f"interventions.{i}"
        for name in [*iv.compartments, *([iv.to] if iv.to else [])]:
            if name not in compartments:
                raise ScenarioError(
                    f"{where}: unknown compartment {name!r}; compartments are "
                    f"{', '.join(compartments)}." + suggest(name, compartments)
                )
        if iv.to is not None and iv.to in iv.compartments:
            raise ScenarioError(f"{where}.to: {iv.to!r} is also culled; send the removed elsewhere")
        culled = {compartments.index(c) for c in iv.compartments}
        dest_state = first[iv.to] if iv.to is not None else -1
        for n, time in enumerate(iv.times, start=1):
            if time > scenario.run.t_end:
                continue  # after the end of the run: never happens
            share = min(1.0, n * iv.fraction) if iv.escalate else iv.fraction
            fraction = np.array(
                [share if state_comp[s] in culled else 0.0 for s in range(n_states)]
            )
            dest = np.full(n_states, dest_state, dtype=np.int64)
            label = iv.name or f"cull {'+'.join(iv.compartments)}"
            rows.append(
                (time, len(rows), fraction, dest, f"{label} #{n}" if len(iv.times) > 1 else label)
            )
    rows.sort(key=lambda r: (r[0], r[1]))  # by time; same-time events keep file order
    return Events(
        times=_frozen(np.array([r[0] for r in rows], dtype=np.float64)),
        fraction=_frozen(np.array([r[2] for r in rows]).reshape(len(rows), n_states)),
        dest=_frozen(np.array([r[3] for r in rows], dtype=np.int64).reshape(len(rows), n_states)),
        labels=tuple(r[4] for r in rows),
    )
