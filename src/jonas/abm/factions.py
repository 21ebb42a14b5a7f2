"""The factions of season 2 in the spatial step: halfbies destroying zombies (`protect`),
people killing halfbies (`hunt`), halfbies walking to one another (`gather`). (Zombies
starving with no prey in sight, `starve`, is part of what a zombie does: `jonas.abm.zombies`.)

Each rule is off at 0, the default: the step then neither searches nor draws for it, so
scenarios without it give the numbers they gave before, bit for bit. Each draws from a
stream of its own (`S_PROTECT`, `S_HUNT`, `S_GATHER` in `jonas.abm.rules`), keyed by the
agent that acts. Each searches with `gather`, the one neighbour search of the step, so it
looks only at the 3 x 3 grid cells around the agent's own and writes only to agents found
there: the strips stay independent (`jonas.abm.step`), and the numbers the same on any
number of threads.
"""

from __future__ import annotations

import math

from jonas.abm.encounters import R_HUNT, R_HUNT_AFRAID, R_PROTECT, hunts, protects
from jonas.abm.population import State
from jonas.abm.rules import (
    KIND_HALFBIE,
    KIND_ZOMBIE,
    P_REACH,
    P_SIGHT,
    go,
)
from jonas.abm.search import gather
from jonas.abm.zombies import NOISE_FIGHT
from jonas.compiled import compiled

_AFRAID = int(State.AFRAID)
_ZOMBIE = int(State.ZOMBIE)
_HALFBIE = int(State.HALFBIE)


@compiled
def fight_noise(px, py, sound, s_cell, noise):  # pragma: no cover - compiled
    """A fight at (px, py): counted in the step's noise, as a bite or a kill is."""
    s_ny, s_nx = sound.shape
    si = min(max(int(py / s_cell), 0), s_ny - 1)
    sj = min(max(int(px / s_cell), 0), s_nx - 1)
    noise[NOISE_FIGHT, si * s_nx + sj] += 1


@compiled
def protect(
    i, px, py, gi, gj, agents, cells, sound, s_cell, p, pr, key, events, noise, found
):  # pragma: no cover - compiled
    """Halfbie i, at (px, py) in grid cell (gi, gj), destroys the first zombie it finds
    within `reach_m` with probability chance(protect, dt) (canon: Nam-ra fights zombies to
    protect her friends). The caller skips this where no zombie is listed around."""
    x, y, state = agents[0], agents[1], agents[2]
    start, order, g_cell, g_nx, g_ny = cells[0], cells[1], cells[4], cells[5], cells[6]
    k = gather(px, py, p[P_REACH], gi, gj, KIND_ZOMBIE, _ZOMBIE, _ZOMBIE, 1,
               x, y, state, start, order, g_cell, g_nx, g_ny, found.size, found)  # fmt: skip
    if k > 0 and protects(i, found[0], pr[R_PROTECT], state, key, events):
        fight_noise(px, py, sound, s_cell, noise)


@compiled
def hunt(
    i, s, px, py, gi, gj, agents, cells, sound, s_cell, p, pr, key, events, noise, found
):  # pragma: no cover - compiled
    """Human i (calm or afraid: state s), at (px, py) in grid cell (gi, gj), kills the
    first halfbie it finds within `reach_m` with probability chance(hunt, dt), the afraid
    chance(hunt * fight_afraid, dt) (ours: people who know what halfbies are kill them)."""
    x, y, state, flags = agents[0], agents[1], agents[2], agents[7]
    start, order, g_cell, g_nx, g_ny = cells[0], cells[1], cells[4], cells[5], cells[6]
    k = gather(px, py, p[P_REACH], gi, gj, KIND_HALFBIE, _HALFBIE, _HALFBIE, 1,
               x, y, state, start, order, g_cell, g_nx, g_ny, found.size, found)  # fmt: skip
    if k > 0:
        q = pr[R_HUNT_AFRAID] if s == _AFRAID else pr[R_HUNT]
        if hunts(i, found[0], q, state, flags, p, key, events):
            fight_noise(px, py, sound, s_cell, noise)


@compiled
def join(
    i, px, py, v, gi, gj, evacuee, agents, cells, ground, p, found
):  # pragma: no cover - compiled
    """Halfbie i, at (px, py) in grid cell (gi, gj), walks (up to v metres) toward the
    nearest other halfbie it sees within `sight_m`, stopping within `reach_m` of it (ours:
    "there are a few others like me"); `evacuee`: it may pass the cordon's checkpoints, as
    when it wanders. Returns False, moving nothing, if it sees none.

    Halfbies kept their minds and their eyes: they see as far as people do (`sight_m`),
    not as far as zombies (`zombie_sight_m`, "sight reduced"). `sight_m` is within the grid
    cell's side, so the search stays within the 3 x 3 cells around the halfbie's own."""
    x, y, state = agents[0], agents[1], agents[2]
    start, order, g_cell, g_nx, g_ny = cells[0], cells[1], cells[4], cells[5], cells[6]
    blocked, clear, map_cell, cordon_closed = ground[0], ground[1], ground[4], ground[5]
    max_scan = found.size
    k = gather(px, py, p[P_SIGHT], gi, gj, KIND_HALFBIE, _HALFBIE, _HALFBIE, max_scan,
               x, y, state, start, order, g_cell, g_nx, g_ny, max_scan, found)  # fmt: skip
    best = -1
    bd2 = math.inf
    for c in range(k):
        a = found[c]
        if a == i:
            continue
        dx = x[a] - px
        dy = y[a] - py
        d2 = dx * dx + dy * dy
        if d2 < bd2:
            best = a
            bd2 = d2
    if best < 0:
        return False
    d = math.sqrt(bd2)
    run = min(v, d - p[P_REACH])  # close enough to talk; together, it stays
    if run > 0.0:
        ux = (x[best] - px) / d
        uy = (y[best] - py) / d
        go(i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, evacuee)
    return True
