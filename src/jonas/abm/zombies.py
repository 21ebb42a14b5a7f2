"""What a zombie does in the spatial step: choose its prey (`target`) and go for it
(`attack`), else follow sound up to the loudest sound cell around it (`roam`, with
`loudest_around` worked out once per step) or drift; and the zombies that no human can
see, who act after the strips (`unseen`: on all cores those that see no prey,
`roam_unseen`, then one by one those that do, `hunt_unseen`). A zombie that sees no prey
may starve (`starve`, off at 0). The order, and why it gives the same numbers on any
number of threads: `jonas.abm.step`."""

from __future__ import annotations

import math

import numba
import numpy as np

from jonas.abm.encounters import R_BITE, R_BLOOD, R_KILL, R_STARVE, encounter, starves
from jonas.abm.population import State
from jonas.abm.rng import direction, uniform
from jonas.abm.rules import (
    EV_FIGHT,
    EV_STARVED,
    KIND_PREY,
    KIND_ZOMBIE,
    N_KINDS,
    P_HEAR_THRESHOLD,
    P_INDOOR_SEEN,
    P_PROTECT,
    P_REACH,
    P_STARVE,
    P_ZSIGHT,
    P_ZWANDER,
    S_HIDDEN,
    S_WANDER,
    SECONDS_PER_HOUR,
    chance,
    go,
    pace,
)
from jonas.abm.search import NO_HUMAN, NO_PREY, gather
from jonas.compiled import compiled

#: rows of the step's count of noises by sound cell
NOISE_FIGHT, NOISE_SCREAM = 0, 1

_CALM = int(State.CALM)
_AFRAID = int(State.AFRAID)
_ZOMBIE = int(State.ZOMBIE)


@compiled
def roam(
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
            go(i, tx / d, ty / d, run, x, y, blocked, clear, map_cell, cordon_closed, False)
        return True
    ux, uy = direction(key, i, S_WANDER)
    run = v * p[P_ZWANDER]
    go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, False)
    return False


@compiled(parallel=True)
def loudest_around(sound, loudest):  # pragma: no cover - compiled
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


@compiled
def target(
    px, py, gi, gj, near, agents, cells, indoor, map_cell, p, key, found
):  # pragma: no cover - compiled
    """The prey zombie i, at (px, py) in grid cell (gi, gj), goes for: the nearest calm or
    afraid human it sees (within `zombie_sight_m`; one indoors is noticed with probability
    `indoor_seen`, drawn per human and step). Returns (prey, squared distance), prey -1 if
    none; `near` is the cell's `absent_kinds` mark (no prey around: no search)."""
    x, y, state = agents[0], agents[1], agents[2]
    start, order, g_cell, g_nx, g_ny = cells[0], cells[1], cells[4], cells[5], cells[6]
    zs = p[P_ZSIGHT]
    max_scan = found.size
    k = 0
    if (near & NO_PREY) == 0:
        k = gather(
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


@compiled
def attack(
    i, best, bd2, px, py, v, agents, ground, sound, s_cell, p, pr, key, events, noise
):  # pragma: no cover - compiled
    """Zombie i, at (px, py), goes for prey `best` (squared distance bd2; `target`): runs
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
        go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, False)
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


@compiled
def act(
    i, px, py, v, gi, gj, near, agents, cells, ground, sound, loudest, s_cell, p, pr, key,
    events, noise, found,
):  # fmt: skip  # pragma: no cover - compiled
    """Zombie i's turn, at (px, py) in grid cell (gi, gj) (`near`: the cell's
    `absent_kinds` mark), v metres at full pace: it goes for the prey it sees (`target`,
    `attack`), else starves (`starve`, where it stands) or follows sound or drifts
    (`roam`)."""
    x, y, state = agents[0], agents[1], agents[2]
    blocked, clear, indoor = ground[0], ground[1], ground[2]
    map_cell, cordon_closed = ground[4], ground[5]
    best, bd2 = target(px, py, gi, gj, near, agents, cells, indoor, map_cell, p, key, found)
    if best >= 0:
        attack(i, best, bd2, px, py, v, agents, ground, sound, s_cell, p, pr, key, events, noise)
    elif p[P_STARVE] > 0.0 and starves(i, pr[R_STARVE], state, p, key):
        events[EV_STARVED] += 1
    else:
        roam(i, px, py, v, x, y, loudest, sound, s_cell, blocked, clear, map_cell,
             cordon_closed, p, key)  # fmt: skip


@compiled
def unseen(i, bucket, around, start, order, max_scan):  # pragma: no cover - compiled
    """Whether agent i is a zombie, at the step's start, that no human's search can reach
    (it acts after the strips): in a grid cell with no human in the 3 x 3 around it
    (`absent_kinds`), or behind the first `max_scan` zombies of its cell's list (a search
    examines at most that many; the list is in increasing index)."""
    b = bucket[i]
    if b < 0 or b % N_KINDS != KIND_ZOMBIE:
        return False
    if (around[b // N_KINDS] & NO_HUMAN) != 0:
        return True
    lo = start[b]
    return start[b + 1] - lo > max_scan and i >= order[lo + max_scan]


@compiled(nrt=False)
def roam_unseen(
    lo, hi, agents, cells, ground, sound, loudest, s_cell, p, dt, key, found, pending, hit
):  # pragma: no cover - compiled
    """The unseen zombies (`unseen`) listed in order[lo:hi], found by walking the zombie
    lists of the grid cells that order[lo:hi] spans (not every agent in it). Those that
    see no prey starve (`starve`) or follow sound or drift (`roam`), exactly as they would
    in any order: they read nothing that the pass writes, and draw by their own index.
    Those that see prey are marked in `pending` (by list position), and their cells in
    `hit`, for `hunt_unseen`. Returns how many starved (the caller adds them to its
    thread's events).

    A zombie still listed may have been destroyed during the strips by a halfbie (`protect`:
    halfbies, unlike humans, may stand next to a zombie nobody else sees); it no longer
    acts. Nothing else changes a listed zombie before it acts, so with `protect` at 0 its
    state is not read."""
    x, y, state, speed = agents[0], agents[1], agents[2], agents[5]
    start, order, around, g_nx = cells[0], cells[1], cells[3], cells[5]
    blocked, clear, indoor, terrain = ground[0], ground[1], ground[2], ground[3]
    map_cell, cordon_closed = ground[4], ground[5]
    max_scan = found.size
    to_m = dt * SECONDS_PER_HOUR
    gone = p[P_PROTECT] > 0.0  # some listed zombies may have been destroyed (docstring)
    q_starve = chance(p[P_STARVE], dt)  # = the step's pr[R_STARVE], bit for bit
    starved = 0
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
            if gone and state[i] != _ZOMBIE:
                continue
            px = float(x[i])
            py = float(y[i])
            if not free and not (px == seen_x and py == seen_y):
                best = target(px, py, gi, gj, around[c], agents, cells, indoor, map_cell, p,
                               key, found)[0]  # fmt: skip
                if best >= 0:
                    pending[q] = 1
                    hit[c] = 1  # (two threads sharing a cell's list may both write this 1)
                    continue
                seen_x = px
                seen_y = py
            # no prey in sight: it may starve where it stands (its own draw, so the pile's
            # shortcut below still holds for those that roam)
            if q_starve > 0.0 and starves(i, q_starve, state, p, key):
                starved += 1
                continue
            v = pace(i, px, py, speed, terrain, map_cell, to_m)
            if px == from_x and py == from_y and v == from_v:
                x[i] = to_x
                y[i] = to_y
            elif roam(i, px, py, v, x, y, loudest, sound, s_cell, blocked, clear, map_cell,
                       cordon_closed, p, key):  # fmt: skip
                from_x, from_y, from_v = px, py, v
                to_x = x[i]
                to_y = y[i]
    return starved


@compiled(nrt=False)
def hunt_unseen(
    backward, agents, cells, ground, sound, loudest, s_cell, p, pr, dt, key, events, noise,
    found, pending, hit,
):  # fmt: skip  # pragma: no cover - compiled
    """The unseen zombies that see prey (`pending`, in the cells marked in `hit`), one
    after another in the map's order (grid cells row by row, each cell's list in order;
    all of it reversed if `backward`): each goes for its prey (`act`) or,
    if a zombie before it took that prey, roams. Prey only leave the lists here (bitten)
    and nobody else moves, so a zombie that saw no prey before this loop would have seen
    none at its turn: `roam_unseen` left it out exactly. (A zombie no longer a zombie does
    not act: none is, as only a zombie's own fight changes it here, but the check is cheap
    for the few that see prey.)"""
    x, y, state, speed = agents[0], agents[1], agents[2], agents[5]
    start, order, around = cells[0], cells[1], cells[3]
    g_cell, g_nx, g_ny = cells[4], cells[5], cells[6]
    terrain, map_cell = ground[3], ground[4]
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
            if state[i] != _ZOMBIE:
                continue
            px = float(x[i])
            py = float(y[i])
            gi = min(max(math.floor(py * inv_g), 0), g_ny - 1)
            gj = min(max(math.floor(px * inv_g), 0), g_nx - 1)
            v = pace(i, px, py, speed, terrain, map_cell, to_m)
            act(i, px, py, v, gi, gj, around[gi * g_nx + gj], agents, cells, ground, sound,
                loudest, s_cell, p, pr, key, events, noise, found)  # fmt: skip
