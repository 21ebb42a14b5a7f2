"""Scenario files: the pydantic schema, TOML loading, ``--set`` overrides and friendly errors.

A scenario is what the user wrote, validated field by field. It knows nothing of arrays or
engines; :func:`jonas.model.compile_model` turns it into an engine-ready :class:`Model`.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from jonas.errors import ScenarioError, suggest
from jonas.interventions import INTERVENTION_TYPES, Intervention
from jonas.sections import (
    AgentsSpec,
    LatticeSpec,
    MetapopSpec,
    Rate,
    _Section,
)

TimeUnit = Literal["minutes", "hours", "days"]
Engine = Literal["ode", "ssa", "tauleap", "lattice", "agents", "metapop"]
OdeMethod = Literal["LSODA", "RK45", "DOP853", "Radau", "BDF", "euler"]

# Strict floats: a TOML string such as "fast" is refused instead of being coerced.
Count = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]


def _parameter_names(values: dict[str, float]) -> dict[str, float]:
    import keyword

    for name in values:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(
                f"parameter name {name!r} must be a plain identifier and not a Python keyword "
                "(it is used in rate expressions)"
            )
    return values


class ScenarioInfo(_Section):
    """``[scenario]``: what this is, where it comes from, and the unit of time."""

    name: str = Field(min_length=1)
    description: str = ""
    citation: str = ""
    time_unit: TimeUnit = "days"


class TransitionSpec(_Section):
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
    epsilon: float = Field(default=0.03, gt=0, lt=1, strict=True)
    rtol: float = Field(default=1e-8, gt=0, lt=1, strict=True)
    atol: float = Field(default=1e-8, gt=0, strict=True)
    max_events: int = Field(default=10**10, ge=1)

    @property
    def every(self) -> float:
        """The output interval: ``output_every``, or t_end / 200 when not given."""
        return self.output_every if self.output_every is not None else self.t_end / 200

    @property
    def euler_step(self) -> float:
        """The ODE's Euler step: ``dt``, or a tenth of the output interval."""
        return self.dt if self.dt is not None else self.every / 10


AGENTS_FAMILY = "jonas"
LATTICE_FAMILY = "alemi-szr"
LATTICE_COMPARTMENTS = ("S", "Z", "R")


class TargetSpec(_Section):
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


class Scenario(_Section):
    """A whole scenario file, validated."""

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

    _names = field_validator("parameters")(_parameter_names)

    @model_validator(mode="after")
    def _lattice_fits(self) -> Scenario:
        engine = self.run.engine
        if engine != "lattice":
            if self.lattice is not None:
                raise ValueError(
                    f"lattice: a [lattice] section is read only by the lattice engine, and "
                    f'run.engine is {engine!r}; set run.engine = "lattice" or remove the section'
                )
            return self
        model = self.model
        if model.family != LATTICE_FAMILY:
            got = f"family {model.family!r}" if model.family else "an inline model"
            raise ValueError(
                f"model.family: the lattice engine runs only the family {LATTICE_FAMILY!r} "
                f"(S, Z, R with beta and kappa), not {got}"
            )
        if self.interventions:
            raise ValueError(
                "interventions: the lattice engine does not support interventions yet; "
                "remove them or use the ssa, tauleap or ode engine"
            )
        for name in self.initial:
            if name not in LATTICE_COMPARTMENTS:
                raise ValueError(
                    f"initial.{name}: unknown compartment; the lattice engine's are "
                    + ", ".join(LATTICE_COMPARTMENTS)
                )
        return self

    @model_validator(mode="after")
    def _agents_fit(self) -> Scenario:
        engine = self.run.engine
        if engine != "agents":
            if self.agents is not None:
                raise ValueError(
                    f"agents: an [agents] section is read only by the agents engine, and "
                    f'run.engine is {engine!r}; set run.engine = "agents" or remove the section'
                )
            for i, iv in enumerate(self.interventions):
                if iv.type == "lure" and iv.to is None:
                    raise ValueError(
                        f"interventions.{i}: a lure with only a 'route' is a drone on a map "
                        f"(engine agents); for the {engine} engine give 'to' and 'share'"
                    )
            return self
        if self.model.family != AGENTS_FAMILY:
            got = f"family {self.model.family!r}" if self.model.family else "an inline model"
            raise ValueError(
                f"model.family: the agents engine runs the family {AGENTS_FAMILY!r} (its "
                f"rules are the Jonas virus's, person by person), not {got}"
            )
        if self.scenario.time_unit != "hours":
            raise ValueError(
                "scenario.time_unit: the agents engine counts time in hours (its rates are "
                f'per hour); got {self.scenario.time_unit!r}: set time_unit = "hours"'
            )
        return self

    @model_validator(mode="after")
    def _metapop_fits(self) -> Scenario:
        engine = self.run.engine
        if engine == "metapop":
            if self.metapop is None:
                raise ValueError(
                    "metapop: the metapop engine needs a [metapop] section (at least "
                    "'outbreak', the districts where [initial]'s counts start)"
                )
            return self
        if self.metapop is not None:
            raise ValueError(
                f"metapop: a [metapop] section is read only by the metapop engine, and "
                f'run.engine is {engine!r}; set run.engine = "metapop" or remove the section'
            )
        for i, iv in enumerate(self.interventions):
            if iv.regions is not None:
                raise ValueError(
                    f"interventions.{i}.regions: only the metapop engine has regions (this run "
                    f"is {engine}); remove 'regions' or set run.engine = \"metapop\""
                )
            if iv.type == "travel-ban":
                raise ValueError(
                    f"interventions.{i}: a travel-ban stops travel between regions, which only "
                    f"the metapop engine has (this run is {engine})"
                )
        return self

    @property
    def agents_spec(self) -> AgentsSpec:
        """The ``[agents]`` section, or its defaults."""
        return self.agents or AgentsSpec()

    @model_validator(mode="after")
    def _someone(self) -> Scenario:
        if self.run.engine == "lattice":
            return self  # the lattice engine fills the lattice itself
        if not any(self.initial.values()):
            raise ValueError("[initial] puts nobody in any compartment; give some counts")
        return self

    @property
    def lattice_size(self) -> int:
        """The lattice's side: ``[lattice] size``, or its default."""
        return (self.lattice or LatticeSpec()).size

    def resolved(self) -> dict[str, Any]:
        """The fully resolved scenario as plain data (what ``run.json`` records), with the
        output interval and step that defaults chose written out."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["run"]["output_every"] = self.run.every
        if self.run.engine == "ode" and self.run.method == "euler":
            data["run"]["dt"] = self.run.euler_step
        if self.run.engine == "lattice":
            data["lattice"] = {"size": self.lattice_size}
        if self.run.engine == "agents":
            data["agents"] = self.agents_spec.model_dump(mode="json", exclude_none=True)
        return data

    def digest(self) -> str:
        """SHA-256 of the resolved scenario: equal digests mean the same inputs."""
        import hashlib
        import json

        text = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- loading

_BUILTIN_PACKAGE = "jonas.data.scenarios"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped inside the package, sorted."""
    folder = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _builtin_text(name: str) -> str:
    return resources.files(_BUILTIN_PACKAGE).joinpath(f"{name}.toml").read_text("utf-8")


def source_label(source: str | Path) -> str:
    """How messages name a scenario source: a built-in name or a file path."""
    if str(source) in builtin_names():
        return f"built-in scenario {str(source)!r}"
    return str(source)


def _read_source(source: str | Path) -> tuple[str, str]:
    """The TOML text of a built-in name or a file path, and a label for messages."""
    text_source = str(source)
    if text_source in builtin_names():
        return _builtin_text(text_source), source_label(text_source)
    path = Path(source)
    if path.is_file():
        try:
            return path.read_text("utf-8"), source_label(path)
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


def parse_value(raw: str) -> Any:
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
    value = parse_value(raw.strip())
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
    if len(parts) == 3 and (section, key) in (("model", "stages"), ("agents", "rules")):
        target.setdefault(key, {})[parts[2]] = value
        return
    if section == "metapop" and len(parts) > 2:  # metapop.mobility.trips, …move.Z
        node = target
        for part in parts[1:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ScenarioError(f"--set {path}: {part!r} is not a table")
        node[parts[-1]] = value
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
    kind = items[index].get("type")
    spec = _INTERVENTION_SPECS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise ScenarioError(
            f"--set {path}: intervention {index} has type {kind!r}; types are "
            + ", ".join(INTERVENTION_TYPES)
        )
    allowed = _fields_of(spec)
    if parts[2] not in allowed:
        raise ScenarioError(
            f"--set {path}: a {kind} intervention has no key {parts[2]!r}; allowed: "
            + ", ".join(allowed)
            + "."
            + suggest(parts[2], allowed)
        )
    items[index][parts[2]] = value


def _intervention_specs() -> dict[str, type[BaseModel]]:
    from typing import get_args

    members = get_args(get_args(Intervention)[0])
    return {kind: cls for cls in members for kind in get_args(cls.model_fields["type"].annotation)}


_INTERVENTION_SPECS = _intervention_specs()


def _data_path(data: Any, loc: tuple[Any, ...], names_key: bool) -> str:
    """The error's location as a path through the user's data, without the tags pydantic
    adds for union members ("constrained-float", a discriminator value such as "cull").
    ``names_key``: the error is about a key itself (missing or unknown), so a last part
    that is not in the data is that key, not a tag."""
    parts: list[str] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif not (names_key and isinstance(node, dict) and i == len(loc) - 1):
            continue  # a union member's tag, not part of the data
        parts.append(str(part))
    return ".".join(parts)


_NAMES_A_FIELD = re.compile(r"^[a-z_]+(\.[A-Za-z0-9_-]+)*: ")


def _describe(error: dict[str, Any], data: Any) -> str:
    keyed = error["type"] in ("missing", "extra_forbidden")
    loc = _data_path(data, error["loc"], keyed) or "(top level)"
    msg = error["msg"].removeprefix("Value error, ")
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key (not part of the scenario format)"
    if kind == "missing":
        return f"{loc}: required but missing"
    if kind == "too_short":
        return f"{loc}: must not be empty"
    shown = error.get("input")
    if not error["loc"] and _NAMES_A_FIELD.match(msg):
        return msg  # a whole-scenario check that names the field itself
    if isinstance(shown, dict | list):
        return f"{loc}: {msg}"
    return f"{loc}: {msg} (got {shown!r})"


def _friendly(exc: ValidationError, label: str, data: Any) -> ScenarioError:
    # One message per field. Where a union's members all complain, the members whose type
    # did not even match ("should be a valid number" for a list) say least: skip them.
    by_field: dict[str, list[tuple[bool, str]]] = {}
    for error in exc.errors(include_url=False):
        line = _describe(error, data)
        mismatch = error["type"].endswith("_type") or error["type"] == "model_attributes_type"
        by_field.setdefault(line.split(":", 1)[0], []).append((mismatch, line))
    lines = [min(found, key=lambda f: f[0])[1] for found in by_field.values()]
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
        raise _friendly(exc, label, data) from None


def load(source: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load a built-in scenario by name, or a TOML file by path, and apply ``--set`` overrides."""
    text, label = _read_source(source)
    data = parse_toml(text, label)
    for assignment in overrides:
        apply_override(data, assignment)
    _map_beside(data, source)
    return validate_data(data, label)


def _map_beside(data: dict[str, Any], source: str | Path) -> None:
    """A map file named by a scenario file is found beside that file (as users expect of
    relative paths in a file), not in the working directory."""
    agents = data.get("agents")
    if not isinstance(agents, dict) or not isinstance(agents.get("map"), str):
        return
    name = agents["map"]
    if name == "hyosan" or str(source) in builtin_names() or Path(name).is_absolute():
        return
    agents["map"] = str(Path(source).parent / name)
