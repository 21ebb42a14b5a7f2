"""Compile a :class:`~jonas.spec.Scenario` into an immutable, engine-ready
:class:`~jonas.model.Model`: names checked across sections, rates evaluated, interventions
compiled into transitions and events (:mod:`jonas.interventions`), Erlang stages expanded.
The compiler names no engine: whoever runs the model says whether it counts individuals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from jonas.errors import ScenarioError, suggest
from jonas.interventions import kind_of
from jonas.interventions.base import OPERATORS, Condition, EventPlan, NewTransition, Plans
from jonas.model.arrays import Events, Model, TimeRates, frozen
from jonas.model.expressions import evaluate, names_in, over_time, uses_time
from jonas.spec.scenario import Scenario, TransitionSpec


def output_times(t_end: float, every: float) -> np.ndarray:
    """0, every, 2·every, … up to t_end, with t_end itself always included."""
    n = int(np.floor(t_end / every * (1 + 1e-12)))
    times = np.arange(n + 1) * every
    if t_end - times[-1] > 1e-9 * max(1.0, t_end):
        times = np.append(times, t_end)
    return times


#: Gauss–Legendre points per stretch of ``run.rate_step`` that give a rate's mean there
#: (exact for polynomials of degree 7: a sine's mean over a tenth of its period to 1e-11 of
#: its amplitude, over a quarter to 2e-8)
QUADRATURE = 4
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(QUADRATURE)
#: the most stretches of run.rate_step a run follows: each is an event of the kernels, and
#: the exact simulation looks through them all after each (100,000: about 1e10 steps)
MAX_RATE_STEPS = 100_000


def structure(scenario: Scenario) -> tuple[list[str], list[TransitionSpec], list[str] | None]:
    spec = scenario.model
    if spec.family is None:
        if spec.variant != "paper":
            raise ScenarioError("model.variant: only built-in families have variants")
        if spec.stages:
            raise ScenarioError(
                "model.stages: for inline models put 'stages' on the transition itself"
            )
        return list(spec.compartments or []), list(spec.transitions or []), spec.population
    from jonas.model.families import FAMILIES

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
    built = family.structure(spec.variant, set(scenario.parameters))
    transitions = list(built.transitions)
    stageable = family.stageable or {}
    for compartment, k in spec.stages.items():
        if compartment not in stageable:
            raise ScenarioError(
                f"model.stages.{compartment}: "
                + (
                    f"family {family.name!r} can stage only " + ", ".join(stageable)
                    if stageable
                    else f"family {family.name!r} has no compartment to stage"
                )
            )
        transitions = [
            tr.model_copy(update={"stages": k}) if tr.name == stageable[compartment] else tr
            for tr in transitions
        ]
    population = spec.population or (list(built.population) if built.population else None)
    return list(built.compartments), transitions, population


def _check_names(transitions: list[TransitionSpec], compartments: list[str]) -> None:
    for i, tr in enumerate(transitions):
        named = [("from", tr.from_), ("by", tr.by)] + [("to", d) for d in tr.targets]
        for key, name in named:
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


def _check_parameters(scenario: Scenario, transitions: list[TransitionSpec]) -> set[str]:
    """The parameters the model uses, checked against those given."""
    given = set(scenario.parameters)
    used: set[str] = set()
    for i, tr in enumerate(transitions):
        used |= names_in(tr.rate, f"model.transitions.{i}.rate")
        for d, p in tr.targets.items():
            used |= names_in(p, f"model.transitions.{i}.to.{d}")
    known = used
    if scenario.model.family is not None:
        from jonas.model.families import FAMILIES

        family = FAMILIES[scenario.model.family]
        # a family's options are switched on by giving their parameters
        used = set(family.parameters) | (given & set(family.optional))
        known = used | set(family.optional)
    unknown = sorted(given - used)
    if unknown:
        raise ScenarioError(
            f"parameters.{unknown[0]}: unknown parameter for this model; it uses "
            + (", ".join(sorted(known)) or "none")
            + "."
            + suggest(unknown[0], known)
        )
    missing = sorted(used - given)
    if missing:
        raise ScenarioError(
            "parameters: missing value(s) for " + ", ".join(missing) + " (used by the model)"
        )
    return used


@dataclass
class _Edge:
    """One engine transition before it becomes arrays; ``spec`` < 0 marks intervention flows."""

    src: int
    dst: int
    cat: int
    den: int
    label: str
    spec: int
    factor: str | float  # stage multiplier × branch probability (an expression or number)
    # The named transition it counts as in the incidence: the transition's name (with its
    # destination when it branches), or None for a step within an Erlang chain, so that a
    # staged transition counts once per individual, as it completes its last stage.
    name: str | None


def _branches(tr: TransitionSpec, params: dict[str, float], where: str) -> dict[str, float]:
    """Destination → probability, checked to be a distribution."""
    probs = {}
    for d, p in tr.targets.items():
        value = evaluate(p, params, f"{where}.to.{d}", allow_negative=True)
        if not 0.0 <= value <= 1.0:
            raise ScenarioError(
                f"{where} ({tr.label}): the probability of going to {d} is {p!r} = {value:g}; "
                "it must be within 0–1 (check the parameters it uses)"
            )
        probs[d] = value
    total = sum(probs.values())
    if probs and abs(total - 1.0) > 1e-9:
        raise ScenarioError(
            f"{where}.to: branch probabilities add up to {total:g}, not 1 "
            f"({', '.join(f'{d}={p:g}' for d, p in probs.items())})"
        )
    return probs


class _Compiler:
    """Builds the engine arrays of one scenario (used once, by :func:`compile_model`)."""

    def __init__(self, scenario: Scenario, individuals: str | None) -> None:
        self.scenario = scenario
        self.individuals = individuals
        compartments, transitions, population = structure(scenario)
        _check_names(transitions, compartments)
        used = _check_parameters(scenario, transitions)
        self.transitions = transitions
        self.params = dict(scenario.parameters)
        for i, tr in enumerate(transitions):
            _branches(tr, self.params, f"model.transitions.{i}")
        self.timed = {i for i, tr in enumerate(transitions) if uses_time(tr.rate)}
        for i in range(len(transitions)):
            self._rate(i, self.params)

        pool_names = population if population is not None else list(compartments)
        for name in pool_names:
            if name not in compartments:
                raise ScenarioError(
                    f"model.population: unknown compartment {name!r}." + suggest(name, compartments)
                )
        self.plans = Plans(
            compartments, len(transitions), [set(tr.targets) for tr in transitions], used
        )
        kinds = [kind_of(iv) for iv in scenario.interventions]
        self.plans.create_destinations(kinds, list(scenario.interventions))
        for i, (kind, iv) in enumerate(zip(kinds, scenario.interventions, strict=True)):
            self.plans.add(kind, iv, f"interventions.{i}", i)
        self.compartments = compartments  # now with those the interventions added
        self.group_names: list[tuple[tuple[str, float], ...]] = [
            tuple((c, 1.0) for c in pool_names)
        ]

        stages = {str(tr.from_): tr.stages for tr in transitions if tr.stages > 1}
        self.states: list[str] = []
        self.state_comp: list[int] = []
        self.first: dict[str, int] = {}
        for ci, name in enumerate(compartments):
            k = stages.get(name, 1)
            self.first[name] = len(self.states)
            for i in range(k):
                self.states.append(name if k == 1 else f"{name}_{i + 1}")
                self.state_comp.append(ci)
        self.stages = stages
        self.edges: list[_Edge] = []
        for i, tr in enumerate(transitions):
            self._expand(i, tr)
        for k, flow in enumerate(self.plans.transitions):
            self._expand_flow(k, flow)

    def _state_of(self, name: str | None) -> int:
        return self.first[name] if name is not None else -1

    def _expand(self, i: int, tr: TransitionSpec) -> None:
        cat = self.compartments.index(tr.by) if tr.by is not None else -1
        den = 0 if tr.mixing == "frequency" else -1
        targets = tr.targets or {None: 1.0}

        def edge(src: int, dst: int, label: str, factor: str | float, name: str | None) -> None:
            self.edges.append(_Edge(src, dst, cat, den, label, i, factor, name))

        def finals(src: int, label: str, stage_factor: str) -> None:
            for d, p in targets.items():
                branch = "" if len(targets) == 1 else f" → {d}"
                edge(
                    src, self._state_of(d), label + branch, f"({stage_factor}) * ({p})",
                    tr.label + branch,
                )  # fmt: skip

        if tr.from_ is None:
            finals(-1, tr.label, "1")
            return
        base, k = self.first[tr.from_], self.stages.get(tr.from_, 1)
        for s in range(k):
            label = tr.label if k == 1 else f"{tr.label}[{s + 1}]"
            if tr.stages > 1 and s < k - 1:
                edge(base + s, base + s + 1, label, float(k), None)
            else:
                finals(base + s, label, str(float(tr.stages)))

    def named(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The named transitions that the incidence counts, and which of them each engine
        transition counts as (−1: a step within an Erlang chain). Edges of one name that
        make the same move share it (a flow out of every stage of a staged compartment); a
        name given to different moves (two interventions with one label) gets each move
        written after it, so that each named transition is one move and the incidence adds
        up to the change in the counts."""

        def compartment(state: int) -> str:
            return self.compartments[self.state_comp[state]] if state >= 0 else "∅"

        keys = [
            None if e.name is None else (e.name, compartment(e.src), compartment(e.dst))
            for e in self.edges
        ]
        moves = list(dict.fromkeys(k for k in keys if k is not None))
        uses = Counter(name for name, _, _ in moves)
        names = tuple(name if uses[name] == 1 else f"{name} ({a}→{b})" for name, a, b in moves)
        index = [-1 if k is None else moves.index(k) for k in keys]
        return names, np.array(index, dtype=np.int64)

    def _expand_flow(self, k: int, flow: NewTransition) -> None:
        den = -1
        if flow.group is not None:
            # Group 0 is the mixing population (no offset); capacity pools come after it,
            # even when they hold the same compartments, so that each keeps its offset.
            if flow.group not in self.group_names[1:]:
                self.group_names.append(flow.group)
            den = 1 + self.group_names[1:].index(flow.group)
        source = self.first[flow.source]
        n = self.stages.get(flow.source, 1)
        for s in range(n):
            for d, p in flow.targets.items():
                label = flow.label if len(flow.targets) == 1 else f"{flow.label} → {d}"
                self.edges.append(
                    _Edge(source + s, self.first[d], -1, den, label, -1 - k, p, label)
                )

    def _where(self, i: int) -> str:
        return f"model.transitions.{i}.rate ({self.transitions[i].label})"

    def _rate(self, i: int, params: dict[str, float]) -> float:
        """Transition i's rate for some parameter values; at t = 0 if it depends on t."""
        rate = self.transitions[i].rate
        if i in self.timed:
            return float(over_time(rate, params, np.zeros(1), self._where(i))[0])
        return evaluate(rate, params, self._where(i))

    def rates(self, params: dict[str, float]) -> np.ndarray:
        """Rates of the model's own transitions for some parameter values (flows: 0)."""
        out = np.zeros(len(self.edges))
        for j, e in enumerate(self.edges):
            if e.spec >= 0:
                out[j] = self._rate(e.spec, params) * evaluate(e.factor, params, "branch")
        return out

    def time_rates(self) -> TimeRates | None:
        """The transitions whose rate depends on t, with their piecewise-constant form for
        the engines that count individuals (each rate's mean over each stretch of
        run.rate_step, checked to be finite and >= 0 at every quadrature point)."""
        edges = [j for j, e in enumerate(self.edges) if e.spec in self.timed]
        if not edges:
            return None
        step = self.scenario.run.time_step
        n = int(np.ceil(self.t_end / step * (1 - 1e-12)))
        if n > MAX_RATE_STEPS:
            if self.individuals is not None:
                raise ScenarioError(
                    f"run.rate_step: {step:g} makes {n:,} stretches up to t_end = "
                    f"{self.t_end:g}, for the rates that depend on t (by default a tenth of "
                    f"run.output_every); at most {MAX_RATE_STEPS:,} are followed: set "
                    f"run.rate_step to at least {self.t_end / MAX_RATE_STEPS:.3g}"
                )
            # the ODE follows the rates exactly: the stretches only check them
            n, step = MAX_RATE_STEPS, self.t_end / MAX_RATE_STEPS
        times = np.arange(n) * step
        ends = np.append(times[1:], self.t_end)
        half = (ends - times) / 2
        points = (times + half)[:, np.newaxis] + half[:, np.newaxis] * _GL_NODES
        rates = TimeRates(
            edges=frozen(np.array(edges, dtype=np.int64)),
            rates=tuple(str(self.transitions[self.edges[j].spec].rate) for j in edges),
            scale=frozen(
                np.array([evaluate(self.edges[j].factor, self.params, "branch") for j in edges])
            ),
            parameters=MappingProxyType(dict(self.params)),
            where=tuple(self._where(self.edges[j].spec) for j in edges),
            step=step,
            times=frozen(times),
            values=np.zeros(0),
        )
        values = rates.at(points.ravel()).reshape(len(edges), *points.shape) @ _GL_WEIGHTS / 2
        return replace(rates, values=frozen(values.T))

    def _check_time_parameters(self) -> None:
        """A ``set`` may not change a parameter that a rate depending on t uses: the
        engines that count individuals follow that rate from values made before the run."""
        used = {p: i for i in self.timed for p in names_in(self.transitions[i].rate)}
        for plan in self.plans.events:
            for name in plan.parameters or {}:
                if name in used:
                    i = used[name]
                    raise ScenarioError(
                        f"interventions.{plan.origin}.parameters.{name}: the rate of "
                        f"transition {i} ({self.transitions[i].label}) depends on t and on "
                        f"{name}; a parameter such a rate uses cannot be changed by an "
                        "intervention. Write the change into the rate itself (a step in "
                        f"time: e.g. {name} * (1 - floor(min(t / T, 1))) ends it at T)"
                    )

    def events(self, base: np.ndarray) -> Events:
        self._check_time_parameters()
        plans = sorted(
            enumerate(self.plans.events),
            key=lambda p: (p[1].trigger is not None, p[1].time, p[0]),
        )
        plans = [(i, p) for i, p in plans if p.trigger is not None or p.time <= self.t_end]
        n_ev, n_states, n_t = len(plans), len(self.states), len(self.edges)
        own = tuple(
            MappingProxyType(dict(p.parameters)) if p.parameters else None for _, p in plans
        )
        # Parameter changes accumulate in the order the events are listed here (fixed times
        # first, by time; then triggered ones): a later `set` keeps what earlier ones set.
        params = dict(self.params)
        for _, plan in plans:
            if plan.parameters:
                params.update(plan.parameters)
                plan.parameters = dict(params)
        conditions: list[Condition] = []
        condition_origin: list[int] = []
        times = np.zeros(n_ev)
        trigger = np.full(n_ev, -1, dtype=np.int64)
        fraction = np.zeros((n_ev, n_states))
        dest = np.full((n_ev, n_states), -1, dtype=np.int64)
        new_base = np.full((n_ev, n_t), np.nan)
        new_factor = np.full((n_ev, n_t), np.nan)
        for e, (_, plan) in enumerate(plans):
            times[e] = plan.time
            if plan.trigger is not None:
                if plan.trigger not in conditions:
                    conditions.append(plan.trigger)
                    condition_origin.append(plan.origin)
                trigger[e] = conditions.index(plan.trigger)
            self._event_row(plan, base, fraction[e], dest[e], new_base[e], new_factor[e])
        weights = np.zeros((len(conditions), len(self.compartments)))
        for k, cond in enumerate(conditions):
            for name in cond.compartments:
                weights[k, self.compartments.index(name)] = 1.0
        return Events(
            times=frozen(times),
            trigger=frozen(trigger),
            fraction=frozen(fraction),
            dest=frozen(dest),
            base=frozen(new_base),
            factor=frozen(new_factor),
            labels=tuple(p.label for _, p in plans),
            kinds=tuple(p.kind for _, p in plans),
            weights=frozen(weights),
            threshold=frozen(np.array([c.threshold for c in conditions], dtype=np.float64)),
            op=frozen(np.array([OPERATORS.index(c.op) for c in conditions], dtype=np.int64)),
            origin=frozen(np.array([p.origin for _, p in plans], dtype=np.int64)),
            ends=frozen(np.array([p.ends for _, p in plans], dtype=np.bool_)),
            trigger_origin=frozen(np.array(condition_origin, dtype=np.int64)),
            parameters=own,
        )

    def _event_row(
        self,
        plan: EventPlan,
        base: np.ndarray,
        fraction: np.ndarray,
        dest: np.ndarray,
        new_base: np.ndarray,
        new_factor: np.ndarray,
    ) -> None:
        for name, (share, to) in plan.cull.items():
            for s, c in enumerate(self.state_comp):
                if self.compartments[c] == name:
                    fraction[s] = share
                    dest[s] = self._state_of(to)
        n_model = len(self.transitions)
        for j, e in enumerate(self.edges):
            if e.spec < 0:
                key = n_model + (-1 - e.spec)
                if key in plan.rates:
                    new_base[j] = plan.rates[key] * float(e.factor)
            elif e.spec in plan.scale:
                new_factor[j] = plan.scale[e.spec]
        if plan.parameters:
            changed = self.rates(plan.parameters)
            for j, e in enumerate(self.edges):
                if e.spec >= 0 and changed[j] != base[j]:
                    new_base[j] = changed[j]

    def initial(self) -> np.ndarray:
        x0 = np.zeros(len(self.states))
        engine = self.individuals
        stochastic = engine is not None
        for name, count in self.scenario.initial.items():
            if name not in self.compartments:
                raise ScenarioError(
                    f"initial.{name}: unknown compartment; compartments are "
                    f"{', '.join(self.compartments)}." + suggest(name, self.compartments)
                )
            if stochastic and count != int(count):
                raise ScenarioError(
                    f"initial.{name}: {count} is not a whole number; the {engine} engine "
                    "counts individuals (use the ode engine for fractional amounts)"
                )
            x0[self.first[name]] = count
        if stochastic and x0.sum() > 2**62:
            raise ScenarioError("initial: total population too large for the stochastic engines")
        return x0

    @property
    def t_end(self) -> float:
        return self.scenario.run.t_end

    def build(self) -> Model:
        base = self.rates(self.params)
        groups = np.array(
            [[dict(g).get(c, 0.0) for c in self.compartments] for g in self.group_names],
            dtype=np.float64,
        )
        # Capacity pools are softened by one person, so a flow that empties its pool slows
        # smoothly instead of ending in a jump (which would also trouble the ODE solvers).
        offset = np.array([0.0] + [1.0] * (len(self.group_names) - 1))
        named, named_of = self.named()
        return Model(
            compartments=tuple(self.compartments),
            states=tuple(self.states),
            state_compartment=frozen(np.array(self.state_comp, dtype=np.int64)),
            transitions=tuple(e.label for e in self.edges),
            src=frozen(np.array([e.src for e in self.edges], dtype=np.int64)),
            dst=frozen(np.array([e.dst for e in self.edges], dtype=np.int64)),
            cat=frozen(np.array([e.cat for e in self.edges], dtype=np.int64)),
            den=frozen(np.array([e.den for e in self.edges], dtype=np.int64)),
            rate=frozen(base),
            groups=frozen(groups),
            offset=frozen(offset),
            x0=frozen(self.initial()),
            events=self.events(base),
            time_unit=self.scenario.scenario.time_unit,
            transition_origin=frozen(
                np.array(
                    [
                        -1 if e.spec >= 0 else self.plans.transitions[-1 - e.spec].origin
                        for e in self.edges
                    ],
                    dtype=np.int64,
                )
            ),
            named_transitions=named,
            named_of=frozen(named_of),
            parameters=MappingProxyType(dict(self.params)),
            time_rates=self.time_rates(),
        )


def compile_model(scenario: Scenario, individuals: str | None = None) -> Model:
    """Turn a validated scenario into engine-ready arrays, checking names across sections.

    ``individuals`` names the engine that will run the model when that engine counts
    individuals: the initial counts must then be whole numbers. (:func:`jonas.compile_model`
    asks the scenario's engine itself.)"""
    return _Compiler(scenario, individuals).build()
