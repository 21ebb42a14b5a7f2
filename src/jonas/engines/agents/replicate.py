"""The agents engine's replicates: the `jonas` family person by person, on a city map or
well mixed.

A scenario with ``run.engine = "agents"`` runs the rules of docs/agents.md
(:mod:`jonas.abm`; :mod:`.setup` checks the scenario against its map first):
each agent's state is the index of its compartment in the model, so the counts are the
model's compartments and every summary, target and plot works unchanged.

The response acts in two ways:

- **on the map** (``[agents] mode = "spatial"``), each intervention type saying what it
  does there in the map's verbs (:class:`Replicate` offers them:
  :class:`jonas.interventions.CityActions`): a cordon closes its line (checkpoints pass
  only evacuees) and scales leaving by its leak; an evacuation or camp tells people to
  walk to the ``camps`` and takes them in at ``capacity`` per hour, screened there, while
  soldiers shoot zombies within ``guard_m`` of a camp at ``guard`` per hour; a lure is a
  drone flying its ``route``; a strike kills everyone inside its ``area``;
- **as in the compartmental engines** (everything else, and every intervention in the
  ``mixed`` mode): culls take a share of each compartment, and the transitions an
  intervention adds (flows, luring, a cure) and the model's transitions outside the city
  (carriers in camps put down as they turn) move each agent with the same per-capita
  rates as the tau-leap engine.

Events fire at the first step at or after their time (fixed, or after a trigger on the
counts). Replicate r gets seed ``seeds[r]``: the agents' rules draw counter-based numbers
from it (`jonas.abm.rng`), the response a NumPy generator seeded from it, so one seed
gives one run, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.abm import AgentWorld, State
from jonas.abm.population import EVACUATING, speed_units
from jonas.abm.rules import EV_DESTROYED, EVENTS
from jonas.abm.select import guarded, members, of_state, tally, top_candidates
from jonas.abm.strike import strike
from jonas.engines.agents.setup import Setup, rule_params
from jonas.engines.arrays import blank_output, event_arrays
from jonas.engines.kernels import watch
from jonas.interventions.evacuation import Camp
from jonas.interventions.lure import Drone
from jonas.model.families.jonas import CITY
from jonas.space.geometry import Area

Progress = Callable[[int], None]
FrameSink = Callable[[int, Any], None]


# --------------------------------------------------------------------------- one replicate


class Replicate:
    """One run: the world, the response's state, and the event clock."""

    def __init__(self, setup: Setup, seed: int) -> None:
        self.s = setup
        model = setup.model
        self.seed = int(seed)
        self.rng = np.random.default_rng([self.seed, 0x4A6F6E6173])  # the response's draws
        self.world = self._world()
        self.n_comp = len(model.compartments)
        self.state_comp = model.state_compartment
        self.base = model.rate.copy()
        self.factor = np.ones_like(self.base)
        self.parameters = dict(model.parameters)
        ev = model.events
        self.events = event_arrays(model)
        self.watched = ev.threshold.size > 0  # whether any event waits on a trigger
        self.when = np.where(ev.trigger < 0, ev.times, np.nan)
        self.trig_time = np.full(ev.threshold.size, np.nan)
        self.fired = np.full(len(ev), np.nan)
        self.camps: dict[int, Camp] = {}  # the open camps, by intervention
        self.drones: dict[int, tuple[Drone, float]] = {}  # flying: (drone, take-off time)
        self.struck: list[Area] = []
        self.struck_now: list[Area] = []
        self.carry: dict[int, list[float]] = {}  # camp → unused shares of a person (call, take in)
        # the open camps' guard posts (`_guard_posts`), set as camps open and close
        self.posts: tuple[np.ndarray, np.ndarray] | None = None
        self.labels: list[str] = []

    def _world(self) -> AgentWorld:
        s = self.s
        dead = {"to_hunted": s.to_hunted, "to_starved": s.to_starved}
        if s.city is None:
            return AgentWorld.mixed_population(
                s.initial, s.params, seed=self.seed, dt_s=s.spec.step_s, **dead
            )
        n = sum(s.initial.values())
        world = AgentWorld.on_map(s.city, n, s.params, seed=self.seed, dt_s=s.spec.step_s, **dead)
        _place_initial(world, s.initial, s.start)
        return world

    # -- counts and events ------------------------------------------------------------------

    def counts(self) -> np.ndarray:
        c = tally(self.world.pop.state)
        if c[self.n_comp :].any():  # pragma: no cover - a bug, not an input error
            raise AssertionError("an agent has a state outside the model's compartments")
        return c[: self.n_comp]

    def fire_due(self, t: float, t_end: float) -> None:
        """Check the triggers, then apply every event due by t, in order."""
        ev = self.s.model.events
        events = self.events
        done: set[tuple[int, bool]] = set()
        while True:
            if self.watched:  # (counting every agent each step is for the triggers alone)
                watch(t, self.counts().astype(np.float64), events, self.trig_time, self.when, t_end)
            due = np.flatnonzero((self.when <= t + 1e-9) & np.isnan(self.fired))
            if due.size == 0:
                return
            e = int(due[0])
            self.fired[e] = t
            key = (int(ev.origin[e]), bool(ev.ends[e]))
            self._apply(e, first=key not in done)
            done.add(key)

    def _apply(self, e: int, first: bool) -> None:
        """Event e: its rate changes and culls as in every engine; on a map, the acts of
        its intervention (once per intervention and phase, however many events it has)."""
        s, ev = self.s, self.s.model.events
        o, ends = int(ev.origin[e]), bool(ev.ends[e])
        nb, nf = ev.base[e], ev.factor[e]
        self.base = np.where(np.isnan(nb), self.base, nb)
        self.factor = np.where(np.isnan(nf), self.factor, nf)
        on_map = o >= 0 and bool(s.on_map[o])
        if not on_map:
            self._cull(ev.fraction[e], ev.dest[e])
        if first:
            self.labels.append(ev.labels[e])
        changed = ev.parameters[e] if ev.parameters else None
        if changed is not None:
            self.parameters.update(changed)
        if on_map and first and o in s.acts:
            act = s.acts[o]
            act.end(self, o) if ends else act.start(self, o)
        self._refresh_params()

    # -- what interventions do on the map (jonas.interventions.CityActions) ----------------

    def close_cordon(self) -> None:
        self.world.close_cordon()

    def open_cordon(self) -> None:
        self.world.open_cordon()

    def strike(
        self,
        areas: list[Area],
        compartments: np.ndarray,
        infected: np.ndarray,
        to_infected: int,
        to_uninfected: int,
    ) -> None:
        for area in areas:
            strike(self.world.pop, area, to_infected, to_uninfected, compartments, infected)
            self.struck.append(area)
            self.struck_now.append(area)

    def open_camp(self, key: int, camp: Camp) -> None:
        self.camps[key] = camp
        self.carry[key] = [0.0, 0.0]
        self.posts = _guard_posts([self.camps[o] for o in sorted(self.camps)])

    def close_camp(self, key: int) -> None:
        self.camps.pop(key, None)
        self.posts = _guard_posts([self.camps[o] for o in sorted(self.camps)])
        self.world.stop_evacuation()

    def launch_drone(self, key: int, drone: Drone) -> None:
        self.drones[key] = (drone, self.world.t)

    def land_drone(self, key: int) -> None:
        self.drones.pop(key, None)

    def _refresh_params(self) -> None:
        s = self.s
        values = dict(self.parameters)
        # a cordon closes the ways out: leaving at leak × its rate
        values["leave"] = values.get("leave", 0.0) * float(self.factor[s.leave_transition])
        params = rule_params(s.scenario, values, s.spatial)
        if params != self.world.params:
            self.world.set_params(params)

    def _cull(self, fraction: np.ndarray, dest: np.ndarray) -> None:
        state = self.world.pop.state
        for st in np.flatnonzero(fraction > 0):
            c = int(self.state_comp[st])
            if st != _first_state(self.state_comp, c):
                continue
            who = np.flatnonzero(state == c)
            hit = who[self.rng.random(who.size) < fraction[st]]
            self._move(hit, int(self.state_comp[dest[st]]))

    def _move(self, who: np.ndarray, code: int) -> None:
        """Agents `who` become `code` (a compartment index): off the map, or back to people."""
        pop = self.world.pop
        pop.state[who] = code
        pop.fear[who] = 0
        pop.flags[who] = 0
        if code in (State.CALM, State.AFRAID):
            pop.speed[who] = speed_units(self.world.params.human_speed)

    # -- per step ---------------------------------------------------------------------------

    def step(self) -> None:
        w = self.world
        w.clear_sounds()
        for drone, since in self.drones.values():
            w.add_sound(*drone.position(w.t - since), drone.loudness)
        w.step()
        self._generic()
        self._guard()
        for o in sorted(self.camps):
            self._call(o, self.camps[o])
            self._take_in(o, self.camps[o])

    def drone_positions(self) -> tuple[tuple[float, float], ...]:
        w = self.world
        return tuple(drone.position(w.t - t0) for drone, t0 in self.drones.values())

    def _generic(self) -> None:
        """The per-capita transitions (see the module docstring), one draw per agent."""
        js = self.s.generic
        if js.size == 0:
            return
        m = self.s.model
        rate = self.base[js] * self.factor[js]
        if not rate.any():
            return
        h = rate.copy()
        cat, den = m.cat[js], m.den[js]
        if (cat >= 0).any() or (den >= 0).any():  # (per-capita rates need no counts)
            C = self.counts().astype(np.float64)
            D = m.groups @ C + m.offset
            h = np.where(cat >= 0, h * C[np.maximum(cat, 0)], h)
            d = D[np.maximum(den, 0)]
            h = np.where(den >= 0, h / np.where(d > 0, d, 1), h)
        src = self.state_comp[m.src[js]]
        dst = self.state_comp[m.dst[js]]
        state = self.world.pop.state
        dt = self.world.dt
        for c in np.unique(src[h > 0]):
            who = of_state(state, c)  # (agent codes past the city's are compartments)
            if who.size == 0:
                continue
            mine = (src == c) & (h > 0)
            hc, dc = h[mine], dst[mine]
            total = hc.sum()
            moving = who[self.rng.random(who.size) < -math.expm1(-total * dt)]
            if moving.size == 0:
                continue
            pick = np.searchsorted(np.cumsum(hc) / total, self.rng.random(moving.size))
            pick = np.minimum(pick, hc.size - 1)
            for k in np.unique(pick):
                self._move(moving[pick == k], int(dc[k]))

    def _guard(self) -> None:
        """Soldiers at the open camps shoot the zombies within guard_m of a camp's centre,
        each at the camp's `guard` per hour (the highest where camps overlap). Counted
        with the zombies destroyed by people."""
        if self.posts is None:
            return
        w = self.world
        pop = w.pop
        zombies, rate = guarded(pop.state, pop.x, pop.y, int(State.ZOMBIE), *self.posts)
        shot = zombies[self.rng.random(zombies.size) < -np.expm1(-rate * w.dt)]
        if shot.size:
            self._move(shot, self.s.model.compartments.index("Dz"))
            w.events[EV_DESTROYED] += shot.size

    def _quota(self, o: int, which: int, camp: Camp) -> int:
        """How many people the camp handles this step: capacity × dt, fractions carried."""
        budget = self.carry[o][which] + camp.capacity * self.world.dt
        self.carry[o][which] = budget - int(budget)
        return int(budget)

    def _by_priority(self, who: np.ndarray, k: int, camp: Camp, ordered: bool = True) -> np.ndarray:
        """k of `who` drawn without replacement with weights by their compartment's
        priority (the largest u^(1/w): Efraimidis and Spirakis 2006). Unless `ordered`,
        the caller takes them as a set (in increasing order here)."""
        if k >= who.size:
            return who
        u = self.rng.random(who.size)
        state = self.world.pop.state
        if not ordered and k <= _FEW:
            top = _largest_keys(u, who, state, k, camp.priority)
            if top is not None:
                return who[top]
        keys = u ** (1.0 / camp.priority[state[who]])
        return who[np.argpartition(-keys, k - 1)[:k]]

    def _call(self, o: int, camp: Camp) -> None:
        """Tell capacity × dt more people to walk to the camps: the camps call people in
        as fast as they take them in, so that nobody waits at the gate for long (and a
        whole city does not march through the streets at once)."""
        k = self._quota(o, 0, camp)
        pop = self.world.pop
        free = members(pop.state, pop.flags, camp.wanted, EVACUATING)
        if k and free.size:
            self.world.evacuate(self._by_priority(free, k, camp, ordered=False), camp.targets)

    def _take_in(self, o: int, camp: Camp) -> None:
        """Evacuees at a camp: up to capacity × dt of them (by priority) are screened."""
        w = self.world
        k = self._quota(o, 1, camp)
        arrived = w.arrived()
        arrived = arrived[camp.wanted[w.pop.state[arrived]]]
        if k == 0 or arrived.size == 0:
            return
        who = self._by_priority(arrived, k, camp)
        comp = w.pop.state[who].astype(np.int64)
        caught = self.rng.random(who.size) < camp.sensitivity[comp]
        codes = np.where(caught, camp.caught[comp], camp.passed[comp])
        for code in np.unique(codes):
            self._move(who[codes == code], int(code))


def _guard_posts(camps: list[Camp]) -> tuple[np.ndarray, np.ndarray] | None:
    """The guard posts of the camps that have guards, for `guarded`: centre and radius
    squared (float32, as NumPy compares float32 positions with Python floats), and rate;
    None if no camp has guards."""
    posts = [(*a.center, c.guard_m**2, c.guard) for c in camps if c.guard > 0 for a in c.targets]
    if not posts:
        return None
    at = np.array([p[:3] for p in posts], np.float32).reshape(-1, 3)
    return at, np.array([p[3] for p in posts])


#: `_by_priority` draws up to this many people as a set by `_largest_keys`
_FEW = 256


def _largest_keys(
    u: np.ndarray, who: np.ndarray, state: np.ndarray, k: int, priority: np.ndarray
) -> np.ndarray | None:
    """Positions of the k largest keys ``u ** (1 / priority[state[who]])``, increasing,
    as NumPy computes the keys, with only a few of them computed: a camp calls some 27
    of 100,000 people a step, and raising every draw to its power took a millisecond.

    Within a class of equal priority the key grows with u, so the k largest keys lie
    among each class's k + 1 largest draws (`top_candidates`); the (k + 1)-th largest key
    among those must be below the k-th, or the set would depend on how ties are broken:
    then None, and the caller computes every key."""
    weights, class_of = np.unique(priority, return_inverse=True)
    cand = top_candidates(u, who, state, class_of.astype(np.int64), weights.size, k + 1)
    keys = u[cand] ** (1.0 / priority[state[who[cand]]])
    ranked = np.sort(keys)[::-1]
    kth = ranked[k - 1]
    if ranked.size > k and not ranked[k] < kth:
        return None
    return cand[keys >= kth]


def _first_state(state_comp: np.ndarray, c: int) -> int:
    return int(np.flatnonzero(state_comp == c)[0])


def _place_initial(world: AgentWorld, initial: dict[str, int], at: tuple[float, float]) -> None:
    """Everyone but the calm (S) starts as the residents nearest `at`: the first infected
    where the story begins (the afraid too, if any are asked for)."""
    others = {c: k for c, k in initial.items() if c != "S" and k}
    if not others:
        return
    order = ["Z", "E", "Ef", "L", "H", "F"]
    z, e = others.get("Z", 0), others.get("E", 0)
    chosen = world.seed_infection(
        *at, zombies=z, bitten=e + sum(others.get(c, 0) for c in order[2:])
    )
    pop = world.pop
    k = z + e
    for c in order[2:]:
        n = others.get(c, 0)
        idx = chosen[k : k + n]
        k += n
        pop.state[idx] = CITY.index(c)
        if c == "F":
            pop.fear[idx] = 255
        elif c == "H":
            pop.timer[idx] = 0.0
    rest = chosen[z + e :]
    redraw = rest[np.isin(pop.state[rest], (State.BITTEN_AFRAID, State.SLOW))]
    if redraw.size:
        mask = np.zeros(len(pop), bool)
        mask[redraw] = True
        world.draw_timers(mask)


# --------------------------------------------------------------------------- the engine


def simulate_agents(
    setup: Setup,
    times: np.ndarray,
    seeds: np.ndarray,
    counted: tuple[str, ...],
    progress: Progress | None = None,
    frames: FrameSink | None = None,
    clock: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Run each seed: counts (replicates × times × compartments), event times, what the
    rules ``counted`` in each replicate (bites, …), and the running totals of every event
    of the rules (replicates × times × :data:`jonas.abm.rules.EVENTS`) at the output times.

    ``frames(replicate, frame)`` receives :class:`jonas.abm.frames.Frame` pictures of the
    first replicate every ``[agents] frame_every`` hours (default: the output interval),
    and at every event; only on a map. ``clock[0]`` follows the simulated time.
    """
    model = setup.model
    t_end = float(times[-1])
    dt = setup.dt_hours
    n_steps = math.ceil(t_end / dt - 1e-9)
    out, fired = blank_output(model, times, len(seeds))
    found = {name: np.zeros(len(seeds)) for name in counted}
    totals = np.zeros((len(seeds), times.size, len(EVENTS)), np.int64)
    every = setup.spec.frame_every or (times[1] - times[0] if times.size > 1 else t_end)
    for r, seed in enumerate(seeds):
        rep = Replicate(setup, int(seed))
        row = 0
        next_frame = 0.0
        for k in range(n_steps + 1):
            t = k * dt
            if clock is not None:
                clock[0] = t
            rep.fire_due(min(t, t_end), t_end)
            while row < times.size and t >= times[row] - 1e-9:
                out[r, row] = rep.counts()
                totals[r, row] = rep.world.events
                row += 1
            want = frames is not None and r == 0 and setup.spatial
            if want and (t >= next_frame - 1e-9 or rep.struck_now or rep.labels or k == n_steps):
                frames(r, _frame(rep))
                while next_frame <= t + 1e-9:
                    next_frame += every
            rep.struck_now.clear()
            rep.labels.clear()
            if k < n_steps:
                rep.step()
        out[r, row:] = rep.counts()
        totals[r, row:] = rep.world.events
        fired[r] = rep.fired
        events = rep.world.event_counts()
        for name in counted:
            found[name][r] = events[name]
        if progress:
            progress(1)
    return out, fired, found, totals


def _frame(rep: Replicate) -> Any:
    from jonas.abm.frames import frame_of

    return frame_of(
        rep.world,
        max_points=rep.s.spec.frame_points,
        drones=rep.drone_positions(),
        strikes=tuple(rep.struck),
        struck_now=tuple(rep.struck_now),
        label=", ".join(rep.labels),
        camps=True,
    )
