"""One time step of the agents, compiled: O(N), parallel, reproducible by seed.

The step updates agents in place, one after another (an agent bitten by a zombie earlier
in the step is no longer prey for the next zombie; one that fled has left). Every random
number is drawn from the counter-based generator of `jonas.abm.rng`, keyed by (seed,
step, agent, rule), so the same seed gives the same run bit for bit.

The order of the agents, which is part of the model, is also what lets the step run on
all cores with the same numbers on any number of threads (``NUMBA_NUM_THREADS``): the map
is cut into strips, columns of `jonas.abm.grid.STRIP` (2) grid cells, and an agent looks
only at the 3 x 3 grid cells around its own (where it stood when the cell lists were
built), so agents of two strips with a strip between them never touch the same agents.
The step runs the even strips side by side, then the odd ones; within a strip, agents go
in index order. Every other step goes backwards (the odd strips first, each from its last
agent to its first), so that nobody always acts first because of where it stands. Which
thread takes a strip changes nothing, and event counts and the sound of fights and screams
are summed as integers per thread, in any order.

Within a strip, index order is the map's order, row after row, shuffled within each grid
cell: every few steps the agents are sorted in memory by grid cell (`jonas.abm.reorder`;
for speed), and shuffled within a cell, because the order in which the agents of a cell
act must not go by kind (all the prey before the zombies, as the cell lists are sorted,
gave every human the first move: hyosan-city ended with 129,000 survivors and 39,000
killed in the strike) nor by where they came from.

The unseen zombies act last. A zombie that no human's search can reach this step acts
after the strips: one with no human listed in the 3 x 3 grid cells around its own (every
search looks only at the 3 x 3 cells around the searcher's own), and one behind the first
`max_scan` zombies of its cell's list (a search examines at most `max_scan` candidates:
in a crowd, people take in the front rows; `unseen`). Nobody reads where they stand, and
they read only the prey, which nobody moves after the strips. So those that see no prey
roam on all cores, in equal shares of the cell lists (`roam_unseen`): a horde lured to
one spot, all in one strip, keeps every core busy. Those that see prey then go for it one
after another, in the map's order (`hunt_unseen`; a zombie that saw no prey at the
pass's start would have seen none at its turn, as prey only leave the lists, so this
gives the numbers of the whole crowd taking its turns in that order, bit for bit: checked
against it). That the back of a crowd moves after the people around it is part of the
model (when the crowd took its turns before the strips instead, zombies bit more: on
hyosan-city, 80,000-94,000 survivors; docs/agents.md).

Three shortcuts give the same numbers as doing without them, bit for bit (checked), and
make the step cheaper where nothing meets:

- `absent_kinds` marks, per grid cell, the kinds listed in none of the 3 x 3 cells around it;
  a zombie with no prey there, or a human with no zombie there, skips that search (it
  would find nobody).
- `loudest_around` finds the loudest of the 3 x 3 sound cells around each sound cell once per
  step (the field does not change during the step), not once per zombie.
- A horde lured to a point stands on that point: among the unseen zombies, one standing
  where the one before it stood sees no prey if that one saw none, and one following
  sound from there at the same pace ends where that one ended (`roam_unseen`).

Spatial mode (`mixed=False`), per agent, after its turning timer (the bitten):

- zombie: chase the nearest prey it sees (calm or afraid humans within `zombie_sight_m`;
  a human indoors is noticed with probability `indoor_seen` per step), bite or be
  destroyed when within `reach_m`; with no prey in sight, starve (`starve`), else walk
  up the sound field, else drift;
- halfbie: bite a human within reach at `restraint * beta`; destroy a zombie within reach
  (`protect`); evacuate if told, else walk to the nearest halfbie in sight on a share
  `gather` of steps, else wander;
- human (calm, afraid, bitten, slow turner): leave the city at `leave`; the calm and the
  afraid kill a halfbie within reach (`hunt`); perceive zombies (sight and hearing radii),
  get afraid, scream; catch fear from a nearby afraid person; calm down; flee from zombies
  if afraid; else evacuate if told (the afraid faster); else hide if afraid, wander near
  home if not.

The factions' rules (`protect`, `hunt`, `gather`, `starve`: `jonas.abm.factions`) are off
at 0: no search, no draw. A zombie a halfbie destroys may be one that would act after the
strips (halfbies stand beside zombies no human can see): the pass after the strips skips
zombies no longer zombies. An agent killed earlier in the step (a zombie destroyed, a
halfbie hunted) has a state above `HALFBIE` at its turn and does nothing.

Evacuees (`EVACUATING` in `flags`) walk down the evacuation's distance field `route`
(`jonas.abm.routing.descend`) and pass the cordon's checkpoints; an agent that turns
loses the order. The neighbour searches (zombies for prey, halfbies for prey, humans
for zombies, and the factions' searches) share one scan of the cell lists, `gather`.

Well-mixed mode (`mixed=True`): `jonas.abm.well_mixed`.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from jonas.abm.encounters import (
    R_CALM,
    R_HALFBIE_BITE,
    R_HEAR,
    R_SCREAM,
    R_SEE,
    R_SPREAD,
    chances,
    frighten,
    leave,
    turning,
)
from jonas.abm.factions import hunt, join, protect
from jonas.abm.population import EVACUATING, State
from jonas.abm.rng import direction, uniform, uniform_int
from jonas.abm.routing import descend
from jonas.abm.rules import (
    EV_CALMED,
    EV_HALFBIE_BITE,
    EV_STARVED,
    KIND_PEOPLE,
    KIND_PREY,
    KIND_ZOMBIE,
    P_FLEE_BOOST,
    P_GATHER,
    P_HEARING,
    P_HOME_RANGE,
    P_HUNT,
    P_LOUD_FIGHT,
    P_LOUD_SCREAM,
    P_MAX_SCAN,
    P_PROTECT,
    P_REACH,
    P_SIGHT,
    P_TALK,
    P_WANDER,
    S_BITE,
    S_CALM,
    S_FEAR,
    S_GATHER,
    S_PICK,
    S_SCREAM,
    S_SPREAD,
    S_WANDER,
    SECONDS_PER_HOUR,
    bite,
    go,
    pace,
)
from jonas.abm.search import NO_ZOMBIE, absent_kinds, cell_range, gather
from jonas.abm.well_mixed import mixed_step
from jonas.abm.zombies import (
    NOISE_FIGHT,
    NOISE_SCREAM,
    act,
    hunt_unseen,
    loudest_around,
    roam_unseen,
    unseen,
)
from jonas.compiled import compiled, types_of, wait_aside

_CALM = int(State.CALM)
_AFRAID = int(State.AFRAID)
_ZOMBIE = int(State.ZOMBIE)
_HALFBIE = int(State.HALFBIE)
_EVACUATING = int(EVACUATING)


@compiled(nrt=False)
def _strip(
    visit, backward, agents, cells, ground, sound, loudest, s_cell, p, pr, dt, key, events,
    noise, found,
):  # fmt: skip  # pragma: no cover - compiled
    """The agents `visit` (one strip's, in index order; from the last if `backward`), by
    the rules of the module docstring.

    Compiled without numba's reference counting (``nrt=False``; it allocates nothing): the
    small helpers it calls take arrays, and counting references to each at every call
    cost a fifth of the step (measured: 20.0 -> 16.6 ms at 170,000 agents on one thread)
    when they were inlined by numba, and more than half of it (2.97 -> 7.52 ms on two
    threads) since they are compiled on their own, with both threads contending for the
    same counters. For the same reason it is called once per strip, not once per agent.

    agents: the population's arrays (x, y, state, fear, timer, speed, home, flags);
    cells: the cell lists (start, order, cell side, nx, ny); ground: the map's arrays and
    the cordon (blocked, clear, indoor, terrain, map cell side, cordon closed, route,
    whether route is a field). Fights and screams are counted in `noise` (row 0: fights,
    row 1: screams, by flat sound cell), which the step turns into sound after every agent
    has moved.
    """
    x, y, state, fear, timer, speed, home, flags = agents
    start, order, bucket, around, g_cell, g_nx, g_ny = cells
    blocked, clear, _, terrain, map_cell, cordon_closed, route, routed = ground
    max_scan = found.size
    m_nx = blocked.shape[1]
    s_ny, s_nx = sound.shape
    to_m = dt * SECONDS_PER_HOUR  # metres walked per m/s of speed in one step
    sense = max(p[P_SIGHT], p[P_HEARING])
    sight2 = p[P_SIGHT] * p[P_SIGHT]
    talk2 = p[P_TALK] * p[P_TALK]
    inv_g = 1.0 / g_cell
    n = visit.size
    for q in range(n):
        i = visit[n - 1 - q] if backward else visit[q]
        if unseen(i, bucket, around, start, order, max_scan):
            continue
        s = turning(i, state, fear, timer, speed, flags, p, dt, key, events)
        if s > _HALFBIE:
            continue
        px = float(x[i])
        py = float(y[i])
        gi = min(max(math.floor(py * inv_g), 0), g_ny - 1)
        gj = min(max(math.floor(px * inv_g), 0), g_nx - 1)
        evacuee = (flags[i] & _EVACUATING) != 0 and s != _ZOMBIE
        near = around[gi * g_nx + gj]  # which kinds the 3 x 3 cells lack: no search for them
        # (`pace`, the metres of this step, only for those who move: the afraid who hide
        # do not)
        if s == _ZOMBIE:
            v = pace(i, px, py, speed, terrain, map_cell, to_m)
            act(i, px, py, v, gi, gj, near, agents, cells, ground, sound, loudest, s_cell, p,
                pr, key, events, noise, found)  # fmt: skip
            continue
        if s == _HALFBIE:
            v = pace(i, px, py, speed, terrain, map_cell, to_m)
            # bites a human within reach, rarely; zombies never notice it
            k = gather(px, py, p[P_REACH], gi, gj, KIND_PREY, _CALM, _AFRAID, 1,
                        x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found)  # fmt: skip
            if k > 0 and uniform(key, i, S_BITE) < pr[R_HALFBIE_BITE]:
                bite(found[0], state[found[0]] == _AFRAID, state, timer, p, key)
                events[EV_HALFBIE_BITE] += 1
            if p[P_PROTECT] > 0.0 and (near & NO_ZOMBIE) == 0:
                protect(i, px, py, gi, gj, agents, cells, sound, s_cell, p, pr, key, events,
                        noise, found)  # fmt: skip
            if evacuee and routed and descend(i, v, route, x, y, blocked, map_cell, cordon_closed):
                continue
            # on a share `gather` of steps it walks to the nearest halfbie in sight; seeing
            # none, it wanders as on the other steps
            if (
                p[P_GATHER] > 0.0
                and uniform(key, i, S_GATHER) < p[P_GATHER]
                and join(i, px, py, v, gi, gj, evacuee, agents, cells, ground, p, found)
            ):
                continue
            ux, uy = direction(key, i, S_WANDER)
            run = v * p[P_WANDER]
            go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)
            continue
        # -- humans: calm, afraid, bitten, slow turners ----------------------------------------
        if leave(i, s, state, p, pr, key, events):
            continue
        if p[P_HUNT] > 0.0 and s <= _AFRAID:
            hunt(i, s, px, py, gi, gj, agents, cells, sound, s_cell, p, pr, key, events, noise,
                 found)  # fmt: skip
        fx = 0.0
        fy = 0.0
        seen = 0
        heard = 0
        if (near & NO_ZOMBIE) == 0:
            heard = gather(
                px, py, sense, gi, gj, KIND_ZOMBIE, _ZOMBIE, _ZOMBIE, max_scan,
                x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found,
            )  # fmt: skip
        for c in range(heard):
            a = found[c]
            dx = px - x[a]
            dy = py - y[a]
            d2 = dx * dx + dy * dy
            if d2 <= sight2:
                seen += 1
            w = 1.0 / (d2 + 1e-6)
            fx += dx * w
            fy += dy * w
        f = fear[i]
        if heard > 0:
            if uniform(key, i, S_FEAR) < pr[R_SEE if seen > 0 else R_HEAR]:
                frighten(i, 255, state, fear, events)
                f = fear[i]
            if f > 0 and uniform(key, i, S_SCREAM) < pr[R_SCREAM]:
                si = min(max(int(py / s_cell), 0), s_ny - 1)
                sj = min(max(int(px / s_cell), 0), s_nx - 1)
                noise[NOISE_SCREAM, si * s_nx + sj] += 1
        elif f == 0:
            # fear spreads: one person drawn from this grid cell, if close and afraid
            lo, hi = cell_range(gi, gj, g_nx, KIND_PREY, KIND_PEOPLE + 1, start)
            if hi > lo:
                j = order[lo + uniform_int(key, i, S_PICK, hi - lo)]
                if j != i and fear[j] > 0:
                    dx = x[j] - px
                    dy = y[j] - py
                    near = dx * dx + dy * dy <= talk2
                    if near and uniform(key, i, S_SPREAD) < pr[R_SPREAD]:
                        frighten(i, max(1, fear[j] // 2), state, fear, events)
                        f = fear[i]
        elif uniform(key, i, S_CALM) < pr[R_CALM]:
            fear[i] = 0
            f = 0
            if s == _AFRAID:
                state[i] = _CALM
            events[EV_CALMED] += 1
        # movement
        if f > 0:
            boost = 1.0 + (p[P_FLEE_BOOST] - 1.0) * (f / 255.0)
            if heard > 0:
                # fleeing the zombies one perceives comes before any order
                norm = math.sqrt(fx * fx + fy * fy)
                if norm > 0.0:
                    ux = fx / norm
                    uy = fy / norm
                    run = pace(i, px, py, speed, terrain, map_cell, to_m) * boost
                    go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)
            elif evacuee and routed:
                v = pace(i, px, py, speed, terrain, map_cell, to_m)
                descend(i, v * boost, route, x, y, blocked, map_cell, cordon_closed)
            # else afraid with no zombie around and no orders (or no way): hide where they are
            continue
        v = pace(i, px, py, speed, terrain, map_cell, to_m)
        if evacuee and routed and descend(i, v, route, x, y, blocked, map_cell, cordon_closed):
            continue
        ux, uy = direction(key, i, S_WANDER)
        h = home[i]
        if h >= 0:
            hx = ((h % m_nx) + 0.5) * map_cell - px
            hy = ((h // m_nx) + 0.5) * map_cell - py
            ux += hx / p[P_HOME_RANGE]
            uy += hy / p[P_HOME_RANGE]
            norm = math.sqrt(ux * ux + uy * uy)
            if norm > 0.0:
                ux /= norm
                uy /= norm
        run = v * p[P_WANDER]
        go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)


@compiled
def _shares(strip_start, phase, mine, slots):  # pragma: no cover - compiled
    """Which slot (thread) takes each of the phase's strips phase, phase + 2, ...: the
    largest first, each to the slot with the fewest agents so far, so that the threads
    finish together where crowds fill a few strips (the step waits for the slowest at the
    phase's end). Which thread takes a strip changes no number."""
    size = np.empty(mine, np.int64)
    for k in range(mine):
        b = phase + 2 * k
        size[k] = strip_start[b + 1] - strip_start[b]
    # the strips largest first, equal ones in order: a stable insertion sort (a few dozen
    # strips; numba's mergesort cost a second of a first run's compiling)
    by_size = np.empty(mine, np.int64)
    for k in range(mine):
        q = k
        while q > 0 and size[by_size[q - 1]] < size[k]:
            by_size[q] = by_size[q - 1]
            q -= 1
        by_size[q] = k
    share = np.empty(mine, np.int64)
    load = np.zeros(slots, np.int64)
    for k in by_size:
        s = np.argmin(load)
        share[k] = s
        load[s] += size[k]
    return share


@compiled(parallel=True)
def _strips(
    share, phase, strip_start, strip_order, backward, agents, cells, ground, sound, loudest,
    s_cell, p, pr, dt, key, ev, noise, found,
):  # fmt: skip  # pragma: no cover - compiled
    """The strips phase, phase + 2, ... side by side, each on the thread (slot) `share`
    gives it."""
    slots = ev.shape[0]
    for slot in numba.prange(slots):
        for k in range(share.size):
            if share[k] != slot:
                continue
            b = phase + 2 * k
            _strip(
                strip_order[strip_start[b] : strip_start[b + 1]], backward, agents, cells,
                ground, sound, loudest, s_cell, p, pr, dt, key, ev[slot], noise[slot],
                found[slot],
            )  # fmt: skip


@compiled(parallel=True)
def _roam(
    placed, agents, cells, ground, sound, loudest, s_cell, p, dt, key, ev, found, pending, hit,
):  # fmt: skip  # pragma: no cover - compiled
    """`roam_unseen` over the `placed` agents of the cell lists in equal shares, one per
    thread (slot); those that starve are counted per thread, as integers, like every
    event."""
    slots = ev.shape[0]
    for slot in numba.prange(slots):
        ev[slot, EV_STARVED] += roam_unseen(
            placed * slot // slots, placed * (slot + 1) // slots, agents, cells, ground, sound,
            loudest, s_cell, p, dt, key, found[slot], pending, hit,
        )  # fmt: skip


@compiled
def _merge(ev, noise, p, events, sound_src):  # pragma: no cover - compiled
    """The threads' event counts into `events`, and their fights and screams into the
    sound sources: integer sums, the same whatever the number of threads."""
    slots = ev.shape[0]
    s_nx = sound_src.shape[1]
    for e in range(events.size):
        for slot in range(slots):
            events[e] += ev[slot, e]
    for c in range(noise.shape[2]):
        fights = 0
        screams = 0
        for slot in range(slots):
            fights += noise[slot, NOISE_FIGHT, c]
            screams += noise[slot, NOISE_SCREAM, c]
        if fights or screams:
            sound_src[c // s_nx, c % s_nx] += fights * p[P_LOUD_FIGHT] + screams * p[P_LOUD_SCREAM]


def _spatial_step(
    x, y, state, fear, timer, speed, home, flags,
    start, order, bucket, strip_start, strip_order, g_cell, g_nx, g_ny,
    blocked, clear, indoor, terrain, map_cell, cordon_closed, route,
    sound, sound_src, s_cell, p, dt, key, events, backward, slots, compile_only,
):  # fmt: skip
    """The spatial mode's step: strips of the grid, the even ones side by side, then the
    odd ones (the reverse if `backward`), then the zombies no human can see, on `slots`
    threads (module docstring). `compile_only`: compile `_strips` for these arguments'
    types, and do nothing else.

    Python that calls the compiled pieces, not itself compiled: numba links a callee's
    whole machine code into each caller it compiles, so a compiled step optimised and
    emitted the strips' code once more; and `_strips`, called from here, can be compiled
    apart (`compile_only`), by a helper process at a first run. The calls cost about 35 µs
    a step (3 ms at 170,000 agents on two threads)."""
    s_ny, s_nx = sound.shape
    pr = chances(p, dt)
    around = np.empty(g_nx * g_ny, np.uint8)
    loudest = np.empty(s_ny * s_nx, np.int32)
    agents = (x, y, state, fear, timer, speed, home, flags)
    cells = (start, order, bucket, around, g_cell, g_nx, g_ny)
    routed = route.shape == blocked.shape
    ground = (blocked, clear, indoor, terrain, map_cell, cordon_closed, route, routed)
    found = np.empty((slots, max(int(p[P_MAX_SCAN]), 1)), np.int64)
    ev = np.zeros((slots, events.size), np.int64)
    noise = np.zeros((slots, 2, s_ny * s_nx), np.int32)

    placed = int(start[-1])
    pending = np.zeros(placed, np.uint8)
    hit = np.zeros(g_nx * g_ny, np.uint8)

    def strips(share, phase):  # `_strips`' arguments
        return (share, phase, strip_start, strip_order, backward, agents, cells, ground, sound,
                loudest, s_cell, p, pr, dt, key, ev, noise, found)  # fmt: skip

    roam = (placed, agents, cells, ground, sound, loudest, s_cell, p, dt, key, ev, found,
            pending, hit)  # fmt: skip
    hunt = (backward, agents, cells, ground, sound, loudest, s_cell, p, pr, dt, key, ev[0],
            noise[0], found[0], pending, hit)  # fmt: skip
    merge = (ev, noise, p, events, sound_src)
    if compile_only:
        _strips.compile(types_of(strips(_shares(strip_start, 0, 0, slots), 0)))
        return

    def meanwhile() -> None:  # what comes after the strips, compiled while a helper compiles them
        for kernel, arguments in ((_roam, roam), (hunt_unseen, hunt), (_merge, merge)):
            kernel.compile(types_of(arguments))

    wait_aside(meanwhile)  # a helper process may be compiling `_strips` (a first run)
    absent_kinds(start, g_nx, g_ny, around)
    loudest_around(sound, loudest)
    n_strips = strip_start.size - 1
    for ph in range(2):
        phase = 1 - ph if backward else ph
        mine = (n_strips - phase + 1) // 2  # strips phase, phase + 2, ...
        _strips(*strips(_shares(strip_start, phase, mine, slots), phase))
    # last, the zombies no human can see: those that see no prey in equal shares of the
    # cell lists, then the others one by one
    _roam(*roam)
    hunt_unseen(*hunt)
    _merge(*merge)


def step_agents(
    x, y, state, fear, timer, speed, home, flags,
    start, order, bucket, strip_start, strip_order, g_cell, g_nx, g_ny,
    blocked, clear, indoor, terrain, map_cell, cordon_closed, route,
    sound, sound_src, s_cell,
    p, dt, key, mixed, backward, events, compile_only=False,
):  # fmt: skip
    """Advance every agent by dt hours. `events` (int64) accumulates the event counts.
    `backward`: the spatial mode's strips and agents in reverse order (module docstring).
    `compile_only`: compile the spatial step's strips for these arguments' types (most of
    its compiling), and advance nothing.

    `start` and `order` are the cell lists (`jonas.abm.grid`), built for this step.
    `route` is the evacuation's distance field over the map's cells (`jonas.abm.routing`),
    or any array of another shape when there is none. Fights and screams of the step are
    added to `sound_src`.
    """
    if mixed:
        if compile_only:
            return
        mixed_step(state, fear, timer, speed, flags, start, order, p, dt, key, events)
        return
    _spatial_step(
        x, y, state, fear, timer, speed, home, flags,
        start, order, bucket, strip_start, strip_order, g_cell, g_nx, g_ny,
        blocked, clear, indoor, terrain, map_cell, cordon_closed, route,
        sound, sound_src, s_cell, p, dt, key, events, bool(backward),
        numba.get_num_threads(), compile_only,
    )  # fmt: skip
