"""Interventions on every engine: strikes, camps, evacuations, cordons, lures, cures,
parameter changes, culls, and the triggers (``when``) that start them.

Scenarios are plain data, as a TOML file would hold them. Most use an idle model (a single
transition of rate 0) so that the intervention alone changes the counts, and the expected
values are exact: the ODE to the solver's tolerance, the stochastic engines as binomial
draws. Stochastic checks pool every replicate and allow 4 binomial standard errors (a
correct engine fails with probability ~6e-5 per check); fixed seeds make every run
deterministic anyway.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import jonas
from jonas.errors import ScenarioError
from jonas.results import Result
from jonas.spec import validate_data

ENGINES = ["ode", "ssa", "tauleap"]
STOCHASTIC = ["ssa", "tauleap"]

IDLE = [{"from": "A", "to": "B", "rate": 0.0}]  # a model in which nothing happens by itself
SI = [{"from": "S", "to": "I", "by": "I", "rate": 0.001}]  # I grows logistically to N
SIR = [
    {"from": "S", "to": "I", "by": "I", "rate": "beta"},
    {"from": "I", "to": "R", "rate": 0.5},
]


def scenario(
    compartments: list[str],
    transitions: list[dict[str, Any]],
    initial: dict[str, float],
    interventions: list[dict[str, Any]],
    *,
    parameters: dict[str, float] | None = None,
    targets: dict[str, Any] | None = None,
    **run: Any,
) -> dict[str, Any]:
    """An inline-model scenario as plain data (what a TOML file would hold)."""
    data: dict[str, Any] = {
        "scenario": {"name": "interventions"},
        "model": {"compartments": compartments, "transitions": transitions},
        "parameters": parameters or {},
        "initial": initial,
        "run": {"t_end": 10.0, **run},
        "interventions": interventions,
    }
    if targets is not None:
        data["targets"] = targets
    return data


def simulate(data: dict[str, Any]) -> Result:
    return jonas.run(validate_data(data))


def assert_binomial(successes: Any, trials: Any, p: float, what: str) -> None:
    """Pooled successes / trials within 4 binomial standard errors of p."""
    k = float(np.sum(successes))
    n = float(np.sum(trials))
    se = math.sqrt(p * (1.0 - p) / n)
    assert abs(k / n - p) <= 4.0 * se, f"{what}: {k / n:.5f}, expected {p:.5f} ± {4 * se:.5f}"


def assert_flat(series: np.ndarray, rtol: float = 1e-12) -> None:
    """Each replicate's row (replicates × times) stays at its first value."""
    np.testing.assert_allclose(series, np.broadcast_to(series[:, :1], series.shape), rtol=rtol)


def at(result: Result, compartment: str, time: float) -> np.ndarray:
    """A compartment's count at an output time, per replicate."""
    i = int(np.searchsorted(result.times, time))
    assert result.times[i] == pytest.approx(time)
    return result.series(compartment)[:, i]


# --------------------------------------------------------------------------- strike


@pytest.mark.parametrize("engine", ENGINES)
def test_full_strike_kills_everyone_present_counted_by_what_they_were(engine):
    data = scenario(
        ["A", "B", "C", "D"],
        IDLE,
        {"A": 1000, "B": 500, "C": 7},
        [{"type": "strike", "at": 1.0, "compartments": ["A", "B", "D"], "infected": ["A"]}],
        engine=engine,
        replicates=3,
        t_end=2.0,
        output_every=0.5,
    )
    result = simulate(data)
    assert result.compartments == (
        "A",
        "B",
        "C",
        "D",
        "killed_strike_infected",
        "killed_strike_uninfected",
    )
    before = [1000, 500, 7, 0, 0, 0]
    after = [0, 0, 7, 0, 1000, 500]  # C is outside the zone; D is in it but empty
    expected = np.array([before, before, after, after, after], dtype=float)
    for r in range(result.replicates):
        if engine == "ode":
            np.testing.assert_allclose(result.counts[r], expected, rtol=0, atol=1e-9)
        else:
            assert result.counts[r].tolist() == expected.tolist()
    metrics = result.metrics()
    assert metrics["killed_in_strike"].tolist() == [1500.0] * result.replicates
    assert metrics["killed_in_strike_infected"].tolist() == [1000.0] * result.replicates
    assert metrics["killed_in_strike_uninfected"].tolist() == [500.0] * result.replicates
    assert result.event_times.tolist() == [[1.0]] * result.replicates
    assert metrics["strike_time"].tolist() == [1.0] * result.replicates


@pytest.mark.parametrize("engine", ENGINES)
def test_partial_strike_kills_a_binomial_share_of_each_compartment(engine):
    """fraction = 0.3: each individual in the zone dies with probability 0.3."""
    data = scenario(
        ["A", "B"],
        IDLE,
        {"A": 1000, "B": 500},
        [
            {
                "type": "strike",
                "at": 1.0,
                "compartments": ["A", "B"],
                "fraction": 0.3,
                "infected": ["A"],
            }
        ],
        engine=engine,
        replicates=400,
        seed=1,
        t_end=2.0,
        output_every=1.0,
    )
    result = simulate(data)
    final = result.final()
    infected, uninfected = final["killed_strike_infected"], final["killed_strike_uninfected"]
    if engine == "ode":
        assert infected[0] == pytest.approx(300.0, rel=1e-12)
        assert uninfected[0] == pytest.approx(150.0, rel=1e-12)
        assert final["A"][0] == pytest.approx(700.0, rel=1e-12)
        return
    # Nobody is lost or made up: the killed come from their own compartment.
    assert (final["A"] + infected == 1000).all()
    assert (final["B"] + uninfected == 500).all()
    assert_binomial(infected, 1000 * result.replicates, 0.3, "share of A killed")
    assert_binomial(uninfected, 500 * result.replicates, 0.3, "share of B killed")
    # Binomial spread, not a rounded deterministic share: sample variance ≈ n p (1 − p),
    # within 4 standard errors of a sample variance (σ² √(2 / (R − 1))).
    for killed, n in ((infected, 1000), (uninfected, 500)):
        var = n * 0.3 * 0.7
        assert abs(killed.var(ddof=1) - var) <= 4 * var * math.sqrt(2 / (result.replicates - 1))


@pytest.mark.parametrize("engine", ENGINES)
def test_strike_at_time_zero_stops_the_outbreak_before_it_starts(engine):
    data = scenario(
        ["S", "I", "R"],
        SIR,
        {"S": 990, "I": 10},
        [{"type": "strike", "at": 0.0, "compartments": ["I"], "infected": ["I"]}],
        parameters={"beta": 0.002},
        engine=engine,
        replicates=5,
        t_end=20.0,
        output_every=1.0,
    )
    result = simulate(data)
    # The output at t = 0 already shows the state after the strike, and nothing ever moves.
    expected = np.tile([990.0, 0.0, 0.0, 10.0, 0.0], (result.times.size, 1))
    for r in range(result.replicates):
        np.testing.assert_allclose(result.counts[r], expected, rtol=0, atol=1e-9)
    assert result.event_times.tolist() == [[0.0]] * result.replicates
    assert result.metrics()["strike_time"].tolist() == [0.0] * result.replicates


# --------------------------------------------------------------------------- camps and evacuation


@pytest.mark.parametrize("engine", ENGINES)
def test_camp_screening_catches_each_compartment_at_its_sensitivity(engine):
    """Everyone is evacuated by t_end; A is caught with probability 0.3, B with 0.8, and C
    (no sensitivity) never. Per-compartment tables send each to its own camp."""
    camp = {
        "type": "camp",
        "at": 1.0,
        "from": ["A", "B", "C"],
        "capacity": 500.0,
        "to": {"A": "CampA", "B": "CampB", "C": "CampC"},
        "caught_to": {"A": "IsoA", "B": "IsoB"},  # C is never caught: it needs no entry
        "sensitivity": {"A": 0.3, "B": 0.8},
    }
    data = scenario(
        ["A", "B", "C"],
        IDLE,
        {"A": 1000, "B": 600, "C": 400},
        [camp],
        engine=engine,
        replicates=200,
        seed=3,
        t_end=20.0,
        output_every=1.0,
    )
    result = simulate(data)
    assert result.compartments == ("A", "B", "C", "CampA", "CampB", "CampC", "IsoA", "IsoB")
    final = result.final()
    # Nobody moves before the camp opens.
    for name, count in (("A", 1000), ("B", 600), ("C", 400), ("CampA", 0), ("IsoA", 0)):
        np.testing.assert_allclose(at(result, name, 1.0), count, atol=1e-9)
    if engine == "ode":
        for name in ("A", "B", "C"):
            assert abs(final[name][0]) < 1e-6
        assert final["IsoA"][0] / (final["IsoA"][0] + final["CampA"][0]) == pytest.approx(0.3)
        assert final["IsoB"][0] / (final["IsoB"][0] + final["CampB"][0]) == pytest.approx(0.8)
        assert final["IsoA"][0] + final["CampA"][0] == pytest.approx(1000, rel=1e-6)
        assert final["CampC"][0] == pytest.approx(400, rel=1e-6)
        return
    for name in ("A", "B", "C"):
        assert (final[name] == 0).all()
    assert (final["IsoA"] + final["CampA"] == 1000).all()
    assert (final["IsoB"] + final["CampB"] == 600).all()
    assert (final["CampC"] == 400).all()
    assert_binomial(final["IsoA"], 1000 * result.replicates, 0.3, "A caught")
    assert_binomial(final["IsoB"], 600 * result.replicates, 0.8, "B caught")


@pytest.mark.parametrize("engine", ENGINES)
def test_evacuation_moves_capacity_people_per_time_unit_shared_by_numbers(engine):
    """A pool of a million: the flow is capacity × D / (D + 1) ≈ 100 per time unit, from A and
    B in proportion to their numbers (30% / 70%), for the 5 time units it runs."""
    evacuation = {
        "type": "evacuation",
        "at": 2.0,
        "duration": 5.0,
        "from": ["A", "B"],
        "capacity": 100.0,
        "to": "Out",
    }
    data = scenario(
        ["A", "B", "C"],
        IDLE,
        {"A": 300_000, "B": 700_000, "C": 5},
        [evacuation],
        engine=engine,
        replicates=100,
        seed=3,
        t_end=10.0,
        output_every=0.5,
    )
    result = simulate(data)
    out = result.series("Out")
    moved = at(result, "Out", 7.0)
    from_a = 300_000 - at(result, "A", 7.0)
    # Nothing before it opens; nothing after it closes; C (not evacuated) untouched.
    assert np.abs(out[:, result.times <= 2.0]).max() < 1e-9
    assert_flat(out[:, result.times >= 7.0])
    np.testing.assert_array_equal(out[:, -1], moved)
    np.testing.assert_allclose(result.series("C"), 5, rtol=1e-9)
    if engine == "ode":
        running = (result.times >= 2.0) & (result.times <= 7.0)
        rate = np.diff(out[0, running]) / 0.5
        np.testing.assert_allclose(rate, 100.0, rtol=1e-5)
        assert from_a[0] / moved[0] == pytest.approx(0.3, rel=1e-6)
        return
    # Stochastic: each replicate moves a Poisson-like number with mean and variance ≈ 500.
    se = math.sqrt(500 / result.replicates)
    assert abs(moved.mean() - 500) <= 4 * se, (moved.mean(), se)
    assert_binomial(from_a, moved, 0.3, "share of the evacuated from A")


@pytest.mark.parametrize("engine", ENGINES)
def test_evacuation_priority_shares_capacity_by_weight_times_number(engine):
    """Priority 3 for B: B's share of the flow is 3·700k / (300k + 3·700k) = 0.875, and the
    total is still the capacity (100 per time unit)."""
    evacuation = {
        "type": "evacuation",
        "at": 0.0,
        "duration": 5.0,
        "from": ["A", "B"],
        "capacity": 100.0,
        "to": "Out",
        "priority": {"B": 3.0},
    }
    data = scenario(
        ["A", "B"],
        IDLE,
        {"A": 300_000, "B": 700_000},
        [evacuation],
        engine=engine,
        replicates=100,
        seed=5,
        t_end=5.0,
        output_every=0.5,
    )
    result = simulate(data)
    moved = at(result, "Out", 5.0)
    from_b = 700_000 - at(result, "B", 5.0)
    share = 3 * 700_000 / (300_000 + 3 * 700_000)
    if engine == "ode":
        assert moved[0] == pytest.approx(500.0, rel=1e-4)
        assert from_b[0] / moved[0] == pytest.approx(share, rel=1e-4)
        return
    se = math.sqrt(500 / result.replicates)
    assert abs(moved.mean() - 500) <= 4 * se, (moved.mean(), se)
    assert_binomial(from_b, moved, share, "share of the evacuated from B")


def test_priority_must_name_evacuated_compartments():
    evacuation = {
        "type": "evacuation",
        "at": 0.0,
        "from": ["A"],
        "capacity": 1.0,
        "to": "Out",
        "priority": {"B": 2.0},
    }
    with pytest.raises(ScenarioError, match=r"interventions\.0\.priority\.B"):
        jonas.compile_model(validate_data(scenario(["A", "B"], IDLE, {"A": 5}, [evacuation])))


# --------------------------------------------------------------------------- cordon


@pytest.mark.parametrize("engine", ENGINES)
def test_cordon_cuts_the_flow_into_the_exits_to_leak_times_the_rate(engine):
    """S leaves at rate 0.1; from t = 5 at 0.2 × 0.1."""
    data = scenario(
        ["S", "Out"],
        [{"from": "S", "to": "Out", "rate": 0.1}],
        {"S": 10_000},
        [{"type": "cordon", "at": 5.0, "exits": ["Out"], "leak": 0.2}],
        engine=engine,
        replicates=20,
        seed=3,
        t_end=10.0,
        output_every=0.01,
    )
    result = simulate(data)
    assert result.event_times.tolist() == [[5.0]] * result.replicates
    s5 = at(result, "S", 5.0)
    if engine == "ode":
        out = result.series("Out")[0]
        i = int(np.searchsorted(result.times, 5.0))
        before = (out[i] - out[i - 1]) / 0.01
        after = (out[i + 1] - out[i]) / 0.01
        assert before == pytest.approx(0.1 * s5[0], rel=1e-3)
        assert after / before == pytest.approx(0.2, rel=1e-3)
        assert s5[0] == pytest.approx(10_000 * math.exp(-0.5), rel=1e-6)
        assert result.final()["S"][0] == pytest.approx(s5[0] * math.exp(-0.02 * 5), rel=1e-6)
        return
    left = at(result, "Out", 10.0) - at(result, "Out", 5.0)
    assert_binomial(10_000 - s5, 10_000 * result.replicates, 1 - math.exp(-0.5), "left before")
    assert_binomial(left, s5, 1 - math.exp(-0.02 * 5), "left through the cordon")


@pytest.mark.parametrize("engine", ENGINES)
def test_sealed_cordon_lets_nobody_out_until_it_is_lifted(engine):
    """leak = 0 from t = 5 for 3 time units: nobody leaves in [5, 8], then rate 0.1 again."""
    data = scenario(
        ["S", "Out"],
        [{"from": "S", "to": "Out", "rate": 0.1}],
        {"S": 10_000},
        [{"type": "cordon", "at": 5.0, "exits": ["Out"], "leak": 0.0, "duration": 3.0}],
        engine=engine,
        replicates=20,
        seed=4,
        t_end=10.0,
        output_every=0.5,
    )
    result = simulate(data)
    assert result.event_times.tolist() == [[5.0, 8.0]] * result.replicates
    out = result.series("Out")
    sealed = (result.times >= 5.0) & (result.times <= 8.0)
    s5, s8 = at(result, "S", 5.0), at(result, "S", 8.0)
    if engine == "ode":
        np.testing.assert_allclose(out[0, sealed], out[0, sealed][0], rtol=1e-9)
        assert s5[0] == pytest.approx(10_000 * math.exp(-0.5), rel=1e-6)
        assert result.final()["S"][0] == pytest.approx(s5[0] * math.exp(-0.2), rel=1e-6)
        return
    assert (out[:, sealed] == out[:, sealed][:, :1]).all()  # exactly nobody
    assert (at(result, "Out", 5.0) > 0).all()  # they were leaving before
    assert_binomial(s8 - result.final()["S"], s8, 1 - math.exp(-0.2), "left after lifting")


# --------------------------------------------------------------------------- lure, cure, set


@pytest.mark.parametrize("engine", ENGINES)
def test_lure_moves_its_share_of_the_zombies_over_its_duration(engine):
    data = scenario(
        ["S", "Z"],
        [{"from": "S", "to": "Z", "rate": 0.0}],
        {"S": 10, "Z": 2000},
        [{"type": "lure", "at": 2.0, "duration": 4.0, "share": 0.95, "to": "Zl"}],
        engine=engine,
        replicates=200,
        seed=3,
        t_end=10.0,
        output_every=1.0,
    )
    result = simulate(data)
    zl = result.series("Zl")
    lured = at(result, "Zl", 6.0)
    assert np.abs(zl[:, result.times <= 2.0]).max() < 1e-9
    assert_flat(zl[:, result.times >= 6.0])
    np.testing.assert_allclose(result.final()["Z"] + result.final()["Zl"], 2000, rtol=1e-9)
    np.testing.assert_allclose(result.series("S"), 10, rtol=1e-12)
    if engine == "ode":
        assert lured[0] == pytest.approx(0.95 * 2000, rel=1e-6)
        return
    assert_binomial(lured, 2000 * result.replicates, 0.95, "share lured")


@pytest.mark.parametrize("engine", ENGINES)
def test_cure_turns_zombies_back_at_its_rate_from_its_time(engine):
    data = scenario(
        ["S", "Z"],
        [{"from": "S", "to": "Z", "rate": 0.0}],
        {"S": 10, "Z": 2000},
        [{"type": "cure", "at": 3.0, "rate": 0.25}],
        engine=engine,
        replicates=200,
        seed=3,
        t_end=10.0,
        output_every=1.0,
    )
    result = simulate(data)
    z = result.series("Z")
    np.testing.assert_allclose(z[:, result.times <= 3.0], 2000, rtol=1e-9)
    np.testing.assert_allclose(result.series("S") + z, 2010, rtol=1e-9)
    if engine == "ode":
        later = result.times >= 3.0
        expected = 2000 * np.exp(-0.25 * (result.times[later] - 3.0))
        np.testing.assert_allclose(z[0, later], expected, rtol=1e-6)
        return
    cured = 2000 - result.final()["Z"]
    assert_binomial(cured, 2000 * result.replicates, 1 - math.exp(-0.25 * 7), "share cured")


@pytest.mark.parametrize("engine", ENGINES)
def test_set_changes_the_dynamics_from_its_time_on(engine):
    """An SIR whose beta goes to 0 at t = 3: identical to the plain SIR until then, and
    nobody is infected afterwards."""
    change = {"type": "set", "at": 3.0, "parameters": {"beta": 0.0}}
    plain = scenario(
        ["S", "I", "R"],
        SIR,
        {"S": 990, "I": 10},
        [],
        parameters={"beta": 0.002},
        engine=engine,
        replicates=20,
        seed=3,
        output_every=0.5,
    )
    result = simulate({**plain, "interventions": [change]})
    free = simulate(plain)
    s = result.series("S")
    upto = result.times <= 3.0
    after = result.times >= 3.0
    np.testing.assert_allclose(s[:, upto], free.series("S")[:, upto], rtol=1e-9)
    assert (s[:, after][:, 0] < 990 - 50).all()  # the outbreak was under way
    assert_flat(s[:, after])
    assert (free.final()["S"] < s[:, -1]).all()  # without the change it went on


# --------------------------------------------------------------------------- triggers


def si_strike(when: str, delay: float = 0.0, engine: str = "ode", **extra: Any) -> dict[str, Any]:
    """N = 502 people, I grows from 2; a strike kills every I when the condition holds."""
    strike: dict[str, Any] = {
        "type": "strike",
        "when": when,
        "compartments": ["I"],
        "infected": ["I"],
    }
    if delay:
        strike["delay"] = delay
    return scenario(
        ["S", "I"],
        SI,
        {"S": 500, "I": 2},
        [strike],
        engine=engine,
        replicates=50,
        seed=3,
        t_end=20.0,
        output_every=0.1,
        **extra,
    )


def logistic(t: float) -> float:
    """I(t) of the SI ODE: dI/dt = b S I, N = 502, I(0) = 2, b = 0.001."""
    n, i0, b = 502, 2, 0.001
    growth = math.exp(b * n * t)
    return n * i0 * growth / (n - i0 + i0 * growth)


def logistic_time(i: float) -> float:
    """When the SI ODE's I reaches i."""
    n, i0, b = 502, 2, 0.001
    return math.log(i * (n - i0) / (i0 * (n - i))) / (b * n)


@pytest.mark.parametrize("engine", ENGINES)
def test_trigger_fires_when_the_condition_first_holds(engine):
    result = simulate(si_strike("I >= 50", engine=engine))
    when = result.event_times[:, 0]
    killed = result.final()["killed_strike_infected"]
    assert not np.isnan(when).any()
    np.testing.assert_array_equal(result.metrics()["strike_time"], when)
    i = result.series("I")
    for r in range(result.replicates):
        # Below the threshold at every output before the event; all killed from it on.
        assert (i[r, result.times < when[r]] < 50).all()
        np.testing.assert_allclose(i[r, result.times >= when[r]], 0, atol=1e-6)
    if engine == "ode":
        assert when[0] == pytest.approx(logistic_time(50), abs=1e-6)
        assert killed[0] == pytest.approx(50, rel=1e-6)
    elif engine == "ssa":
        assert killed.tolist() == [50] * result.replicates  # exactly the threshold
    else:  # tau-leaping checks at the end of each step: at or just past the threshold
        assert (killed >= 50).all()
        assert killed.max() <= 55


@pytest.mark.parametrize(
    ("when", "ssa_count", "ode_count"),
    [("I > 50", 51, 50), ("S <= 300", 202, 202), ("S < 300", 203, 202)],
)
@pytest.mark.parametrize("engine", ["ode", "ssa"])
def test_trigger_operators(engine, when, ssa_count, ode_count):
    """'>' and '<' are strict; conditions on a falling count ('S <= 300') fire too."""
    result = simulate(si_strike(when, engine=engine))
    killed = result.final()["killed_strike_infected"]
    if engine == "ssa":
        assert killed.tolist() == [ssa_count] * result.replicates
        return
    assert killed[0] == pytest.approx(ode_count, rel=1e-6)
    assert result.event_times[0, 0] == pytest.approx(logistic_time(ode_count), abs=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_delay_shifts_the_triggered_event(engine):
    plain = simulate(si_strike("I >= 50", engine=engine))
    delayed = simulate(si_strike("I >= 50", delay=2.0, engine=engine))
    np.testing.assert_allclose(delayed.event_times, plain.event_times + 2.0, rtol=1e-9)
    killed = delayed.final()["killed_strike_infected"]
    if engine == "ode":
        assert killed[0] == pytest.approx(logistic(logistic_time(50) + 2.0), rel=1e-6)
    else:
        assert (killed > 50).all()  # the outbreak went on during the delay


@pytest.mark.parametrize("engine", ENGINES)
def test_condition_never_met_means_no_event(engine):
    result = simulate(si_strike("S + I >= 1000", engine=engine))
    assert np.isnan(result.event_times).all()
    assert (result.final()["killed_strike_infected"] == 0).all()
    summary = result.summary()["metrics"]
    assert summary["strike_time"]["median"] is None
    assert summary["strike_time"]["missing"] == result.replicates
    assert summary["strike_time"]["per_replicate"] == [None] * result.replicates
    assert summary["killed_in_strike"]["median"] == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_condition_true_at_the_start_fires_at_time_zero(engine):
    result = simulate(si_strike("I >= 2", engine=engine))
    assert result.event_times.tolist() == [[0.0]] * result.replicates
    np.testing.assert_allclose(result.final()["killed_strike_infected"], 2, rtol=1e-12)
    np.testing.assert_allclose(result.series("S"), 500, rtol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_interventions_with_the_same_condition_share_one_trigger(engine):
    data = si_strike("I >= 50", engine=engine)
    data["interventions"] += [
        {"type": "cull", "when": " I>=50.0 ", "compartments": ["S"], "fraction": 1.0, "to": "D"},
        {"type": "cull", "when": "I >= 60", "compartments": ["S"], "fraction": 1.0, "to": "D"},
    ]
    result = simulate(data)
    events = result.model.events
    assert events.labels == ("strike", "cull", "cull")
    assert events.trigger.tolist() == [0, 0, 1]
    assert events.threshold.tolist() == [50.0, 60.0]
    # Both fire at once: the whole S is culled when I reaches 50, and I never reaches 60.
    when = result.event_times
    np.testing.assert_array_equal(when[:, 1], when[:, 0])
    assert np.isnan(when[:, 2]).all()
    np.testing.assert_allclose(result.final()["D"] + result.final()["killed_strike_infected"], 502)


# --------------------------------------------------------------------------- culls


@pytest.mark.parametrize("engine", ENGINES)
def test_escalating_cull_with_a_destination_table(engine):
    """Culls at 1, 2, 3 (given out of order) remove n × fraction of what is left, capped at
    1: A 0.4, 0.8, 1; B 0.25, 0.5, 0.75. Each goes to its own place."""
    cull = {
        "type": "cull",
        "at": [3.0, 1.0, 2.0],
        "compartments": ["A", "B"],
        "fraction": {"A": 0.4, "B": 0.25},
        "escalate": True,
        "to": {"A": "DA", "B": "DB"},
    }
    data = scenario(
        ["A", "B"],
        IDLE,
        {"A": 1000, "B": 800},
        [cull],
        engine=engine,
        replicates=200,
        seed=3,
        t_end=5.0,
        output_every=1.0,
    )
    result = simulate(data)
    assert result.model.events.labels == ("cull #1", "cull #2", "cull #3")
    assert result.event_times.tolist() == [[1.0, 2.0, 3.0]] * result.replicates
    a, b = result.series("A"), result.series("B")
    np.testing.assert_allclose(a + result.series("DA"), 1000, rtol=1e-12)
    np.testing.assert_allclose(b + result.series("DB"), 800, rtol=1e-12)
    if engine == "ode":
        np.testing.assert_allclose(a[0], [1000, 600, 120, 0, 0, 0], atol=1e-9)
        np.testing.assert_allclose(b[0], [800, 600, 300, 75, 75, 75], atol=1e-9)
        return
    assert (a[:, 3:] == 0).all()  # the third cull takes everything that is left
    for t, p in ((1, 0.4), (2, 0.8)):
        assert_binomial(a[:, t - 1] - a[:, t], a[:, t - 1], p, f"A culled at {t}")
    for t, p in ((1, 0.25), (2, 0.5), (3, 0.75)):
        assert_binomial(b[:, t - 1] - b[:, t], b[:, t - 1], p, f"B culled at {t}")


@pytest.mark.parametrize("engine", ENGINES)
def test_culls_at_the_same_time_apply_in_file_order(engine):
    """Half of A to B, then all of B to C: C gets that half. The other way round, B is
    empty when it is culled, and keeps the half."""
    half = {"type": "cull", "at": 1.0, "compartments": ["A"], "fraction": 0.5, "to": "B"}
    move = {"type": "cull", "at": 1.0, "compartments": ["B"], "fraction": 1.0, "to": "C"}
    final = {}
    for order in ("half first", "move first"):
        culls = [half, move] if order == "half first" else [move, half]
        data = scenario(
            ["A", "B", "C"],
            IDLE,
            {"A": 1000},
            culls,
            engine=engine,
            replicates=5,
            seed=3,
            t_end=2.0,
            output_every=1.0,
        )
        final[order] = simulate(data).final()
    first, second = final["half first"], final["move first"]
    np.testing.assert_allclose(first["B"], 0, atol=1e-9)
    np.testing.assert_allclose(first["A"] + first["C"], 1000, rtol=1e-12)
    np.testing.assert_allclose(second["C"], 0, atol=1e-9)
    np.testing.assert_allclose(second["A"] + second["B"], 1000, rtol=1e-12)
    if engine == "ode":
        assert first["C"][0] == pytest.approx(500)
        assert second["B"][0] == pytest.approx(500)
    else:
        assert (first["C"] > 0).all()
        assert (second["B"] > 0).all()


# --------------------------------------------------------------------------- determinism


ZOMBIES = [
    {"from": "S", "to": "Z", "by": "Z", "rate": 0.0005},
    {"from": "Z", "to": "R", "by": "S", "rate": 0.0002},
    {"from": "S", "to": "Out", "rate": 0.02},
]
EVERYTHING = [
    {
        "type": "camp",
        "at": 1.0,
        "duration": 4.0,
        "from": ["S", "Z"],
        "to": "Camp",
        "caught_to": "Iso",
        "sensitivity": {"Z": 0.9},
        "capacity": 50.0,
    },
    {"type": "cordon", "when": "Z >= 30", "exits": ["Out"], "leak": 0.1},
    {"type": "lure", "at": 3.0, "duration": 2.0, "share": 0.8, "to": "Zl"},
    {
        "type": "strike",
        "when": "Zl >= 10",
        "delay": 0.5,
        "compartments": ["Zl", "S"],
        "fraction": {"Zl": 1.0, "S": 0.2},
        "infected": ["Zl"],
    },
    {"type": "cure", "at": 6.0, "rate": 0.1},
    {
        "type": "cull",
        "at": [7.0, 8.0],
        "compartments": ["Z"],
        "fraction": 0.3,
        "escalate": True,
        "to": "Dz",
    },
]


@pytest.mark.parametrize("engine", STOCHASTIC)
def test_same_seed_same_run_with_interventions_and_triggers(engine):
    data = scenario(
        ["S", "Z", "R", "Out"],
        ZOMBIES,
        {"S": 2000, "Z": 5},
        EVERYTHING,
        engine=engine,
        replicates=5,
        seed=11,
    )
    one, two = simulate(data), simulate(data)
    np.testing.assert_array_equal(one.counts, two.counts)
    np.testing.assert_array_equal(one.event_times, two.event_times)  # NaN equals NaN here
    strike = one.model.events.labels.index("strike")
    assert not np.isnan(one.event_times[:, strike]).all()  # the triggers did fire
    other = simulate({**data, "run": {**data["run"], "seed": 12}})
    assert not np.array_equal(one.counts, other.counts)


# --------------------------------------------------------------------------- bad input


CAMP = {
    "type": "camp",
    "at": 1.0,
    "from": ["S", "I"],
    "to": "Camp",
    "caught_to": "Iso",
    "capacity": 10.0,
    "sensitivity": {"I": 0.9},
}
EVACUATION = {"type": "evacuation", "at": 1.0, "from": ["S", "I"], "to": "Camp", "capacity": 10.0}
STRIKE = {"type": "strike", "at": 1.0, "compartments": ["I"], "infected": ["I"]}
TRIGGERED = {"type": "strike", "when": "I >= 5", "compartments": ["I"], "infected": ["I"]}


def without(entry: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != key}


BAD = {
    "sensitivity above 1": (
        [{**CAMP, "sensitivity": {"I": 1.5}}],
        ["interventions.0.sensitivity.I", "less than or equal to 1"],
    ),
    "sensitivity below 0": (
        [{**CAMP, "sensitivity": {"I": -0.1}}],
        ["interventions.0.sensitivity.I", "greater than or equal to 0"],
    ),
    "strike on an unknown compartment": (
        [{**STRIKE, "compartments": ["Ii"]}],
        ["interventions.0.compartments", "unknown compartment 'Ii'", "Did you mean 'I'?"],
    ),
    "when with an unknown compartment": (
        [{**TRIGGERED, "when": "Q >= 5"}],
        ["interventions.0.when", "unknown compartment 'Q'"],
    ),
    "malformed when": (
        [{**TRIGGERED, "when": "I => 5"}],
        ["interventions.0", "'when' must read like", "'I => 5'"],
    ),
    "when without a number": (
        [{**TRIGGERED, "when": "I >= lots"}],
        ["interventions.0", "'when' must read like", "'I >= lots'"],
    ),
    "both at and when": (
        [{**STRIKE, "when": "I >= 5"}],
        ["interventions.0", "give either 'at'", "or 'when'"],
    ),
    "neither at nor when": (
        [without(STRIKE, "at")],
        ["interventions.0", "give either 'at'", "or 'when'"],
    ),
    "delay without when": (
        [{**STRIKE, "delay": 1.0}],
        ["interventions.0", "'delay' applies only with 'when'"],
    ),
    "lure share of 1": (
        [{"type": "lure", "at": 1.0, "duration": 2.0, "from": ["I"], "to": "L", "share": 1.0}],
        ["interventions.0.share", "less than 1"],
    ),
    "sensitivity on a plain evacuation": (
        [{**EVACUATION, "sensitivity": {"I": 0.5}}],
        ["interventions.0", "'sensitivity'", 'type = "camp"'],
    ),
    "camp without caught_to": (
        [without(CAMP, "caught_to")],
        ["interventions.0", "a camp needs 'caught_to'"],
    ),
    "destination table missing a compartment": (
        [{**EVACUATION, "to": {"S": "CampS"}}],
        ["interventions.0.to", "no destination for 'I'"],
    ),
    "caught_to table missing a screened compartment": (
        [{**CAMP, "caught_to": {"S": "IsoS"}}],
        ["interventions.0.caught_to", "no destination for 'I'"],
    ),
    "unknown intervention type": (
        [{**STRIKE, "type": "nuke"}],
        ["interventions.0", "'nuke'", "'strike'", "'camp'"],
    ),
    "set of an unknown parameter": (
        [{"type": "set", "at": 1.0, "parameters": {"betta": 0.0}}],
        ["interventions.0.parameters.betta", "unknown parameter", "Did you mean 'beta'?"],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_interventions_are_one_clear_error(case):
    interventions, fragments = BAD[case]
    data = scenario(
        ["S", "I", "R"], SIR, {"S": 990, "I": 10}, interventions, parameters={"beta": 0.002}
    )
    with pytest.raises(ScenarioError) as caught:
        simulate(data)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("targets", "fragments"),
    [
        (
            {"strike_tme": {"low": 1.0, "high": 2.0}},
            ["targets.strike_tme", "not a metric", "Did you mean 'strike_time'?"],
        ),
        ({"strike_time": {"low": 3.0, "high": 2.0}}, ["targets.strike_time", "is above high"]),
    ],
)
def test_bad_targets_are_one_clear_error(targets, fragments):
    data = scenario(
        ["S", "I", "R"],
        SIR,
        {"S": 990, "I": 10},
        [STRIKE],
        parameters={"beta": 0.002},
        targets=targets,
    )
    with pytest.raises(ScenarioError) as caught:
        simulate(data)
    for fragment in fragments:
        assert fragment in str(caught.value)


# --------------------------------------------------------------------------- interactions


LEAVING = [{"from": "S", "to": "Out", "rate": "leave"}]


@pytest.mark.parametrize("engine", ENGINES)
def test_parameter_change_during_a_cordon_keeps_the_exits_closed(engine):
    """A sealed cordon from t = 2; at t = 4 the leaving rate doubles. The cordon still
    holds, so nobody leaves after t = 2 (flows into the exits stay at leak × rate = 0)."""
    data = scenario(
        ["S", "Out"],
        LEAVING,
        {"S": 1000},
        [
            {"type": "cordon", "at": 2.0, "exits": ["Out"], "leak": 0.0},
            {"type": "set", "at": 4.0, "parameters": {"leave": 0.2}},
        ],
        parameters={"leave": 0.1},
        engine=engine,
        replicates=5,
        seed=2,
        t_end=6.0,
        output_every=1.0,
    )
    result = simulate(data)
    out = result.series("Out")
    assert (out[:, 2] > 0).all()  # people were leaving before the cordon
    assert_flat(out[:, result.times >= 2.0], rtol=1e-9)


def test_cordon_after_a_parameter_change_scales_the_changed_rate():
    """leave = 0.1, set to 0.2 at t = 1; a cordon with leak 0.5 over [2, 4]. S then decays
    at 0.2, 0.5 × 0.2 = 0.1, and 0.2 again once the cordon is lifted."""
    data = scenario(
        ["S", "Out"],
        LEAVING,
        {"S": 1000},
        [
            {"type": "set", "at": 1.0, "parameters": {"leave": 0.2}},
            {"type": "cordon", "at": 2.0, "exits": ["Out"], "leak": 0.5, "duration": 2.0},
        ],
        parameters={"leave": 0.1},
        t_end=6.0,
        output_every=1.0,
    )
    s = simulate(data).series("S")[0]
    exponent = np.cumsum([0.0, 0.1, 0.2, 0.1, 0.1, 0.2, 0.2])
    np.testing.assert_allclose(s, 1000 * np.exp(-exponent), rtol=1e-6)


def test_interventions_may_name_compartments_that_later_ones_add():
    """A strike on the lured zombies ('Zl', which the lure adds) works whichever of the two
    comes first in the file, with the same outcome."""
    lure = {"type": "lure", "at": 1.0, "duration": 2.0, "share": 0.5, "to": "Zl"}
    strike = {"type": "strike", "when": "Zl >= 100", "compartments": ["Zl"], "infected": ["Zl"]}
    outcomes = []
    for interventions in ([lure, strike], [strike, lure]):
        data = scenario(
            ["S", "Z"],
            [{"from": "S", "to": "Z", "rate": 0.0}],
            {"S": 10, "Z": 1000},
            interventions,
            t_end=5.0,
        )
        result = simulate(data)
        outcomes.append((result.metrics()["strike_time"][0], result.final()["Zl"][0]))
    assert outcomes[0][0] == pytest.approx(outcomes[1][0], rel=1e-9)
    assert outcomes[0][1] == pytest.approx(outcomes[1][1], rel=1e-9)


def test_strike_fraction_table_naming_a_compartment_outside_the_zone_is_an_error():
    """As for a cull: a misspelt key in the table must not silently strike nobody."""
    data = scenario(
        ["S", "I", "R"],
        SIR,
        {"S": 990, "I": 10},
        [{**STRIKE, "fraction": {"Ii": 0.5}}],
        parameters={"beta": 0.002},
    )
    with pytest.raises(ScenarioError, match=r"interventions\.0\.fraction\.Ii"):
        simulate(data)


@pytest.mark.parametrize(
    "entry",
    [{**TRIGGERED, "when": "I => 5"}, {**STRIKE, "when": "I >= 5"}, without(CAMP, "caught_to")],
    ids=["malformed when", "at and when", "camp without caught_to"],
)
def test_schema_errors_do_not_name_the_type_as_a_key(entry):
    """Errors of a whole entry point at 'interventions.0', not at a key named after its
    type ('interventions.0.strike'): the type is a union tag, not part of the data."""
    data = scenario(["S", "I", "R"], SIR, {"S": 990, "I": 10}, [entry], parameters={"beta": 0.002})
    with pytest.raises(ScenarioError) as caught:
        simulate(data)
    assert f"interventions.0.{entry['type']}" not in str(caught.value)
    assert "interventions.0: " in str(caught.value)


def test_an_intervention_switched_off_is_left_out_with_its_own_targets() -> None:
    full = jonas.load("hyosan")
    off = jonas.load("hyosan", ["interventions.3.enabled=false"])  # the strike
    assert [iv.label for iv in off.interventions] == [
        iv.label for iv in full.interventions if iv.type != "strike"
    ]
    # the strike's targets go with it; the others stay
    assert set(full.targets) - set(off.targets) == {
        "killed_in_strike", "killed_in_strike_infected", "killed_in_strike_uninfected",
        "strike_time",
    }  # fmt: skip
    with_strike = jonas.run(full, replicates=4).summary()["metrics"]
    without = jonas.run(off, replicates=4).summary()["metrics"]
    assert "killed_in_strike" in with_strike and "killed_in_strike" not in without
    assert without["survivors"]["median"] > with_strike["survivors"]["median"]
    # the camps switched off: nobody is ever in one
    no_camps = jonas.run(jonas.load("hyosan", ["interventions.0.enabled=false"]), replicates=4)
    assert no_camps.final()["Camp"].max() == 0
