"""The spatial step's shortcuts (jonas.abm.step): the per-cell marks of which kinds are
absent around a grid cell (`absent_kinds`), the loudest neighbouring sound cell
(`loudest_around`), and the zombies no human can see, acting after the strips (those that
see no prey roam on all cores, the others go one by one). Each is checked against the
plain computation: the marks and the loudest cells against numpy, and whole steps against
the step's strips run with no shortcut at all (every agent visited in its strip, every
search made) and then every zombie of the crowds' back rows one by one, bit for bit."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from jonas.abm import AgentParams, AgentWorld, Grid, Population, State, search, zombies
from jonas.abm import step as st
from jonas.abm.encounters import chances
from jonas.abm.rng import py_step_key
from jonas.abm.rules import (
    KIND_OF_STATE,
    KIND_PEOPLE,
    KIND_PREY,
    KIND_ZOMBIE,
    N_KINDS,
    P_LOUD_FIGHT,
    P_LOUD_SCREAM,
    P_MAX_SCAN,
)
from jonas.abm.world import _NO_ROUTE
from jonas.space import CityMap, LandUse
from test_agents_reorder import random_population


def test_around_marks_the_kinds_absent_from_the_3x3_cells_around_each_cell():
    pop = random_population(1_500, 1000.0, 800.0, seed=4)
    grid = Grid.covering(1000.0, 800.0, 20.0, len(pop), N_KINDS)
    grid.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
    around = np.empty(grid.nx * grid.ny, np.uint8)
    search.absent_kinds(grid.start, grid.nx, grid.ny, around)
    counts = np.diff(grid.start).reshape(grid.ny, grid.nx, N_KINDS)
    padded = np.pad(counts, ((1, 1), (1, 1), (0, 0)))
    near = sum(
        padded[1 + di : 1 + di + grid.ny, 1 + dj : 1 + dj + grid.nx]
        for di in (-1, 0, 1)
        for dj in (-1, 0, 1)
    )
    prey, people, zombies = near[..., KIND_PREY], near[..., KIND_PEOPLE], near[..., KIND_ZOMBIE]
    want = (
        np.where((prey == 0) & (people == 0), search.NO_HUMAN, 0)
        | np.where(prey == 0, search.NO_PREY, 0)
        | np.where(zombies == 0, search.NO_ZOMBIE, 0)
    )
    assert np.array_equal(around.reshape(grid.ny, grid.nx), want)
    # the population is sparse enough that every mark occurs, and its absence too
    for bit in (search.NO_HUMAN, search.NO_PREY, search.NO_ZOMBIE):
        assert 0 < np.count_nonzero(around & bit) < around.size


def test_loudest_is_the_first_loudest_of_the_3x3_sound_cells_in_row_order():
    rng = np.random.default_rng(2)
    sound = rng.integers(0, 4, (30, 40)).astype(np.float32)  # small integers: many ties
    loudest = np.empty(sound.size, np.int32)
    zombies.loudest_around(sound, loudest)
    ny, nx = sound.shape
    for i in range(ny):
        for j in range(nx):
            best = (i, j)
            for ci in range(max(i - 1, 0), min(i + 2, ny)):
                for cj in range(max(j - 1, 0), min(j + 2, nx)):
                    if sound[ci, cj] > sound[best]:
                        best = (ci, cj)
            assert loudest[i * nx + j] == best[0] * nx + best[1]


#: the population's arrays in the order the step's `agents` tuple holds them
AGENT_ARRAYS = ("x", "y", "state", "fear", "timer", "speed", "home", "flags")


def horde_and_town(seed: int, crowd: bool = False) -> AgentWorld:
    """A 1.2 km square: 2,000 people in the west, a horde of 3,000 zombies lured by a
    drone in the east (nobody within its reach), and 300 zombies among the people.

    `crowd`: the horde packed instead within 12 m of (250, 600), half of it on that point,
    among the people, and the searches cut to 8 candidates (`max_scan`), so that most of
    the horde stands behind the first 8 zombies of its grid cell, unseen."""
    n_map = 120
    lu = np.full((n_map, n_map), LandUse.OPEN, np.uint8)
    lu[40:80, 10:30] = LandUse.RESIDENTIAL
    cap = np.where(lu == LandUse.RESIDENTIAL, 5, 0).astype(np.uint16)
    city = CityMap(lu, cap, 10.0)
    rng = np.random.default_rng(seed)
    people = (rng.uniform(50, 450, 2000), rng.uniform(300, 900, 2000))
    horde = (rng.uniform(750, 1150, 3000), rng.uniform(100, 1100, 3000))
    if crowd:
        r = 12.0 * np.sqrt(rng.uniform(0, 1, 3000))
        r[::2] = 0.0  # half of them on one spot, as a horde lured to a point stands
        a = rng.uniform(0, 2 * np.pi, 3000)
        horde = (250 + r * np.cos(a), 600 + r * np.sin(a))
    among = (rng.uniform(50, 450, 300), rng.uniform(300, 900, 300))
    x = np.concatenate([people[0], horde[0], among[0]])
    y = np.concatenate([people[1], horde[1], among[1]])
    state = np.full(x.size, State.CALM, np.uint8)
    state[2000:] = State.ZOMBIE
    p = AgentParams(max_scan=8) if crowd else AgentParams()
    pop = Population.at(x, y, state, p.human_speed)
    pop.speed[pop.state == State.ZOMBIE] = round(p.zombie_speed / 0.05)
    w = AgentWorld(pop, city, p, seed=seed, dt_s=30.0)
    w.add_sound(1000, 600, 1e5)
    return w


def step_without_shortcuts(w: AgentWorld, count: bool = False) -> tuple[int, int]:
    """One step of `w` (one that does not sort) with no shortcut: the strips, no agent
    skipped but the crowds' back rows and no search left out (`around` all zero), then
    every zombie behind its cell's first `max_scan` one by one (`hunt_unseen`), in the
    step's order; then the sound.

    Returns (zombies in those back rows, -1). With `count`, the back rows only look
    (`roam_unseen`: those that see no prey roam, nobody hunts) and the step ends there:
    returns (zombies in the back rows, those of them that saw prey after the strips)."""
    pop, g = w.pop, w.grid
    g.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
    p = w._packed
    loudest = np.empty(w.sound.level.size, np.int32)
    zombies.loudest_around(w.sound.level, loudest)
    around = np.zeros(g.nx * g.ny, np.uint8)
    route = _NO_ROUTE if w.route is None else w.route
    routed = route.shape == w.blocked.shape
    agents = tuple(getattr(pop, name) for name in AGENT_ARRAYS)
    cells = (g.start, g.order, g.key, around, g.cell_m, g.nx, g.ny)
    ground = (w.blocked, w.clear, w.indoor, w.terrain, w.cell_m, w.cordon_closed, route, routed)
    s_ny, s_nx = w.sound.level.shape
    noise = np.zeros((2, s_ny * s_nx), np.int32)
    max_scan = int(p[P_MAX_SCAN])
    found = np.empty(max_scan, np.int64)
    key = py_step_key(w.seed, w.step_index)
    backward = w.step_index % 2 == 1
    pr = chances(p, w.dt)
    n_strips = g.strip_start.size - 1
    for ph in range(2):
        phase = 1 - ph if backward else ph
        for b in range(phase, n_strips, 2):
            visit = g.strip_order[g.strip_start[b] : g.strip_start[b + 1]]
            st._strip(
                visit, backward, agents, cells, ground, w.sound.level, loudest,
                w.sound.cell_m, p, pr, w.dt, key, w.events, noise, found,
            )  # fmt: skip
    crowd = int(np.maximum(np.diff(g.start)[KIND_ZOMBIE::N_KINDS] - max_scan, 0).sum())
    pending = np.zeros(g.start[-1], np.uint8)
    hit = np.zeros(g.nx * g.ny, np.uint8)
    if count:
        zombies.roam_unseen(
            0, int(g.start[-1]), agents, cells, ground, w.sound.level, loudest,
            w.sound.cell_m, p, w.dt, key, found, pending, hit,
        )  # fmt: skip
        return crowd, int(pending.sum())
    pending[:] = 1
    hit[:] = 1
    zombies.hunt_unseen(
        backward, agents, cells, ground, w.sound.level, loudest, w.sound.cell_m, p, pr, w.dt,
        key, w.events, noise, found, pending, hit,
    )  # fmt: skip
    # the step's fights and screams, then the drones, become sound (`AgentWorld.step`)
    fights, screams = noise[zombies.NOISE_FIGHT], noise[zombies.NOISE_SCREAM]
    loud = fights * p[P_LOUD_FIGHT] + screams * p[P_LOUD_SCREAM]
    w.sound.source += loud.reshape(s_ny, s_nx)
    for x, y, level in w.sources:
        w.sound.emit(x, y, level * w.dt)
    w.sound.update(w.dt, w.params.sound_decay, w.params.sound_diffusion)
    w.step_index += 1
    w.t = w.step_index * w.dt
    return crowd, -1


def test_a_step_with_shortcuts_equals_the_step_without_them():
    worlds = [horde_and_town(5), horde_and_town(5)]
    for w in worlds:
        for _ in range(3):  # the sort of step 0, sound from the drone, fear under way
            w.step()
    ours, plain = worlds
    before = ours.pop.x.copy()
    ours.step()
    step_without_shortcuts(plain)
    for f in fields(ours.pop):
        assert np.array_equal(getattr(ours.pop, f.name), getattr(plain.pop, f.name)), f.name
    assert np.array_equal(ours.events, plain.events)
    # the shortcuts were taken: the horde roamed on all cores, toward the drone
    g = ours.grid
    around = np.empty(g.nx * g.ny, np.uint8)
    search.absent_kinds(g.start, g.nx, g.ny, around)
    zombie = g.key % N_KINDS == KIND_ZOMBIE
    roamed = zombie & (g.key >= 0) & ((around[g.key // N_KINDS] & search.NO_HUMAN) != 0)
    assert roamed.sum() > 2000
    # and the step did something: people met zombies, and the horde moved (no sort in
    # this step: indices still name the same agents)
    assert ours.events.sum() > 0
    assert np.count_nonzero(ours.pop.x[roamed] != before[roamed]) > 2000


def test_a_crowd_among_people_acting_last_equals_the_crowd_one_by_one():
    worlds = [horde_and_town(6, crowd=True) for _ in range(3)]
    for w in worlds:
        w.step()  # the sort of step 0
    ours, plain, counted = worlds
    crowd, see_prey = step_without_shortcuts(counted, count=True)
    # most of the horde is behind its cells' first 8 zombies, with people around; some of
    # it sees prey (goes one by one in `hunt_unseen`), most of it not (roams at once)
    assert crowd > 2000 and 0 < see_prey < crowd // 2
    bites = ours.events.copy()
    for _ in range(2):  # a backward step, then a forward one
        ours.step()
        step_without_shortcuts(plain)
        for f in fields(ours.pop):
            assert np.array_equal(getattr(ours.pop, f.name), getattr(plain.pop, f.name)), f.name
        assert np.array_equal(ours.events, plain.events)
        assert np.array_equal(ours.sound.level, plain.sound.level)
    assert (ours.events - bites).sum() > 0
