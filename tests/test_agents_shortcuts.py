"""The spatial step's shortcuts (jonas.agents.step): the per-cell marks of which kinds are
absent around a grid cell (`_around`), the loudest neighbouring sound cell (`_loudest`),
and zombies that nobody can meet roaming in a first pass. Each is checked against the plain
computation: the marks and the loudest cells against numpy, and a whole step against the
step's strips run with no shortcut at all (every agent visited in its strip, every search
made), bit for bit."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from jonas.agents import AgentParams, AgentWorld, Grid, Population, State
from jonas.agents import step as st
from jonas.agents.encounters import chances
from jonas.agents.rng import py_step_key
from jonas.agents.rules import KIND_OF_STATE, KIND_PEOPLE, KIND_PREY, KIND_ZOMBIE, N_KINDS
from jonas.agents.world import _NO_ROUTE
from jonas.space import CityMap, LandUse
from test_agents_reorder import random_population


def test_around_marks_the_kinds_absent_from_the_3x3_cells_around_each_cell():
    pop = random_population(1_500, 1000.0, 800.0, seed=4)
    grid = Grid.covering(1000.0, 800.0, 20.0, len(pop), N_KINDS)
    grid.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
    around = np.empty(grid.nx * grid.ny, np.uint8)
    st._around(grid.start, grid.nx, grid.ny, around)
    counts = np.diff(grid.start).reshape(grid.ny, grid.nx, N_KINDS)
    padded = np.pad(counts, ((1, 1), (1, 1), (0, 0)))
    near = sum(
        padded[1 + di : 1 + di + grid.ny, 1 + dj : 1 + dj + grid.nx]
        for di in (-1, 0, 1)
        for dj in (-1, 0, 1)
    )
    prey, people, zombies = near[..., KIND_PREY], near[..., KIND_PEOPLE], near[..., KIND_ZOMBIE]
    want = (
        np.where((prey == 0) & (people == 0), st.NO_HUMAN, 0)
        | np.where(prey == 0, st.NO_PREY, 0)
        | np.where(zombies == 0, st.NO_ZOMBIE, 0)
    )
    assert np.array_equal(around.reshape(grid.ny, grid.nx), want)
    # the population is sparse enough that every mark occurs, and its absence too
    for bit in (st.NO_HUMAN, st.NO_PREY, st.NO_ZOMBIE):
        assert 0 < np.count_nonzero(around & bit) < around.size


def test_loudest_is_the_first_loudest_of_the_3x3_sound_cells_in_row_order():
    rng = np.random.default_rng(2)
    sound = rng.integers(0, 4, (30, 40)).astype(np.float32)  # small integers: many ties
    loudest = np.empty(sound.size, np.int32)
    st._loudest(sound, loudest)
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


def horde_and_town(seed: int) -> AgentWorld:
    """A 1.2 km square: 2,000 people in the west, a horde of 3,000 zombies lured by a
    drone in the east (nobody within its reach), and 300 zombies among the people."""
    n_map = 120
    lu = np.full((n_map, n_map), LandUse.OPEN, np.uint8)
    lu[40:80, 10:30] = LandUse.RESIDENTIAL
    cap = np.where(lu == LandUse.RESIDENTIAL, 5, 0).astype(np.uint16)
    city = CityMap(lu, cap, 10.0)
    rng = np.random.default_rng(seed)
    people = (rng.uniform(50, 450, 2000), rng.uniform(300, 900, 2000))
    horde = (rng.uniform(750, 1150, 3000), rng.uniform(100, 1100, 3000))
    among = (rng.uniform(50, 450, 300), rng.uniform(300, 900, 300))
    x = np.concatenate([people[0], horde[0], among[0]])
    y = np.concatenate([people[1], horde[1], among[1]])
    state = np.full(x.size, State.CALM, np.uint8)
    state[2000:] = State.ZOMBIE
    p = AgentParams()
    pop = Population.at(x, y, state, p.human_speed)
    pop.speed[pop.state == State.ZOMBIE] = round(p.zombie_speed / 0.05)
    w = AgentWorld(pop, city, p, seed=seed, dt_s=30.0)
    w.add_sound(1000, 600, 1e5)
    return w


def step_without_shortcuts(w: AgentWorld) -> None:
    """One step of `w` (one that does not sort) by the step's strips alone: no agent is
    skipped and no search left out (`around` all zero), in the step's order."""
    pop, g = w.pop, w.grid
    g.build(pop.x, pop.y, pop.state, KIND_OF_STATE)
    p = w._packed
    loudest = np.empty(w.sound.level.size, np.int32)
    st._loudest(w.sound.level, loudest)
    around = np.zeros(g.nx * g.ny, np.uint8)
    route = _NO_ROUTE if w.route is None else w.route
    routed = route.shape == w.blocked.shape
    agents = tuple(getattr(pop, name) for name in AGENT_ARRAYS)
    cells = (g.start, g.order, g.key, around, g.cell_m, g.nx, g.ny)
    ground = (w.blocked, w.clear, w.indoor, w.terrain, w.cell_m, w.cordon_closed, route, routed)
    s_ny, s_nx = w.sound.level.shape
    noise = np.zeros((2, s_ny * s_nx), np.int32)
    found = np.empty(int(p[st.P_MAX_SCAN]), np.int64)
    key = py_step_key(w.seed, w.step_index)
    backward = w.step_index % 2 == 1
    n_strips = g.strip_start.size - 1
    for ph in range(2):
        phase = 1 - ph if backward else ph
        for b in range(phase, n_strips, 2):
            visit = g.strip_order[g.strip_start[b] : g.strip_start[b + 1]]
            st._strip(
                visit, backward, agents, cells, ground, w.sound.level, loudest,
                w.sound.cell_m, p, chances(p, w.dt), w.dt, key, w.events, noise, found,
            )  # fmt: skip
    w.step_index += 1


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
    # the shortcuts were taken: the horde roamed in the first pass, toward the drone
    g = ours.grid
    around = np.empty(g.nx * g.ny, np.uint8)
    st._around(g.start, g.nx, g.ny, around)
    zombie = g.key % N_KINDS == KIND_ZOMBIE
    roamed = zombie & (g.key >= 0) & ((around[g.key // N_KINDS] & st.NO_HUMAN) != 0)
    assert roamed.sum() > 2000
    # and the step did something: people met zombies, and the horde moved (no sort in
    # this step: indices still name the same agents)
    assert ours.events.sum() > 0
    assert np.count_nonzero(ours.pop.x[roamed] != before[roamed]) > 2000
