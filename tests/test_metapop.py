"""The metapop engine: districts, travel, regional interventions, outputs."""

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
from jonas.engines.metapop.kernel import _travel, district_seed, simulate_metapop
from jonas.engines.metapop.mobility import network
from jonas.engines.metapop.setup import setup
from jonas.engines.tauleap.kernel import tauleap_replicate
from jonas.errors import JonasError
from jonas.geo.countries import korea
from jonas.geo.countries.korea import INCHEON_GYEONGGI_TO_SEOUL_2020
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
    out, _, regional, arrival = simulate_metapop(
        model, where, times, np.array([seed]), 0.0, scenario.run.epsilon
    )
    return scenario, model, where, times, out[0], regional[0], arrival[0]


def test_default_gravity_matches_the_census_commuting_figure() -> None:
    table = korea.districts()
    pop = table["population"].to_numpy()
    net = network(pop, table["lat"].to_numpy(), table["lon"].to_numpy())
    flows = net.flows(pop)
    assert np.allclose(flows, flows.T, rtol=1e-9)  # as many go each way
    seoul = (table["province_en"] == "Seoul").to_numpy()
    around = table["province_en"].isin(["Incheon", "Gyeonggi"]).to_numpy()
    into_seoul = flows[np.ix_(around, seoul)].sum()
    assert into_seoul == pytest.approx(INCHEON_GYEONGGI_TO_SEOUL_2020, rel=0.05)
    # the national share of people travelling per day is the `trips` asked for
    assert flows.sum() / pop.sum() == pytest.approx(0.26, rel=1e-9)


def test_radiation_flows_are_symmetric_and_scaled() -> None:
    table = korea.districts()
    pop = table["population"].to_numpy()
    net = network(pop, table["lat"].to_numpy(), table["lon"].to_numpy(), "radiation", 0.1)
    flows = net.flows(pop)
    assert np.allclose(flows, flows.T, rtol=1e-9)
    assert flows.sum() / pop.sum() == pytest.approx(0.1)


def test_travel_conserves_people_exactly() -> None:
    rng = np.random.default_rng(3)
    X = rng.integers(0, 50_000, size=(30, 12)).astype(np.int64)
    pop = X.sum(axis=1)
    net = network(pop, rng.uniform(34, 38, 30), rng.uniform(126, 129, 30), trips=2.0)
    mobile = np.ones(12)
    mobile[5] = 0.0  # the dead stay put
    before = X.copy()
    np.random.seed(1)
    _travel(
        X, np.zeros_like(X), 5.0, net.ptr, net.dest, net.per_day, np.ones(net.dest.size), mobile
    )
    assert (X >= 0).all()
    np.testing.assert_array_equal(X.sum(axis=0), before.sum(axis=0))  # each state: nobody lost
    np.testing.assert_array_equal(X[:, 5], before[:, 5])
    assert not np.array_equal(X, before)


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
        tauleap_replicate(
            *arrays, *by_source(model), times, event_arrays(model), 0.0,
            scenario.run.epsilon, int(district_seed(11, d)), out, fired,
        )  # fmt: skip
        np.testing.assert_array_equal(regional[:, d], out)
        grew += int(out[-1, model.compartments.index("Z")] > 0)
    assert grew >= 1  # an outbreak, not two empty runs


def test_a_closed_cordon_keeps_every_other_district_clean() -> None:
    # zombies travel as much as anyone
    sets = ["run.t_end=96.0", "metapop.mobility.move={}"]
    closed = _korea(sets, [{"type": "cordon", "regions": "Uiwang-si", "at": 0.0, "leak": 0.0}])
    model = compile_model(closed)
    where = setup(closed, model)
    times = output_times(96.0, 6.0)
    _, _, regional, arrival = simulate_metapop(model, where, times, np.array([3, 4]), 0.0, 0.03)
    inside = where.codes.index("31170")
    sick = [model.compartments.index(c) for c in ("E", "Ef", "L", "Z", "H")]
    outside = np.delete(regional[..., sick], inside, axis=2)
    assert outside.sum() == 0
    assert np.isnan(np.delete(arrival, inside, axis=1)).all()
    assert (regional[:, -1, inside, model.compartments.index("Z")] > 1000).all()
    # and open, the same outbreak leaves the city
    opened = _korea(sets, [])
    model = compile_model(opened)
    _, _, regional, _ = simulate_metapop(
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
    assert np.isnan(when["the army's sweeps"])  # 100,000 zombies later than 72 h here
