"""A story that starts anywhere: --start (a country's region, a city's place), the
interventions that follow it, interventions named in --set, and jonas show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import jonas
from jonas.cli import app

runner = CliRunner()


def test_start_moves_a_country_outbreak_and_the_response_with_it() -> None:
    prepared = jonas.prepare("korea", start="Busan")
    assert prepared.scenario.metapop.outbreak == "Busan"
    where = prepared.setup
    parents = np.array([str(p) for p in where.parents])
    busan = parents == "Busan"
    assert busan.sum() == 16  # Busan's 16 districts
    # everyone who starts infected starts there
    infected = where.x0[:, list(prepared.model.compartments).index("E")]
    assert infected.sum() == 1 and infected[busan].sum() == 1
    # every intervention written for "the outbreak" acts there and nowhere else: the
    # cordon and the strike included
    events = prepared.model.events
    for e, label in enumerate(events.labels):
        assert np.array_equal(where.event_mask[e], busan), label


def test_start_puts_a_city_outbreak_at_a_place_or_a_point() -> None:
    assert jonas.prepare("hyosan-city", start="hospital").scenario.agents.start_at == "hospital"
    point = jonas.prepare("hyosan-city", start="[1200, 3400]").scenario.agents.start_at
    assert tuple(point) == (1200.0, 3400.0)


def test_start_is_refused_where_there_is_nowhere_to_start() -> None:
    result = runner.invoke(app, ["run", "hyosan", "--start", "Busan", "-q"])
    assert result.exit_code == 2
    assert "--start Busan: the tauleap engine has no places" in result.output
    assert "metapop" in result.output and "agents" in result.output
    result = runner.invoke(app, ["validate", "korea", "--set", "metapop.outbreak=Atlantis"])
    assert result.exit_code == 2


def test_a_run_started_in_busan_starts_there(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "korea", "--start", "Busan", "-r", "2", "--set", "run.t_end=6", "-q"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    regions = pd.read_parquet(out / "regions.parquet")
    first = regions[regions["first_infected"] == 0.0]
    assert set(first["province"]) == {"Busan"}
    meta = (out / "run.json").read_text("utf-8")
    assert "--start Busan" in meta  # the command that runs it again


def test_interventions_are_named_in_set() -> None:
    off = jonas.load("korea", ["interventions.strike.enabled=false"])
    assert [iv.type for iv in off.interventions if iv.enabled] == ["camp", "cordon", "lure", "cull"]
    moved = jonas.load("korea", ["interventions.Martial Law around Uiwang.at=20"])
    assert next(iv for iv in moved.interventions if iv.type == "cordon").at == 20.0
    # two interventions of a type: the type alone is not enough
    result = runner.invoke(app, ["validate", "hyosan-city", "--set", "interventions.lure.at=1"])
    assert result.exit_code == 2
    assert "2 interventions are 'lure'" in result.output and "sound drone (school)" in result.output
    result = runner.invoke(app, ["validate", "korea", "--set", "interventions.stirke.at=1"])
    assert result.exit_code == 2
    assert "no intervention is named 'stirke'" in result.output
    assert "strike on Uiwang" in result.output


def test_show_lists_a_scenario_with_its_interventions_and_where_they_act() -> None:
    result = runner.invoke(app, ["show", "korea", "--start", "Busan"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "starts with E = 1 in Busan" in text
    assert "strike on Uiwang" in text and "regions: outbreak (Busan)" in text
    assert "calibrated: bites per zombie per hour" in text  # the parameters' notes
    result = runner.invoke(app, ["show", "hyosan-city"])
    assert "at Hyosan High School" in result.output and "area: downtown" in result.output


def test_a_strike_where_there_are_no_zombies_is_said(tmp_path: Path) -> None:
    """korea's outbreak moved to Busan with its cordon and strike pinned to Uiwang: the run
    says so; with the response following the outbreak, it says nothing."""
    pinned = ["interventions.strike.regions=Uiwang-si", "interventions.cordon.regions=Uiwang-si"]
    args = ["run", "korea", "--start", "Haeundae-gu", "-r", "2", "--set", "run.t_end=90"]
    result = runner.invoke(app, [*args, *[w for o in pinned for w in ("--set", o)],
                                 "--out", str(tmp_path / "a")])  # fmt: skip
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "strike on Uiwang (strike) came down on districts with no zombies" in said
    assert "martial law around Uiwang (cordon) came down" in said
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert result.exit_code == 0 and "no zombies" not in result.output


def test_a_cordon_that_waits_for_zombies_where_it_acts_is_not_said(tmp_path: Path) -> None:
    """seoul's cordon waits for 1,000 zombies in Seoul: it cannot come down on a place with
    none, even when the last output before it (a day apart) showed none there yet."""
    args = ["run", "seoul", "-r", "1", "--set", "run.t_end=48", "--set", "run.output_every=24"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "no zombies" not in result.output
    fired = jonas.run("seoul", replicates=1, overrides=args[5::2])
    cordon = fired.model.events.labels.index("cordon around Seoul")
    assert 0 < fired.event_times[0, cordon] < 24  # between the outputs at 0 and 24 hours


def test_show_lists_repeated_times_and_interventions_switched_off() -> None:
    result = runner.invoke(app, ["show", "seoul"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = {line.split()[0]: line for line in lines if line.strip()[:1].isdigit()}
    assert "at 336, 504, 672, …, 2688 (15 times)" in rows["4"]
    assert "the camps open" in rows["6"] and "(off)" in rows["6"]
    on = runner.invoke(app, ["show", "seoul", "--set", "interventions.the camps open.enabled=true"])
    assert "(off)" not in on.output
