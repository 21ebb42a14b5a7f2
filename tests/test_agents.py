"""The agent engine's core (jonas.agents): rules in isolation, the map, the cordon and
evacuation, strikes, seeds, and agreement of the well-mixed mode with the ODE."""

from __future__ import annotations

import numpy as np
import pytest

import jonas
from jonas.abm import AgentParams, AgentWorld, Grid, Population, State
from jonas.abm.grid import STRIP
from jonas.abm.population import EVACUATING, N_STATES
from jonas.abm.reorder import SORT_EVERY
from jonas.abm.routing import distance_field
from jonas.abm.rules import CELL_BARRIER, CELL_GATE, KIND_OF_STATE, N_KINDS
from jonas.space import Circle, CityMap, Cordon, LandUse, Polygon, hyosan_city
from jonas.space.landuse import SPEED
from jonas.spec import validate_data

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


def by_ident(pop: Population, k: int) -> int:
    """The index now of agent `k` (its index when the population was made): the step
    sorts the agents in memory by where they stand (`jonas.abm.reorder`)."""
    return int(np.flatnonzero(pop.ident == k)[0])


def in_ident_order(pop: Population) -> np.ndarray:
    """Indices that put the agents' arrays in ident order: ``pop.x[in_ident_order(pop)][k]``
    is agent k's x, whatever its index now."""
    return np.argsort(pop.ident, kind="stable")


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
    # the strips (columns of STRIP cells) list the same agents, each in index order
    column = np.clip(np.floor(x / 20.0), 0, grid.nx - 1).astype(int) // STRIP
    listed = KIND_OF_STATE[state] < N_KINDS
    assert grid.strip_start[-1] == placed and grid.n_strips == -(-grid.nx // STRIP)
    for s in range(grid.n_strips):
        seg = grid.strip_order[grid.strip_start[s] : grid.strip_start[s + 1]]
        assert np.array_equal(seg, np.flatnonzero(listed & (column == s)))


def test_strip_lists_of_agents_standing_in_runs_of_strips():
    # agents in memory by column, as `reorder` leaves them (runs of one strip), a few
    # strays and some gone from the city among them: the run-by-run strip sort lists each
    # strip in order
    rng = np.random.default_rng(4)
    n = 6000
    x = np.sort(rng.random(n) * 500).astype(np.float32)
    x[rng.choice(n, 300, replace=False)] = rng.random(300) * 500
    y = (rng.random(n) * 400).astype(np.float32)
    state = np.where(rng.random(n) < 0.05, State.EVACUATED, State.CALM).astype(np.uint8)
    grid = Grid.covering(500, 400, 20.0, n, N_KINDS)
    placed = grid.build(x, y, state, KIND_OF_STATE)
    column = np.clip(np.floor(x / 20.0), 0, grid.nx - 1).astype(int) // STRIP
    listed = KIND_OF_STATE[state] < N_KINDS
    assert grid.strip_start[-1] == placed == listed.sum()
    for s in range(grid.n_strips):
        seg = grid.strip_order[grid.strip_start[s] : grid.strip_start[s + 1]]
        assert np.array_equal(seg, np.flatnonzero(listed & (column == s)))


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
    assert w.pop.state[by_ident(w.pop, 1)] in (State.BITTEN, State.ZOMBIE)
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
    assert w.pop.state[by_ident(w.pop, 0)] == State.HALFBIE
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
    assert w.pop.state[by_ident(w.pop, 1)] in (State.BITTEN, State.BITTEN_AFRAID)
    assert w.event_counts()["halfbie_bites"] == 1
    w.run(hours=3.0)
    assert w.pop.state[by_ident(w.pop, 1)] == State.ZOMBIE
    assert w.pop.state[by_ident(w.pop, 0)] == State.HALFBIE


# -- bites and turning ----------------------------------------------------------------------


def test_bitten_people_turn_when_their_timer_runs_out():
    city = open_map()
    p = AgentParams(**QUIET, beta=1e6, alpha=0.0, p_slow=0.0, p_halfbie=0.0, turn_fast=0.2)
    w = world(city, [250.0, 250.5], [250.0, 250.0], [State.ZOMBIE, State.CALM], p, dt_s=6)
    w.step()
    assert w.pop.state[by_ident(w.pop, 1)] == State.BITTEN
    timer = float(w.pop.timer[by_ident(w.pop, 1)])
    assert timer > 0
    steps = 0
    while w.pop.state[by_ident(w.pop, 1)] == State.BITTEN:
        w.step()
        steps += 1
    assert w.pop.state[by_ident(w.pop, 1)] == State.ZOMBIE
    assert steps > 2 * SORT_EVERY  # the agents were sorted on the way
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


def _crossings(city, w, steps=300, line_x=250.0):
    """Step and count agents crossing the cordon line x = line_x (the column of cells
    250..260 m) eastward; checks nobody stands on the barrier. Returns a bool per agent, by
    ident (the agents' indices move when the step sorts them)."""
    crossed = np.zeros(len(w.pop), bool)
    for _ in range(steps):
        o = in_ident_order(w.pop)
        x0, y0 = w.pop.x[o], w.pop.y[o]
        w.step()
        i, j = city.cell_of(w.pop.x, w.pop.y)
        assert not (w.blocked[i, j] == CELL_BARRIER).any()
        o = in_ident_order(w.pop)
        x1, y1 = w.pop.x[o], w.pop.y[o]
        across = (x0 < line_x) & (x1 >= line_x)
        if across.any():
            # those who crossed went through the gate: near the checkpoint, before and after
            for px, py in [(x0[across], y0[across]), (x1[across], y1[across])]:
                assert np.all(np.hypot(px - 255, py - 250) <= 25 + 2 * 13 + 10)
        crossed |= across
    return crossed


@pytest.mark.parametrize("checkpoint", [False, True])
def test_nobody_crosses_a_closed_cordon_not_even_at_its_checkpoints(checkpoint):
    city, w = _cordon_world(checkpoint)
    if checkpoint:  # the gate is a real opening in the line, shut while the cordon holds
        gates = w.blocked == CELL_GATE
        assert gates.sum() == 6 and np.array_equal(gates, city.gate_mask & (city.cell_x == 255))
    assert not _crossings(city, w).any()
    assert w.pop.x.max() < 250


def test_evacuees_pass_the_checkpoints_of_a_closed_cordon_and_nobody_else():
    city, w = _cordon_world(checkpoint=True)
    told = np.arange(len(w.pop)) % 2 == 0  # by index, = ident before the first step
    assert np.array_equal(w.evacuate(told, Polygon.box(400, 0, 500, 500)), np.flatnonzero(told))
    crossed = _crossings(city, w, steps=400)
    assert crossed[told].mean() > 0.9 and not crossed[~told].any()
    assert len(w.arrived()) > 0.9 * told.sum() and np.all(w.pop.x[w.arrived()] >= 400)
    # called back, they stay where they are (east of the line) and cross no more
    w.stop_evacuation()
    assert not (w.pop.flags & EVACUATING).any() and len(w.arrived()) == 0
    assert not _crossings(city, w, steps=50).any()
    # one called back in the middle of a gate is not stuck there
    a = by_ident(w.pop, 0)
    w.pop.x[a], w.pop.y[a] = 255.0, 255.0
    w.run(hours=20 * 10 / 3600)
    a = by_ident(w.pop, 0)
    assert w.blocked[city.cell_of(w.pop.x[a], w.pop.y[a])] != CELL_GATE


def test_zombies_never_pass_a_closed_checkpoint():
    city, w = _cordon_world(checkpoint=True)
    w.set_params(w.params.replace(beta=0.0, p_halfbie=0.0))  # no bites, no fights
    z = np.arange(len(w.pop)) < 100
    w.pop.state[z] = State.ZOMBIE
    w.pop.speed[z] = round(w.params.zombie_speed / 0.05)
    w.add_sound(300.0, 250.0, 1e4)  # a drone just past the gate
    # zombies get no orders; bitten evacuees lose theirs when they turn
    w.pop.state[100:150] = State.BITTEN
    w.pop.timer[100:150] = 1e-6  # turning at the first step, before walking
    assert np.array_equal(w.evacuate(np.arange(200), [Circle(450, 250, 40)]), np.arange(100, 200))
    crossed = _crossings(city, w, steps=300)
    turned = np.flatnonzero(w.pop.state == State.ZOMBIE)
    assert np.array_equal(np.sort(w.pop.ident[turned]), np.arange(150))
    assert not (w.pop.flags[turned] & EVACUATING).any()
    assert not crossed[:100].any() and not np.any(w.pop.x[turned] > 250)
    assert crossed[150:200].mean() > 0.9  # the humans told to go did


def test_an_open_cordon_lets_people_through_anywhere():
    _, w = _cordon_world(checkpoint=False, closed=False)
    w.run(hours=300 * 10 / 3600)
    assert (w.pop.x > 260).sum() > 200


def test_distance_field_walks_round_walls_through_gaps():
    r2 = np.sqrt(2)
    wall = np.array(
        [
            "...#...",
            "...#.##",
            "...#.#.",  # (2, 6): a pocket no walk reaches
            "...#.##",
            ".......",  # the wall's only gap, at (4, 3)
        ]
    )
    passable = np.array([[c == "." for c in row] for row in wall])
    targets = np.zeros_like(passable)
    targets[0, 0] = True
    d = distance_field(passable, targets)
    assert d.dtype == np.float32 and d.shape == (5, 7)
    # west of the wall: the octile distance (diagonals sqrt 2)
    i, j = np.mgrid[0:5, 0:3]
    octile = np.maximum(i, j) + (r2 - 1) * np.minimum(i, j)
    np.testing.assert_allclose(d[:, :3], octile, rtol=1e-6)
    # through the gap: no cutting the wall's corner from (3, 2) to (4, 3)
    gap = 2 + 2 * r2 + 1
    np.testing.assert_allclose(
        [d[4, 3], d[4, 4], d[3, 4], d[0, 4], d[0, 6], d[4, 6]],
        [gap, gap + 1, gap + 2, gap + 5, gap + 7, gap + 3],
        rtol=1e-6,
    )
    assert np.isinf(d[~passable]).all() and np.isinf(d[2, 6])
    # a target on a wall is ignored; no target at all: nothing is reachable
    assert np.array_equal(distance_field(passable, targets | ~passable), d)
    assert np.isinf(distance_field(passable, np.zeros_like(passable))).all()


def test_distance_field_agrees_with_relaxation_on_a_random_maze():
    rng = np.random.default_rng(5)
    passable = rng.random((40, 60)) > 0.3
    targets = rng.random(passable.shape) > 0.995
    d = distance_field(passable, targets).astype(np.float64)
    # Bellman-Ford by whole-array relaxation: the same moves, no corner cutting
    ref = np.where(targets & passable, 0.0, np.inf)
    pad = np.pad(passable, 1)
    moves = [(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1) if a or b]
    while True:
        cur = np.pad(ref, 1, constant_values=np.inf)
        new = ref.copy()
        for a, b in moves:
            src = cur[1 + a : 41 + a, 1 + b : 61 + b]
            ok = passable & pad[1 + a : 41 + a, 1 + b : 61 + b]
            if a and b:
                ok &= pad[1 + a : 41 + a, 1:61] & pad[1:41, 1 + b : 61 + b]
            new = np.minimum(new, np.where(ok, src + np.hypot(a, b), np.inf))
        if np.array_equal(new, ref):
            break
        ref = new
    assert np.array_equal(np.isinf(d), np.isinf(ref)) and np.isinf(d).sum() > 0
    np.testing.assert_allclose(d[np.isfinite(d)], ref[np.isfinite(ref)], rtol=1e-6)


def test_an_evacuee_walks_from_downtown_through_a_checkpoint_to_the_camp():
    city = hyosan_city(width_m=2000, height_m=2000, residents=2000)
    x0, y0 = city.place("downtown").center
    p = AgentParams(**QUIET)
    w = world(city, [x0, x0 + 5], [y0, y0], State.CALM, p)
    w.close_cordon()
    w.evacuate([0], ["quarantine camp"])
    camp = city.inside("quarantine camp")
    route_m = float(w.route[city.cell_of(x0, y0)]) * city.cell_m
    assert 500 < route_m < 1500
    through_gate = False
    for _ in range(200):
        w.step()
        i, j = city.cell_of(w.pop.x, w.pop.y)
        assert not (w.blocked[i, j] == CELL_BARRIER).any()
        a = by_ident(w.pop, 0)
        through_gate |= bool(city.gate_mask[i[a], j[a]])
        if len(w.arrived()):
            break
    assert np.array_equal(w.arrived(), [a]) and camp[i[a], j[a]] and through_gate
    # by the shortest route, at walking speed (slower on some land uses)
    assert route_m / 1.3 <= w.step_index * 10 < 1.5 * route_m / 1.3
    # the one not told to go stayed near home, inside the cordon
    b = by_ident(w.pop, 1)
    assert np.hypot(w.pop.x[b] - x0, w.pop.y[b] - y0) < 200
    # it stays there until the camp deals with it
    w.run(hours=0.1)
    a = by_ident(w.pop, 0)
    assert np.array_equal(w.arrived(), [a]) and camp[city.cell_of(w.pop.x[a], w.pop.y[a])]


def test_afraid_evacuees_flee_zombies_first():
    city = open_map()
    p = AgentParams(**QUIET)
    for zombie, east in [(True, False), (False, True)]:
        states = [State.AFRAID, State.ZOMBIE] if zombie else [State.AFRAID]
        # at a cell centre: the route east is a straight line along the row
        w = world(city, [255.0, 265.0][: len(states)], [255.0] * len(states), states, p)
        w.pop.fear[0] = 255
        w.pop.speed[1:] = 0  # a zombie that stands still
        w.evacuate([0], [Polygon.box(450, 0, 500, 500)])
        w.step()
        moved = w.pop.x[by_ident(w.pop, 0)] - 255.0
        # fleeing or evacuating, the fully afraid run at flee_boost times walking speed
        pace = 2 * 1.3 * 10 * SPEED[LandUse.OPEN]
        assert (moved > 0) == east and abs(moved) == pytest.approx(pace, rel=1e-3)


def test_evacuate_validates_its_arguments():
    city = open_map()
    w = world(city, [100.0, 200.0], [250.0, 250.0], [State.CALM, State.ZOMBIE])
    # zombies get no orders; a point (no cell centre inside) is the cell under it
    assert w.evacuate(np.array([True, True]), Circle(400, 250, 0)).tolist() == [0]
    assert w.pop.flags.tolist() == [EVACUATING, 0] and w.route[25, 40] == 0
    assert (w.route == 0).sum() == 1
    with pytest.raises(ValueError, match="shape"):
        w.evacuate(np.array([True]), [Circle(400, 250, 20)])
    with pytest.raises(ValueError, match="indices"):
        w.evacuate([5], [Circle(400, 250, 20)])
    m = AgentWorld.mixed_population({"S": 10})
    with pytest.raises(ValueError, match="spatial"):
        m.evacuate([0], [Circle(1, 1, 1)])


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


def test_same_seed_same_run_with_an_evacuation():
    city = hyosan_city(width_m=2000, height_m=2000, residents=3000)

    def run(seed):
        w = AgentWorld.on_map(city, 3000, AgentParams(), seed=seed)
        w.seed_infection(*city.place("downtown").center, zombies=60)
        w.close_cordon()
        w.evacuate(np.arange(0, 3000, 2), ["quarantine camp", "military camp"])
        w.run(hours=0.3)
        return w

    a, b, c = run(3), run(3), run(4)
    for name in ("x", "y", "state", "fear", "timer", "flags"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name)), name
    assert not np.array_equal(a.pop.x, c.pop.x)
    assert a.event_counts() == b.event_counts() and a.event_counts()["fights"] > 0
    assert np.array_equal(a.arrived(), b.arrived()) and len(a.arrived()) > 500


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
    # the population's 24 bytes (x, y, timer: float32, 12; home, ident: int32, 8; state,
    # fear, speed, flags: uint8, 4), the cell lists' key and order (int32, 8), the strips'
    # order (int32, 4) and each agent's strip (uint16, 2): 38
    w = _small_outbreak(1)
    assert w.bytes_per_agent() == 38 < 100


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
