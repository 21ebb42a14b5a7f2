"""One time step of the agents, compiled: O(N), parallel, reproducible by seed.

The step updates agents in place, one after another (an agent bitten by a zombie earlier
in the step is no longer prey for the next zombie; one that fled has left). Every random
number is drawn from the counter-based generator of `jonas.agents.rng`, keyed by (seed,
step, agent, rule), so the same seed gives the same run bit for bit.

The order of the agents, which is part of the model, is also what lets the step run on
all cores with the same numbers on any number of threads (``NUMBA_NUM_THREADS``): the map
is cut into strips, columns of `jonas.agents.grid.STRIP` (2) grid cells, and an agent looks
only at the 3 x 3 grid cells around its own (where it stood when the cell lists were
built), so agents of two strips with a strip between them never touch the same agents.
The step runs the even strips side by side, then the odd ones; within a strip, agents go
in index order. Every other step goes backwards (the odd strips first, each from its last
agent to its first), so that nobody always acts first because of where it stands. Which
thread takes a strip changes nothing, and event counts and the sound of fights and screams
are summed as integers per thread, in any order.

Within a strip, index order is the map's order, row after row, shuffled within each grid
cell: every few steps the agents are sorted in memory by grid cell (`jonas.agents.reorder`;
for speed), and shuffled within a cell, because the order in which the agents of a cell
act must not go by kind (all the prey before the zombies, as the cell lists are sorted,
gave every human the first move: hyosan-city ended with 129,000 survivors and 39,000
killed in the strike) nor by where they came from.

The unseen zombies act last. A zombie that no human's search can reach this step acts
after the strips: one with no human listed in the 3 x 3 grid cells around its own (every
search looks only at the 3 x 3 cells around the searcher's own), and one behind the first
`max_scan` zombies of its cell's list (a search examines at most `max_scan` candidates:
in a crowd, people take in the front rows; `_unseen`). Nobody reads where they stand, and
they read only the prey, which nobody moves after the strips. So those that see no prey
roam on all cores, in equal shares of the cell lists (`_roam_unseen`): a horde lured to
one spot, all in one strip, keeps every core busy. Those that see prey then go for it one
after another, in the map's order (`_hunt_unseen`; a zombie that saw no prey at the
pass's start would have seen none at its turn, as prey only leave the lists, so this
gives the numbers of the whole crowd taking its turns in that order, bit for bit: checked
against it). That the back of a crowd moves after the people around it is part of the
model (when the crowd took its turns before the strips instead, zombies bit more: on
hyosan-city, 80,000-94,000 survivors; docs/agents.md).

Three shortcuts give the same numbers as doing without them, bit for bit (checked), and
make the step cheaper where nothing meets:

- `_around` marks, per grid cell, the kinds listed in none of the 3 x 3 cells around it;
  a zombie with no prey there, or a human with no zombie there, skips that search (it
  would find nobody).
- `_loudest` finds the loudest of the 3 x 3 sound cells around each sound cell once per
  step (the field does not change during the step), not once per zombie.
- A horde lured to a point stands on that point: among the unseen zombies, one standing
  where the one before it stood sees no prey if that one saw none, and one following
  sound from there at the same pace ends where that one ended (`_roam_unseen`).

Spatial mode (`mixed=False`), per agent, after its turning timer (the bitten):

- zombie: chase the nearest prey it sees (calm or afraid humans within `zombie_sight_m`;
  a human indoors is noticed with probability `indoor_seen` per step), bite or be
  destroyed when within `reach_m`; else walk up the sound field; else drift;
- halfbie: bite a human within reach at `restraint * beta`; evacuate if told, else wander;
- human (calm, afraid, bitten, slow turner): leave the city at `leave`; perceive zombies
  (sight and hearing radii), get afraid, scream; catch fear from a nearby afraid person;
  calm down; flee from zombies if afraid; else evacuate if told (the afraid faster); else
  hide if afraid, wander near home if not.

Evacuees (`EVACUATING` in `flags`) walk down the evacuation's distance field `route`
(`jonas.agents.routing.descend`) and pass the cordon's checkpoints; an agent that turns
loses the order. The three neighbour searches (zombies for prey, halfbies for prey, humans
for zombies) share one scan of the cell lists, `_gather`.

Well-mixed mode (`mixed=True`): `jonas.agents.well_mixed`.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from jonas.agents.encounters import (
    R_BITE,
    R_BLOOD,
    R_CALM,
    R_HALFBIE_BITE,
    R_HEAR,
    R_KILL,
    R_SCREAM,
    R_SEE,
    R_SPREAD,
    chances,
    encounter,
    frighten,
    leave,
    turning,
)
from jonas.agents.population import EVACUATING, SPEED_UNIT, State
from jonas.agents.rng import direction, uniform, uniform_int
from jonas.agents.routing import descend
from jonas.agents.rules import (
    EV_CALMED,
    EV_FIGHT,
    EV_HALFBIE_BITE,
    KIND_PEOPLE,
    KIND_PREY,
    KIND_ZOMBIE,
    N_KINDS,
    P_FLEE_BOOST,
    P_HEAR_THRESHOLD,
    P_HEARING,
    P_HOME_RANGE,
    P_INDOOR_SEEN,
    P_LOUD_FIGHT,
    P_LOUD_SCREAM,
    P_MAX_SCAN,
    P_REACH,
    P_SIGHT,
    P_TALK,
    P_WANDER,
    P_ZSIGHT,
    P_ZWANDER,
    S_BITE,
    S_CALM,
    S_FEAR,
    S_HIDDEN,
    S_PICK,
    S_SCREAM,
    S_SPREAD,
    S_WANDER,
    bite,
    clear_move,
    walk,
)
from jonas.agents.well_mixed import mixed_step
from jonas.engines.kernels import compiled

SECONDS_PER_HOUR = 3600.0
NOISE_FIGHT, NOISE_SCREAM = 0, 1
#: bits of `_around`
NO_HUMAN, NO_PREY, NO_ZOMBIE = 1, 2, 4

_CALM = int(State.CALM)
_AFRAID = int(State.AFRAID)
_ZOMBIE = int(State.ZOMBIE)
_HALFBIE = int(State.HALFBIE)
_EVACUATING = int(EVACUATING)


@compiled(inline=True)
def _go(
    i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, through_gates
):  # pragma: no cover
    """Move agent i `run` metres along (ux, uy): at once where nothing can block it (the
    inlined `clear_move`), else by `walk`'s sub-steps (a call, paid only near walls)."""
    if not clear_move(i, ux, uy, run, x, y, clear, map_cell):
        walk(i, ux, uy, run, x, y, blocked, map_cell, cordon_closed, through_gates)


@compiled(inline=True)
def _pace(i, px, py, speed, terrain, map_cell, to_m):  # pragma: no cover - compiled
    """Metres agent i, at (px, py), covers this step at full pace: its speed times the
    land use's factor there, times `to_m` (seconds in the step)."""
    m_ny, m_nx = terrain.shape
    mi = min(max(int(py / map_cell), 0), m_ny - 1)
    mj = min(max(int(px / map_cell), 0), m_nx - 1)
    return speed[i] * SPEED_UNIT * terrain[mi, mj] * to_m


@compiled(inline=True)
def _roam(
    i, px, py, v, x, y, loudest, sound, s_cell, blocked, clear, map_cell, cordon_closed, p, key
):  # pragma: no cover - compiled
    """Zombie i, at (px, py), with nobody in sight: walks (up to v metres) toward the
    centre of the loudest of the 3 x 3 sound cells around it (`loudest`), if it is heard;
    else drifts at `zombie_wander` of v in a random direction. Returns whether it followed
    sound (where it ends is then a function of px, py and v alone)."""
    s_ny, s_nx = sound.shape
    si = min(max(int(py / s_cell), 0), s_ny - 1)
    sj = min(max(int(px / s_cell), 0), s_nx - 1)
    c = loudest[si * s_nx + sj]
    li = c // s_nx
    lj = c % s_nx
    if sound[li, lj] > p[P_HEAR_THRESHOLD]:
        tx = (lj + 0.5) * s_cell - px
        ty = (li + 0.5) * s_cell - py
        d = math.sqrt(tx * tx + ty * ty)
        if d > 1e-6:
            run = min(v, d)
            _go(i, tx / d, ty / d, run, x, y, blocked, clear, map_cell, cordon_closed, False)
        return True
    ux, uy = direction(key, i, S_WANDER)
    run = v * p[P_ZWANDER]
    _go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, False)
    return False


@compiled(parallel=True)
def _loudest(sound, loudest):  # pragma: no cover - compiled
    """loudest[c]: the loudest of the 3 x 3 sound cells around sound cell c (flat index;
    the first in row order among equals, c itself if none is louder). The field does not
    change during the step, so this is done once per cell, not once per zombie."""
    s_ny, s_nx = sound.shape
    for si in numba.prange(s_ny):
        for sj in range(s_nx):
            li = si
            lj = sj
            loud = sound[si, sj]
            for ci in range(max(si - 1, 0), min(si + 2, s_ny)):
                for cj in range(max(sj - 1, 0), min(sj + 2, s_nx)):
                    if sound[ci, cj] > loud:
                        loud = sound[ci, cj]
                        li = ci
                        lj = cj
            loudest[si * s_nx + sj] = li * s_nx + lj


@compiled(inline=True)
def _unseen(i, bucket, around, start, order, max_scan):  # pragma: no cover - compiled
    """Whether agent i is a zombie, at the step's start, that no human's search can reach
    (it acts after the strips): in a grid cell with no human in the 3 x 3 around it
    (`_around`), or behind the first `max_scan` zombies of its cell's list (a search
    examines at most that many; the list is in increasing index)."""
    b = bucket[i]
    if b < 0 or b % N_KINDS != KIND_ZOMBIE:
        return False
    if (around[b // N_KINDS] & NO_HUMAN) != 0:
        return True
    lo = start[b]
    return start[b + 1] - lo > max_scan and i >= order[lo + max_scan]


@compiled(inline=True)
def _cell_range(gi, gj, g_nx, kind_lo, kind_hi, start):  # pragma: no cover - compiled
    b = (gi * g_nx + gj) * N_KINDS
    return start[b + kind_lo], start[b + kind_hi]


@compiled
def _gather(
    px, py, r, gi, gj, kind, s_lo, s_hi, limit,
    x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found,
):  # fmt: skip  # pragma: no cover - compiled
    """The neighbour search every rule shares: agents of bucket `kind` whose state is still
    in s_lo..s_hi (states change during the step: a human bitten earlier in the loop is no
    longer prey) within r metres of (px, py), in grid cell (gi, gj), written to `found`.

    Scans the grid cells that the square of side 2r around the point touches (of the 3 x 3
    around (gi, gj): r is at most a cell), row by row, agents in index order within a cell
    (as good as random: `jonas.agents.reorder`), examining at most `max_scan` candidates
    (the step stays O(N) in crowds) and stopping once `limit` are found. Returns how many
    were found. (A zombie sees half a cell: it scans 4 cells, not 9, and spends its
    `max_scan` on candidates that may be in sight.)
    """
    k = 0
    scanned = 0
    r2 = r * r
    inv = 1.0 / g_cell
    i_lo = max(math.floor((py - r) * inv), gi - 1, 0)
    i_hi = min(math.floor((py + r) * inv), gi + 1, g_ny - 1)
    j_lo = max(math.floor((px - r) * inv), gj - 1, 0)
    j_hi = min(math.floor((px + r) * inv), gj + 1, g_nx - 1)
    for ci in range(i_lo, i_hi + 1):
        for cj in range(j_lo, j_hi + 1):
            lo, hi = _cell_range(ci, cj, g_nx, kind, kind + 1, start)
            for q in range(lo, hi):
                if scanned >= max_scan:
                    return k
                scanned += 1
                a = order[q]
                sa = state[a]
                if sa < s_lo or sa > s_hi:
                    continue
                dx = x[a] - px
                dy = y[a] - py
                if dx * dx + dy * dy <= r2:
                    found[k] = a
                    k += 1
                    if k >= limit:
                        return k
    return k


@compiled(inline=True)
def _target(
    px, py, gi, gj, near, agents, cells, indoor, map_cell, p, key, found
):  # pragma: no cover - compiled
    """The prey zombie i, at (px, py) in grid cell (gi, gj), goes for: the nearest calm or
    afraid human it sees (within `zombie_sight_m`; one indoors is noticed with probability
    `indoor_seen`, drawn per human and step). Returns (prey, squared distance), prey -1 if
    none; `near` is the cell's `_around` mark (no prey around: no search)."""
    x, y, state = agents[0], agents[1], agents[2]
    start, order, g_cell, g_nx, g_ny = cells[0], cells[1], cells[4], cells[5], cells[6]
    zs = p[P_ZSIGHT]
    max_scan = found.size
    k = 0
    if (near & NO_PREY) == 0:
        k = _gather(
            px, py, zs, gi, gj, KIND_PREY, _CALM, _AFRAID, max_scan,
            x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found,
        )  # fmt: skip
    m_ny, m_nx = indoor.shape
    best = -1
    bd2 = zs * zs
    for c in range(k):
        a = found[c]
        dx = x[a] - px
        dy = y[a] - py
        d2 = dx * dx + dy * dy
        if d2 <= bd2:
            ai = min(max(int(y[a] / map_cell), 0), m_ny - 1)
            aj = min(max(int(x[a] / map_cell), 0), m_nx - 1)
            if indoor[ai, aj] and uniform(key, a, S_HIDDEN) >= p[P_INDOOR_SEEN]:
                continue
            best = a
            bd2 = d2
    return best, bd2


@compiled(inline=True)
def _attack(
    i, best, bd2, px, py, v, agents, ground, sound, s_cell, p, pr, key, events, noise
):  # pragma: no cover - compiled
    """Zombie i, at (px, py), goes for prey `best` (squared distance bd2; `_target`): runs
    at it (up to v metres) unless within reach, and attacks if within reach then."""
    x, y, state, fear, timer = agents[0], agents[1], agents[2], agents[3], agents[4]
    blocked, clear, map_cell, cordon_closed = ground[0], ground[1], ground[4], ground[5]
    reach = p[P_REACH]
    reach2 = reach * reach
    if bd2 > reach2:
        # run at the target; a zombie that reaches it attacks in the same step (fast
        # zombies: otherwise a long step would let every target walk off)
        d = math.sqrt(bd2)
        ux = (x[best] - px) / d
        uy = (y[best] - py) / d
        run = min(v, d - 0.5 * reach)
        _go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, False)
        dx = x[best] - x[i]
        dy = y[best] - y[i]
        if dx * dx + dy * dy > reach2:
            return
    # the human fights back less the more afraid: by its fear
    fb = fear[best]
    events[EV_FIGHT] += 1
    if encounter(i, best, pr[R_BITE], pr[R_KILL + fb], pr[R_BLOOD + fb], state, timer, p, key,
                 events) > 0:  # fmt: skip
        s_ny, s_nx = sound.shape
        si = min(max(int(y[i] / s_cell), 0), s_ny - 1)
        sj = min(max(int(x[i] / s_cell), 0), s_nx - 1)
        noise[NOISE_FIGHT, si * s_nx + sj] += 1


@compiled(nrt=False)
def _strip(
    visit, backward, agents, cells, ground, sound, loudest, s_cell, p, pr, dt, key, events,
    noise, found,
):  # fmt: skip  # pragma: no cover - compiled
    """The agents `visit` (one strip's, in index order; from the last if `backward`), by
    the rules of the module docstring.

    Compiled without numba's reference counting (``nrt=False``; it allocates nothing): the
    small helpers it inlines take arrays, and counting references to each at every call
    cost a fifth of the step (measured: 20.0 -> 16.6 ms at 170,000 agents on one thread),
    with both threads contending for the same counters. For the same reason it is called
    once per strip, not once per agent.

    agents: the population's arrays (x, y, state, fear, timer, speed, home, flags);
    cells: the cell lists (start, order, cell side, nx, ny); ground: the map's arrays and
    the cordon (blocked, clear, indoor, terrain, map cell side, cordon closed, route,
    whether route is a field). Fights and screams are counted in `noise` (row 0: fights,
    row 1: screams, by flat sound cell), which the step turns into sound after every agent
    has moved.
    """
    x, y, state, fear, timer, speed, home, flags = agents
    start, order, bucket, around, g_cell, g_nx, g_ny = cells
    blocked, clear, indoor, terrain, map_cell, cordon_closed, route, routed = ground
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
        if _unseen(i, bucket, around, start, order, max_scan):
            continue
        s = turning(i, state, fear, timer, speed, flags, p, dt, key, events)
        if s > _HALFBIE:
            continue
        px = float(x[i])
        py = float(y[i])
        gi = min(max(math.floor(py * inv_g), 0), g_ny - 1)
        gj = min(max(math.floor(px * inv_g), 0), g_nx - 1)
        v = _pace(i, px, py, speed, terrain, map_cell, to_m)
        evacuee = (flags[i] & _EVACUATING) != 0 and s != _ZOMBIE
        near = around[gi * g_nx + gj]  # which kinds the 3 x 3 cells lack: no search for them
        if s == _ZOMBIE:
            best, bd2 = _target(px, py, gi, gj, near, agents, cells, indoor, map_cell, p, key,
                                found)  # fmt: skip
            if best >= 0:
                _attack(i, best, bd2, px, py, v, agents, ground, sound, s_cell, p, pr, key,
                        events, noise)  # fmt: skip
            else:
                _roam(i, px, py, v, x, y, loudest, sound, s_cell, blocked, clear, map_cell,
                      cordon_closed, p, key)  # fmt: skip
            continue
        if s == _HALFBIE:
            # bites a human within reach, rarely; zombies never notice it
            k = _gather(px, py, p[P_REACH], gi, gj, KIND_PREY, _CALM, _AFRAID, 1,
                        x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found)  # fmt: skip
            if k > 0 and uniform(key, i, S_BITE) < pr[R_HALFBIE_BITE]:
                bite(found[0], state[found[0]] == _AFRAID, state, timer, p, key)
                events[EV_HALFBIE_BITE] += 1
            if evacuee and routed and descend(i, v, route, x, y, blocked, map_cell, cordon_closed):
                continue
            ux, uy = direction(key, i, S_WANDER)
            run = v * p[P_WANDER]
            _go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)
            continue
        # -- humans: calm, afraid, bitten, slow turners ----------------------------------------
        if leave(i, s, state, p, pr, key, events):
            continue
        fx = 0.0
        fy = 0.0
        seen = 0
        heard = 0
        if (near & NO_ZOMBIE) == 0:
            heard = _gather(
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
            lo, hi = _cell_range(gi, gj, g_nx, KIND_PREY, KIND_PEOPLE + 1, start)
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
                    run = v * boost
                    _go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)
            elif evacuee and routed:
                descend(i, v * boost, route, x, y, blocked, map_cell, cordon_closed)
            # else afraid with no zombie around and no orders (or no way): hide where they are
            continue
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
        _go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)


@compiled(parallel=True)
def _around(start, g_nx, g_ny, around):  # pragma: no cover - compiled
    """around[c]: which kinds are listed in none of the 3 x 3 grid cells around cell c,
    as bits: `NO_HUMAN` (no prey, no other people), `NO_PREY`, `NO_ZOMBIE`. A search of
    those cells for that kind would find nobody, so the step skips it."""
    for gi in numba.prange(g_ny):
        for gj in range(g_nx):
            prey = 0
            people = 0
            zombies = 0
            for ci in range(max(gi - 1, 0), min(gi + 2, g_ny)):
                for cj in range(max(gj - 1, 0), min(gj + 2, g_nx)):
                    b = (ci * g_nx + cj) * N_KINDS
                    prey += start[b + KIND_PREY + 1] - start[b + KIND_PREY]
                    people += start[b + KIND_PEOPLE + 1] - start[b + KIND_PEOPLE]
                    zombies += start[b + KIND_ZOMBIE + 1] - start[b + KIND_ZOMBIE]
            f = 0
            if prey == 0:
                f |= NO_PREY
                if people == 0:
                    f |= NO_HUMAN
            if zombies == 0:
                f |= NO_ZOMBIE
            around[gi * g_nx + gj] = f


@compiled(nrt=False)
def _roam_unseen(
    lo, hi, agents, cells, ground, sound, loudest, s_cell, p, dt, key, found, pending, hit
):  # pragma: no cover - compiled
    """The unseen zombies (`_unseen`) listed in order[lo:hi], found by walking the zombie
    lists of the grid cells that order[lo:hi] spans (not every agent in it). Those that
    see no prey follow sound or drift (`_roam`), exactly as they would in any order: they
    read nothing that the pass writes. Those that see prey are marked in `pending` (by list
    position), and their cells in `hit`, for `_hunt_unseen`."""
    x, y, speed = agents[0], agents[1], agents[5]
    start, order, around, g_nx = cells[0], cells[1], cells[3], cells[5]
    blocked, clear, indoor, terrain = ground[0], ground[1], ground[2], ground[3]
    map_cell, cordon_closed = ground[4], ground[5]
    max_scan = found.size
    to_m = dt * SECONDS_PER_HOUR
    # the first cell whose agents end after lo (bucket starts only grow)
    c_lo = 0
    c_hi = (start.size - 1) // N_KINDS - 1
    while c_lo < c_hi:
        mid = (c_lo + c_hi) // 2
        if start[(mid + 1) * N_KINDS] > lo:
            c_hi = mid
        else:
            c_lo = mid + 1
    n_cells = (start.size - 1) // N_KINDS
    # a horde lured to one point stands on one spot: zombies there see the same prey (none)
    # and, following sound, walk to the same point, so each is worked out once per run of
    # them (prey and the map do not change during the pass; the drift is drawn per zombie)
    seen_x = seen_y = math.nan  # where the last zombie looked saw no prey
    from_x = from_y = from_v = math.nan  # where the last zombie following sound set out,
    to_x = to_y = np.float32(0.0)  # at what pace, and where it ended
    for c in range(c_lo, n_cells):
        b = c * N_KINDS
        if start[b] >= hi:
            break
        z_lo = start[b + KIND_ZOMBIE]
        z_hi = start[b + KIND_ZOMBIE + 1]
        free = (around[c] & NO_HUMAN) != 0
        if not free:
            if z_hi - z_lo <= max_scan:
                continue
            z_lo += max_scan  # the crowd behind the first max_scan
        gi = c // g_nx
        gj = c % g_nx
        for q in range(max(z_lo, lo), min(z_hi, hi)):
            i = order[q]
            px = float(x[i])
            py = float(y[i])
            if not free and not (px == seen_x and py == seen_y):
                best = _target(px, py, gi, gj, around[c], agents, cells, indoor, map_cell, p,
                               key, found)[0]  # fmt: skip
                if best >= 0:
                    pending[q] = 1
                    hit[c] = 1  # (two threads sharing a cell's list may both write this 1)
                    continue
                seen_x = px
                seen_y = py
            v = _pace(i, px, py, speed, terrain, map_cell, to_m)
            if px == from_x and py == from_y and v == from_v:
                x[i] = to_x
                y[i] = to_y
            elif _roam(i, px, py, v, x, y, loudest, sound, s_cell, blocked, clear, map_cell,
                       cordon_closed, p, key):  # fmt: skip
                from_x, from_y, from_v = px, py, v
                to_x = x[i]
                to_y = y[i]


@compiled(nrt=False)
def _hunt_unseen(
    backward, agents, cells, ground, sound, loudest, s_cell, p, pr, dt, key, events, noise,
    found, pending, hit,
):  # fmt: skip  # pragma: no cover - compiled
    """The unseen zombies that see prey (`pending`, in the cells marked in `hit`), one
    after another in the map's order (grid cells row by row, each cell's list in order;
    all of it reversed if `backward`): each goes for its prey (`_target`, `_attack`) or,
    if a zombie before it took that prey, roams. Prey only leave the lists here (bitten)
    and nobody else moves, so a zombie that saw no prey before this loop would have seen
    none at its turn: `_roam_unseen` left it out exactly."""
    x, y, speed = agents[0], agents[1], agents[5]
    start, order, around = cells[0], cells[1], cells[3]
    g_cell, g_nx, g_ny = cells[4], cells[5], cells[6]
    blocked, clear, indoor, terrain = ground[0], ground[1], ground[2], ground[3]
    map_cell, cordon_closed = ground[4], ground[5]
    max_scan = found.size
    to_m = dt * SECONDS_PER_HOUR
    inv_g = 1.0 / g_cell
    n_cells = g_nx * g_ny
    for k in range(n_cells):
        c = n_cells - 1 - k if backward else k
        if hit[c] == 0:
            continue
        b = c * N_KINDS + KIND_ZOMBIE
        z_lo = start[b] + max_scan
        z_hi = start[b + 1]
        for m in range(z_hi - z_lo):
            q = z_hi - 1 - m if backward else z_lo + m
            if pending[q] == 0:
                continue
            i = order[q]
            px = float(x[i])
            py = float(y[i])
            gi = min(max(math.floor(py * inv_g), 0), g_ny - 1)
            gj = min(max(math.floor(px * inv_g), 0), g_nx - 1)
            v = _pace(i, px, py, speed, terrain, map_cell, to_m)
            best, bd2 = _target(px, py, gi, gj, around[gi * g_nx + gj], agents, cells, indoor,
                                map_cell, p, key, found)  # fmt: skip
            if best >= 0:
                _attack(i, best, bd2, px, py, v, agents, ground, sound, s_cell, p, pr, key,
                        events, noise)  # fmt: skip
            else:
                _roam(i, px, py, v, x, y, loudest, sound, s_cell, blocked, clear, map_cell,
                      cordon_closed, p, key)  # fmt: skip


@compiled(parallel=True)
def _spatial_step(
    x, y, state, fear, timer, speed, home, flags,
    start, order, bucket, strip_start, strip_order, g_cell, g_nx, g_ny,
    blocked, clear, indoor, terrain, map_cell, cordon_closed, route,
    sound, sound_src, s_cell, p, dt, key, events, backward, slots,
):  # fmt: skip  # pragma: no cover - compiled
    """The spatial mode's step: strips of the grid, the even ones side by side, then the
    odd ones (the reverse if `backward`), then the zombies no human can see, on `slots`
    threads (module docstring)."""
    m_ny, m_nx = blocked.shape
    routed = route.shape[0] == m_ny and route.shape[1] == m_nx
    s_ny, s_nx = sound.shape
    pr = chances(p, dt)
    around = np.empty(g_nx * g_ny, np.uint8)
    _around(start, g_nx, g_ny, around)
    loudest = np.empty(s_ny * s_nx, np.int32)
    _loudest(sound, loudest)
    agents = (x, y, state, fear, timer, speed, home, flags)
    cells = (start, order, bucket, around, g_cell, g_nx, g_ny)
    ground = (blocked, clear, indoor, terrain, map_cell, cordon_closed, route, routed)
    found = np.empty((slots, max(int(p[P_MAX_SCAN]), 1)), np.int64)
    ev = np.zeros((slots, events.size), np.int64)
    noise = np.zeros((slots, 2, s_ny * s_nx), np.int32)
    n_strips = strip_start.size - 1
    for ph in range(2):
        phase = 1 - ph if backward else ph
        mine = (n_strips - phase + 1) // 2  # strips phase, phase + 2, ...
        for slot in numba.prange(slots):
            # slot k takes every slots-th strip of the phase: each thread's share is spread
            # over the whole map, so that crowds and empty hills even out between threads
            for k in range(slot, mine, slots):
                b = phase + 2 * k
                _strip(
                    strip_order[strip_start[b] : strip_start[b + 1]], backward, agents, cells,
                    ground, sound, loudest, s_cell, p, pr, dt, key, ev[slot], noise[slot],
                    found[slot],
                )  # fmt: skip
    # last, the zombies no human can see: those that see no prey in equal shares of the
    # cell lists, then the others one by one
    placed = start[start.size - 1]
    pending = np.zeros(placed, np.uint8)
    hit = np.zeros(g_nx * g_ny, np.uint8)
    for slot in numba.prange(slots):
        _roam_unseen(
            placed * slot // slots, placed * (slot + 1) // slots, agents, cells, ground, sound,
            loudest, s_cell, p, dt, key, found[slot], pending, hit,
        )  # fmt: skip
    _hunt_unseen(backward, agents, cells, ground, sound, loudest, s_cell, p, pr, dt, key, ev[0],
           noise[0], found[0], pending, hit)  # fmt: skip
    # integer sums: the same whatever the number of slots
    for e in range(events.size):
        for slot in range(slots):
            events[e] += ev[slot, e]
    for c in range(s_ny * s_nx):
        fights = 0
        screams = 0
        for slot in range(slots):
            fights += noise[slot, NOISE_FIGHT, c]
            screams += noise[slot, NOISE_SCREAM, c]
        if fights or screams:
            sound_src[c // s_nx, c % s_nx] += fights * p[P_LOUD_FIGHT] + screams * p[P_LOUD_SCREAM]


def step_agents(
    x, y, state, fear, timer, speed, home, flags,
    start, order, bucket, strip_start, strip_order, g_cell, g_nx, g_ny,
    blocked, clear, indoor, terrain, map_cell, cordon_closed, route,
    sound, sound_src, s_cell,
    p, dt, key, mixed, backward, events,
):  # fmt: skip
    """Advance every agent by dt hours. `events` (int64) accumulates the event counts.
    `backward`: the spatial mode's strips and agents in reverse order (module docstring).

    `start` and `order` are the cell lists (`jonas.agents.grid`), built for this step.
    `route` is the evacuation's distance field over the map's cells (`jonas.agents.routing`),
    or any array of another shape when there is none. Fights and screams of the step are
    added to `sound_src`.
    """
    if mixed:
        mixed_step(state, fear, timer, speed, flags, start, order, p, dt, key, events)
        return
    _spatial_step(
        x, y, state, fear, timer, speed, home, flags,
        start, order, bucket, strip_start, strip_order, g_cell, g_nx, g_ny,
        blocked, clear, indoor, terrain, map_cell, cordon_closed, route,
        sound, sound_src, s_cell, p, dt, key, events, bool(backward),
        numba.get_num_threads(),
    )  # fmt: skip
