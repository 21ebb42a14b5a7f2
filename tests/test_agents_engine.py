"""The agents engine through scenarios: agreement with tau-leaping when well mixed, the
response on the map, reproducibility (also across numba thread counts), and bad input."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import jonas
from jonas.abm import State
from jonas.api import prepare
from jonas.cli import app
from jonas.engines.agents.replicate import Replicate
from jonas.errors import ScenarioError
from jonas.spec import validate_data

PARAMETERS = {
    "beta": 2.0,
    "alpha": 0.3,
    "fight_afraid": 0.3,
    "hide_afraid": 0.3,
    "phi_see": 3.0,
    "phi_spread": 0.5,
    "calm": 0.05,
    "turn_fast": 0.2,
    "rage": 1.0,
    "p_slow": 0.05,
    "turn_slow": 10.0,
    "p_blood": 0.2,
    "p_halfbie": 0.01,
    "restraint": 0.05,
    "leave": 0.01,
    "flee_afraid": 5.0,
    "watch": 0.5,
}


def mixed(interventions: list[dict[str, Any]] | None = None, **run: Any) -> dict[str, Any]:
    """A small well-mixed Jonas outbreak: 4,990 calm people and 10 zombies for 24 hours."""
    return {
        "scenario": {"name": "mixed", "time_unit": "hours"},
        "model": {"family": "jonas", "stages": {"E": 3, "Ef": 3}},
        "parameters": dict(PARAMETERS),
        "initial": {"S": 4990, "Z": 10},
        "run": {
            "engine": "agents",
            "t_end": 24.0,
            "output_every": 1.0,
            "seed": 7,
            "replicates": 8,
        }
        | run,
        "agents": {"mode": "mixed", "step_s": 30.0},
        "interventions": interventions or [],
    }


def as_tauleap(data: dict[str, Any], replicates: int = 300) -> dict[str, Any]:
    other = {k: v for k, v in data.items() if k != "agents"}
    other["run"] = data["run"] | {"engine": "tauleap", "replicates": replicates}
    return other


def assert_agree(data: dict[str, Any], compartments: tuple[str, ...], rel: float) -> None:
    agents = jonas.run(validate_data(data)).final()
    leaps = jonas.run(validate_data(as_tauleap(data))).final()
    for c in compartments:
        a, b = agents[c].mean(), leaps[c].mean()
        assert b > 50, f"{c}: too few to compare ({b})"
        assert a == pytest.approx(b, rel=rel), f"{c}: agents {a:.1f}, tauleap {b:.1f}"


# --------------------------------------------------------------------------- agreement


def test_well_mixed_agents_agree_with_tauleap() -> None:
    """The rules of one agent meeting one other per step are the family's transitions:
    with the same parameters the means agree (to O(dt) and sampling error, here < 5%)."""
    assert_agree(mixed(), ("Z", "Dz", "Out", "L"), rel=0.06)


def test_well_mixed_response_agrees_with_tauleap() -> None:
    """Camps with screening, a strike by fractions and a sweep act on agents as on counts."""
    response = [
        {
            "type": "camp",
            "at": 2.0,
            "duration": 10.0,
            "from": ["S", "F", "E", "Ef", "L", "H"],
            "to": {"S": "Camp", "F": "Camp", "E": "CampI", "Ef": "CampI", "L": "CampI", "H": "Hc"},
            "caught_to": {"E": "Iso", "Ef": "Iso", "L": "Iso", "H": "Hq"},
            "sensitivity": {"E": 0.95, "Ef": 0.95, "L": 0.6, "H": 0.5},
            "capacity": 150.0,
        },
        {"type": "cordon", "at": 4.0, "exits": ["Out", "OutL"], "leak": 0.1},
        {
            "type": "strike",
            "at": 14.0,
            "compartments": ["Z", "S", "F"],
            "infected": ["Z"],
            "fraction": 0.5,
            "to_infected": "KsI",
            "to_uninfected": "KsU",
        },
        {"type": "cull", "at": 18.0, "compartments": ["Z"], "fraction": 0.5, "to": "Dz"},
    ]
    assert_agree(mixed(response), ("Camp", "KsI", "Dz", "Z"), rel=0.07)


# --------------------------------------------------------------------------- on the map


def small_city(*extra: str) -> list[str]:
    """Overrides that shrink hyosan-city to a 2 × 2 km town of 3,000 and a 6-hour story."""
    return [
        "agents.width_m=2000",
        "agents.height_m=2000",
        "agents.step_s=20",
        "initial.S=2990",
        "initial.E=0",
        "initial.Z=10",
        "run.t_end=6",
        "run.output_every=0.25",
        "interventions.0.at=1.0",
        "interventions.1.at=1.5",
        "interventions.2.at=3.0",
        "interventions.2.duration=2.0",
        "interventions.3.at=3.0",
        "interventions.3.duration=2.0",
        "interventions.4.at=5.0",
        "interventions.5.at=5.5",
        *extra,
    ]


@pytest.fixture(scope="module")
def town() -> jonas.Result:
    return jonas.run("hyosan-city", overrides=small_city("agents.start_at=[900.0, 1000.0]"))


def test_everyone_is_counted_every_moment(town: jonas.Result) -> None:
    totals = town.counts.sum(axis=2)
    assert (totals == 3000).all()


def test_the_story_happens_on_the_map(town: jonas.Result) -> None:
    final = town.final()
    m = town.metrics()
    assert m["bites"][0] > 0 and final["Z"][0] + final["Dz"][0] + final["KsI"][0] > 10
    assert final["Camp"][0] > 0  # evacuees walked to the camps and were taken in
    assert m["killed_in_strike"][0] > 0
    assert m["strike_time"][0] == pytest.approx(5.0, abs=0.01)
    # the strike is one moment: the killed appear between two outputs, then stay
    killed = town.series("KsI")[0] + town.series("KsU")[0]
    k = int(np.searchsorted(town.times, 5.0))
    assert killed[k - 1] == 0 and killed[k] == killed[-1]


def test_camps_take_in_no_more_than_their_capacity(town: jonas.Result) -> None:
    took = sum(town.series(c)[0] for c in ("Camp", "CampI", "Iso", "Hc", "Hq", "Dq"))
    per_hour = np.diff(took) / np.diff(town.times)
    capacity = town.scenario.interventions[0].capacity
    assert per_hour.max() <= capacity * 1.01 + 1 / np.diff(town.times).min()


def test_same_seed_same_run_and_other_seed_other_run(town: jonas.Result) -> None:
    again = jonas.run("hyosan-city", overrides=small_city("agents.start_at=[900.0, 1000.0]"))
    assert np.array_equal(again.counts, town.counts)
    assert np.array_equal(again.event_times, town.event_times, equal_nan=True)
    other = jonas.run(
        "hyosan-city", overrides=small_city("agents.start_at=[900.0, 1000.0]", "run.seed=3")
    )
    assert not np.array_equal(other.counts, town.counts)


RUN_AND_HASH = """
import hashlib, sys, jonas
sys.path.insert(0, {tests!r})
from test_agents_engine import small_city
r = jonas.run("hyosan-city", overrides=small_city("run.t_end=2"))
print(hashlib.sha256(r.counts.tobytes() + r.event_times.tobytes()).hexdigest())
"""


def test_one_thread_or_two_give_the_same_run() -> None:
    """The step runs in strips on numba's threads, the agents' sort too: the same numbers
    on any number of threads."""
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
    assert len(digests[0]) == len(hashlib.sha256().hexdigest())


def guarded_town(guard: float) -> Replicate:
    """The small town with its first camp open and guarded within 200 m, and every agent
    a zombie standing 50 m (the first half) or 250 m (the rest) from that camp's centre,
    toward the middle of the map."""
    over = small_city(f"interventions.0.guard={guard}", "interventions.0.guard_m=200.0")
    rep = Replicate(prepare("hyosan-city", over).setup, 1)
    cx, cy = rep.s.acts[0].targets[0].center
    ux, uy = 1000.0 - cx, 1000.0 - cy
    norm = np.hypot(ux, uy)
    pop = rep.world.pop
    n = len(pop)
    d = np.where(np.arange(n) < n // 2, 50.0, 250.0)
    pop.state[:] = State.ZOMBIE
    pop.x[:] = cx + d * ux / norm
    pop.y[:] = cy + d * uy / norm
    rep.open_camp(0, rep.s.acts[0])
    return rep


def test_guards_shoot_the_zombies_near_an_open_camp_only() -> None:
    rep = guarded_town(1e9)
    rep._guard()
    state, half = rep.world.pop.state, len(rep.world.pop) // 2
    dz = rep.s.model.compartments.index("Dz")
    assert (state[:half] == dz).all() and (state[half:] == State.ZOMBIE).all()
    assert rep.world.event_counts()["zombies_destroyed"] == half
    rep.close_camp(0)  # closed: no guards
    rep.world.pop.state[:] = State.ZOMBIE
    rep._guard()
    assert (rep.world.pop.state == State.ZOMBIE).all()


def test_guards_shoot_at_their_rate() -> None:
    """60 an hour over a 20-s step: each zombie near the camp is shot with 1 - e^(-1/3)."""
    rep = guarded_town(60.0)
    rep._guard()
    half = len(rep.world.pop) // 2
    shot = int(np.count_nonzero(rep.world.pop.state[:half] != State.ZOMBIE))
    p = -np.expm1(-60.0 * 20.0 / 3600.0)
    assert abs(shot - half * p) < 5 * np.sqrt(half * p * (1 - p))
    assert (rep.world.pop.state[half:] == State.ZOMBIE).all()


# --------------------------------------------------------------------------- bad input


def refused(*overrides: str, source: str = "hyosan-city") -> str:
    with pytest.raises(ScenarioError) as info:
        prepare(source, list(overrides))
    return str(info.value)


def test_a_strike_area_off_the_map_is_refused() -> None:
    msg = refused("interventions.4.area={ circle = [9000.0, 9000.0, 100.0] }")
    assert "interventions.4.area" in msg and "outside the map" in msg


def test_a_negative_guard_is_refused() -> None:
    msg = refused("interventions.0.guard=-1.0")
    assert "interventions.0.guard" in msg and "greater than or equal to 0" in msg


def test_a_start_off_the_map_is_refused() -> None:
    msg = refused("agents.start_at=[-50.0, 10.0]")
    assert "agents.start_at" in msg and "outside the map" in msg


def test_an_unknown_place_gets_suggestions() -> None:
    msg = refused('agents.start_at="Hyosan Highschool"')
    assert "agents.start_at" in msg and "Hyosan High School" in msg


def test_a_map_file_that_is_not_a_map_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "town.toml"
    bad.write_text("this is = not [ toml\n")
    msg = refused(f'agents.map="{bad}"')
    assert "not a map file" in msg
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG not really")
    assert "TOML file beside it" in refused(f'agents.map="{picture}"')
    assert "neither the built-in" in refused('agents.map="town.csv"')


def test_more_people_than_the_map_has_homes_for_is_refused(tmp_path: Path) -> None:
    from jonas.space import hyosan_city, save_map

    path = save_map(hyosan_city(width_m=2000, height_m=2000, residents=500), tmp_path / "t.toml")
    msg = refused(f'agents.map="{path}"', "initial.S=2000")
    assert "homes for 500" in msg


def test_spatial_interventions_need_their_places() -> None:
    data = tomllib.loads(
        resources.files("jonas.data.scenarios").joinpath("hyosan-city.toml").read_text()
    )
    del data["interventions"][4]["area"]
    with pytest.raises(ScenarioError, match=r"interventions\.4\.area: on a map a strike"):
        jonas.run(validate_data(data))
    assert "agents.rules.bta" in refused("agents.rules.bta=1.0")
    msg = refused('agents.mode="mixed"')
    assert "interventions.2: a lure with only a 'route' is a drone on a city map" in msg
    assert "give 'to' and 'share'" in msg


def test_the_agents_engine_runs_only_the_jonas_family() -> None:
    msg = refused('run.engine="agents"', source="sir")
    assert "model.family" in msg and "jonas" in msg
    assert "[agents] section is read only by the agents engine" in refused('run.engine="tauleap"')


def test_animate_needs_a_map() -> None:
    result = CliRunner().invoke(app, ["run", "sir", "--animate"])
    assert result.exit_code == 2
    assert "--animate" in result.output and "agents engine" in result.output


def test_animate_writes_the_animation_and_snapshots(tmp_path: Path) -> None:
    args = ["run", "hyosan-city", "--animate", "--report", "-q", "--out", str(tmp_path)]
    for o in small_city("run.t_end=5.5", "agents.frame_every=0.5", "agents.frame_points=2000"):
        args += ["--set", o]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "animation.gif").stat().st_size > 10_000
    shots = sorted(p.name for p in (tmp_path / "snapshots").iterdir())
    assert any("strike" in s for s in shots) and any("martial-law" in s for s in shots)
    assert not list(tmp_path.rglob("*.part"))
    # report.html carries the playback (playback.bin and its player: the GIF is not
    # needed) and every snapshot, so it needs nothing beside it
    report = (tmp_path / "report.html").read_text("utf-8").split("</head>", 1)[1]
    assert report.count('id="city-playback"') == 1 and "data:image/gif" not in report
    assert report.count("data:image/png;base64,") == len(shots)
