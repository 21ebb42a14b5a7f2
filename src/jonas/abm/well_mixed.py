"""The well-mixed step: positions are ignored; each zombie, halfbie and calm human meets
one agent drawn uniformly from everyone in the city each step, which gives the
frequency-dependent rates of the compartmental model (``beta * S * Z / N`` and so on).
Serial, in index order.

The factions (season 2; each off at 0: no draw), "within reach" being such a meeting: a
halfbie meeting a zombie destroys it at `protect` (``protect * H * Z / N``); a calm human
meeting a halfbie kills it at `hunt`, and the afraid, who meet nobody else here, meet one
agent too for this alone, killing a halfbie at ``hunt * fight_afraid``; a zombie whose
partner is no prey but a zombie or a halfbie starves at `starve` (``starve * Z * (Z + H) /
N``). These are the family's transitions with the same parameters. Halfbies gathering
needs positions: the spatial mode only (`AgentWorld` refuses it here).
"""

from __future__ import annotations

from jonas.abm.encounters import (
    R_BITE,
    R_BLOOD,
    R_CALM,
    R_HALFBIE_BITE,
    R_HUNT,
    R_HUNT_AFRAID,
    R_KILL,
    R_MIXED_BITE_AFRAID,
    R_MIXED_BLOOD_AFRAID,
    R_MIXED_HALFBIE_AFRAID,
    R_MIXED_KILL_AFRAID,
    R_PROTECT,
    R_SEE,
    R_SPREAD,
    R_STARVE,
    chances,
    encounter,
    frighten,
    hunts,
    leave,
    protects,
    starves,
    turning,
)
from jonas.abm.population import State
from jonas.abm.rng import uniform, uniform_int
from jonas.abm.rules import (
    EV_CALMED,
    EV_HALFBIE_BITE,
    EV_STARVED,
    N_KINDS,
    P_HUNT,
    P_PROTECT,
    P_STARVE,
    S_BITE,
    S_CALM,
    S_FEAR,
    S_PICK,
    bite,
)
from jonas.compiled import compiled

_CALM = int(State.CALM)
_AFRAID = int(State.AFRAID)
_BITTEN = int(State.BITTEN)
_SLOW = int(State.SLOW)
_ZOMBIE = int(State.ZOMBIE)
_HALFBIE = int(State.HALFBIE)


@compiled
def partner(i, start, order, key):  # pragma: no cover - compiled
    """The agent i meets this step: one drawn uniformly from everyone in the city at the
    step's start (-1: nobody)."""
    lo = start[0]
    live = start[N_KINDS] - lo
    if live <= 0:
        return -1
    return order[lo + uniform_int(key, i, S_PICK, live)]


@compiled
def mixed_agent(
    i, s, state, fear, timer, flags, start, order, p, pr, key, events
):  # pragma: no cover - compiled
    """One agent of the well-mixed mode: one partner drawn from everyone in the city."""
    if leave(i, s, state, p, pr, key, events):
        return
    if s == _AFRAID:
        if uniform(key, i, S_CALM) < pr[R_CALM]:
            state[i] = _CALM
            fear[i] = 0
            events[EV_CALMED] += 1
        if p[P_HUNT] > 0.0:  # the afraid meet someone only to hunt (off: no draw at all)
            j = partner(i, start, order, key)
            if j >= 0 and state[j] == _HALFBIE:
                hunts(i, j, pr[R_HUNT_AFRAID], state, flags, p, key, events)
        return
    if _BITTEN <= s <= _SLOW:
        return
    j = partner(i, start, order, key)
    if j < 0:
        return
    sj = state[j]
    if s == _ZOMBIE:
        if sj == _AFRAID:  # fights back at fight_afraid, bitten at hide_afraid
            pb = pr[R_MIXED_BITE_AFRAID]
            encounter(i, j, pb, pr[R_MIXED_KILL_AFRAID], pr[R_MIXED_BLOOD_AFRAID],
                       state, timer, p, key, events)  # fmt: skip
        elif sj == _CALM:
            encounter(i, j, pr[R_BITE], pr[R_KILL], pr[R_BLOOD], state, timer, p, key, events)
        elif (
            p[P_STARVE] > 0.0
            and _ZOMBIE <= sj <= _HALFBIE
            and starves(i, pr[R_STARVE], state, p, key)
        ):
            # met no prey but a zombie or a halfbie, as in the family (which leaves out
            # the few bitten, who turn within minutes)
            events[EV_STARVED] += 1
    elif s == _HALFBIE:
        if sj <= _AFRAID:
            af = sj == _AFRAID
            if uniform(key, i, S_BITE) < pr[R_MIXED_HALFBIE_AFRAID if af else R_HALFBIE_BITE]:
                bite(j, af, state, timer, p, key)
                events[EV_HALFBIE_BITE] += 1
        elif sj == _ZOMBIE and p[P_PROTECT] > 0.0:
            protects(i, j, pr[R_PROTECT], state, key, events)
    elif sj == _HALFBIE:  # calm, meets a halfbie: kills it at `hunt` (off: no draw)
        if p[P_HUNT] > 0.0:
            hunts(i, j, pr[R_HUNT], state, flags, p, key, events)
    else:  # calm: meets a zombie (sees it) or an afraid person (fear spreads)
        q = pr[R_SEE] if sj == _ZOMBIE else (pr[R_SPREAD] if sj == _AFRAID else 0.0)
        if q > 0.0 and uniform(key, i, S_FEAR) < q:
            frighten(i, 255, state, fear, events)


@compiled
def mixed_step(
    state, fear, timer, speed, flags, start, order, p, dt, key, events
):  # pragma: no cover - compiled
    """The well-mixed mode's step: every agent in index order."""
    pr = chances(p, dt)
    for i in range(state.size):
        s = turning(i, state, fear, timer, speed, flags, p, dt, key, events)
        if s <= _HALFBIE:
            mixed_agent(i, s, state, fear, timer, flags, start, order, p, pr, key, events)
