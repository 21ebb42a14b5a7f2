"""Scenario files: the pydantic schema, TOML loading, ``--set`` overrides and friendly errors.

A scenario is what the user wrote, validated field by field. It knows nothing of arrays or
engines; :func:`jonas.model.compile_model` turns it into an engine-ready :class:`Model`.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jonas.errors import ScenarioError, suggest

TimeUnit = Literal["minutes", "hours", "days"]
Engine = Literal["ode", "ssa", "tauleap"]
OdeMethod = Literal["LSODA", "RK45", "DOP853", "Radau", "BDF", "euler"]

# Strict floats: a TOML string such as "fast" is refused instead of being coerced.
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Count = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Time = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ScenarioInfo(_Section):
    """``[scenario]``: what this is, where it comes from, and the unit of time."""

    name: str = Field(min_length=1)
    description: str = ""
    citation: str = ""
    time_unit: TimeUnit = "days"


class TransitionSpec(_Section):
    """One ``[[model.transitions]]`` entry: one individual moves ``from`` → ``to``.

    Propensity = rate × (count of ``from``, if given) × (count of ``by``, if given),
    divided by the living population N when ``mixing = "frequency"``.
    """

    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
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
        if self.stages > 1 and (self.from_ is None or self.by is not None):
            raise ValueError(
                "'stages' (an Erlang chain) is allowed only on spontaneous transitions "
                "(with 'from' and without 'by')"
            )
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        arrow = f"{self.from_ or '∅'}->{self.to or '∅'}"
        return f"{arrow} by {self.by}" if self.by else arrow


class ModelSpec(_Section):
    """``[model]``: a built-in ``family``, or ``compartments`` and ``transitions`` inline."""

    family: str | None = None
    variant: Literal["paper", "printed-code"] = "paper"
    compartments: list[str] | None = None
    transitions: list[TransitionSpec] | None = None
    population: list[str] | None = None
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
        return self

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


class RunSpec(_Section):
    """``[run]``: which engine, how long, how often to record, and the random seed."""

    engine: Engine = "ode"
    t_end: float = Field(gt=0, allow_inf_nan=False, strict=True)
    output_every: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=True)
    seed: int = Field(default=0, ge=0, lt=2**63)
    replicates: int = Field(default=1, ge=1, le=10_000_000)
    method: OdeMethod = "LSODA"
    dt: float | None = Field(default=None, gt=0, allow_inf_nan=False, strict=True)
    rtol: float = Field(default=1e-8, gt=0, lt=1, strict=True)
    atol: float = Field(default=1e-8, gt=0, strict=True)
    max_events: int = Field(default=10**10, ge=1)

    @property
    def every(self) -> float:
        """The output interval: ``output_every``, or t_end / 200 when not given."""
        return self.output_every if self.output_every is not None else self.t_end / 200

    @property
    def step(self) -> float:
        """The fixed step of Euler and tau-leaping: ``dt``, or a tenth of the output interval."""
        return self.dt if self.dt is not None else self.every / 10


class CullSpec(_Section):
    """``type = "cull"``: remove a fraction of some compartments at given moments.

    With ``escalate = true`` the n-th cull removes ``min(1, n × fraction)``, as in
    Munz et al.'s impulsive eradication (ΔZ = −k·n·Z).
    """

    type: Literal["cull"]
    name: str | None = None
    at: Time | list[Time]
    compartments: list[str] = Field(min_length=1)
    fraction: Fraction
    escalate: bool = False
    to: str | None = None

    @property
    def times(self) -> list[float]:
        return sorted(self.at) if isinstance(self.at, list) else [self.at]


Intervention = CullSpec


class Scenario(_Section):
    """A whole scenario file, validated."""

    scenario: ScenarioInfo
    model: ModelSpec
    parameters: dict[str, Rate] = Field(default_factory=dict)
    initial: dict[str, Count] = Field(default_factory=dict)
    run: RunSpec
    interventions: list[Intervention] = Field(default_factory=list)

    def resolved(self) -> dict[str, Any]:
        """The fully resolved scenario as plain data (what ``run.json`` records)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --------------------------------------------------------------------------- loading

_BUILTIN_PACKAGE = "jonas.data.scenarios"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped inside the package, sorted."""
    folder = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _builtin_text(name: str) -> str:
    return resources.files(_BUILTIN_PACKAGE).joinpath(f"{name}.toml").read_text("utf-8")


def _read_source(source: str | Path) -> tuple[str, str]:
    """The TOML text of a built-in name or a file path, and a label for messages."""
    text_source = str(source)
    if text_source in builtin_names():
        return _builtin_text(text_source), f"built-in scenario {text_source!r}"
    path = Path(source)
    if path.is_file():
        try:
            return path.read_text("utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: cannot be read ({exc})") from None
    if path.suffix == ".toml" or path.parent != Path("."):
        raise ScenarioError(f"{path}: no such scenario file")
    raise ScenarioError(
        f"unknown scenario {text_source!r}: not a built-in name and not a file."
        + suggest(text_source, builtin_names())
        + " Run 'jonas list' for the built-in scenarios."
    )


def parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: TOML syntax error: {exc}") from None


def _parse_value(raw: str) -> Any:
    """A ``--set`` value read as TOML (numbers, booleans, strings, arrays), else a bare string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _fields_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``section.key=value`` (or ``interventions.0.fraction=0.5``) in place."""
    path, sep, raw = assignment.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(f"--set {assignment!r}: expected section.key=value")
    parts = path.split(".")
    if len(parts) < 2:
        raise ScenarioError(f"--set {assignment!r}: expected section.key=value")
    section = parts[0]
    if section not in Scenario.model_fields:
        raise ScenarioError(
            f"--set {path}: no section {section!r}; sections are "
            + ", ".join(Scenario.model_fields)
            + "."
            + suggest(section, Scenario.model_fields)
        )
    value = _parse_value(raw.strip())
    if section == "interventions":
        _override_intervention(data, parts, value, path)
        return
    spec = Scenario.model_fields[section].annotation
    target = data.setdefault(section, {})
    if not isinstance(target, dict):
        raise ScenarioError(f"--set {path}: section {section!r} is not a table")
    key = parts[1]
    if isinstance(spec, type) and issubclass(spec, BaseModel):
        allowed = _fields_of(spec)
        if key not in allowed:
            raise ScenarioError(
                f"--set {path}: [{section}] has no key {key!r}; allowed: "
                + ", ".join(allowed)
                + "."
                + suggest(key, allowed)
            )
    if len(parts) == 3 and section == "model" and key == "stages":
        target.setdefault("stages", {})[parts[2]] = value
        return
    if len(parts) != 2:
        raise ScenarioError(f"--set {path}: too deep; expected section.key=value")
    target[key] = value


def _override_intervention(data: dict[str, Any], parts: list[str], value: Any, path: str) -> None:
    items = data.get("interventions", [])
    if len(parts) != 3 or not parts[1].isdigit():
        raise ScenarioError(f"--set {path}: expected interventions.N.key=value (N from 0)")
    index = int(parts[1])
    if index >= len(items):
        raise ScenarioError(
            f"--set {path}: this scenario has {len(items)} intervention(s); "
            f"indices run from 0 to {len(items) - 1}"
            if items
            else f"--set {path}: this scenario has no interventions"
        )
    allowed = _fields_of(CullSpec)
    if parts[2] not in allowed:
        raise ScenarioError(
            f"--set {path}: an intervention has no key {parts[2]!r}; allowed: "
            + ", ".join(allowed)
            + "."
            + suggest(parts[2], allowed)
        )
    items[index][parts[2]] = value


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"]) or "(top level)"
    msg = error["msg"].removeprefix("Value error, ")
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (not part of the scenario format)"
    if kind == "missing":
        return f"{loc}: required but missing"
    shown = error.get("input")
    if isinstance(shown, dict | list):
        return f"{loc}: {msg}"
    return f"{loc}: {msg} (got {shown!r})"


def _friendly(exc: ValidationError, label: str) -> ScenarioError:
    lines = [_describe(e) for e in exc.errors(include_url=False)]
    if len(lines) == 1:
        return ScenarioError(f"{label}: {lines[0]}")
    return ScenarioError(f"{label}: {len(lines)} problems:\n  " + "\n  ".join(lines))


def validate_data(data: dict[str, Any], label: str = "scenario") -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`."""
    unknown = [k for k in data if k not in Scenario.model_fields]
    if unknown:
        key = unknown[0]
        raise ScenarioError(
            f"{label}: unknown section [{key}]; sections are "
            + ", ".join(f"[{s}]" for s in Scenario.model_fields)
            + "."
            + suggest(key, Scenario.model_fields)
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _friendly(exc, label) from None


def load(source: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load a built-in scenario by name, or a TOML file by path, and apply ``--set`` overrides."""
    text, label = _read_source(source)
    data = parse_toml(text, label)
    for assignment in overrides:
        apply_override(data, assignment)
    return validate_data(data, label)
