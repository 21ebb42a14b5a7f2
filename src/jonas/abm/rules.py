"""The rules' parameters, and the small compiled pieces the step is made of.

Time is in hours and distances in metres, as in the `jonas` model family (docs/hyosan.md).
Parameters that share a name with the family's mean the same thing; in the well-mixed mode
they are the same numbers. In the spatial mode, rates of contact events (`beta`, `phi_see`,
`phi_spread`) are per hour *while in contact* (the target within reach, a zombie in sight,
an afraid person close by), so they are larger than the family's, which average over a
crowd. docs/agents.md lists every parameter with its canon tag.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from jonas.abm.population import MAX_STATES, SPEED_UNIT, State
from jonas.abm.rng import erlang, uniform
from jonas.compiled import compiled


@dataclass(frozen=True)
class AgentParams:
    """Every parameter of the agent rules (hours, metres, m/s)."""

    # -- bites, fights and turning (the family's parameters) -------------------------------
    beta: float = 60.0  # bites per hour (spatial: target within reach; mixed: per zombie)
    alpha: float = 0.2  # kill-to-bite ratio: zombie destroyed at alpha * beta
    fight_afraid: float = 0.3  # the fully afraid fight back at this share of the calm's rate
    hide_afraid: float = 1.0  # mixed mode only: the afraid are bitten at this share
    p_blood: float = 0.2  # zombie blood in a wound at alpha * beta * p_blood: a slow turner
    turn_fast: float = 0.1  # mean hours to turn after a bite (Erlang of `stages` stages)
    stages: int = 3  # Erlang stages of fast turning (1: exponential)
    rage: float = 1.0  # [U] the bitten-while-afraid turn 1 + rage times faster; 0: off
    p_slow: float = 0.01  # share of bites that turn slowly
    turn_slow: float = 36.0  # mean hours to turn for slow turners (exponential)
    p_halfbie: float = 0.0002  # share of the turned who become halfbies
    restraint: float = 0.01  # halfbies bite at restraint * beta
    # -- fear -----------------------------------------------------------------------------
    phi_see: float = 60.0  # becoming afraid, per hour, while a zombie is seen (mixed: met)
    phi_hear: float = 12.0  # ... while a zombie is heard but not seen (spatial only)
    phi_spread: float = 6.0  # fear passing from an afraid person close by, per hour
    calm: float = 0.01  # fear fading, per hour (exponential)
    leave: float = 0.0  # leaving the city, per hour (calm people and slow turners)
    flee_afraid: float = 5.0  # the afraid leave this many times faster
    # -- senses and reach (spatial) --------------------------------------------------------
    reach_m: float = 1.5  # a zombie bites (and is fought) within this distance
    zombie_sight_m: float = 10.0  # zombies see humans this far ("sight reduced", canon)
    sight_m: float = 20.0  # humans see zombies this far
    hearing_m: float = 20.0  # humans hear zombies this far (through walls)
    talk_m: float = 10.0  # fear passes between people this close
    indoor_seen: float = 0.3  # chance per step that a zombie notices a human indoors
    max_scan: int = 64  # at most this many candidates examined per neighbour search
    # -- movement (spatial) ----------------------------------------------------------------
    human_speed: float = 1.3  # m/s, walking
    zombie_speed: float = 3.0  # m/s, zombies run (canon: fast)
    flee_boost: float = 2.0  # the fully afraid run this many times their walking speed
    wander: float = 0.3  # calm people and halfbies walk this share of the time
    zombie_wander: float = 0.2  # zombies with nothing to chase drift at this share
    home_range_m: float = 100.0  # calm people are pulled home beyond about this distance
    # -- sound (spatial) -------------------------------------------------------------------
    sound_cell_m: float = 50.0  # side of a sound cell
    sound_decay: float = 60.0  # per hour (a sound lingers about a minute)
    sound_diffusion: float = 1.0e6  # m^2 per hour (reach about sqrt(D / decay) = 130 m)
    loud_fight: float = 1.0  # loudness of one fight
    loud_scream: float = 0.5  # loudness of one scream
    scream: float = 120.0  # screams per hour of an afraid person who perceives zombies
    hear_threshold: float = 1e-3  # zombies follow sound louder than this
    # -- factions (season 2; each off at 0, the default: no draw, no search) ----------------
    protect: float = 0.0  # a halfbie destroys a zombie within reach, per hour (canon: Nam-ra)
    hunt: float = 0.0  # a calm human kills a halfbie within reach, per hour (afraid: x fight)
    gather: float = 0.0  # share of steps a halfbie walks to the nearest halfbie it sees
    starve: float = 0.0  # a zombie that sees no prey dies, per hour (to Ds)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"agent parameter {f.name} must be a number >= 0, got {v!r}")
        probabilities = ("p_blood", "p_slow", "p_halfbie", "indoor_seen", "wander", "zombie_wander")
        for name in (*probabilities, "gather"):
            if getattr(self, name) > 1:
                v = getattr(self, name)
                raise ValueError(f"agent parameter {name} is a probability, got {v}")
        if self.stages < 1 or self.max_scan < 1:
            raise ValueError("stages and max_scan must be >= 1")
        if self.turn_fast <= 0 or self.turn_slow <= 0:
            raise ValueError("turn_fast and turn_slow must be > 0 hours")

    @property
    def radius_m(self) -> float:
        """The largest interaction radius: the side of the grid cells."""
        return max(self.reach_m, self.zombie_sight_m, self.sight_m, self.hearing_m, self.talk_m)

    def replace(self, **changes: float) -> AgentParams:
        return AgentParams(**{**asdict(self), **changes})

    def packed(self, to_hunted: int = -1, to_starved: int = -1) -> np.ndarray:
        """The values as a float64 array in field order, for the compiled step, then the
        state codes the faction rules send agents to (`P_TO_HUNTED`, `P_TO_STARVED`; -1:
        none). The codes ride along with the parameters so that the step's kernels keep
        their signatures: they are constants of the run, like the parameters."""
        values = [float(getattr(self, f.name)) for f in fields(self)]
        return np.array([*values, float(to_hunted), float(to_starved)], np.float64)


#: index of each parameter in `AgentParams.packed()` (compile-time constants for numba)
_I = {f.name: k for k, f in enumerate(fields(AgentParams))}
P_BETA, P_ALPHA, P_FIGHT_AFRAID, P_HIDE_AFRAID = (
    _I["beta"], _I["alpha"], _I["fight_afraid"], _I["hide_afraid"]
)  # fmt: skip
P_BLOOD, P_TURN_FAST, P_STAGES, P_RAGE = _I["p_blood"], _I["turn_fast"], _I["stages"], _I["rage"]
P_SLOW, P_TURN_SLOW, P_HALFBIE, P_RESTRAINT = (
    _I["p_slow"], _I["turn_slow"], _I["p_halfbie"], _I["restraint"]
)  # fmt: skip
P_SEE, P_HEAR, P_SPREAD, P_CALM = _I["phi_see"], _I["phi_hear"], _I["phi_spread"], _I["calm"]
P_LEAVE, P_FLEE_AFRAID = _I["leave"], _I["flee_afraid"]
P_REACH, P_ZSIGHT, P_SIGHT, P_HEARING, P_TALK = (
    _I["reach_m"], _I["zombie_sight_m"], _I["sight_m"], _I["hearing_m"], _I["talk_m"]
)  # fmt: skip
P_INDOOR_SEEN, P_MAX_SCAN = _I["indoor_seen"], _I["max_scan"]
P_ZSPEED, P_FLEE_BOOST, P_WANDER, P_ZWANDER, P_HOME_RANGE = (
    _I["zombie_speed"], _I["flee_boost"], _I["wander"], _I["zombie_wander"], _I["home_range_m"]
)  # fmt: skip
P_LOUD_FIGHT, P_LOUD_SCREAM, P_SCREAM, P_HEAR_THRESHOLD = (
    _I["loud_fight"], _I["loud_scream"], _I["scream"], _I["hear_threshold"]
)  # fmt: skip
P_PROTECT, P_HUNT, P_GATHER, P_STARVE = _I["protect"], _I["hunt"], _I["gather"], _I["starve"]
#: after the parameters in `AgentParams.packed()`: the state code of halfbies killed by
#: people (the model's "Dh") and of zombies that starved ("Ds"); -1 where there is none
P_TO_HUNTED, P_TO_STARVED = len(_I), len(_I) + 1

# -- kinds: the buckets of the cell lists ---------------------------------------------------

KIND_PREY = 0  # calm and afraid humans: whom zombies chase and bite
KIND_PEOPLE = 1  # the bitten and slow turners: human-looking, not bitten again
KIND_ZOMBIE = 2
KIND_HALFBIE = 3
N_KINDS = 4
#: every code a state may take (an engine adds compartments from N_STATES on: no kind, like
#: the gone), so that the compiled steps may index it with any agent's state
KIND_OF_STATE = np.full(MAX_STATES, 255, np.uint8)
KIND_OF_STATE[[State.CALM, State.AFRAID]] = KIND_PREY
KIND_OF_STATE[[State.BITTEN, State.BITTEN_AFRAID, State.SLOW]] = KIND_PEOPLE
KIND_OF_STATE[State.ZOMBIE] = KIND_ZOMBIE
KIND_OF_STATE[State.HALFBIE] = KIND_HALFBIE
KIND_OF_STATE.setflags(write=False)

# -- the map's cell codes for movement (`AgentWorld.blocked`) ------------------------------

CELL_FREE = 0
CELL_IMPASSABLE = 1  # water (an impassable land use)
CELL_BARRIER = 2  # the cordon line: blocked while the cordon is closed
CELL_GATE = 3  # the line at a checkpoint: while closed, only evacuees are let through

# -- events counted by the step -------------------------------------------------------------

EV_BITE, EV_HALFBIE_BITE, EV_DESTROYED, EV_BLOOD = 0, 1, 2, 3
EV_TURNED_ZOMBIE, EV_TURNED_HALFBIE, EV_AFRAID, EV_CALMED, EV_LEFT, EV_FIGHT = 4, 5, 6, 7, 8, 9
EV_DESTROYED_BY_HALFBIES, EV_HALFBIES_HUNTED, EV_STARVED = 10, 11, 12
EVENTS = (
    "bites",
    "halfbie_bites",
    "zombies_destroyed",
    "blood_in_wound",
    "turned_zombie",
    "turned_halfbie",
    "became_afraid",
    "calmed_down",
    "left_city",
    "fights",
    "destroyed_by_halfbies",
    "halfbies_hunted",
    "starved",
)

# -- random streams: one per rule, so the rules draw independent numbers --------------------

S_TURN, S_HALFBIE, S_BITE, S_BLOOD, S_PICK, S_FEAR, S_SPREAD, S_CALM = 0, 1, 2, 3, 4, 5, 6, 7
S_LEAVE, S_HIDDEN, S_SCREAM, S_WANDER, S_SLOW, S_TIMER = 8, 9, 10, 11, 12, 16  # 16..: Erlang
# the factions' rules (season 2): streams of their own, far above the Erlang stages' 16 ..
# 16 + stages - 1, so that no number an earlier rule draws changes
S_PROTECT, S_HUNT, S_GATHER, S_STARVE = 1000, 1001, 1002, 1003

_CAP = 1.0 - 1e-12


@compiled
def chance(rate, dt):  # pragma: no cover - compiled
    """Probability of at least one event of a Poisson process of `rate` per hour in dt."""
    return 1.0 - math.exp(-rate * dt) if rate > 0.0 else 0.0


@compiled
def bite(j, afraid, state, timer, p, key):  # pragma: no cover - compiled
    """Agent j is bitten: fast (Erlang, mean turn_fast, or turn_fast / (1 + rage) if afraid)
    or, with p_slow, slow (exponential, mean turn_slow)."""
    if uniform(key, j, S_SLOW) < p[P_SLOW]:
        state[j] = State.SLOW
        timer[j] = erlang(key, j, S_TIMER, p[P_TURN_SLOW], 1)
        return
    mean = p[P_TURN_FAST]
    if afraid:
        state[j] = State.BITTEN_AFRAID
        mean = mean / (1.0 + p[P_RAGE])
    else:
        state[j] = State.BITTEN
    timer[j] = erlang(key, j, S_TIMER, mean, int(p[P_STAGES]))


@compiled
def blood(j, state, timer, p, key):  # pragma: no cover - compiled
    """Zombie blood in agent j's wound: a slow turner."""
    state[j] = State.SLOW
    timer[j] = erlang(key, j, S_TIMER, p[P_TURN_SLOW], 1)


@compiled
def turn(i, state, fear, speed, p, key, events):  # pragma: no cover - compiled
    """Agent i's timer ran out: a zombie or, with p_halfbie, a halfbie."""
    fear[i] = 0
    if uniform(key, i, S_HALFBIE) < p[P_HALFBIE]:
        state[i] = State.HALFBIE
        events[EV_TURNED_HALFBIE] += 1
    else:
        state[i] = State.ZOMBIE
        q = p[P_ZSPEED] / SPEED_UNIT + 0.5
        speed[i] = 255 if q > 255 else int(q)
        events[EV_TURNED_ZOMBIE] += 1


@compiled
def is_blocked(x, y, blocked, cell_m, cordon_closed, through_gates):  # pragma: no cover
    """Whether (x, y) is off the map, on water, or on the cordon line while it is closed:
    its barrier for everyone, its gates for all but evacuees (`through_gates`).

    `blocked` holds a code per map cell: `CELL_FREE`, `CELL_IMPASSABLE`, `CELL_BARRIER`,
    `CELL_GATE`.
    """
    ny, nx = blocked.shape
    if x < 0.0 or y < 0.0:
        return True
    j = int(x / cell_m)
    i = int(y / cell_m)
    if i >= ny or j >= nx:
        return True
    b = blocked[i, j]
    if b == CELL_IMPASSABLE:
        return True
    return cordon_closed and (b == CELL_BARRIER or (b == CELL_GATE and not through_gates))


@compiled
def clear_move(i, ux, uy, dist, x, y, clear, cell_m):  # pragma: no cover - compiled
    """Move agent i `dist` metres along the unit vector (ux, uy) at once if nothing on the
    way can block it; returns False (and moves nothing) otherwise: then `walk` moves it.

    `clear` holds the metres from each cell's centre to the nearest cell that can ever be
    blocked (`clearance`). Most moves are far from any, so the step tries this first: it
    is small and calls nothing, so LLVM inlines it into `go` (a call to `walk`, passing
    three arrays, would cost as much as the move itself).
    """
    px = float(x[i])
    py = float(y[i])
    ny, nx = clear.shape
    ci = min(max(int(py / cell_m), 0), ny - 1)
    cj = min(max(int(px / cell_m), 0), nx - 1)
    # the agent is within sqrt(2)/2 cell of its cell's centre, and a blocked cell reaches
    # as far from its own: a straight move shorter than the rest stays clear of them all
    if dist + 1.5 * cell_m >= clear[ci, cj]:
        return False
    if dist > 0.0:
        x[i] = np.float32(px + ux * dist)
        y[i] = np.float32(py + uy * dist)
    return True


@compiled
def walk(
    i, ux, uy, dist, x, y, blocked, cell_m, cordon_closed, through_gates
):  # pragma: no cover - compiled
    """Move agent i up to `dist` metres along the unit vector (ux, uy), however close to
    what may block it (the step tries `clear_move` first); `through_gates`: the agent may
    pass the cordon's checkpoints while it is closed (an evacuee).

    The move is cut into sub-steps shorter than half a map cell, so that each lands in the
    same cell or one of its 8 neighbours and the 4-connected cordon line cannot be jumped.
    A sub-step into a blocked cell slides along x or y if it can, else the walk stops
    there. An agent in a gate may always walk out of it.
    """
    if dist <= 0.0:
        return
    px = float(x[i])
    py = float(y[i])
    ny, nx = blocked.shape
    n = math.ceil(dist / (0.45 * cell_m))
    sx = ux * dist / n
    sy = uy * dist / n
    # one standing in a gate shut to it (an evacuee called back or turned there) steps off
    # it, to either side, rather than staying stuck in the gate
    g = (
        through_gates
        or blocked[min(int(py / cell_m), ny - 1), min(int(px / cell_m), nx - 1)] == CELL_GATE
    )
    for _ in range(n):
        nx_ = px + sx
        ny_ = py + sy
        if not is_blocked(nx_, ny_, blocked, cell_m, cordon_closed, g):
            px, py = nx_, ny_
        elif sx != 0.0 and not is_blocked(nx_, py, blocked, cell_m, cordon_closed, g):
            px = nx_
        elif sy != 0.0 and not is_blocked(px, ny_, blocked, cell_m, cordon_closed, g):
            py = ny_
        else:
            break
    # float32 storage must not round a position onto a blocked cell's edge
    fx = np.float32(px)
    fy = np.float32(py)
    if not is_blocked(float(fx), float(fy), blocked, cell_m, cordon_closed, g):
        x[i] = fx
        y[i] = fy


def clearance(blocked: np.ndarray, cell_m: float) -> np.ndarray:
    """Metres from each cell's centre to the centre of the nearest cell that is ever
    blocked (impassable, the cordon's line, its gates) or off the map: where `walk` may
    move in one go. float32, the map's shape."""
    from scipy.ndimage import distance_transform_edt

    free = np.pad(blocked == CELL_FREE, 1, constant_values=False)
    return (distance_transform_edt(free)[1:-1, 1:-1] * cell_m).astype(np.float32)


@compiled
def turn_timers(idx, state, timer, p, key):  # pragma: no cover - compiled
    """Draw turning timers for the agents `idx` (bitten, bitten afraid, slow) as at a bite."""
    for k in range(idx.size):
        j = idx[k]
        s = state[j]
        if s == State.SLOW:
            timer[j] = erlang(key, j, S_TIMER, p[P_TURN_SLOW], 1)
        else:
            mean = (
                p[P_TURN_FAST] / (1.0 + p[P_RAGE]) if s == State.BITTEN_AFRAID else p[P_TURN_FAST]
            )
            timer[j] = erlang(key, j, S_TIMER, mean, int(p[P_STAGES]))


#: seconds in an hour: an agent walks speed (m/s) x dt (h) x this many metres in a step
SECONDS_PER_HOUR = 3600.0


@compiled
def go(
    i, ux, uy, run, x, y, blocked, clear, map_cell, cordon_closed, through_gates
):  # pragma: no cover
    """Move agent i `run` metres along (ux, uy): at once where nothing can block it (`clear_move`,
    which LLVM inlines), else by `walk`'s sub-steps (a call, paid only near walls)."""
    if not clear_move(i, ux, uy, run, x, y, clear, map_cell):
        walk(i, ux, uy, run, x, y, blocked, map_cell, cordon_closed, through_gates)


@compiled
def pace(i, px, py, speed, terrain, map_cell, to_m):  # pragma: no cover - compiled
    """Metres agent i, at (px, py), covers this step at full pace: its speed times the
    land use's factor there, times `to_m` (seconds in the step)."""
    m_ny, m_nx = terrain.shape
    mi = min(max(int(py / map_cell), 0), m_ny - 1)
    mj = min(max(int(px / map_cell), 0), m_nx - 1)
    return speed[i] * SPEED_UNIT * terrain[mi, mj] * to_m
