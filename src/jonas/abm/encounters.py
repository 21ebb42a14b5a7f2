"""What the agent steps share: the step's event probabilities, and the small compiled pieces
both the spatial and the well-mixed step are made of (leaving the city, a zombie meeting
its prey, fear, the turning timer, and the factions' outcomes: a zombie destroyed by a
halfbie, a halfbie killed by people, a zombie starving), each compiled on its own and
called by the steps.
"""

from __future__ import annotations

import numpy as np

from jonas.abm.population import EVACUATING, State
from jonas.abm.rng import uniform
from jonas.abm.rules import (
    EV_AFRAID,
    EV_BITE,
    EV_BLOOD,
    EV_DESTROYED,
    EV_DESTROYED_BY_HALFBIES,
    EV_HALFBIES_HUNTED,
    EV_LEFT,
    P_ALPHA,
    P_BETA,
    P_BLOOD,
    P_CALM,
    P_FIGHT_AFRAID,
    P_FLEE_AFRAID,
    P_HEAR,
    P_HIDE_AFRAID,
    P_HUNT,
    P_LEAVE,
    P_PROTECT,
    P_RESTRAINT,
    P_SCREAM,
    P_SEE,
    P_SPREAD,
    P_STARVE,
    P_TO_HUNTED,
    P_TO_STARVED,
    S_BITE,
    S_BLOOD,
    S_HUNT,
    S_LEAVE,
    S_PROTECT,
    S_STARVE,
    bite,
    blood,
    chance,
    turn,
)
from jonas.compiled import compiled

_CALM = int(State.CALM)
_AFRAID = int(State.AFRAID)
_BITTEN = int(State.BITTEN)
_SLOW = int(State.SLOW)
_DESTROYED = int(State.DESTROYED)
_EVACUATED = int(State.EVACUATED)
_EVACUATED_CARRIER = int(State.EVACUATED_CARRIER)
_EVACUATING = int(EVACUATING)
_NOT_EVACUATING = 255 ^ _EVACUATING


# -- the step's probabilities: every rate is constant within a step, so each chance(rate, dt)
# is computed once per step (`chances`), not once per agent (an exp each) -----------------

R_LEAVE, R_LEAVE_AFRAID, R_CALM, R_SEE, R_HEAR, R_SPREAD, R_SCREAM = 0, 1, 2, 3, 4, 5, 6
R_HALFBIE_BITE, R_BITE = 7, 8  # in contact with a calm human (hide = 1)
R_MIXED_BITE_AFRAID, R_MIXED_HALFBIE_AFRAID = 9, 10  # the mixed mode's afraid (× hide_afraid)
R_KILL, R_BLOOD = 11, 11 + 256  # 256 each, by the victim's fear (fight = 1 ... fight_afraid)
R_MIXED_KILL_AFRAID, R_MIXED_BLOOD_AFRAID = 11 + 512, 12 + 512  # the mixed mode's afraid
# the factions (season 2): a halfbie destroying a zombie, a calm (afraid: x fight_afraid)
# human killing a halfbie, a zombie with no prey starving
R_PROTECT, R_HUNT, R_HUNT_AFRAID, R_STARVE = 13 + 512, 14 + 512, 15 + 512, 16 + 512
N_R = 17 + 512


@compiled
def chances(p, dt):  # pragma: no cover - compiled
    """The probabilities of the step's events in dt, indexed by the R_ constants above.

    Each is the very number the rules computed per agent before (the same expressions), so
    results do not change.
    """
    r = np.empty(N_R)
    r[R_LEAVE] = chance(p[P_LEAVE], dt)
    r[R_LEAVE_AFRAID] = chance(p[P_LEAVE] * p[P_FLEE_AFRAID], dt)
    r[R_CALM] = chance(p[P_CALM], dt)
    r[R_SEE] = chance(p[P_SEE], dt)
    r[R_HEAR] = chance(p[P_HEAR], dt)
    r[R_SPREAD] = chance(p[P_SPREAD], dt)
    r[R_SCREAM] = chance(p[P_SCREAM], dt)
    r[R_HALFBIE_BITE] = chance(p[P_BETA] * p[P_RESTRAINT], dt)
    r[R_BITE] = chance(p[P_BETA], dt)
    r[R_MIXED_BITE_AFRAID] = chance(p[P_BETA] * p[P_HIDE_AFRAID], dt)
    r[R_MIXED_HALFBIE_AFRAID] = chance(p[P_BETA] * p[P_RESTRAINT] * p[P_HIDE_AFRAID], dt)
    for f in range(256):
        fight = 1.0 - (1.0 - p[P_FIGHT_AFRAID]) * (f / 255.0)
        r[R_KILL + f] = chance(p[P_ALPHA] * p[P_BETA] * fight, dt)
        r[R_BLOOD + f] = chance(p[P_ALPHA] * p[P_BETA] * p[P_BLOOD] * fight, dt)
    # the mixed mode fights at 1 (calm) or exactly fight_afraid (afraid)
    r[R_MIXED_KILL_AFRAID] = chance(p[P_ALPHA] * p[P_BETA] * p[P_FIGHT_AFRAID], dt)
    r[R_MIXED_BLOOD_AFRAID] = chance(p[P_ALPHA] * p[P_BETA] * p[P_BLOOD] * p[P_FIGHT_AFRAID], dt)
    r[R_PROTECT] = chance(p[P_PROTECT], dt)
    r[R_HUNT] = chance(p[P_HUNT], dt)
    r[R_HUNT_AFRAID] = chance(p[P_HUNT] * p[P_FIGHT_AFRAID], dt)
    r[R_STARVE] = chance(p[P_STARVE], dt)
    return r


@compiled
def leave(i, s, state, p, pr, key, events):  # pragma: no cover - compiled
    """Calm, afraid (flee_afraid times faster) and slow turners leave the city at `leave`."""
    if p[P_LEAVE] <= 0.0 or not (s <= _AFRAID or s == _SLOW):
        return False
    if uniform(key, i, S_LEAVE) < pr[R_LEAVE_AFRAID if s == _AFRAID else R_LEAVE]:
        state[i] = _EVACUATED_CARRIER if s == _SLOW else _EVACUATED
        events[EV_LEFT] += 1
        return True
    return False


@compiled
def encounter(i, j, pb, pk, pbl, state, timer, p, key, events):  # pragma: no cover
    """Zombie i meets prey j: a bite with probability pb, else the zombie destroyed with pk,
    and (unless bitten) blood in a wound with pbl. Returns 1 bite, 2 destroyed, 0 neither.
    """
    afraid = state[j] == _AFRAID
    u = uniform(key, i, S_BITE)
    outcome = 0
    if u < pb:
        bite(j, afraid, state, timer, p, key)
        events[EV_BITE] += 1
        outcome = 1
    elif u < pb + pk:
        state[i] = _DESTROYED
        events[EV_DESTROYED] += 1
        outcome = 2
    if outcome != 1 and pbl > 0.0 and uniform(key, i, S_BLOOD) < pbl:
        blood(j, state, timer, p, key)
        events[EV_BLOOD] += 1
    return outcome


@compiled
def frighten(i, level, state, fear, events):  # pragma: no cover - compiled
    if level > fear[i]:
        fear[i] = level
    if state[i] == _CALM:
        state[i] = _AFRAID
        events[EV_AFRAID] += 1


@compiled
def turning(i, state, fear, timer, speed, flags, p, dt, key, events):  # pragma: no cover
    """A bitten agent's timer runs down; at zero it turns (and loses its orders). Returns
    the agent's state after."""
    s = state[i]
    if _BITTEN <= s <= _SLOW:
        timer[i] -= dt
        if timer[i] <= 0.0:
            timer[i] = 0.0
            turn(i, state, fear, speed, p, key, events)
            flags[i] &= _NOT_EVACUATING  # the orders were for the human
            s = state[i]
    return s


# -- the factions (season 2). Each is called only while its parameter is > 0, and draws
# from a stream of its own, so that with the parameter at 0 no number changes ------------


@compiled
def protects(i, z, q, state, key, events):  # pragma: no cover - compiled
    """Halfbie i, with zombie z within reach (or met, well mixed), destroys it with
    probability q: z joins the zombies destroyed by people (Dz). Returns whether it did."""
    if uniform(key, i, S_PROTECT) < q:
        state[z] = _DESTROYED
        events[EV_DESTROYED_BY_HALFBIES] += 1
        return True
    return False


@compiled
def hunts(i, h, q, state, flags, p, key, events):  # pragma: no cover - compiled
    """Human i, with halfbie h within reach (or met, well mixed), kills it with probability
    q: h goes to the model's "Dh" (its code rides in p). Returns whether it did."""
    if uniform(key, i, S_HUNT) < q:
        state[h] = int(p[P_TO_HUNTED])
        flags[h] &= _NOT_EVACUATING  # the dead follow no orders
        events[EV_HALFBIES_HUNTED] += 1
        return True
    return False


@compiled
def starves(i, q, state, p, key):  # pragma: no cover - compiled
    """Zombie i, seeing no prey this step, dies with probability q: to the model's "Ds"
    (its code rides in p). Returns whether it did; the caller counts it (`EV_STARVED`:
    the zombies acting after the strips count theirs per thread)."""
    if uniform(key, i, S_STARVE) < q:
        state[i] = int(p[P_TO_STARVED])
        return True
    return False
