"""The metapop engine: districts, commuting and other moves, regional interventions, outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import jonas
from jonas import compile_model
from jonas.api import prepare
from jonas.engines.arrays import by_source, event_arrays, model_arrays
from jonas.engines.metapop.engine import simulate_metapop
from jonas.engines.metapop.kernel import _commute_back, _leave_home, district_seed
from jonas.engines.metapop.mobility import network, roaming
from jonas.engines.metapop.setup import setup
from jonas.engines.tauleap.kernel import tauleap_replicate
from jonas.errors import JonasError
from jonas.geo.countries import korea
from jonas.geo.countries.korea import (
    INCHEON_GYEONGGI_TO_SEOUL_2020,
    OUT_OF_SEOUL_2020,
)
from jonas.model import output_times
from jonas.spec import validate_data

# The korea scenario cut down: a few districts, two days.
SMALL = [
    "metapop.regions=Gyeonggi",
    "run.t_end=48.0",
    "run.output_every=6.0",
    "run.replicates=2",
]


def _korea(sets: list[str], interventions: list[dict] | None = None) -> jonas.Scenario:
    """The korea scenario with some --set changes, and other interventions if given."""
    scenario = jonas.load("korea", [*SMALL, *sets])
    if interventions is None:
        return scenario
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["interventions"] = interventions
    return validate_data(data, "test")


def _run(names: list[str], sets: list[str] = (), seed: int = 5, interventions=None):
    scenario = _korea([*sets, f"metapop.regions={names!r}"], interventions)
    model = compile_model(scenario)
    where = setup(scenario, model)
    times = output_times(scenario.run.t_end, scenario.run.every)
    out, _, regional, arrival, _ = simulate_metapop(
        model, where, times, np.array([seed]), 0.0, scenario.run.epsilon
    )
    return scenario, model, where, times, out[0], regional[0], arrival[0]


def test_default_commuting_matches_the_census_both_ways() -> None:
    """The korea scenario's commuters (the defaults: gravity towards workplaces): 1.42M a
    day into Seoul from Incheon and Gyeonggi and 0.62M out of it, as in the 2020 census."""
    scenario = jonas.load("korea")
    where = setup(scenario, compile_model(scenario))
    flows = np.zeros((where.n_regions, where.n_regions))
    flows[where.edge_src, where.edge_dest] = where.edge_rate * where.population[where.edge_src]
    province = np.array(where.parents)
    seoul = province == "Seoul"
    around = np.isin(province, ["Incheon", "Gyeonggi"])
    into_seoul = flows[np.ix_(around, seoul)].sum()
    out_of_seoul = flows[seoul][:, ~seoul].sum()
    assert into_seoul == pytest.approx(INCHEON_GYEONGGI_TO_SEOUL_2020, rel=0.05)
    assert out_of_seoul == pytest.approx(OUT_OF_SEOUL_2020, rel=0.05)
    # the national share of people commuting per day is the `trips` asked for
    assert flows.sum() / where.population.sum() == pytest.approx(0.166, rel=1e-9)
    # the business districts fill up by day: Seoul's Jung-gu more than doubles
    jung = where.codes.index("11020")
    daytime = where.population - flows.sum(axis=1) + flows.sum(axis=0)
    assert daytime[jung] > 2 * where.population[jung]


def test_radiation_shares_every_districts_commuters() -> None:
    table = korea.districts()
    pop = table["population"].to_numpy()
    net = network(pop, table["lat"].to_numpy(), table["lon"].to_numpy(), "radiation", 0.1)
    flows = net.flows(pop)
    np.testing.assert_allclose(flows.sum(axis=1), 0.1 * pop)  # each sends a tenth
    assert not np.allclose(flows, flows.T)  # directional: big cities draw more than they send
    assert np.diff(net.ptr).max() <= 24  # its likeliest destinations only


def _people(n_d: int = 30, n_s: int = 12, seed: int = 3):
    """Thirty districts of random people, and their commuting network: P holds the people
    at home, then one (empty) row per edge for its commuters."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 50_000, size=(n_d, n_s)).astype(np.int64)
    net = network(X.sum(axis=1), rng.uniform(34, 38, n_d), rng.uniform(126, 129, n_d), trips=0.3)
    P = np.zeros((n_d + net.dest.size, n_s), dtype=np.int64)
    P[:n_d] = X
    src = np.repeat(np.arange(n_d), np.diff(net.ptr))
    return P, net, src


def test_commuters_leave_and_all_come_home() -> None:
    P, net, src = _people()
    n_d = 30
    commute = np.ones(12)
    commute[5] = 0.0  # the dead do not commute
    returns = commute > 0
    start = P.copy()
    np.random.seed(1)
    _leave_home(P, n_d, net.ptr, net.dest, net.per_day, commute, 0.0, True)
    away = P[n_d:]
    assert away.sum() > 0 and (P >= 0).all()
    assert away[:, 5].sum() == 0
    share = away.sum() / start[:n_d, returns].sum()
    assert share == pytest.approx(0.3, abs=0.01)  # trips = 30% of those who commute
    # every commuter is counted against his own home
    np.testing.assert_array_equal(
        P[:n_d].sum(axis=1) + np.bincount(src, away.sum(axis=1), n_d), start[:n_d].sum(axis=1)
    )
    _commute_back(P, n_d, src, net.dest, np.ones(net.dest.size), returns)
    np.testing.assert_array_equal(P, start)  # everyone home, in the state he left in


def test_commuters_held_by_a_closed_barrier_wait_and_zombies_stay() -> None:
    P, net, src = _people()
    n_d = 30
    returns = np.ones(12, dtype=np.bool_)
    returns[7] = False  # say, state 7 are zombies: they stay where they turned
    np.random.seed(2)
    _leave_home(P, n_d, net.ptr, net.dest, net.per_day, np.ones(12), 0.0, True)
    away = P[n_d:].copy()
    at_home = P[:n_d].sum()
    open_ = np.zeros(net.dest.size)
    open_[0] = 1.0  # only the first edge is open
    _commute_back(P, n_d, src, net.dest, open_, returns)
    held = P[n_d:]
    np.testing.assert_array_equal(held[0], 0)  # the open edge emptied
    np.testing.assert_array_equal(held[1:, ~returns], 0)  # zombies joined their district
    np.testing.assert_array_equal(held[1:, returns], away[1:, returns])  # the rest wait
    assert P[:n_d].sum() == at_home + away[0].sum() + away[1:, ~returns].sum()


def test_moves_are_one_way_conserve_people_and_go_both_ways_alike() -> None:
    P, _, _ = _people()
    n_d = 30
    rng = np.random.default_rng(3)
    pop = P[:n_d].sum(axis=1)
    roam = roaming(pop, rng.uniform(34, 38, n_d), rng.uniform(126, 129, n_d))
    flows = roam.flows(pop)
    np.testing.assert_allclose(flows, flows.T)  # as many each way: nobody piles up
    assert flows.sum() / pop.sum() == pytest.approx(1.0)  # one move a day on average
    moves = np.zeros(12)
    moves[3] = 0.5  # per time unit
    before = P.copy()
    np.random.seed(3)
    _leave_home(P, n_d, roam.ptr, roam.dest, roam.per_day, moves, 2.0, False)
    np.testing.assert_array_equal(P.sum(axis=0), before.sum(axis=0))  # nobody lost
    changed = np.any(before != P, axis=0)
    assert changed[3] and changed.sum() == 1  # only state 3 moves
    assert (P[n_d:] == 0).all()  # movers settle at their destination (no commuter rows)


def test_without_an_outbreak_every_district_keeps_its_people_at_each_hour() -> None:
    """Issue 16's check: over 30 days, each district's population at the same hour of the
    day stays within 5% of its first day's; at midnight everyone is home; at noon the
    commuters are away."""
    scenario = jonas.load(
        "korea",
        [
            "parameters.beta=0.0",
            "parameters.phi_see=0.0",
            "parameters.phi_spread=0.0",
            "run.t_end=720.0",
            "run.output_every=6.0",
            "run.replicates=1",
        ],
    )
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["interventions"] = []
    result = jonas.run(validate_data(data, "quiet korea"), seed=4)
    people = result.regional.counts[0].sum(axis=-1).astype(float)[:-1]  # times × districts
    by_hour = people.reshape(30, 4, -1)  # days × (0, 6, 12, 18 h) × districts
    change = np.abs(by_hour / by_hour[:1] - 1)
    assert change.max() < 0.05, change.max()
    night, noon = by_hour[:, 0].mean(axis=0), by_hour[:, 2].mean(axis=0)
    jung = result.regional.codes.index("11020")  # Jung-gu, Seoul's business district
    assert noon[jung] > 1.5 * night[jung]
    # (one zombie may wander: the only move left)
    assert np.abs(by_hour[:, 0] - by_hour[:1, 0]).max() <= 1


def test_a_whole_run_conserves_people_and_districts_add_up() -> None:
    _, _, where, _, out, regional, _ = _run(["Seoul", "Gwacheon-si", "Uiwang-si"])
    total = int(where.population.sum())
    np.testing.assert_array_equal(out.sum(axis=1), total)
    np.testing.assert_array_equal(regional.sum(axis=1), out)


def test_without_travel_each_district_is_exactly_a_tauleap_run() -> None:
    names = ["Uiwang-si", "Gwacheon-si", "Anyang-si"]
    scenario, model, where, times, _, regional, _ = _run(
        names,
        [
            "metapop.mobility.model=none",
            "metapop.mobility.moves={}",
            "metapop.outbreak=['Uiwang-si', 'Gwacheon-si']",
            "run.t_end=60.0",
        ],
        seed=11,
        interventions=[],
    )
    assert where.edge_dest.size == 0
    arrays = list(model_arrays(model))
    grew = 0
    for d in range(where.n_regions):
        arrays[0] = where.x0[d].copy()
        out = np.zeros((times.size, model.n_compartments), dtype=np.int64)
        fired = np.full(len(model.events), np.nan)
        flows = np.zeros((times.size, len(model.transitions)), dtype=np.int64)
        tauleap_replicate(
            *arrays, *by_source(model), times, event_arrays(model), 0.0,
            scenario.run.epsilon, int(district_seed(11, d)), out, fired, flows, np.zeros(1),
        )  # fmt: skip
        np.testing.assert_array_equal(regional[:, d], out)
        grew += int(out[-1, model.compartments.index("Z")] > 0)
    assert grew >= 1  # an outbreak, not two empty runs


def test_a_closed_cordon_keeps_every_other_district_clean() -> None:
    # even zombies commute, and they wander
    sets = ["run.t_end=96.0", "metapop.mobility.move={Z = 1.0}"]
    closed = _korea(sets, [{"type": "cordon", "regions": "Uiwang-si", "at": 0.0, "leak": 0.0}])
    model = compile_model(closed)
    where = setup(closed, model)
    times = output_times(96.0, 6.0)
    _, _, regional, arrival, _ = simulate_metapop(
        model, where, times, np.array([3, 4]), 0.0, 0.03
    )
    inside = where.codes.index("31170")
    sick = [model.compartments.index(c) for c in ("E", "Ef", "L", "Z", "H")]
    outside = np.delete(regional[..., sick], inside, axis=2)
    assert outside.sum() == 0
    assert np.isnan(np.delete(arrival, inside, axis=1)).all()
    assert (regional[:, -1, inside, model.compartments.index("Z")] > 1000).all()
    # and open, the same outbreak leaves the city
    opened = _korea(sets, [])
    model = compile_model(opened)
    _, _, regional, _, _ = simulate_metapop(
        model, setup(opened, model), times, np.array([3, 4]), 0.0, 0.03
    )
    assert np.delete(regional[..., sick], inside, axis=2).sum() > 0


def test_a_travel_ban_cuts_only_travel_between_provinces() -> None:
    scenario = _korea(
        ["metapop.regions=['Seoul', 'Gyeonggi']"],
        [{"type": "travel-ban", "at": 1.0, "leak": 0.25}],
    )
    model = compile_model(scenario)
    where = setup(scenario, model)
    src = np.repeat(np.arange(where.n_regions), np.diff(where.edge_ptr))
    province = np.array(where.parents)
    between = province[src] != province[where.edge_dest]
    assert where.crosses.shape == (1, where.edge_dest.size)
    np.testing.assert_array_equal(where.crosses[0], between)
    assert between.any() and (~between).any()
    assert where.event_leak.tolist() == [0.25]


def test_same_numbers_on_one_thread_or_two() -> None:
    code = (
        "import hashlib, numpy as np, jonas;"
        "r = jonas.run('korea', overrides=['metapop.regions=Gyeonggi', 'run.t_end=36.0',"
        " 'run.replicates=1']);"
        "print(hashlib.sha256(r.regional.counts.tobytes()).hexdigest())"
    )
    digests = set()
    for threads in ("1", "2"):
        env = os.environ | {"NUMBA_NUM_THREADS": threads}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["metapop.outbreak=Seul"], "metapop.outbreak"),
        (["metapop.regions=Gyeonggi", "metapop.outbreak=Jongno-gu"], "takes part"),
        (["interventions.0.regions=Nowhere-gu"], "interventions.0.regions"),
        (["metapop.infected=['E', 'Zombie']"], "metapop.infected"),
        (["metapop.mobility.move={Q = 1.0}"], "metapop.mobility.move.Q"),
        (["metapop.mobility.moves={Q = 1.0}"], "metapop.mobility.moves.Q"),
        (["metapop.mobility.move={S = 7.0}"], "must be at most 1"),
        (["metapop.mobility.work_hours=[18.0, 8.0]"], "metapop.mobility.work_hours"),
    ],
)
def test_bad_regions_are_refused_by_name(sets: list[str], message: str) -> None:
    with pytest.raises(JonasError, match=message):
        prepare("korea", sets)


def test_unknown_region_suggests_a_name() -> None:
    with pytest.raises(JonasError, match="Seoul"):
        prepare("korea", ["metapop.outbreak=Seul"])


def test_regions_need_the_metapop_engine() -> None:
    with pytest.raises(JonasError, match="only the metapop engine has regions"):
        prepare("hyosan", ["interventions.1.regions=Seoul"])
    data = jonas.load("hyosan").model_dump(by_alias=True, exclude_none=True)
    data["interventions"].append({"type": "travel-ban", "at": 1.0})
    with pytest.raises(JonasError, match=r"interventions\.5: a travel-ban stops travel"):
        compile_model(validate_data(data, "test"))


def test_run_writes_district_tables_and_maps(tmp_path: Path) -> None:
    out = tmp_path / "k"
    sets = [arg for s in SMALL for arg in ("--set", s)]
    done = subprocess.run(
        [sys.executable, "-c", "from jonas.cli import main; main()", "run", "korea",
         "--out", str(out), "-w", "1", "--animate", "--json", *sets],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    meta = json.loads(done.stdout)
    for name in ("timeseries.parquet", "regions.parquet", "map.png", "map.gif", "plot.png"):
        assert (out / name).exists(), name
    series = pq.read_table(out / "timeseries.parquet").to_pandas()
    national = series[series["region"] == "all"].drop(columns="region")
    local = series[series["region"] != "all"]
    assert local["region"].nunique() == 42  # Gyeonggi's districts
    summed = local.drop(columns="region").groupby(["replicate", "time"]).sum().reset_index()
    pd.testing.assert_frame_equal(
        summed.reset_index(drop=True), national.reset_index(drop=True), check_dtype=False
    )
    regions = pq.read_table(out / "regions.parquet").to_pandas()
    assert len(regions) == 2 * 42
    uiwang = regions[regions["region"] == "31170"]
    assert (uiwang["first_infected"] == 0).all()
    assert regions["first_100_zombies"].isna().any()  # not everywhere in two days
    hardest = meta["summary"]["hardest_hit"]
    assert len(hardest) == 10
    assert hardest[0]["peak_zombies_per_1000"] >= hardest[-1]["peak_zombies_per_1000"]


def test_seoul_response_fires_on_regional_and_national_triggers() -> None:
    result = jonas.run(
        "seoul",
        overrides=["metapop.regions=['Seoul', 'Gyeonggi', 'Gangwon']", "run.t_end=72.0"],
        replicates=1,
        seed=3,
    )
    labels = result.model.events.labels
    when = dict(zip(labels, result.event_times[0], strict=True))
    # Seoul's cordon: 6 h after Seoul (not the country) has 1,000 zombies
    zombies = result.regional.counts[0][..., [result.compartments.index("Z")]].sum(axis=-1)
    seoul = np.array([p == "Seoul" for p in result.regional.parents])
    in_seoul = zombies[:, seoul].sum(axis=1)
    first = result.times[np.argmax(in_seoul >= 1000)]
    assert when["cordon around Seoul"] == pytest.approx(first + 6.0, abs=result.times[1])
    assert when["no travel between provinces"] > when["cordon around Seoul"]
    # the camps everywhere wait for the country's 100,000 zombies, counted everywhere
    camps = [t for label, t in when.items() if label.startswith("camps everywhere")]
    national = result.counts[0][:, [result.compartments.index(c) for c in ("Z", "Zl", "Zv")]]
    reached = result.times[np.argmax(national.sum(axis=1) >= 100_000)]
    assert min(camps) == pytest.approx(reached + 24.0, abs=result.times[1])
    # the weekly sweeps start on day 14: none within 72 h
    assert all(np.isnan(t) for label, t in when.items() if label.startswith("the army's"))


def test_a_response_in_the_outbreak_s_regions_follows_the_outbreak() -> None:
    """korea's response acts where metapop.outbreak is (regions = "outbreak"): moved to
    Busan, the strike falls on Haeundae-gu, not on Uiwang."""
    sets = ["metapop.regions=['Busan']", "run.replicates=1", "run.t_end=90.0"]
    result = jonas.run("korea", overrides=[*sets, "metapop.outbreak=Haeundae-gu"])
    reg = result.regional
    comps = list(result.compartments)
    struck = reg.counts[0, -1][:, [comps.index("KsI"), comps.index("KsU")]].sum(axis=1)
    assert [reg.names[i] for i in np.nonzero(struck)[0]] == ["Haeundae-gu"]
    scenario = jonas.load("korea", [*sets, "metapop.outbreak=Haeundae-gu"])
    assert {iv.regions for iv in scenario.interventions} == {"outbreak"}
