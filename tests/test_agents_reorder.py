"""The agents' sort in memory by where they stand (jonas.abm.reorder): nobody lost or
changed, lane order with those out of the city last, a shuffle within each grid cell that
follows the seed and the step and not the number of threads, and worlds that keep following
the same people (`Population.ident`) from sort to sort."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields

import numpy as np

from jonas.abm import AgentParams, AgentWorld, Grid, Population, State
from jonas.abm.frames import frame_of, thinning_step
from jonas.abm.grid import STRIP
from jonas.abm.population import N_STATES
from jonas.abm.reorder import SORT_EVERY, lanes, sort_agents
from jonas.abm.rules import KIND_OF_STATE, N_KINDS
from jonas.space import CityMap, LandUse

QUIET = {"phi_see": 0.0, "phi_hear": 0.0, "phi_spread": 0.0, "scream": 0.0}


def random_population(n: int, width: float, height: float, seed: int) -> Population:
    """n agents with every attribute drawn at random, some just off the area (the grid
    clamps them into its border cells) and some in states out of the city."""
    rng = np.random.default_rng(seed)
    return Population(
        x=rng.uniform(-5.0, width + 5.0, n).astype(np.float32),
        y=rng.uniform(-5.0, height + 5.0, n).astype(np.float32),
        state=rng.integers(0, N_STATES, n).astype(np.uint8),
        fear=rng.integers(0, 256, n).astype(np.uint8),
        timer=rng.random(n).astype(np.float32),
        speed=rng.integers(0, 256, n).astype(np.uint8),
        home=rng.integers(-1, 10_000, n).astype(np.int32),
        flags=rng.integers(0, 2, n).astype(np.uint8),
    )


def by_ident(pop: Population) -> dict[str, bytes]:
    """Every array of the population in ident order, as bytes (compared bit for bit)."""
    o = np.argsort(pop.ident, kind="stable")
    return {f.name: getattr(pop, f.name)[o].tobytes() for f in fields(pop)}


def lane_of(pop: Population, grid: Grid) -> np.ndarray:
    """Each agent's lane, as `sort_order` numbers them: its grid cell (i, j), strip after
    strip (columns of STRIP cells), row after row within a strip."""
    inv = 1.0 / grid.cell_m  # float64, as in the kernel: x is widened before the product
    j = np.clip(np.floor(pop.x.astype(np.float64) * inv), 0, grid.nx - 1).astype(np.int64)
    i = np.clip(np.floor(pop.y.astype(np.float64) * inv), 0, grid.ny - 1).astype(np.int64)
    return ((j // STRIP) * grid.ny + i) * STRIP + j % STRIP


def in_city(pop: Population) -> np.ndarray:
    return KIND_OF_STATE[pop.state] < N_KINDS


def open_map(nx: int = 50, ny: int = 50) -> CityMap:
    """A 10 m raster of open ground with a residential strip along the west edge."""
    lu = np.full((ny, nx), LandUse.OPEN, np.uint8)
    lu[:, 0] = LandUse.RESIDENTIAL
    cap = np.zeros((ny, nx), np.uint16)
    cap[:, 0] = 5
    return CityMap(lu, cap, 10.0)


# -- the sort -------------------------------------------------------------------------------


def test_the_sort_keeps_every_agent_and_all_it_is():
    pop = random_population(5000, 500.0, 400.0, seed=3)
    grid = Grid.covering(500.0, 400.0, 20.0, len(pop), N_KINDS)
    before = by_ident(pop)
    sort_agents(pop, grid, KIND_OF_STATE, seed=11, step=0)
    assert np.array_equal(np.sort(pop.ident), np.arange(len(pop)))
    assert not np.array_equal(pop.ident, np.arange(len(pop)))  # the agents did move
    assert by_ident(pop) == before
    # again, from the sorted order and at another step: still nobody lost or changed
    sort_agents(pop, grid, KIND_OF_STATE, seed=11, step=SORT_EVERY)
    assert by_ident(pop) == before
    for f in fields(pop):  # the arrays are sorted in place, dtypes kept
        assert getattr(pop, f.name).dtype == Population._DTYPES[f.name]


def test_agents_in_the_city_come_in_lane_order_and_the_others_last():
    pop = random_population(5000, 500.0, 400.0, seed=4)
    grid = Grid.covering(500.0, 400.0, 20.0, len(pop), N_KINDS)  # 25 columns: an odd strip
    assert grid.nx % STRIP == 1
    sort_agents(pop, grid, KIND_OF_STATE, seed=5, step=0)
    inside = in_city(pop)
    m = int(inside.sum())
    assert 0 < m < len(pop) and (pop.state == State.EVACUATED).any()
    assert inside[:m].all() and not inside[m:].any()  # those out of the city last
    lane = lane_of(pop, grid)[:m]
    assert np.all(np.diff(lane) >= 0)
    assert lane.min() >= 0 and lane.max() < lanes(grid)
    # so that the step's strips are runs of consecutive indices, in order
    placed = grid.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
    assert placed == m and np.array_equal(grid.strip_order[:m], np.arange(m))
    strip = lane // (STRIP * grid.ny)
    assert np.array_equal(np.diff(grid.strip_start), np.bincount(strip, minlength=grid.n_strips))


def crowd(n: int = 400) -> Population:
    """n agents in one 20 m grid cell, half of them calm and half zombies (alternating)."""
    rng = np.random.default_rng(0)
    state = np.where(np.arange(n) % 2 == 0, State.CALM, State.ZOMBIE)
    return Population.at(rng.uniform(41, 59, n), rng.uniform(21, 39, n), state)


def sorted_crowd(seed: int, step: int) -> Population:
    pop = crowd()
    grid = Grid.covering(100.0, 100.0, 20.0, len(pop), N_KINDS)
    assert np.unique(lane_of(pop, grid)).size == 1
    sort_agents(pop, grid, KIND_OF_STATE, seed=seed, step=step)
    return pop


def test_agents_in_one_grid_cell_are_shuffled_by_the_seed_and_the_step():
    pop = sorted_crowd(seed=1, step=0)
    n = len(pop)
    # not the order they came in (a stable sort would keep it), nor any order by ident
    assert not np.array_equal(pop.ident, np.arange(n))
    ascents = int(np.sum(np.diff(pop.ident) > 0))  # a random order: about (n - 1) / 2
    assert 0.4 * n < ascents < 0.6 * n
    # nor by kind: the zombies are spread over the cell's order, not all after the prey
    zombies = np.flatnonzero(pop.state == State.ZOMBIE)
    assert zombies.size == n // 2
    assert 0.4 < np.mean(zombies < n // 2) < 0.6
    # the seed and the step say which order
    assert np.array_equal(sorted_crowd(seed=1, step=0).ident, pop.ident)
    assert not np.array_equal(sorted_crowd(seed=1, step=SORT_EVERY).ident, pop.ident)
    assert not np.array_equal(sorted_crowd(seed=2, step=0).ident, pop.ident)


SORT_AND_HASH = """
import hashlib, sys
import numpy as np
from dataclasses import fields
sys.path.insert(0, {tests!r})
from test_agents_reorder import random_population
from jonas.abm import Grid
from jonas.abm.reorder import sort_agents
from jonas.abm.rules import KIND_OF_STATE, N_KINDS
pop = random_population(200_000, 3000.0, 2000.0, seed=8)
grid = Grid.covering(3000.0, 2000.0, 20.0, len(pop), N_KINDS)
h = hashlib.sha256()
for step in (0, 10, 20):
    pop.x += np.float32(7.0)  # everyone moves on, some of them to another cell
    sort_agents(pop, grid, KIND_OF_STATE, seed=5, step=step)
    for f in fields(pop):
        h.update(getattr(pop, f.name).tobytes())
print(h.hexdigest())
"""


def test_the_sort_is_the_same_on_one_thread_or_two():
    digests = []
    for threads in ("1", "2"):
        env = os.environ | {"NUMBA_NUM_THREADS": threads}
        code = SORT_AND_HASH.format(tests=os.path.dirname(__file__))
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1] and len(digests[0]) == 64


# -- worlds follow the same people ----------------------------------------------------------


def outbreak(seed: int = 3) -> AgentWorld:
    """3,000 people on an 800 m square, 2% zombies and a few halfbies; people leave the
    city now and then. Each agent's home is the map cell it starts in: an attribute that
    differs from agent to agent and that no rule changes."""
    city = open_map(80, 80)
    rng = np.random.default_rng(seed)
    n = 3000
    x, y = rng.uniform(0, 800, n), rng.uniform(0, 800, n)
    state = np.where(rng.random(n) < 0.02, State.ZOMBIE, State.CALM).astype(np.uint8)
    state[:5] = State.HALFBIE
    p = AgentParams(p_halfbie=0.05, restraint=0.5, alpha=0.5, leave=2.0)
    home = (y // 10).astype(np.int64) * 80 + (x // 10).astype(np.int64)
    pop = Population.at(x, y, state, p.human_speed, home)
    pop.speed[pop.state == State.ZOMBIE] = round(p.zombie_speed / 0.05)
    w = AgentWorld(pop, city, p, seed=seed, dt_s=10.0)
    w.add_sound(400, 400, 100.0)
    return w


def test_a_world_keeps_following_the_same_people_through_its_sorts():
    w = outbreak()
    pop = w.pop
    n = len(pop)
    home = pop.home.copy()  # in ident order: nobody has moved yet
    fastest = max(w.params.human_speed * w.params.flee_boost, w.params.zombie_speed)
    reach = fastest * 10.0 * 1.01  # metres in one step of 10 s
    moves = dict.fromkeys(("turned_zombie", "zombies_destroyed", "left_city"), 0)
    o = np.argsort(pop.ident)
    x0, y0, s0 = pop.x[o], pop.y[o], pop.state[o]
    for _ in range(3 * SORT_EVERY + 5):
        w.step()
        assert np.array_equal(np.sort(pop.ident), np.arange(n))
        o = np.argsort(pop.ident)
        x1, y1, s1 = pop.x[o], pop.y[o], pop.state[o]
        # each one's home went with it, and it is where it was a step ago, give or take a
        # step's walk (followed by ident through every sort)
        assert np.array_equal(pop.home[o], home)
        assert np.hypot(x1 - x0, y1 - y0).max() <= reach
        # zombies stay zombies or are destroyed; halfbies and the dead stay what they are
        assert np.isin(s1[s0 == State.ZOMBIE], (State.ZOMBIE, State.DESTROYED)).all()
        assert (s1[s0 == State.HALFBIE] == State.HALFBIE).all()
        assert (s1[s0 > State.HALFBIE] == s0[s0 > State.HALFBIE]).all()
        # what became of each one, step by step, is what the world counted
        moves["turned_zombie"] += int(np.sum((s1 == State.ZOMBIE) & (s0 != State.ZOMBIE)))
        moves["zombies_destroyed"] += int(np.sum((s1 == State.DESTROYED) & (s0 == State.ZOMBIE)))
        left = (s1 == State.EVACUATED) | (s1 == State.EVACUATED_CARRIER)
        moves["left_city"] += int(np.sum(left & (s0 <= State.HALFBIE)))
        x0, y0, s0 = x1, y1, s1
    events = w.event_counts()
    assert moves == {k: events[k] for k in moves}
    assert min(moves.values()) > 0
    assert np.array_equal(np.bincount(s0, minlength=N_STATES), pop.counts())
    # a sort put them out of the order they were made in
    assert not np.array_equal(pop.ident, np.arange(n))


def drawn(w: AgentWorld, max_points: int) -> np.ndarray:
    """The idents of the agents that `frame_of` draws now, found by their positions."""
    f = frame_of(w, max_points=max_points)
    pop = w.pop
    xy = zip(pop.x.tolist(), pop.y.tolist(), pop.ident.tolist(), strict=True)
    where = {(x, y): k for x, y, k in xy}
    assert len(where) == len(pop)  # positions tell the agents apart
    return np.sort([where[(x, y)] for x, y in zip(f.x.tolist(), f.y.tolist(), strict=True)])


def test_frames_draw_the_same_agents_within_a_sort_interval_and_across_sorts():
    """Nobody turns (no zombies) and nobody leaves: the thinned frames keep every k-th
    agent by ident, the same ones whatever the sorts did to their indices (sorts at the
    steps 0, 10 and 20: frames after 1 and 9 steps, then 11 and 25)."""
    rng = np.random.default_rng(2)
    n = 2000
    pop = Population.at(rng.uniform(0, 500, n), rng.uniform(0, 500, n), State.CALM)
    w = AgentWorld(pop, open_map(), AgentParams(**QUIET, wander=1.0), seed=4)
    max_points = 200
    k = thinning_step(n, max_points)
    assert k == 10
    assert np.array_equal(drawn(w, max_points), np.arange(0, n, k))
    for t in (1, 9, 11, 25):
        while w.step_index < t:
            w.step()
        assert np.array_equal(drawn(w, max_points), np.arange(0, n, k)), t
        # which is not every k-th index any more: the sort moved them
        assert not np.array_equal(np.sort(w.pop.ident[::k]), np.arange(0, n, k))
