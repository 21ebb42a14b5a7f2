"""The agent engine's core (jonas.agents): rules in isolation, the map, strikes, seeds,
and agreement of the well-mixed mode with the ODE."""

from __future__ import annotations

import numpy as np
import pytest

import jonas
from jonas.agents import AgentParams, AgentWorld, Grid, Population, State
from jonas.agents.population import N_STATES
from jonas.agents.rules import KIND_OF_STATE, N_KINDS
from jonas.scenario import validate_data
from jonas.space import Circle, CityMap, Cordon, LandUse, Polygon

QUIET = {"phi_see": 0.0, "phi_hear": 0.0, "phi_spread": 0.0, "scream": 0.0}


def open_map(nx: int = 50, ny: int = 50, cordon: Cordon | None = None, water=None) -> CityMap:
    """A 10 m raster of open ground with a residential strip along the west edge."""
    lu = np.full((ny, nx), LandUse.OPEN, np.uint8)
    lu[:, 0] = LandUse.RESIDENTIAL
    if water is not None:
        lu[water] = LandUse.WATER
    cap = np.zeros((ny, nx), np.uint16)
    cap[:, 0] = 5
    return CityMap(lu, cap, 10.0, cordon=cordon)


def world(city, xs, ys, states, params=None, seed=1, dt_s=10.0, home=-1) -> AgentWorld:
    params = params or AgentParams()
    pop = Population.at(np.asarray(xs, float), ys, states, params.human_speed, home)
    pop.speed[pop.state == State.ZOMBIE] = round(params.zombie_speed / 0.05)
    return AgentWorld(pop, city, params, seed=seed, dt_s=dt_s)


# -- the cell lists -------------------------------------------------------------------------


def test_cell_lists_find_exactly_the_agents_within_the_radius():
    rng = np.random.default_rng(3)
    n = 5000
    x = (rng.random(n) * 500).astype(np.float32)
    y = (rng.random(n) * 400).astype(np.float32)
    state = rng.integers(0, N_STATES, n).astype(np.uint8)
    grid = Grid.covering(500, 400, 20.0, n, N_KINDS)
    placed = grid.build(x, y, state, KIND_OF_STATE)
    assert placed == int((KIND_OF_STATE[state] < N_KINDS).sum())
    for px, py in [(250.0, 200.0), (3.0, 397.0), (499.0, 0.5)]:
        for kind in range(N_KINDS):
            d2 = (x.astype(np.float64) - px) ** 2 + (y.astype(np.float64) - py) ** 2
            expected = np.flatnonzero((KIND_OF_STATE[state] == kind) & (d2 <= 19.0**2))
            assert np.array_equal(grid.query(x, y, px, py, 19.0, kind), expected)
    # every bucket is sorted by agent index (a stable sort: nothing but positions matters)
    for b in range(grid.n_buckets):
        seg = grid.order[grid.start[b] : grid.start[b + 1]]
        assert np.all(np.diff(seg) > 0)


# -- zombies, sound and halfbies ------------------------------------------------------------


def test_a_zombie_walks_toward_a_sound_source():
    city = open_map()
    w = world(city, [100.0], [250.0], State.ZOMBIE, AgentParams(**QUIET))
    w.add_sound(400.0, 250.0, 1e4)
    start = np.hypot(w.pop.x[0] - 400, w.pop.y[0] - 250)
    w.run(hours=0.1)  # 6 minutes
    end = np.hypot(w.pop.x[0] - 400, w.pop.y[0] - 250)
    assert w.pop.x[0] > 300 and end < 0.25 * start
    # without the source, it only drifts
    w2 = world(city, [100.0], [250.0], State.ZOMBIE, AgentParams(**QUIET))
    w2.run(hours=0.1)
    assert np.hypot(w2.pop.x[0] - 400, w2.pop.y[0] - 250) > 0.5 * start


def test_a_zombie_chases_and_bites_a_human_it_sees():
    city = open_map()
    p = AgentParams(**QUIET, alpha=0.0, p_slow=0.0, p_halfbie=0.0, wander=0.0)
    w = world(city, [200.0, 205.0], [250.0, 250.0], [State.ZOMBIE, State.CALM], p)
    w.run(hours=0.05)
    assert w.pop.state[1] in (State.BITTEN, State.ZOMBIE)
    assert w.event_counts()["bites"] == 1


def test_halfbies_are_never_targeted_nor_bitten():
    city = open_map()
    rng = np.random.default_rng(0)
    n_z = 30
    xs = np.concatenate([[250.0], 250 + rng.uniform(-1, 1, n_z)])
    ys = np.concatenate([[250.0], 250 + rng.uniform(-1, 1, n_z)])
    states = np.array([State.HALFBIE] + [State.ZOMBIE] * n_z, np.uint8)
    w = world(city, xs, ys, states, AgentParams(**QUIET, beta=1e4))
    w.run(hours=0.2)
    assert w.pop.state[0] == State.HALFBIE
    assert w.event_counts()["bites"] == 0 and w.event_counts()["fights"] == 0
    # in the well-mixed mode too: zombies meet the halfbies and nobody is bitten
    m = AgentWorld.mixed_population({"Z": 500, "H": 500}, AgentParams(beta=1e3), seed=2)
    m.run(hours=1.0)
    assert m.counts()["H"] == 500 and m.counts()["Z"] == 500


def test_a_halfbie_rarely_bites_and_its_victim_turns():
    city = open_map()
    p = AgentParams(**QUIET, beta=3600.0, restraint=1.0, p_slow=0.0, p_halfbie=0.0, wander=0.0)
    w = world(city, [250.0, 250.5], [250.0, 250.0], [State.HALFBIE, State.CALM], p)
    w.step()
    assert w.pop.state[1] in (State.BITTEN, State.BITTEN_AFRAID)
    assert w.event_counts()["halfbie_bites"] == 1
    w.run(hours=3.0)
    assert w.pop.state[1] == State.ZOMBIE and w.pop.state[0] == State.HALFBIE


# -- bites and turning ----------------------------------------------------------------------


def test_bitten_people_turn_when_their_timer_runs_out():
    city = open_map()
    p = AgentParams(**QUIET, beta=1e6, alpha=0.0, p_slow=0.0, p_halfbie=0.0, turn_fast=0.2)
    w = world(city, [250.0, 250.5], [250.0, 250.0], [State.ZOMBIE, State.CALM], p, dt_s=6)
    w.step()
    assert w.pop.state[1] == State.BITTEN
    timer = float(w.pop.timer[1])
    assert timer > 0
    steps = 0
    while w.pop.state[1] == State.BITTEN:
        w.step()
        steps += 1
    assert w.pop.state[1] == State.ZOMBIE
    assert steps == pytest.approx(timer / w.dt, abs=1.01)


def test_turning_times_follow_the_compartmental_distribution():
    """Fast: Erlang(stages) with mean turn_fast (turn_fast / (1 + rage) if afraid);
    slow: exponential with mean turn_slow; a share p_slow of bites is slow."""
    p = AgentParams(turn_fast=0.1, stages=3, rage=1.0, turn_slow=36.0)
    w = AgentWorld.mixed_population({"E": 20000, "Ef": 20000, "L": 20000}, p, seed=5)
    t, s = w.pop.timer, w.pop.state
    for state, mean, cv in [(State.BITTEN, 0.1, 3**-0.5), (State.BITTEN_AFRAID, 0.05, 3**-0.5),
                            (State.SLOW, 36.0, 1.0)]:  # fmt: skip
        x = t[s == state].astype(np.float64)
        assert x.mean() == pytest.approx(mean, rel=0.03)
        assert x.std() / x.mean() == pytest.approx(cv, rel=0.05)
    q = AgentParams(beta=3600.0, alpha=0.0, p_slow=0.2, phi_see=0.0, phi_spread=0.0)
    m = AgentWorld.mixed_population({"S": 20000, "Z": 20000}, q, seed=6, dt_s=1.0)
    m.step()
    c = m.counts()
    assert c["L"] / (c["L"] + c["E"]) == pytest.approx(0.2, abs=0.02)


# -- the map: water and the cordon ----------------------------------------------------------


def test_nobody_enters_water():
    water = (slice(None), slice(20, 30))  # a river 100 m wide across the map
    city = open_map(water=water)
    rng = np.random.default_rng(1)
    n = 400
    xs, ys = rng.uniform(0, 195, n), rng.uniform(0, 500, n)
    p = AgentParams(**QUIET, wander=1.0, home_range_m=10.0)
    w = world(city, xs, ys, State.CALM, p, home=25 * 50 + 45)  # homes across the river
    for _ in range(200):
        w.step()
        assert city.passable(w.pop.x, w.pop.y).all()
    assert w.pop.x.max() < 200


def _cordon_world(checkpoint: bool, closed: bool = True, seed: int = 1):
    cps = {"gate": (255.0, 250.0)} if checkpoint else {}
    cordon = Cordon(np.array([[255.0, 0.0], [255.0, 499.0]]), cps, gate_m=25.0, closed=False)
    city = open_map(cordon=cordon)
    rng = np.random.default_rng(seed)
    n = 300
    xs, ys = rng.uniform(0, 245, n), rng.uniform(50, 450, n)
    p = AgentParams(**QUIET, wander=1.0, home_range_m=20.0)
    w = world(city, xs, ys, State.CALM, p, seed=seed, home=25 * 50 + 45)  # homes to the east
    if closed:
        w.close_cordon()
    return city, w


@pytest.mark.parametrize("checkpoint", [False, True])
def test_nobody_crosses_a_closed_cordon_except_at_its_checkpoints(checkpoint):
    city, w = _cordon_world(checkpoint)
    line_x = 250.0  # the barrier is the column of cells 250..260 m
    crossed = 0
    for _ in range(300):
        x0, y0 = w.pop.x.copy(), w.pop.y.copy()
        w.step()
        i, j = city.cell_of(w.pop.x, w.pop.y)
        assert not city.barrier_mask[i, j].any()
        across = (x0 < line_x) & (w.pop.x >= line_x)
        crossed += int(across.sum())
        if across.any():
            assert checkpoint
            # those who crossed went through the gate: near the checkpoint, before and after
            for px, py in [(x0[across], y0[across]), (w.pop.x[across], w.pop.y[across])]:
                assert np.all(np.hypot(px - 255, py - 250) <= 25 + 2 * 13 + 10)
    assert (crossed > 20) if checkpoint else (crossed == 0)
    if not checkpoint:
        assert w.pop.x.max() < line_x


def test_an_open_cordon_lets_people_through_anywhere():
    _, w = _cordon_world(checkpoint=False, closed=False)
    w.run(hours=300 * 10 / 3600)
    assert (w.pop.x > 260).sum() > 200


# -- strikes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "area", [Circle(250, 250, 120), Polygon(np.array([[100, 100], [400, 150], [200, 420]]))]
)
def test_a_strike_kills_exactly_those_inside_and_counts_them_by_state(area):
    city = open_map()
    rng = np.random.default_rng(4)
    n = 3000
    xs, ys = rng.uniform(0, 500, n), rng.uniform(0, 500, n)
    states = rng.integers(0, N_STATES, n).astype(np.uint8)
    w = world(city, xs, ys, states)
    before = w.pop.state.copy()
    inside = area.contains(w.pop.x.astype(float), w.pop.y.astype(float))
    in_city = before <= State.HALFBIE
    killed = w.strike(area)
    hit = inside & in_city
    assert sum(killed.values()) == hit.sum()
    for s, name in [(State.CALM, "S"), (State.AFRAID, "F"), (State.BITTEN, "E"),
                    (State.BITTEN_AFRAID, "Ef"), (State.SLOW, "L"), (State.ZOMBIE, "Z"),
                    (State.HALFBIE, "H")]:  # fmt: skip
        assert killed[name] == int((hit & (before == s)).sum())
    after = w.pop.state
    infected = np.isin(before, [State.BITTEN, State.BITTEN_AFRAID, State.SLOW, State.ZOMBIE])
    assert np.all(after[hit & infected] == State.STRUCK_INFECTED)
    assert np.all(after[hit & ~infected] == State.STRUCK_UNINFECTED)
    assert np.array_equal(after[~hit], before[~hit])  # outside, and the dead, untouched


# -- seeds and conservation -----------------------------------------------------------------


def _small_outbreak(seed: int) -> AgentWorld:
    city = open_map(80, 80)
    rng = np.random.default_rng(0)
    n = 3000
    xs, ys = rng.uniform(0, 800, n), rng.uniform(0, 800, n)
    states = np.where(rng.random(n) < 0.02, State.ZOMBIE, State.CALM).astype(np.uint8)
    states[:5] = State.HALFBIE
    p = AgentParams(p_halfbie=0.05, restraint=0.5, alpha=0.5, leave=0.5)
    w = world(city, xs, ys, states, p, seed=seed)
    w.add_sound(400, 400, 100.0)
    return w


def test_same_seed_same_run_and_counts_conserved():
    a, b, c = _small_outbreak(7), _small_outbreak(7), _small_outbreak(8)
    n = len(a.pop)
    for _ in range(120):
        for w in (a, b, c):
            w.step()
        counts = a.pop.counts()
        assert counts.sum() == n and a.pop.state.max() < N_STATES
    for name in ("x", "y", "state", "fear", "timer", "speed"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name)), name
    assert np.array_equal(a.sound.level, b.sound.level)
    assert a.event_counts() == b.event_counts()
    assert not np.array_equal(a.pop.x, c.pop.x)
    ev = a.event_counts()
    assert ev["bites"] > 0 and ev["became_afraid"] > 0 and ev["zombies_destroyed"] > 0


def test_bytes_per_agent_under_100():
    w = _small_outbreak(1)
    assert w.bytes_per_agent() < 100


# -- the well-mixed mode agrees with the ODE --------------------------------------------------


def test_well_mixed_szr_agrees_with_the_ode():
    """Fear-free SZR with a turning delay: S + Z -> E + Z (beta), E -> Z (1 / turn_fast),
    Z + S -> R + S (alpha * beta), frequency-dependent over N = S + E + Z."""
    beta, alpha, turn_fast, hours = 2.0, 0.5, 0.25, 6.0
    fear_free = {"rage": 0.0, "p_slow": 0.0, "p_blood": 0.0, "p_halfbie": 0.0, **QUIET}
    p = AgentParams(beta=beta, alpha=alpha, turn_fast=turn_fast, stages=1, **fear_free)
    finals = []
    for seed in range(3):
        w = AgentWorld.mixed_population({"S": 20000, "Z": 200}, p, seed=seed, dt_s=18.0)
        w.run(hours)
        finals.append(w.counts())
    scenario = validate_data(
        {
            "scenario": {"name": "szr-delay"},
            "model": {
                "compartments": ["S", "E", "Z", "R"],
                "population": ["S", "E", "Z"],
                "transitions": [
                    {"from": "S", "to": "E", "by": "Z", "rate": beta, "mixing": "frequency"},
                    {"from": "E", "to": "Z", "rate": 1 / turn_fast},
                    {
                        "from": "Z",
                        "to": "R",
                        "by": "S",
                        "rate": alpha * beta,
                        "mixing": "frequency",
                    },
                ],
            },
            "initial": {"S": 20000, "Z": 200},
            "run": {"engine": "ode", "t_end": hours, "output_every": hours},
        }
    )
    ode = {k: float(v[0]) for k, v in jonas.run(scenario).final().items()}
    mean = {k: np.mean([f[k] for f in finals]) for k in ("S", "Z", "Dz")}
    assert ode["S"] < 15000 and ode["R"] > 1000  # the outbreak did happen
    assert mean["S"] == pytest.approx(ode["S"], rel=0.05)
    assert mean["Z"] == pytest.approx(ode["Z"], rel=0.05)
    assert mean["Dz"] == pytest.approx(ode["R"], rel=0.05)
    print("agents (mean of 3)", mean, "ode", ode)
