"""Rates that depend on the time t (issue 19): exact on the ODE, piecewise constant over
run.rate_step on the engines that count individuals, refused where they make no sense."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import jonas
from jonas.engines.arrays import event_arrays
from jonas.engines.prepared import prepare_source
from jonas.errors import ScenarioError

A, P, I0 = 0.5, 2.0, 1000

DECAY = f"""
[scenario]
name = "seasonal decay"

[model]
compartments = ["S", "I", "D"]
[[model.transitions]]
from = "I"
to = "D"
rate = "a * (1 + sin(2 * pi * t / P))"
name = "death"

[parameters]
a = {A}
P = {P}

[initial]
I = {I0}

[run]
t_end = 5.0
output_every = 0.5
"""

#: the same people over the regions of the metapop engine: the census population waits in
#: S, which nothing leaves; the dying start in the two outbreak districts
METAPOP = """
[metapop]
regions = ["Uiwang-si", "Gwacheon-si"]
outbreak = ["Uiwang-si", "Gwacheon-si"]
scale = 0.1
infected = ["I"]
zombies = ["I"]

[metapop.mobility]
model = "none"
moves = {}
"""


def exact(t: np.ndarray) -> np.ndarray:
    """I(t) = I0·exp(−∫ a(1 + sin(2πs/P)) ds): each person's survival, and the mean."""
    return I0 * np.exp(-A * (t + P / (2 * np.pi) * (1 - np.cos(2 * np.pi * t / P))))


def scenario(tmp_path: Path, text: str = DECAY, name: str = "decay.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_ode_follows_a_rate_in_time_exactly(tmp_path: Path) -> None:
    result = jonas.run(scenario(tmp_path))
    got = result.series("I")[0]
    np.testing.assert_allclose(got, exact(result.times), rtol=1e-6)
    # the incidence is the flow integrated along the same rate
    deaths = result.incidence[0, :, result.incidence_names.index("death")]
    np.testing.assert_allclose(np.cumsum(deaths), I0 - got, rtol=1e-6)


def test_euler_evaluates_the_rate_at_each_step(tmp_path: Path) -> None:
    result = jonas.run(scenario(tmp_path), overrides=['run.method="euler"', "run.dt=1e-4"])
    np.testing.assert_allclose(result.series("I")[0], exact(result.times), rtol=1e-3)


@pytest.mark.parametrize("engine", ["ssa", "tauleap"])
def test_stochastic_means_follow_the_closed_form(tmp_path: Path, engine: str) -> None:
    result = jonas.run(scenario(tmp_path), engine=engine, replicates=400, seed=1)
    alive = result.series("I").astype(float)
    mean = alive.mean(axis=0)
    error = alive.std(axis=0, ddof=1) / np.sqrt(alive.shape[0])
    error[0] = 1.0  # everyone alive at t = 0, in every replicate
    assert np.all(np.abs(mean - exact(result.times)) <= 3 * error)
    assert result.event_times.shape == (400, 0)  # the rate's steps are no events of the run


def test_metapop_means_follow_the_closed_form(tmp_path: Path) -> None:
    text = DECAY.replace("t_end = 5.0", 't_end = 5.0\nengine = "metapop"') + METAPOP
    result = jonas.run(scenario(tmp_path, text), replicates=100, seed=1)
    alive = result.series("I").astype(float)
    error = alive.std(axis=0, ddof=1) / np.sqrt(alive.shape[0])
    error[0] = 1.0
    assert np.all(np.abs(alive.mean(axis=0) - exact(result.times)) <= 3 * error)
    assert result.event_times.shape == (100, 0)


def test_the_steps_hold_each_stretch_s_mean_rate(tmp_path: Path) -> None:
    model = prepare_source(scenario(tmp_path), ["run.rate_step=0.25"], engine="ssa").model
    timed = model.time_rates
    assert timed is not None and timed.step == 0.25
    np.testing.assert_allclose(timed.times, np.arange(20) * 0.25)
    # ∫ a(1 + sin(2πs/P)) ds over each stretch, over its length
    ends = timed.times + 0.25
    integral = A * (ends - timed.times) + A * P / (2 * np.pi) * (
        np.cos(2 * np.pi * timed.times / P) - np.cos(2 * np.pi * ends / P)
    )
    np.testing.assert_allclose(timed.values[:, 0], integral / 0.25, rtol=1e-7)
    # the kernels see them as events after the model's own, setting the base rate
    times, trigger, *_ = event_arrays(model)
    np.testing.assert_array_equal(times, timed.times)
    assert (trigger == -1).all()
    # the default step is a tenth of the output interval, and it is recorded
    default = prepare_source(scenario(tmp_path), engine="ssa")
    assert default.model.time_rates.step == pytest.approx(0.05)
    assert default.resolved()["run"]["rate_step"] == pytest.approx(0.05)


def test_the_piecewise_constant_rate_is_close_to_the_exact_one_in_an_epidemic(
    tmp_path: Path,
) -> None:
    """The approximation itself, without noise: SIR with a seasonal contact rate, solved
    with the exact rate and with the steps the stochastic engines use (docs/engines.md)."""
    text = """
[scenario]
name = "seasonal SIR"
[model]
compartments = ["S", "I", "R"]
[[model.transitions]]
from = "S"
to = "I"
by = "I"
mixing = "frequency"
rate = "beta * (1 + 0.5 * cos(2 * pi * t / 7))"
[[model.transitions]]
from = "I"
to = "R"
rate = "gamma"
[parameters]
beta = 0.4
gamma = 0.2
[initial]
S = 9990
I = 10
[run]
engine = "ssa"
t_end = 120.0
output_every = 1.0
"""
    path = scenario(tmp_path, text)
    worst = {step: _step_error(path, step) for step in (0.1, 1.0)}
    # measured 4.5e-6 and 4.3e-4 of the peak (docs/engines.md): the mean over each step is
    # second order in the step, as the midpoint rule is
    assert worst[0.1] < 1e-5  # the default for a daily output
    assert worst[1.0] < 1e-3  # a seventh of the period
    assert worst[0.1] < worst[1.0] / 50


def _sir_infected(beta_at, step: float) -> np.ndarray:
    """I(t) of the seasonal SIR below, daily, for a contact rate beta_at(t)."""

    def f(t: float, y: np.ndarray) -> np.ndarray:
        new = beta_at(t) * y[0] * y[1] / 10000
        return np.array([-new, new - 0.2 * y[1]])

    grid = np.arange(121.0)
    # steps short enough to see every stretch of the piecewise-constant rate
    return solve_ivp(
        f, (0, 120), [9990, 10], t_eval=grid, rtol=1e-10, atol=1e-8, max_step=step / 4
    ).y[1]


def _step_error(path: Path, step: float) -> float:
    """The largest gap between I(t) with the stretches' mean rates and with the exact
    rate, as a share of the peak."""
    timed = prepare_source(path, [f"run.rate_step={step}"]).model.time_rates
    last = timed.times.size - 1
    steps = _sir_infected(lambda t: timed.values[min(int(t / step), last), 0], step)
    smooth = _sir_infected(lambda t: float(timed.at(t)[0]), step)
    return float(np.max(np.abs(steps - smooth)) / np.max(smooth))


def test_a_model_without_t_gives_the_kernels_what_it_did(tmp_path: Path) -> None:
    prepared = jonas.prepare("sir")
    model = prepared.model
    assert model.time_rates is None
    ev = model.events
    for got, want in zip(event_arrays(model)[:6], (ev.times, ev.trigger, ev.fraction, ev.dest,
                                                   ev.base, ev.factor), strict=True):  # fmt: skip
        assert got is want
    assert "rate_step" not in prepared.resolved()["run"]


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ('to = "D"', 'to = {D = "0.5 + 0 * t", S = 0.5}', "model.transitions.0.to.D", "uses t"),
        ("a = 0.5", "a = 0.5\nt = 1.0", "parameters", "t is the time"),
        ("a = 0.5", "a = 0.5\npi = 3.0", "parameters", "pi is π"),
        ("(1 + sin(", "(0.5 + sin(", "model.transitions.0.rate", "at t = "),
        ("sin(2 * pi", "sine(2 * pi", "model.transitions.0.rate", "Did you mean 'sin'?"),
        ("sin(2 * pi * t / P)", "max(t / P)", "model.transitions.0.rate", "takes 2 arguments"),
        ("t_end = 5.0", "t_end = 5.0\nrate_step = 0", "run.rate_step", "greater than 0"),
        ("a = 0.5", "a = 6e11", "parameters", "faster than any engine"),  # at its peak
    ],
)
def test_bad_uses_of_t_are_refused_naming_the_field(
    tmp_path: Path, old: str, new: str, field: str, says: str
) -> None:
    assert old in DECAY
    with pytest.raises(ScenarioError) as caught:
        prepare_source(scenario(tmp_path, DECAY.replace(old, new)))
    assert field in str(caught.value)
    assert says in str(caught.value)


def test_a_set_cannot_change_a_parameter_a_rate_in_time_uses(tmp_path: Path) -> None:
    text = DECAY + '\n[[interventions]]\ntype = "set"\nat = 2.0\nparameters = {a = 0.1}\n'
    with pytest.raises(ScenarioError, match=r"interventions\.0\.parameters\.a: .*depends on t"):
        prepare_source(scenario(tmp_path, text))


def test_jonas_show_says_which_rates_depend_on_t(tmp_path: Path) -> None:
    from jonas.model.equations import written

    text = written(jonas.load(scenario(tmp_path))).time
    assert "death" in text and "run.rate_step = 0.05" in text
    assert written(jonas.load("sir")).time == ""


def test_too_many_stretches_are_refused_before_any_work(tmp_path: Path) -> None:
    path = scenario(tmp_path)
    with pytest.raises(ScenarioError, match=r"run\.rate_step: 1e-05 makes 500,000 stretches"):
        prepare_source(path, ["run.rate_step=1e-5"], engine="tauleap")
    # the ODE follows the rate exactly, whatever the step
    assert prepare_source(path, ["run.rate_step=1e-5"]).model.time_rates is not None


EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "night-bites.toml"


@pytest.mark.parametrize("engine", ["ode", "tauleap"])
def test_the_night_bites_example_bites_by_night(engine: str) -> None:
    """docs/examples/night-bites.toml: the bite rate peaks at midnight and is a tenth of
    its mean at noon; the hour before each midnight sees many times the bites of the hour
    before noon, on the ODE and in the mean of stochastic runs."""
    result = jonas.run(EXAMPLE, engine=engine, replicates=50, seed=3)
    bites = result.incidence[..., result.incidence_names.index("bite")].mean(axis=0)
    hour = np.round(result.times).astype(int)
    for day in range(2, 10):
        night = bites[hour == 24 * day].item()
        noon = bites[hour == 24 * day - 12].item()
        assert night > 5 * noon, (day, night, noon)
