"""playback.bin: a city run's first replicate packed for the browser, every agent of every
frame (jonas.outputs.writers.playback), from a run in this process and from an ensemble."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jonas
from jonas.abm import AgentWorld, State
from jonas.abm.frames import frame_of
from jonas.ensemble import run_ensemble
from jonas.outputs.writers.playback import STEPS, decode, encode
from jonas.space import Circle, hyosan_city


@pytest.fixture(scope="module")
def world() -> AgentWorld:
    city = hyosan_city(residents=5000)
    world = AgentWorld.on_map(city, 5000, seed=3, dt_s=10)
    world.seed_infection(*city.place("Hyosan High School").center, zombies=5)
    for _ in range(30):
        world.step()
    return world


def test_a_playback_reads_back_every_agent_where_it_was(world: AgentWorld) -> None:
    city = world.city
    camp = city.place("quarantine camp").center
    held = np.arange(10)
    world.pop.state[held] = State.CAMP  # ten people taken into the quarantine camp
    world.pop.x[held], world.pop.y[held] = camp
    area = Circle(2000, 2000, 300)
    first = frame_of(world, max_points=10**6, camps=True)
    second = frame_of(
        world, max_points=10**6, camps=True, strikes=(area,), struck_now=(area,), label="strike"
    )
    header, frames = decode(encode(city, [first, second]))
    width, height = city.shape[1] * city.cell_m, city.shape[0] * city.cell_m
    assert (header["width_m"], header["height_m"]) == (width, height)
    assert [f["label"] for f in header["frames"]] == ["", "strike"]
    for packed, frame in zip(frames, (first, second), strict=True):
        assert np.array_equal(packed["state"], frame.state)
        assert np.abs(packed["x"] - frame.x).max() <= width / STEPS
        assert np.abs(packed["y"] - frame.y).max() <= height / STEPS
    names = [c["name"] for c in header["camps"]]
    counts = dict(zip(names, header["frames"][0]["camps"], strict=True))
    assert counts["quarantine camp"] >= 10 and header["frames"][0]["held"] == sum(counts.values())
    strike = np.array(header["frames"][1]["strikes"][0])
    assert np.allclose(np.hypot(strike[:, 0] - 2000, strike[:, 1] - 2000), 300, atol=0.1)
    assert header["cordon"]["line"] and header["background"].startswith("data:image/png")


def test_bad_bytes_are_not_a_playback() -> None:
    with pytest.raises(ValueError, match="not a jonas playback"):
        decode(b"PK\x03\x04 a zip file")


def test_an_ensemble_records_its_first_replicate_for_the_browser(tmp_path: Path) -> None:
    prepared = jonas.prepare(
        "hyosan-city",
        ["run.t_end=1", "agents.frame_points=1000000", "agents.frame_every=0.5"],
        replicates=2,
    )
    run_ensemble(prepared, tmp_path / "run", workers=1, playback=True)
    header, frames = decode((tmp_path / "run" / "playback.bin").read_bytes())
    assert [f["t"] for f in header["frames"]] == [0.0, 0.5, 1.0]
    assert frames[0]["state"].size == 170_000  # every agent, none thinned
    # a later run into the same folder without a playback leaves none behind
    run_ensemble(prepared, tmp_path / "run", workers=1)
    assert not (tmp_path / "run" / "playback.bin").exists()
