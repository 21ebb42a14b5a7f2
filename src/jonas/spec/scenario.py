"""The scenario schema: what a scenario file may hold, validated field by field (pydantic).

A scenario is what the user wrote. It knows nothing of arrays or engines: the engine named
in ``[run]`` checks the scenario against itself (:func:`jonas.engines.prepare`) and the
model compiler turns it into an engine-ready :class:`~jonas.model.Model`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from jonas.interventions import Intervention
from jonas.spec.fields import Count, Rate, Section, TimeUnit
from jonas.spec.sections import AgentsSpec, LatticeSpec, MetapopSpec

#: a name in a rate expression (the expression's own checks come when the model compiles)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: names rate expressions give a meaning of their own (jonas.model.expressions)
RESERVED = {"t": "t is the time in rate expressions", "pi": "pi is π in rate expressions"}

OdeMethod = Literal["LSODA", "RK45", "DOP853", "Radau", "BDF", "euler"]


def _parameter_names(values: dict[str, float]) -> dict[str, float]:
    import keyword

    for name in values:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(
                f"parameter name {name!r} must be a plain identifier and not a Python keyword "
                "(it is used in rate expressions)"
            )
        if name in RESERVED:
            raise ValueError(f"parameter name {name!r}: {RESERVED[name]}; choose another name")
    return values


class ScenarioInfo(Section):
    """``[scenario]``: what this is, where it comes from, and the unit of time."""

    name: str = Field(min_length=1)
    description: str = ""
    citation: str = ""
    time_unit: TimeUnit = "days"


class TransitionSpec(Section):
    """One ``[[model.transitions]]`` entry: one individual moves ``from`` → ``to``.

    Propensity = rate × (count of ``from``, if given) × (count of ``by``, if given),
    divided by N, the total of the ``[model] population`` compartments (all by default),
    when ``mixing = "frequency"``. ``to`` may be a table
    of destinations with probabilities (numbers or parameter expressions), such as
    ``to = {Z = "1 - p_halfbie", H = "p_halfbie"}``; with ``stages`` the split happens as the
    last stage ends.
    """

    from_: str | None = Field(default=None, alias="from")
    to: str | dict[str, Annotated[float, Field(ge=0, le=1, strict=True)] | str] | None = None
    by: str | None = None
    rate: Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)] | str
    mixing: Literal["density", "frequency"] = "density"
    stages: int = Field(default=1, ge=1, le=1000)
    name: str | None = None

    @model_validator(mode="after")
    def _check(self) -> TransitionSpec:
        if self.from_ is None and self.to is None:
            raise ValueError("a transition needs 'from', 'to' or both")
        if self.from_ is not None and self.from_ == self.to:
            raise ValueError(
                f"'from' and 'to' are both {self.to!r}; a transition must move someone"
            )
        if isinstance(self.to, dict) and self.from_ in self.to:
            raise ValueError(
                f"'to' has a branch back to {self.from_!r}, its own 'from'; a transition must "
                "move someone (lower the rate instead)"
            )
        if self.mixing == "frequency" and self.by is None:
            raise ValueError("mixing = \"frequency\" divides by N a contact with 'by'; give 'by'")
        if self.stages > 1 and (self.from_ is None or self.by is not None):
            raise ValueError(
                "'stages' (an Erlang chain) is allowed only on spontaneous transitions "
                "(with 'from' and without 'by')"
            )
        return self

    @property
    def targets(self) -> dict[str, float | str]:
        """Destinations with their probabilities (a plain ``to`` is one branch of 1)."""
        if self.to is None:
            return {}
        return dict(self.to) if isinstance(self.to, dict) else {self.to: 1.0}

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        arrow = f"{self.from_ or '∅'}->{'|'.join(self.targets) or '∅'}"
        return f"{arrow} by {self.by}" if self.by else arrow


class ModelSpec(Section):
    """``[model]``: a built-in ``family``, or ``compartments`` and ``transitions`` inline."""

    family: str | None = None
    variant: Literal["paper", "printed-code"] = "paper"
    compartments: list[str] | None = None
    transitions: list[TransitionSpec] | None = None
    population: list[str] | None = Field(default=None, min_length=1)
    stages: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _family_or_inline(self) -> ModelSpec:
        inline = self.compartments is not None or self.transitions is not None
        if self.family is not None and inline:
            raise ValueError("give either 'family' or 'compartments' and 'transitions', not both")
        if self.family is None and not (self.compartments and self.transitions):
            raise ValueError(
                "give 'family' (a built-in model) or both 'compartments' and 'transitions'"
            )
        self._rates_name_no_compartment()
        return self

    def _rates_name_no_compartment(self) -> None:
        """A compartment written as a rate (``rate = "Z"``) is a common slip for ``by``;
        said so here, instead of later as a parameter that is missing."""
        compartments = set(self.compartments or ())
        for i, tr in enumerate(self.transitions or ()):
            expressions = {"rate": tr.rate} | {f"to.{d}": p for d, p in tr.targets.items()}
            for key, expr in expressions.items():
                named = _NAME.findall(expr) if isinstance(expr, str) else []
                found = [n for n in named if n in compartments]
                if found:
                    raise ValueError(
                        f"model.transitions.{i}.{key}: {found[0]!r} is a compartment, not a "
                        "parameter; a rate is a number or an expression of [parameters] (the "
                        "counts of 'from' and 'by' already multiply it)"
                    )

    @field_validator("compartments")
    @classmethod
    def _unique_names(cls, names: list[str] | None) -> list[str] | None:
        if names is None:
            return None
        for name in names:
            if not name.isidentifier():
                raise ValueError(f"compartment name {name!r} must be a plain identifier")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"compartments listed twice: {', '.join(dupes)}")
        return names


class RunSpec(Section):
    """``[run]``: which engine, how long, how often to record, and the random seed."""

    # which engine runs it: checked against the engines registered (jonas.engines)
    engine: str = Field(default="ode", min_length=1)
    t_end: float = Field(gt=0, allow_inf_nan=False, strict=True)
    output_every: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=True)
    seed: int = Field(default=0, ge=0, lt=2**63)
    replicates: int = Field(default=1, ge=1, le=10_000_000)
    method: OdeMethod = "LSODA"
    dt: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=True)
    epsilon: float = Field(default=0.03, gt=0, lt=1, strict=True)
    rtol: float = Field(default=1e-8, gt=0, lt=1, strict=True)
    atol: float = Field(default=1e-8, gt=0, strict=True)
    max_events: int = Field(default=10**10, ge=1)
    #: the engines that count individuals follow a rate that depends on t in steps of this
    rate_step: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=True)

    @property
    def every(self) -> float:
        """The output interval: ``output_every``, or t_end / 200 when not given."""
        return self.output_every if self.output_every is not None else self.t_end / 200

    @property
    def euler_step(self) -> float:
        """The ODE's Euler step: ``dt``, or a tenth of the output interval."""
        return self.dt if self.dt is not None else self.every / 10

    @property
    def time_step(self) -> float:
        """The step in which the engines that count individuals follow a rate that
        depends on t (piecewise constant: docs/engines.md): ``rate_step``, or a tenth of
        the output interval."""
        return self.rate_step if self.rate_step is not None else self.every / 10


class TargetSpec(Section):
    """A ``[targets]`` entry: ``value`` (± relative ``tolerance``), or a ``low``–``high`` range."""

    value: float | None = Field(default=None, allow_inf_nan=False)
    tolerance: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, int | float) else data

    @model_validator(mode="after")
    def _one_form(self) -> TargetSpec:
        if self.value is None and (self.low is None or self.high is None):
            raise ValueError("give 'value' (and 'tolerance'), or both 'low' and 'high'")
        if self.value is not None and (self.low is not None or self.high is not None):
            raise ValueError("give 'value' or 'low'/'high', not both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low = {self.low} is above high = {self.high}")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        if self.value is not None:
            spread = abs(self.value) * (self.tolerance or 0.0)
            return self.value - spread, self.value + spread
        return float(self.low), float(self.high)  # type: ignore[arg-type]



class Scenario(Section):
    """A whole scenario file, validated: what the user wrote, before any engine reads it."""

    scenario: ScenarioInfo
    model: ModelSpec
    parameters: dict[str, Rate] = Field(default_factory=dict)
    initial: dict[str, Count] = Field(default_factory=dict)
    run: RunSpec
    lattice: LatticeSpec | None = None
    agents: AgentsSpec | None = None
    metapop: MetapopSpec | None = None
    interventions: list[Intervention] = Field(default_factory=list)
    targets: dict[str, TargetSpec] = Field(default_factory=dict)
    #: metrics of your own: name -> a condition ("Z >= 1000"); each reports when it first
    #: held (the first output time), NaN if never
    thresholds: dict[str, str] = Field(default_factory=dict)

    _names = field_validator("parameters")(_parameter_names)

    @model_validator(mode="after")
    def _switched_off(self) -> Scenario:
        """Interventions switched off (``enabled = false``) are left out of the run:
        everything downstream sees only those that take part. A target on a metric that
        only a switched-off type reports goes with it (no strike, no strike's toll)."""
        from jonas.interventions import kind_of

        on = [iv for iv in self.interventions if iv.enabled]
        if len(on) == len(self.interventions):
            return self
        reported = {m.name for iv in on for m in kind_of(iv).metrics}
        gone = {
            m.name for iv in self.interventions if not iv.enabled for m in kind_of(iv).metrics
        } - reported
        self.interventions = on
        self.targets = {k: v for k, v in self.targets.items() if k not in gone}
        return self

    def uses_time(self) -> bool:
        """Whether a transition's rate depends on t (the built-in families' do not)."""
        return any(
            isinstance(tr.rate, str) and "t" in _NAME.findall(tr.rate)
            for tr in self.model.transitions or ()
        )

    def dump(self) -> dict[str, Any]:
        """The scenario as plain data, with the output interval that defaults chose written
        out. (What run.json records adds what the engine chose: see
        :func:`jonas.engines.resolved`.)"""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["run"]["output_every"] = self.run.every
        if self.uses_time():  # (a model without t keeps the digest it had)
            data["run"]["rate_step"] = self.run.time_step
        if not data["thresholds"]:  # (a scenario without any keeps the digest it had)
            del data["thresholds"]
        return data
