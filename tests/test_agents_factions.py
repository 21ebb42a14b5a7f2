"""Season 2's factions in the agents engine (jonas.abm.factions; docs/agents.md): halfbies
destroying zombies (`protect`), people killing halfbies (`hunt`), halfbies walking to one
another (`gather`), zombies starving with no prey in sight (`starve`). Each rule alone on
a small open map, then well mixed against the family's transitions, then through a
scenario; and the same seed giving the same run, twice and on one thread or two."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import jonas
from jonas.abm import AgentParams, AgentWorld, Population, State
from jonas.abm.population import N_STATES
from jonas.api import prepare
from jonas.errors import ScenarioError
from jonas.spec import validate_data
from test_agents import QUIET, in_ident_order, open_map
from test_agents_engine import as_tauleap, mixed, small_city

#: state codes for the factions' dead in the library's own worlds (an engine passes its
#: model's "Dh" and "Ds"): past every code of `State`, as an engine's added compartments
DH, DS = N_STATES, N_STATES + 1
#: certain within one 10-s step: chance(rate, dt) = 1 - e^-100
SURE = 36_000.0
#: nothing but the rule under test: no fear, no bites, no fights, nobody wandering
CALM_WORLD = {
    **QUIET, "beta": 0.0, "alpha": 0.0, "restraint": 0.0, "p_halfbie": 0.0, "calm": 0.0
}  # fmt: skip


def world(xs, ys, states, seed: int = 1, **params: float) -> AgentWorld:
    """Agents at (xs, ys) in `states` on a 500 x 500 m open map, 10-s steps."""
    p = AgentParams(**{**CALM_WORLD, **params})
    pop = Population.at(np.asarray(xs, float), ys, states, p.human_speed)
    pop.speed[pop.state == State.ZOMBIE] = round(p.zombie_speed / 0.05)
    pop.fear[pop.state == State.AFRAID] = 255
    return AgentWorld(pop, open_map(), p, seed=seed, dt_s=10.0, to_hunted=DH, to_starved=DS)


def pairs(n: int, first: int, second: int, gap: float = 1.0):
    """n pairs on a 50-m lattice (nobody sees another pair): agent 2k in state `first`,
    2k + 1 in state `second`, `gap` metres east of it."""
    k = np.arange(n)
    x0 = 100.0 + 50.0 * (k % 7)
    y0 = 100.0 + 50.0 * (k // 7)
    xs = np.stack([x0, x0 + gap], axis=1).ravel()
    ys = np.stack([y0, y0], axis=1).ravel()
    states = np.tile(np.array([first, second], np.uint8), n)
    return xs, ys, states


def states_by_ident(w: AgentWorld) -> np.ndarray:
    return w.pop.state[in_ident_order(w.pop)]


# -- protect --------------------------------------------------------------------------------


def test_without_protect_halfbies_beside_zombies_destroy_none():
    w = world(*pairs(20, State.HALFBIE, State.ZOMBIE), protect=0.0)
    w.run(hours=0.2)
    assert (states_by_ident(w)[1::2] == State.ZOMBIE).all()
    assert w.event_counts()["destroyed_by_halfbies"] == 0


def test_halfbies_destroy_the_zombies_beside_them_and_those_zombies_act_no_more():
    """The zombies, with no human around, would act after the strips (`roam_unseen`): one
    destroyed by a halfbie during the strips must not roam (it would have drifted) nor
    starve (it would be counted twice) there."""
    w = world(*pairs(20, State.HALFBIE, State.ZOMBIE), protect=SURE, starve=SURE, wander=0.0)
    x0, y0 = w.pop.x.copy(), w.pop.y.copy()  # made in ident order
    w.step()
    s = states_by_ident(w)
    assert (s[1::2] == State.DESTROYED).all() and (s[0::2] == State.HALFBIE).all()
    ev = w.event_counts()
    assert ev["destroyed_by_halfbies"] == 20 and ev["starved"] == 0
    assert ev["zombies_destroyed"] == 0  # people's count is the people's
    order = in_ident_order(w.pop)
    assert np.array_equal(w.pop.x[order], x0) and np.array_equal(w.pop.y[order], y0)
    # the same zombies beside halfbies that do not protect: they starve where they stand
    w = world(*pairs(20, State.HALFBIE, State.ZOMBIE), starve=SURE, wander=0.0)
    w.step()
    assert (states_by_ident(w)[1::2] == DS).all() and w.event_counts()["starved"] == 20


def test_halfbies_protect_at_their_rate():
    """protect = 90 per hour over 10-s steps: each zombie beside a halfbie is destroyed
    with 1 - e^(-1/4) per step."""
    w = world(*pairs(40, State.HALFBIE, State.ZOMBIE), protect=90.0, wander=0.0,
              zombie_wander=0.0)  # fmt: skip
    w.step()
    got = w.event_counts()["destroyed_by_halfbies"]
    p = -np.expm1(-90.0 * 10.0 / 3600.0)
    assert abs(got - 40 * p) < 4 * np.sqrt(40 * p * (1 - p)) and got > 0


# -- hunt -----------------------------------------------------------------------------------


def test_without_hunt_people_beside_halfbies_kill_none():
    w = world(*pairs(20, State.CALM, State.HALFBIE), hunt=0.0)
    w.run(hours=0.2)
    assert (states_by_ident(w)[1::2] == State.HALFBIE).all()
    assert w.event_counts()["halfbies_hunted"] == 0


def test_calm_people_kill_the_halfbies_beside_them_the_afraid_at_fight_afraid():
    calm = world(*pairs(20, State.CALM, State.HALFBIE), hunt=SURE, wander=0.0)
    calm.step()
    assert (states_by_ident(calm)[1::2] == DH).all()
    assert calm.event_counts()["halfbies_hunted"] == 20
    # the afraid hunt at hunt * fight_afraid: not at all with fight_afraid = 0
    afraid = world(*pairs(20, State.AFRAID, State.HALFBIE), hunt=SURE, fight_afraid=0.0)
    afraid.run(hours=0.1)
    assert (states_by_ident(afraid)[1::2] == State.HALFBIE).all()
    # ... and surely with fight_afraid = 1
    afraid = world(*pairs(20, State.AFRAID, State.HALFBIE), hunt=SURE, fight_afraid=1.0, wander=0.0)
    afraid.step()
    assert afraid.event_counts()["halfbies_hunted"] == 20
    # the bitten do not hunt
    bitten = world(*pairs(20, State.BITTEN, State.HALFBIE), hunt=SURE)
    bitten.pop.timer[:] = 100.0
    bitten.run(hours=0.1)
    assert bitten.event_counts()["halfbies_hunted"] == 0


def test_a_halfbie_killed_earlier_in_the_step_does_not_act():
    """A calm human and a halfbie in one grid cell, each sure to act on the other: the
    one whose turn comes first wins. A halfbie killed first bites nobody; a human bitten
    first hunts nobody. Never both."""
    w = world(*pairs(42, State.CALM, State.HALFBIE), hunt=SURE, beta=SURE, restraint=1.0,
              wander=0.0)  # fmt: skip
    w.step()
    s = states_by_ident(w)
    hunted = s[1::2] == DH
    bitten = np.isin(s[0::2], (State.BITTEN, State.BITTEN_AFRAID, State.SLOW))
    assert not (hunted & bitten).any()
    assert (hunted | bitten).all()
    assert hunted.sum() > 5 and bitten.sum() > 5  # both orders occurred


# -- gather ---------------------------------------------------------------------------------


def nearest_halfbie(w: AgentWorld, first: int) -> float:
    """Mean distance from each of the first `first` agents (by ident, all halfbies) to the
    nearest other of them."""
    k = in_ident_order(w.pop)[:first]
    x, y = w.pop.x[k].astype(float), w.pop.y[k].astype(float)
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(d, np.inf)
    return float(d.min(axis=1).mean())


def test_gathering_halfbies_end_closer_together_and_a_lone_one_wanders():
    rng = np.random.default_rng(5)
    xs = np.append(rng.uniform(150, 250, 60), 420.0)  # 60 in a 100-m square, one alone
    ys = np.append(rng.uniform(150, 250, 60), 420.0)
    apart = world(xs, ys, State.HALFBIE, gather=0.0)
    together = world(xs, ys, State.HALFBIE, gather=0.5)
    start = nearest_halfbie(apart, 60)
    apart.run(hours=0.1)
    together.run(hours=0.1)
    assert nearest_halfbie(apart, 60) > 0.7 * start  # wandering alone keeps them spread
    assert nearest_halfbie(together, 60) < 0.5 * nearest_halfbie(apart, 60)
    assert (together.pop.state == State.HALFBIE).all()
    lone = in_ident_order(together.pop)[60]
    assert np.hypot(together.pop.x[lone] - 420.0, together.pop.y[lone] - 420.0) > 1.0


# -- starve ---------------------------------------------------------------------------------


def test_zombies_with_no_prey_starve_at_their_rate_and_those_beside_prey_do_not():
    """Three groups: 100 zombies nobody is near (they act after the strips: no human in
    the 3 x 3 grid cells around theirs), 40 with a calm person 15 m away, around but out
    of their sight (they act in the strips), and 20 beside a calm person (they see prey
    every step; no bites, no fights)."""
    c, r = np.meshgrid(np.arange(8), np.arange(5))
    around = (30.0 + 40.0 * c.ravel(), 30.0 + 40.0 * r.ravel())
    c, r = np.meshgrid(np.arange(5), np.arange(4))
    beside = (30.0 + 40.0 * c.ravel(), 250.0 + 40.0 * r.ravel())
    c, r = np.meshgrid(np.arange(10), np.arange(10))
    far = (380.0 + 10.0 * c.ravel(), 30.0 + 10.0 * r.ravel())
    xs = np.concatenate([far[0], around[0], around[0] + 15.0, beside[0], beside[0] + 1.0])
    ys = np.concatenate([far[1], around[1], around[1], beside[1], beside[1]])
    who = [(100, State.ZOMBIE), (40, State.ZOMBIE), (40, State.CALM), (20, State.ZOMBIE),
           (20, State.CALM)]  # fmt: skip
    states = np.concatenate([np.full(n, s, np.uint8) for n, s in who])
    w = world(xs, ys, states, starve=6.0, zombie_wander=0.0, wander=0.0)
    w.run(hours=0.25)
    s = states_by_ident(w)
    p = -np.expm1(-6.0 * 0.25)
    for group in (s[:100], s[100:140]):
        died = int(np.count_nonzero(group == DS))
        n = group.size
        assert abs(died - n * p) < 4 * np.sqrt(n * p * (1 - p))
        assert (group[group != DS] == State.ZOMBIE).all()
    assert (s[180:200] == State.ZOMBIE).all()  # beside prey
    assert (s[140:180] == State.CALM).all() and (s[200:] == State.CALM).all()
    assert w.event_counts()["starved"] == np.count_nonzero(s == DS)
    assert w.event_counts()["fights"] > 0  # the zombies beside prey did see it


def test_without_starve_zombies_with_no_prey_live_on():
    w = world(*pairs(20, State.ZOMBIE, State.ZOMBIE), starve=0.0)
    w.run(hours=0.25)
    assert (w.pop.state == State.ZOMBIE).all() and w.event_counts()["starved"] == 0


# -- where the dead go, and what the rules need -------------------------------------------


def test_the_rules_need_codes_for_their_dead_and_gathering_a_map():
    pop = Population.at(np.array([100.0]), 100.0, State.HALFBIE)
    with pytest.raises(ValueError, match="to_hunted"):
        AgentWorld(pop, open_map(), AgentParams(hunt=1.0))
    with pytest.raises(ValueError, match="to_starved"):
        AgentWorld(pop, open_map(), AgentParams(starve=1.0))
    with pytest.raises(ValueError, match="past the living"):
        AgentWorld(pop, open_map(), AgentParams(hunt=1.0), to_hunted=int(State.HALFBIE))
    with pytest.raises(ValueError, match="spatial mode"):
        AgentWorld.mixed_population({"H": 10}, AgentParams(gather=0.5))
    with pytest.raises(ValueError, match="probability"):
        AgentParams(gather=1.5)
    w = AgentWorld(pop, open_map(), AgentParams())
    with pytest.raises(ValueError, match="to_starved"):
        w.set_params(AgentParams(starve=1.0))


# -- well mixed -----------------------------------------------------------------------------


def test_well_mixed_factions_act_on_whom_they_meet():
    def run(initial: dict[str, int], **params: float) -> AgentWorld:
        p = AgentParams(**{**CALM_WORLD, **params})
        w = AgentWorld.mixed_population(initial, p, seed=3, dt_s=10.0, to_hunted=DH,
                                        to_starved=DS)  # fmt: skip
        w.run(hours=0.5)
        return w

    off = run({"S": 300, "F": 300, "Z": 300, "H": 300})
    assert off.counts()["Z"] == 300 and off.counts()["H"] == 300
    protected = run({"S": 300, "Z": 300, "H": 300}, protect=60.0)
    assert protected.counts()["Dz"] == protected.event_counts()["destroyed_by_halfbies"] > 50
    hunted = run({"S": 300, "H": 300}, hunt=60.0)
    assert np.count_nonzero(hunted.pop.state == DH) == hunted.event_counts()["halfbies_hunted"]
    assert hunted.event_counts()["halfbies_hunted"] > 50
    # the afraid hunt too, at hunt * fight_afraid (none at 0)
    afraid = run({"F": 300, "H": 300}, hunt=60.0, fight_afraid=0.0)
    assert afraid.counts()["H"] == 300
    starved = run({"S": 300, "Z": 300}, starve=6.0)
    fed = run({"S": 3000, "Z": 3}, starve=6.0)
    assert starved.event_counts()["starved"] > 50 and fed.event_counts()["starved"] < 3


def test_well_mixed_factions_agree_with_the_family_on_tauleap():
    """The rules of one agent meeting one other per step are the family's season 2
    transitions: with the same parameters the means agree."""
    data = mixed()
    data["parameters"] |= {"protect": 4.0, "hunt": 0.3, "starve": 0.2}
    data["initial"] = {"S": 3900, "F": 400, "Z": 300, "H": 400}
    data["run"] |= {"t_end": 8.0}
    agents = jonas.run(validate_data(data)).final()
    leaps = jonas.run(validate_data(as_tauleap(data, replicates=200))).final()
    for c in ("Dh", "Ds", "Dz", "H"):
        a, b = agents[c].mean(), leaps[c].mean()
        assert b > 40, f"{c}: too few to compare ({b})"
        assert a == pytest.approx(b, rel=0.08), f"{c}: agents {a:.1f}, tauleap {b:.1f}"


def test_gathering_well_mixed_is_refused_with_its_field():
    data = mixed()
    data["parameters"] |= {"gather": 0.5}
    with pytest.raises(ScenarioError, match=r"parameters\.gather: .*spatial mode"):
        jonas.run(validate_data(data))
    data = mixed()
    data["agents"] |= {"rules": {"gather": 0.5}}
    with pytest.raises(ScenarioError, match=r"agents\.rules\.gather: .*spatial mode"):
        jonas.run(validate_data(data))


# -- through a scenario ---------------------------------------------------------------------


def test_a_rule_without_its_compartment_or_out_of_range_or_a_variant_is_refused():
    with pytest.raises(ScenarioError, match=r"agents\.rules\.hunt: .*'Dh'"):
        prepare("hyosan-city", small_city("agents.rules.hunt=1.0"))
    with pytest.raises(ScenarioError, match=r"agents\.rules\.starve: .*'Ds'"):
        prepare("hyosan-city", small_city("agents.rules.starve=1.0"))
    with pytest.raises(ScenarioError, match=r"parameters\.gather: .*share of steps.*got 2"):
        prepare("hyosan-city", small_city("parameters.gather=2.0"))
    variant = ("parameters.mutate=0.01", "parameters.turn_variant=0.1",
               "parameters.p_halfbie_variant=0.0")  # fmt: skip
    with pytest.raises(ScenarioError, match=r"parameters\.mutate: .*compartmental only"):
        prepare("hyosan-city", small_city(*variant))


FACTIONS = (
    "parameters.protect=600.0",
    "parameters.hunt=600.0",
    "parameters.starve=2.0",
    "agents.rules.gather=0.5",
    "initial.H=60",
    "initial.S=2930",
    "run.t_end=2",
)


def test_the_factions_on_the_map_through_a_scenario():
    r = jonas.run("hyosan-city", overrides=small_city(*FACTIONS))
    final = r.final()
    assert (r.counts.sum(axis=2) == 3000).all()
    m = r.metrics()
    assert final["Ds"][0] > 0 and m["zombies_starved"][0] == final["Ds"][0]
    assert final["Dh"][0] > 0 and m["halfbies_hunted"][0] == final["Dh"][0]
    setup = prepare("hyosan-city", small_city(*FACTIONS)).setup
    comps = setup.model.compartments
    assert (setup.to_hunted, setup.to_starved) == (comps.index("Dh"), comps.index("Ds"))
    p = setup.params
    assert (p.protect, p.hunt, p.starve, p.gather) == (600.0, 600.0, 2.0, 0.5)


# -- the same seed, the same run ------------------------------------------------------------


def melee(seed: int = 4) -> AgentWorld:
    """1,500 people, 80 halfbies and 100 zombies in a 200-m square, and 100 zombies in
    the 150 m east of it, where there is no prey: every rule on."""
    rng = np.random.default_rng(seed)
    n = 1780
    xs = rng.uniform(100, 300, n)
    ys = rng.uniform(100, 300, n)
    xs[1680:] = rng.uniform(300, 450, 100)
    states = np.full(n, State.CALM, np.uint8)
    states[1500:1580] = State.HALFBIE
    states[1580:] = State.ZOMBIE
    return world(xs, ys, states, seed=seed, protect=120.0, hunt=60.0, gather=0.5, starve=3.0,
                 beta=60.0, alpha=0.2, restraint=0.01, wander=0.3, phi_see=60.0,
                 phi_hear=12.0)  # fmt: skip


def digest(w: AgentWorld) -> str:
    h = hashlib.sha256()
    for f in fields(w.pop):
        h.update(getattr(w.pop, f.name).tobytes())
    h.update(w.events.tobytes())
    return h.hexdigest()


def test_same_seed_same_run_with_the_factions_on():
    a, b, c = melee(), melee(), melee(seed=5)
    for w in (a, b, c):
        w.run(hours=0.1)
    assert digest(a) == digest(b) and digest(a) != digest(c)
    ev = a.event_counts()
    for name in ("destroyed_by_halfbies", "halfbies_hunted", "starved", "bites"):
        assert ev[name] > 0, name  # every rule did something


RUN_AND_HASH = """
import sys
sys.path.insert(0, {tests!r})
from test_agents_factions import digest, melee
w = melee()
w.run(hours=0.1)
print(digest(w))
"""


def test_one_thread_or_two_give_the_same_run_with_the_factions_on():
    digests = []
    for threads in ("1", "2"):
        env = os.environ | {"NUMBA_NUM_THREADS": threads}
        code = RUN_AND_HASH.format(tests=str(Path(__file__).parent))
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1]
    assert digests[0] == digest(_ran(melee()))


def _ran(w: AgentWorld) -> AgentWorld:
    w.run(hours=0.1)
    return w
