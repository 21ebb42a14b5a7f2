"""Several countries in one run (issue 20): Korea's districts and Japan's prefectures
linked by flights and the Busan-Fukuoka ferry (src/jonas/data/links/, derived by
scripts/derive_links.py from OpenFlights), selectors across countries, closing the
borders and screening travellers (docs/japan.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jonas
from jonas.errors import ScenarioError
from jonas.geo.files import load_regions, regions_of
from jonas.geo.links import links_between
from jonas.spec import validate_data

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT.parent / "shared" / "data" / "flights"
ISLES = ROOT / "docs" / "examples" / "isles"

#: a small Korea+Japan run: the airports' regions and their neighbours, a thousandth of
#: the people, the outbreak at Incheon airport (Jung-gu, 23010), two days
SMALL = [
    "metapop.regions=['Seoul', 'Incheon', 'Busan', 'Tokyo', 'Chiba', 'Osaka', 'Fukuoka']",
    "metapop.outbreak=Incheon/Jung-gu",
    "metapop.scale=0.01",
    "initial.E=200",
    "run.t_end=48.0",
    "run.output_every=6.0",
]


def test_the_shipped_links_and_their_totals() -> None:
    links = links_between(["korea", "japan"])
    assert len(links) == 39  # 38 airport pairs and the ferry
    flights = [link for link in links if link.kind == "flight"]
    assert sum(link.trips for link in flights) == 23_261  # a day each way (NOTICE.md)
    (ferry,) = [link for link in links if link.kind == "ferry"]
    assert (ferry.a, ferry.b, ferry.trips) == ("21030", "40", 548.0)  # Busan Dong-gu, Fukuoka
    by_via = {link.via: link for link in links}
    assert (by_via["ICN-NRT"].a, by_via["ICN-NRT"].b) == ("23010", "12")  # Incheon, Chiba
    assert (by_via["GMP-HND"].a, by_via["GMP-HND"].b) == ("11160", "13")  # Seoul, Tokyo
    assert links_between(["korea"]) == ()
    both = regions_of(["korea", "japan"])
    assert len(both) == 297 and both.population.sum() == 49_941_605 + 126_146_099
    assert both.links == links


def test_the_derivation_script_reproduces_the_shipped_files(tmp_path: Path) -> None:
    """scripts/derive_links.py reproduces src/jonas/data/links/ byte for byte."""
    if not RAW.is_dir():
        pytest.skip(f"raw data folder {RAW} absent (kept outside the repository, not in CI)")
    script = ROOT / "scripts" / "derive_links.py"
    subprocess.run(
        [sys.executable, str(script), "--raw", str(RAW), "--out", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    shipped = ROOT / "src" / "jonas" / "data" / "links"
    for name in ("korea-japan.csv", "NOTICE.md"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_selectors_across_countries() -> None:
    both = regions_of(["korea", "japan"])
    assert len(both.select("Korea")) == 250 and len(both.select("Japan")) == 47
    assert len(both.select("日本")) == 47 and len(both.select("all")) == 297
    tokyo = both.select("Tokyo")
    assert list(both.codes[tokyo]) == ["13"]
    assert list(both.codes[both.select("Japan/11")]) == ["11"]  # Saitama
    assert len(both.select("Korea/11")) == 25  # Seoul's province code
    assert len(both.select("Seoul, Kanto, Uiwang-si")) == 25 + 7 + 1
    with pytest.raises(ScenarioError, match=r"'11' names regions of several countries"):
        both.select("11")
    with pytest.raises(ScenarioError, match=r"'Jung-gu' is ambiguous"):
        both.select("Jung-gu")
    with pytest.raises(ScenarioError, match=r"unknown region 'Tokio'.*Did you mean 'Tokyo'"):
        both.select("Tokio", "metapop.outbreak")
    with pytest.raises(ScenarioError, match="named twice"):
        regions_of(["korea", "korea"])
    with pytest.raises(ScenarioError, match="shipped ones"):
        regions_of(["korea", "isles.csv"])


def test_a_users_regions_file_still_round_trips() -> None:
    isles = load_regions(ISLES / "isles.csv", ISLES / "isles.geojson")
    assert list(isles.codes) == ["N1", "N2", "N3", "N4", "S1", "S2"]
    assert isles.parts == () and isles.links == ()
    np.testing.assert_array_equal(isles.select("North Isle"), [0, 1, 2, 3])
    assert set(isles.country_of) == {"isles"}


def test_each_country_keeps_its_own_travel_and_the_links_join_them() -> None:
    prepared = jonas.prepare("japan", ["metapop.regions=['Incheon', 'Seoul', 'Chiba', 'Tokyo']"])
    where = prepared.setup
    korean = np.array([len(c) == 5 for c in where.codes])
    src, dst = where.edge_src, where.edge_dest
    abroad = korean[src] != korean[dst]
    # between countries only along the links: ICN-NRT, ICN-HND, GMP-HND (each way)
    pairs = {
        (where.codes[a], where.codes[b]) for a, b in zip(src[abroad], dst[abroad], strict=True)
    }
    assert pairs == {("23010", "12"), ("12", "23010"), ("23010", "13"), ("13", "23010"),
                     ("11160", "13"), ("13", "11160")}  # fmt: skip
    roam_src = np.repeat(np.arange(len(where.codes)), np.diff(where.move_ptr))
    assert not (korean[roam_src] != korean[where.move_dest]).any()  # nobody roams abroad
    # Korea's districts commute among themselves exactly as in a run of Korea alone
    alone = jonas.prepare(
        "seoul", ["metapop.regions=['Incheon', 'Seoul']", "metapop.outbreak=Jongno-gu"]
    ).setup
    k = np.nonzero(korean)[0]
    assert list(np.array(where.codes)[k]) == list(alone.codes)
    for i in range(k.size):
        mine = slice(where.edge_ptr[k[i]], where.edge_ptr[k[i] + 1])
        home = korean[where.edge_dest[mine]]
        theirs = slice(alone.edge_ptr[i], alone.edge_ptr[i + 1])
        np.testing.assert_array_equal(where.edge_rate[mine][home], alone.edge_rate[theirs])


def _japan(result: jonas.Result) -> tuple[np.ndarray, np.ndarray]:
    regional = result.regional
    japan = np.array([len(c) == 2 for c in regional.codes])
    return regional.counts[..., japan, :], japan


def test_the_combined_run_conserves_people_and_open_links_carry_the_virus() -> None:
    result = jonas.run("japan", overrides=SMALL, replicates=1, seed=7)
    counts = result.regional.counts[0]
    population = result.regional.population.sum()
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)), population)
    in_japan, _ = _japan(result)
    sick = [result.compartments.index(c) for c in ("E", "Ef", "L", "Z", "H")]
    assert in_japan[0][..., sick].sum() > 0  # open: travellers bring it to Japan


def test_closed_links_keep_japan_at_zero() -> None:
    closed = [
        *SMALL,
        "interventions.borders closed.enabled=true",
        # from the start: the trigger holds at t = 0, before anyone travels
        "interventions.borders closed.when=E >= 1",
        "interventions.borders closed.delay=0.0",
    ]
    result = jonas.run("japan", overrides=closed, replicates=2, seed=7)
    in_japan, japan = _japan(result)
    infected = [result.compartments.index(c) for c in ("E", "Ef", "L", "Z", "H", "Zl")]
    assert in_japan[..., infected].sum() == 0
    assert np.isnan(result.regional.arrival[:, japan, 0]).all()


def test_screening_at_the_airports_catches_the_infected_travellers() -> None:
    """Every bitten traveller caught on arrival (sensitivity 1): Japan sees no infection,
    only those caught, in isolation (the travellers from Incheon in the morning; Japanese
    visitors bitten there, in the evening at home)."""
    scenario = jonas.load("japan", SMALL)
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["interventions"].append(
        {
            "type": "screening",
            "name": "airports",
            "when": "S >= 1",  # from t = 0
            "sensitivity": {c: 1.0 for c in ("E", "Ef", "L", "H", "Ev")},
            "caught_to": "Iso",
        }
    )
    result = jonas.run(validate_data(data, "screened"), replicates=1, seed=7)
    in_japan, _ = _japan(result)
    infected = [result.compartments.index(c) for c in ("E", "Ef", "L", "Z", "H", "Zl")]
    assert in_japan[..., infected].sum() == 0
    assert in_japan[0, -1, :, result.compartments.index("Iso")].sum() > 0
    counts = result.regional.counts[0]
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)), result.regional.population.sum())


def test_screening_needs_links_between_countries() -> None:
    data = jonas.load("seoul").model_dump(by_alias=True, exclude_none=True)
    data["interventions"] = [
        {"type": "screening", "at": 1.0, "sensitivity": {"E": 0.5}, "caught_to": "Iso"}
    ]
    with pytest.raises(ScenarioError, match="no link between countries"):
        jonas.run(validate_data(data, "screened"), replicates=1)
    sir = jonas.load("sir").model_dump(by_alias=True, exclude_none=True)
    sir["interventions"] = data["interventions"]
    with pytest.raises(ScenarioError, match="which only the metapop engine has"):
        jonas.run(validate_data(sir, "screened"), replicates=1)


def test_the_browser_map_draws_both_countries_in_their_frame() -> None:
    from jonas.plots.interactive import spread_map_figure

    both = regions_of(["korea", "japan"])
    codes = [str(c) for c in both.codes]
    zombies = np.zeros((2, len(codes)))
    figure = spread_map_figure(
        both, codes, both.population, np.array([0.0, 24.0]), zombies, ["11010"], "hours", "t"
    )
    names = [trace.get("name", "") for trace in figure["data"]]
    assert "flights and ferries (39 links)" in names
    assert figure["layout"]["xaxis"]["range"] == [122.5, 149.0]  # not out to 154°E
    filled = [t for t in figure["data"] if t.get("fill") == "toself"]
    assert len(filled) == 297
