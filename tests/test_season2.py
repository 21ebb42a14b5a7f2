"""Season 2's rules in the compartmental `jonas` family (docs/season2.md): each switched on
by giving its parameters, each checked alone against the equation it stands for, and the
mutating virus conserving people and following its seed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import jonas
from jonas.errors import ScenarioError
from test_jonas import FEAR_OFF, jonas_scenario

#: everything but the rule under test switched off: no bites, no fights, no fear
QUIET = {**FEAR_OFF, "beta": 0.0, "alpha": 0.0}
VARIANT = {"mutate": 0.0, "turn_variant": 0.02, "p_halfbie_variant": 0.05}


def _ode(parameters: dict[str, float], initial: dict[str, int], t_end: float = 48.0):
    return jonas.run(
        jonas_scenario(
            {**QUIET, **parameters}, initial, engine="ode", t_end=t_end, output_every=1.0
        )
    )


def _series(result, name: str) -> np.ndarray:
    return result.counts[0, :, result.compartments.index(name)].astype(float)


def _exact(rhs, y0: list[float], times: np.ndarray) -> np.ndarray:
    solved = solve_ivp(rhs, (0, times[-1]), y0, t_eval=times, rtol=1e-10, atol=1e-8)
    return solved.y


def test_without_season_2_parameters_the_family_is_unchanged() -> None:
    model = jonas.compile_model(jonas.load("hyosan"))
    assert not {"Hg", "Dh", "Ds", "Ev", "Zv"} & set(model.compartments)
    names = {m.name for m in jonas.engines.metrics_of(jonas.load("hyosan"))}
    assert "time_to_variant" not in names and "outbreak_over" in names


def test_each_option_adds_its_own_compartments() -> None:
    for option, added in {
        "gather": {"Hg"},
        "hunt": {"Dh"},
        "starve": {"Ds"},
        "protect": set(),
    }.items():
        model = jonas.compile_model(jonas_scenario({option: 0.1}))
        assert {"Hg", "Dh", "Ds", "Ev", "Zv"} & set(model.compartments) == added, option
    model = jonas.compile_model(jonas_scenario(VARIANT))
    assert {"Ev", "Zv"} <= set(model.compartments)


def test_an_option_wants_all_its_parameters() -> None:
    with pytest.raises(ScenarioError, match="'mutate' comes with turn_variant"):
        jonas.compile_model(jonas_scenario({"mutate": 1e-6}))
    with pytest.raises(ScenarioError, match=r"parameters.starv: unknown.*Did you mean 'starve'"):
        jonas.compile_model(jonas_scenario({"starv": 0.1}))


def test_zombies_without_prey_starve_at_the_rate_given() -> None:
    """With nobody but zombies in the city, every encounter is without prey: Z = Z0 e^(-s t)."""
    result = _ode({"starve": 0.02}, {"Z": 1000})
    z = _series(result, "Z")
    assert np.allclose(z, 1000 * np.exp(-0.02 * result.times), rtol=1e-5)
    assert np.allclose(z + _series(result, "Ds"), 1000)
    # among as many humans, half a zombie's encounters are with prey: it starves slower
    fed = _series(_ode({"starve": 0.02}, {"Z": 1000, "S": 1000}), "Z")
    assert (fed[1:] > z[1:]).all()
    # and without the parameter nobody starves
    assert _series(_ode({}, {"Z": 1000}), "Z")[-1] == 1000


def test_halfbies_destroy_zombies_in_proportion_to_their_share() -> None:
    """dZ/dt = -protect Z H / N with N = Z + H in the city."""
    result = _ode({"protect": 0.3}, {"Z": 1000, "H": 500})
    exact = _exact(lambda t, y: [-0.3 * y[0] * 500 / (y[0] + 500)], [1000.0], result.times)
    assert np.allclose(_series(result, "Z"), exact[0], rtol=1e-5)
    assert _series(result, "Dz")[-1] == pytest.approx(1000 - exact[0][-1], rel=1e-5)


def test_people_hunt_halfbies_the_afraid_less() -> None:
    """dH/dt = -hunt H (S + fight_afraid F) / N."""
    p = {"hunt": 0.2, "fight_afraid": 0.25}
    result = _ode(p, {"H": 500, "S": 1000, "F": 1000})
    exact = _exact(
        lambda t, y: [-0.2 * y[0] * (1000 + 0.25 * 1000) / (2000 + y[0])], [500.0], result.times
    )
    assert np.allclose(_series(result, "H"), exact[0], rtol=1e-5)
    assert np.allclose(_series(result, "H") + _series(result, "Dh"), 500)


def test_halfbies_gather_with_halfbies() -> None:
    """dH/dt = -gather H (H + Hg) / N, N = S + H (the gathered keep apart from the crowd)."""
    result = _ode({"gather": 1.5}, {"H": 200, "S": 800})
    exact = _exact(
        lambda t, y: [-1.5 * y[0] * 200 / (800 + y[0])], [200.0], result.times
    )  # H + Hg stays 200
    assert np.allclose(_series(result, "H"), exact[0], rtol=1e-5)
    assert np.allclose(_series(result, "Hg"), 200 - exact[0], rtol=1e-5)


def test_the_variant_is_its_own_strain() -> None:
    """Zombies mutate at `mutate`; variant bites make Ev, who turn at 1/turn_variant into
    variant zombies or, with p_halfbie_variant, halfbies."""
    mutating = _ode({**VARIANT, "mutate": 0.05}, {"Z": 1000}, t_end=10.0)
    assert np.allclose(_series(mutating, "Zv"), 1000 * (1 - np.exp(-0.05 * mutating.times)))
    # every variant victim a halfbie: no new variant zombie, as many halfbies as bitten
    bitten = jonas.run(
        jonas_scenario(
            {**QUIET, **VARIANT, "beta": 0.5, "p_halfbie_variant": 1.0},
            {"Zv": 10, "S": 990},
            engine="ssa",
            replicates=5,
            t_end=24.0,
            output_every=6.0,
        )
    )
    c = bitten.compartments.index
    final = bitten.counts[:, -1]
    assert (final[:, c("Zv")] == 10).all()
    assert (final[:, c("H")] > 0).all()
    assert (final[:, c("H")] + final[:, c("Ev")] + final[:, c("S")] == 990).all()


@pytest.mark.parametrize("engine", ["ssa", "tauleap"])
def test_mutation_conserves_people_and_follows_its_seed(engine: str) -> None:
    season2 = {
        **VARIANT,
        "mutate": 0.01,
        "starve": 0.01,
        "protect": 0.2,
        "hunt": 0.05,
        "gather": 0.5,
        "p_halfbie": 0.05,
    }
    scenario = jonas_scenario(
        season2,
        {"S": 3000, "E": 3},
        engine=engine,
        replicates=6,
        t_end=72.0,
        output_every=6.0,
    )
    first = jonas.run(scenario, seed=11)
    assert (first.counts.sum(axis=2) == 3003).all()
    assert (first.counts[:, :, first.compartments.index("Zv")].max(axis=1) > 0).any()
    assert np.array_equal(first.counts, jonas.run(scenario, seed=11).counts)
    assert not np.array_equal(first.counts, jonas.run(scenario, seed=12).counts)


def test_who_is_left_at_the_end() -> None:
    """The outcome metrics: an outbreak that starves out is over, and when."""
    going = _ode({"starve": 0.01}, {"Z": 3, "S": 0}, t_end=60.0).metrics()
    assert going["outbreak_over"][0] == 0 and np.isnan(going["time_outbreak_over"][0])
    ended = jonas.run(
        jonas_scenario(
            {**QUIET, "starve": 0.5}, {"Z": 3, "S": 50}, engine="ssa", replicates=4, t_end=200.0
        )
    )
    m = ended.metrics()
    assert (m["outbreak_over"] == 1).all() and (m["zombies_left"] == 0).all()
    assert (m["humans_alive"] == 50).all() and (m["zombies_starved"] == 3).all()
    z = ended.counts[:, :, ended.compartments.index("Z")]
    for r in range(4):
        gone = ended.times[np.argmax(z[r] == 0)]
        assert m["time_outbreak_over"][r] == gone
