"""Calibration: fit scenario values to target figures with ABC-SMC (pyabc).

A targets file names the values to fit (any ``--set`` path, each with a prior) and the
figures to match: summary metrics (``survivors``), final or peak counts (``final:Z``,
``peak:Z``), or a compartment's time series. pyabc's ABC-SMC proposes values, jonas
simulates them, and a particle is kept when its distance to the targets is below the
generation's epsilon. The result is a weighted posterior sample: fitted values with their
uncertainty.

Simulations run on the ensemble backends (:mod:`jonas.ensemble.backends`) through
:class:`BackendSampler`: each generation's evaluations are numbered, evaluation k of
generation t draws its random numbers from ``SeedSequence([seed, t + 1, k])``, and the
first n accepted in that order make the population. So the same seed gives the same
posterior whatever the backend or the number of workers.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jonas.errors import JonasError, ScenarioError, suggest

TARGETS_PACKAGE = "jonas.data.targets"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Settings(_Strict):
    scenario: str | None = None
    # an engine's name, checked against the registry when the calibration starts
    engine: str | None = Field(default=None, min_length=1)
    seed: int | None = None
    replicates: int = Field(default=1, ge=1)
    population: int = Field(default=100, ge=2)
    generations: int = Field(default=6, ge=1)
    min_epsilon: float = Field(default=0.0, ge=0.0)
    predictive: int = Field(default=40, ge=1)


class Fit(_Strict):
    """One value to fit: a ``--set`` path and its prior."""

    key: str = Field(min_length=3)
    prior: Literal["uniform", "loguniform", "normal", "lognormal"] = "uniform"
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> Fit:
        if self.prior in ("uniform", "loguniform"):
            if self.low is None or self.high is None:
                raise ValueError(f"a {self.prior} prior needs low and high")
            if self.low >= self.high:
                raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
            if self.prior == "loguniform" and self.low <= 0:
                raise ValueError("a loguniform prior needs low > 0")
        else:
            if self.mean is None or self.sd is None:
                raise ValueError(f"a {self.prior} prior needs mean and sd")
            if self.prior == "lognormal" and self.mean <= 0:
                raise ValueError("a lognormal prior's mean (its median) must be > 0")
        return self

    def distribution(self) -> Any:
        """The prior as a pyabc random variable."""
        import pyabc

        if self.prior == "uniform":
            return pyabc.RV("uniform", self.low, self.high - self.low)
        if self.prior == "loguniform":
            return pyabc.RV("loguniform", self.low, self.high)
        if self.prior == "normal":
            return pyabc.RV("norm", self.mean, self.sd)
        return pyabc.RV("lognorm", self.sd, 0, self.mean)

    def bounds(self) -> tuple[float, float]:
        """Where the prior has most of its mass (for plots)."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        d = self.distribution()
        return float(d.ppf(0.005)), float(d.ppf(0.995))


class Target(_Strict):
    """A figure to match: its value, and the error that counts as one unit of distance
    (``tolerance`` × value, or ``scale``)."""

    value: float
    tolerance: float | None = Field(default=None, gt=0)
    scale: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _scaled(self) -> Target:
        if (self.tolerance is None) == (self.scale is None):
            raise ValueError("give exactly one of tolerance (relative) and scale (absolute)")
        if self.scale is None and self.value == 0:
            raise ValueError("a target of 0 needs an absolute scale, not a tolerance")
        return self

    @property
    def unit(self) -> float:
        return self.scale if self.scale is not None else abs(self.value) * self.tolerance


class Series(_Strict):
    """A compartment's time series to match (each point a target)."""

    compartment: str
    times: Annotated[list[float], Field(min_length=1)]
    values: Annotated[list[float], Field(min_length=1)]
    tolerance: float | None = Field(default=None, gt=0)
    scale: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _paired(self) -> Series:
        if len(self.times) != len(self.values):
            raise ValueError(
                f"times ({len(self.times)}) and values ({len(self.values)}) differ in length"
            )
        if (self.tolerance is None) == (self.scale is None):
            raise ValueError("give exactly one of tolerance (relative) and scale (absolute)")
        return self

    def targets(self) -> dict[str, Target]:
        return {
            f"{self.compartment}@{t:g}": Target(
                value=v,
                tolerance=None if self.scale is not None or v == 0 else self.tolerance,
                scale=self.scale or (None if v != 0 else self.tolerance),
            )
            for t, v in zip(self.times, self.values, strict=True)
        }


class TargetsFile(_Strict):
    calibrate: Settings = Field(default_factory=Settings)
    fit: Annotated[list[Fit], Field(min_length=1)]
    targets: dict[str, Target] = Field(default_factory=dict)
    series: list[Series] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> TargetsFile:
        if not self.targets and not self.series:
            raise ValueError("give at least one [targets] entry or [[series]]")
        keys = [f.key for f in self.fit]
        if len(set(keys)) != len(keys):
            raise ValueError("a [[fit]] key is given twice")
        return self

    def all_targets(self) -> dict[str, Target]:
        out = dict(self.targets)
        for s in self.series:
            out.update(s.targets())
        return out


def load_targets(source: str | Path) -> tuple[TargetsFile, dict[str, Any], str]:
    """A targets file by path, or a shipped one by name (``hyosan-canon``)."""
    from importlib import resources

    path = Path(source)
    if path.is_file():
        text, label = path.read_text("utf-8"), str(path)
    else:
        shipped = resources.files(TARGETS_PACKAGE) / f"{source}.toml"
        if not shipped.is_file():
            names = [
                p.name.removesuffix(".toml")
                for p in resources.files(TARGETS_PACKAGE).iterdir()
                if p.name.endswith(".toml")
            ]
            raise JonasError(
                f"--targets {source}: not a file and not a shipped targets file "
                f"({', '.join(sorted(names))}).{suggest(str(source), names)}"
            )
        text, label = shipped.read_text("utf-8"), f"targets {source!r}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: not valid TOML: {exc}") from None
    try:
        return TargetsFile.model_validate(data), data, label
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        message = first["msg"].removeprefix("Value error, ")
        raise ScenarioError(f"{label}: {where}: {message}") from None


# --------------------------------------------------------------------------- simulation


class Simulator:
    """The ABC model: fitted values → the simulated figures (a dict): the median over the
    replicates, as `jonas run` compares the ensemble median with the targets. Plain data
    only, so it travels to workers."""

    def __init__(
        self, scenario_data: dict[str, Any], keys: list[str], targets: list[str], replicates: int
    ) -> None:
        self.data = scenario_data
        self.keys = keys
        self.targets = targets
        self.replicates = replicates

    def scenario(self, values: dict[str, float], seed: int) -> Any:
        import copy

        from jonas.spec import apply_override, validate_data

        data = copy.deepcopy(self.data)
        for key, value in values.items():
            apply_override(data, f"{key}={float(value)!r}")
        apply_override(data, f"run.seed={seed}")
        apply_override(data, f"run.replicates={self.replicates}")
        return validate_data(data, "calibration")

    def figures(self, values: dict[str, float], seed: int) -> dict[str, float]:
        from jonas.engines import prepare
        from jonas.results import simulate

        scenario = self.scenario(values, seed)
        result = simulate(prepare(scenario), np.arange(self.replicates, dtype=np.int64))
        table = result.replicate_table()
        out = {}
        for name in self.targets:
            if "@" in name:
                compartment, at = name.rsplit("@", 1)
                series = result.series(compartment).astype(float)
                column = np.array([np.interp(float(at), result.times, row) for row in series])
            else:
                column = np.asarray(table[name], dtype=float)
            out[name] = float(np.nanmedian(column)) if np.isfinite(column).any() else math.nan
        return out

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        # pyabc's sampler seeded numpy for this evaluation; the run's seed comes from it.
        seed = int(np.random.randint(0, 2**31 - 1))
        return self.figures(
            {self.keys[i]: parameters[f"p{i}"] for i in range(len(self.keys))}, seed
        )


class Distance:
    """Root mean square of the scaled misses; a missing figure is infinitely far."""

    def __init__(self, units: dict[str, float]) -> None:
        self.units = units

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        total = 0.0
        for name, unit in self.units.items():
            miss = (x[name] - x0[name]) / unit
            if not math.isfinite(miss):
                return math.inf
            total += miss * miss
        return math.sqrt(total / len(self.units))


# --------------------------------------------------------------------------- sampling

_LOADED: dict[int, Callable[[], Any]] = {}


def _evaluate(blob: bytes, seeds: list[int]) -> list[Any]:
    """Run pyabc's ``simulate_one`` once per seed (in a worker)."""
    import cloudpickle

    key = hash(blob)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = cloudpickle.loads(blob)
    simulate_one = _LOADED[key]
    out = []
    for seed in seeds:
        np.random.seed(seed)
        random.seed(seed)
        out.append(simulate_one())
    return out


def _base_sampler() -> type:
    from pyabc.sampler import Sampler

    return Sampler


class BackendSampler(_base_sampler()):  # type: ignore[misc]
    """A pyabc sampler on jonas's backends, reproducible whatever the workers: evaluations
    are numbered and seeded by number, run in rounds, and the first n accepted in number
    order make the population (as pyabc's own eval-parallel samplers do, which also avoids
    favouring quick simulations)."""

    def __init__(self, backend: Any, seed: int, report: Callable[[str], None] | None = None):
        super().__init__()
        self.backend = backend
        self.seed = seed
        self.report = report
        self.generation = -1

    def _seeds(self, t: int, first: int, count: int) -> list[int]:
        return [
            int(np.random.SeedSequence([self.seed, t + 1, k]).generate_state(1, np.uint32)[0])
            for k in range(first, first + count)
        ]

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        import cloudpickle

        blob = cloudpickle.dumps(simulate_one)
        particles: list[Any] = []
        accepted = 0
        size = n
        while accepted < n and len(particles) < max_eval:
            chunk = max(1, math.ceil(size / (4 * self.backend.workers)))
            starts = range(len(particles), len(particles) + size, chunk)
            tasks = [
                (blob, self._seeds(t, s, min(chunk, len(particles) + size - s))) for s in starts
            ]
            done: dict[int, list[Any]] = dict(self.backend.run(_evaluate, tasks))
            for i in range(len(tasks)):
                particles.extend(done[i])
            accepted = sum(p.accepted for p in particles)
            rate = max(accepted, 1) / len(particles)
            size = max(n, math.ceil(1.2 * (n - accepted) / rate))
        sample = self._create_empty_sample()
        used = 0
        taken = 0
        for particle in particles:
            if taken == n:
                break
            sample.append(particle)
            used += 1
            taken += particle.accepted
        self.nr_evaluations_ = used
        if taken < n:
            sample.ok = False
        if self.report is not None:
            self.report(f"generation {t}: {taken} accepted of {used} evaluations")
        return sample


# --------------------------------------------------------------------------- the fit


def lookup(data: dict[str, Any], key: str) -> Any:
    """The value at a ``--set`` path in a resolved scenario (None when absent)."""
    node: Any = data
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def check(spec: TargetsFile, scenario: Any, model: Any, label: str) -> None:
    """Every fitted key and target must mean something in this scenario."""
    from jonas.engines import metric_names, resolved

    data = resolved(scenario)
    for i, fit in enumerate(spec.fit):
        current = lookup(data, fit.key)
        if current is None or isinstance(current, dict | list | bool | str):
            raise ScenarioError(
                f"{label}: fit.{i}.key: {fit.key!r} is not a number in scenario "
                f"{scenario.scenario.name!r}"
                + suggest(fit.key.rsplit(".", 1)[-1], list(data.get("parameters", {})))
            )
    names = [*metric_names(scenario)]
    names += [f"{kind}:{c}" for kind in ("final", "peak") for c in model.compartments]
    for name in spec.targets:
        if name not in names:
            raise ScenarioError(
                f"{label}: targets.{name}: not a figure scenario {scenario.scenario.name!r} "
                f"reports; it reports {', '.join(metric_names(scenario)) or 'no metrics'}, "
                "and final:C / peak:C for each compartment C." + suggest(name, names)
            )
    for i, series in enumerate(spec.series):
        if series.compartment not in model.compartments:
            raise ScenarioError(
                f"{label}: series.{i}.compartment: {series.compartment!r} is not a "
                f"compartment ({', '.join(model.compartments)})"
                + suggest(series.compartment, model.compartments)
            )
        if min(series.times) < 0 or max(series.times) > scenario.run.t_end:
            raise ScenarioError(
                f"{label}: series.{i}.times: outside 0 … t_end = {scenario.run.t_end:g}"
            )


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return float(np.interp(q, cumulative - weights[order] / (2 * weights.sum()), values[order]))


def _predict(simulator: Simulator, values: dict[str, float], seed: int) -> dict[str, float]:
    return simulator.figures(values, seed)


def calibrate(
    scenario: Any,
    spec: TargetsFile,
    out: Path,
    *,
    seed: int,
    population: int,
    generations: int,
    replicates: int,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    report: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit ``spec.fit`` to the targets; write the folder; return calibration.json."""
    import logging
    import time

    import pyabc

    from jonas.engines import resolved
    from jonas.ensemble.backends import cores, open_backend

    logging.getLogger("ABC").setLevel(logging.WARNING)
    targets = spec.all_targets()
    keys = [f.key for f in spec.fit]
    simulator = Simulator(resolved(scenario), keys, list(targets), replicates)
    prior = pyabc.Distribution(**{f"p{i}": f.distribution() for i, f in enumerate(spec.fit)})
    start = time.perf_counter()
    pool = open_backend(backend, workers, address, population * max(1, workers or cores()))
    out.mkdir(parents=True, exist_ok=True)
    database = out / "calibration.db"
    database.unlink(missing_ok=True)
    try:
        np.random.seed(seed % 2**32)  # pyabc's own draws in this process
        abc = pyabc.ABCSMC(
            simulator,
            prior,
            Distance({name: t.unit for name, t in targets.items()}),
            population_size=population,
            sampler=BackendSampler(pool, seed, report),
        )
        abc.new(f"sqlite:///{database}", {name: t.value for name, t in targets.items()})
        history = abc.run(
            minimum_epsilon=spec.calibrate.min_epsilon, max_nr_populations=generations
        )
        frame, weights = history.get_distribution(m=0, t=history.max_t)
        samples = {key: frame[f"p{i}"].to_numpy() for i, key in enumerate(keys)}
        predictive = _posterior_predictive(
            simulator, samples, weights, pool, seed, spec.calibrate.predictive
        )
        populations = history.get_all_populations()
        populations = populations[populations["t"] >= 0]  # t = -1: pyabc's prior calibration
    finally:
        pool.close()
    seconds = time.perf_counter() - start
    return _outputs(
        scenario,
        spec,
        out,
        seed,
        backend,
        pool.workers,
        samples,
        weights,
        predictive,
        populations,
        targets,
        seconds,
    )


def _posterior_predictive(
    simulator: Simulator,
    samples: dict[str, np.ndarray],
    weights: np.ndarray,
    pool: Any,
    seed: int,
    count: int,
) -> dict[str, np.ndarray]:
    """Simulations at values drawn from the posterior: what the fit predicts."""
    rng = np.random.default_rng([seed, 0])
    picks = rng.choice(weights.size, size=count, p=weights / weights.sum())
    draws = rng.integers(0, 2**31 - 1, size=count)
    tasks = [
        (simulator, {k: float(v[j]) for k, v in samples.items()}, int(s))
        for j, s in zip(picks, draws, strict=True)
    ]
    results = dict(pool.run(_predict, tasks))
    return {name: np.array([results[i][name] for i in range(count)]) for name in simulator.targets}


def _outputs(
    scenario: Any,
    spec: TargetsFile,
    out: Path,
    seed: int,
    backend: str,
    workers: int,
    samples: dict[str, np.ndarray],
    weights: np.ndarray,
    predictive: dict[str, np.ndarray],
    populations: Any,
    targets: dict[str, Target],
    seconds: float,
) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jonas.engines import digest, resolved
    from jonas.files import write_atomic, write_json
    from jonas.plots.calibration import plot_posterior, plot_predictive
    from jonas.version import __version__

    w = weights / weights.sum()
    defaults = resolved(scenario)
    fitted = {}
    for fit in spec.fit:
        v = samples[fit.key]
        mean = float(np.sum(w * v))
        fitted[fit.key] = {
            "mean": mean,
            "sd": float(math.sqrt(max(np.sum(w * (v - mean) ** 2), 0.0))),
            "median": weighted_quantile(v, w, 0.5),
            "q05": weighted_quantile(v, w, 0.05),
            "q95": weighted_quantile(v, w, 0.95),
            "default": lookup(defaults, fit.key),
            "prior": fit.model_dump(exclude_none=True, exclude={"key"}),
        }
    checks = {}
    for name, target in targets.items():
        values = predictive[name]
        present = values[np.isfinite(values)]
        checks[name] = {
            "target": target.value,
            "unit": target.unit,
            "predictive_median": float(np.median(present)) if present.size else None,
            "predictive_q05": float(np.quantile(present, 0.05)) if present.size else None,
            "predictive_q95": float(np.quantile(present, 0.95)) if present.size else None,
            "share_within": float(np.mean(np.abs(present - target.value) <= target.unit))
            if present.size
            else 0.0,
        }
        checks[name]["within"] = (
            checks[name]["predictive_median"] is not None
            and abs(checks[name]["predictive_median"] - target.value) <= target.unit
        )
    result = {
        "jonas_version": __version__,
        "scenario_name": scenario.scenario.name,
        "scenario_sha256": digest(scenario),
        "engine": scenario.run.engine,
        "seed": seed,
        "backend": backend,
        "workers": workers,
        "population": int(weights.size),
        "generations": len(populations),
        "epsilons": [float(e) for e in populations["epsilon"]],
        "evaluations": int(populations["samples"].sum()),
        "acceptance_rate": float(
            weights.size * len(populations) / max(int(populations["samples"].sum()), 1)
        ),
        "wall_time_s": round(seconds, 2),
        "fitted": fitted,
        "predictive_check": checks,
        "targets_file": spec.model_dump(exclude_none=True),
        "scenario": resolved(scenario),
    }
    table = pa.table({**{k: v for k, v in samples.items()}, "weight": w})
    write_atomic(out / "posterior.parquet", lambda p: pq.write_table(table, p))
    import matplotlib.pyplot as plt

    for name, figure in (
        ("posterior.png", plot_posterior(spec.fit, samples, w, fitted)),
        ("predictive.png", plot_predictive(targets, predictive)),
    ):
        write_atomic(out / name, lambda p, f=figure: f.savefig(p, format="png", dpi=120))
        plt.close(figure)
    write_json(out / "calibration.json", result)
    return result
