"""The shipped Japan prefecture data (jonas.geo.countries.japan): counts, totals, points,
boundaries, selectors, the derivation, and a metapop run over Japan."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.errors import JonasError
from jonas.geo import country, shipped_countries
from jonas.geo.countries import japan
from jonas.spec import validate_data

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "japan"
DATA = resources.files("jonas.data.japan")

# The 2020 Population Census total (final counts), Statistics Bureau of Japan.
CENSUS_2020_TOTAL = 126_146_099
TOKYO_2020 = 14_047_594
# Japan from Yonaguni and Hateruma to Minamitorishima and Cape Soya (lon0, lon1, lat0, lat1).
JAPAN_BOX = (122.5, 154.5, 20.0, 46.0)
REGIONS = ["Hokkaido", "Tohoku", "Kanto", "Chubu", "Kinki", "Chugoku", "Shikoku", "Kyushu",
           "Okinawa"]  # fmt: skip


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return japan.prefectures()


def names(table: pd.DataFrame, rows: np.ndarray) -> list[str]:
    return list(table.name_en.iloc[rows])


def inside(x: float, y: float, rings: list[np.ndarray]) -> bool:
    """Even-odd rule: whether (x, y) is inside the rings."""
    crossings = 0
    for ring in rings:
        (xi, yi), (xj, yj) = ring[:-1].T, ring[1:].T
        spans = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = xi + (xj - xi) * (y - yi) / (yj - yi)
        crossings += int(np.count_nonzero(spans & (x < at)))
    return crossings % 2 == 1


# ----------------------------------------------------------------------------- table


def test_47_prefectures_with_unique_codes(table):
    assert len(table) == 47
    assert table.code.is_unique
    assert list(table.code) == [f"{i:02d}" for i in range(1, 48)]  # JIS X 0401, as strings
    assert table.notna().all().all()
    assert table.population.dtype.kind == "i" and (table.population > 0).all()
    assert (table.area_km2 > 0).all()
    assert table.name_en.is_unique and table.name_ja.is_unique
    assert table.name_ja.str[-1].isin(["都", "道", "府", "県"]).all()


def test_shipped_total_is_the_census_total(table):
    total = int(table.population.sum())
    assert total == CENSUS_2020_TOTAL == japan.CENSUS_2020_TOTAL
    assert int(table.set_index("name_en").population["Tokyo"]) == TOKYO_2020
    assert table.population.idxmax() == table.index[table.name_en == "Tokyo"][0]
    notice = DATA.joinpath("NOTICE.md").read_text("utf-8")
    assert f"**Shipped total: {total:,}**" in notice
    assert f"{total:,}" in (japan.__doc__ or "")
    assert country("japan").population.sum() == CENSUS_2020_TOTAL


def test_regions_are_the_parents(table):
    """The nine customary regions of resions.csv (sic) are the prefectures' parents."""
    assert list(dict.fromkeys(table.region_en)) == REGIONS
    assert table.groupby("region_code").region_ja.nunique().eq(1).all()
    counts = table.groupby("region_en", sort=False).size()
    assert list(counts) == [1, 6, 7, 9, 7, 5, 4, 7, 1]
    kanto = table[table.region_en == "Kanto"]
    assert int(kanto.population.sum()) == 43_653_441  # a third of Japan
    regions = country("japan")
    assert set(regions.table["parent"]) == set(table.region_code)
    assert regions.parent_names["kinki"][:2] == ("Kinki", "近畿")


def test_total_area_is_japans(table):
    # official 377,975 km2 (with the Northern Territories, which Hokkaido's outline holds)
    assert table.area_km2.sum() == pytest.approx(377_975, rel=0.005)
    assert table.set_index("name_en").area_km2["Tokyo"] == pytest.approx(2_194, rel=0.02)


def test_prefectures_returns_a_copy():
    mine = japan.prefectures()
    mine.loc[0, "population"] = -1
    assert japan.prefectures().population.iat[0] > 0


# ----------------------------------------------------------------------------- points, outlines


def test_every_prefecture_has_an_outline_around_its_capital(table):
    """The representative point is the prefectural capital: inside the country's box and
    inside its own (simplified) outline; Tokyo's is the government office in Shinjuku."""
    shapes = japan.boundaries()
    assert set(shapes) == set(table.code)
    lon0, lon1, lat0, lat1 = JAPAN_BOX
    for r in table.itertuples():
        rings = shapes[r.code]
        assert rings, r.code
        for ring in rings:
            assert ring.ndim == 2 and ring.shape[1] == 2 and len(ring) >= 4
            assert np.array_equal(ring[0], ring[-1])
            assert np.all(np.any(ring[1:] != ring[:-1], axis=1))  # no repeated points
            assert np.array_equal(ring, np.round(ring, 3))
            assert (ring[:, 0] >= lon0).all() and (ring[:, 0] <= lon1).all()
            assert (ring[:, 1] >= lat0).all() and (ring[:, 1] <= lat1).all()
        assert lon0 <= r.lon <= lon1 and lat0 <= r.lat <= lat1, r.code
        assert inside(r.lon, r.lat, rings), r.code
    tokyo = table.set_index("name_en").loc["Tokyo"]
    assert (tokyo.lat, tokyo.lon) == pytest.approx((35.6892, 139.6916), abs=1e-3)
    sapporo = table.set_index("name_en").loc["Hokkaido"]
    assert (sapporo.lat, sapporo.lon) == pytest.approx((43.0644, 141.3474), abs=1e-3)


def test_the_maps_frame_holds_every_capital(table):
    lon0, lon1, lat0, lat1 = country("japan").extent or (0, 0, 0, 0)
    assert ((table.lon > lon0) & (table.lon < lon1)).all()
    assert ((table.lat > lat0) & (table.lat < lat1)).all()


def test_boundaries_file_is_compact_and_attributed():
    raw = DATA.joinpath("boundaries.json").read_bytes()
    # comparable to Korea's (385 KB for 250 districts); the raw file is 425 KB
    korea = resources.files("jonas.data.korea").joinpath("boundaries.json").read_bytes()
    assert 0.5 * len(korea) < len(raw) < len(korea)
    data = json.loads(raw)
    assert "Global Map Japan" in data["attribution"] and "(GSI)" in data["attribution"]
    assert "Statistics Bureau of Japan" in data["attribution"]
    borders = japan.region_borders()
    assert borders and all(b.ndim == 2 and len(b) >= 2 for b in borders)
    assert country("japan").borders


def test_notice_names_the_sources():
    notice = DATA.joinpath("NOTICE.md").read_text("utf-8")
    for needed in (
        "Global Map Japan, Geospatial Information Authority of Japan (GSI)",
        'Credit "Global Map Japan, GSI"',
        "report their use to GSI",
        "Statistics Bureau of Japan, 2020 Population Census",
        "github.com/dataofjapan/land",
        "scripts/derive_japan.py",
        "prefectural capital",
    ):
        assert needed in notice, needed


# ----------------------------------------------------------------------------- selectors


def test_japan_is_a_shipped_country():
    assert {"japan", "korea"} <= set(shipped_countries())
    regions = country("japan")
    assert len(regions) == 47 and regions.words.unit == "prefecture"
    assert regions.words.parent == "region"
    with pytest.raises(JonasError, match=r"no country 'japn'.*Did you mean 'japan'"):
        country("japn")


@pytest.mark.parametrize(
    "spec",
    ["Tokyo", "東京都", "東京", "13", "JP-13", "tokyo-to", "Tokyo To", "Tōkyō", "Kanto/Tokyo"],
)
def test_select_a_prefecture(table, spec):
    assert names(table, japan.select_regions(spec)) == ["Tokyo"]


def test_select_regions_and_lists(table):
    kanto = japan.select_regions("Kanto")
    assert names(table, kanto) == [
        "Ibaraki", "Tochigi", "Gunma", "Saitama", "Chiba", "Tokyo", "Kanagawa"
    ]  # fmt: skip
    assert np.array_equal(japan.select_regions("関東"), kanto)
    kinki = japan.select_regions("Kinki")
    assert len(kinki) == 7 and "Osaka" in names(table, kinki)
    for other in ("Kansai", "関西", "近畿"):
        assert np.array_equal(japan.select_regions(other), kinki)
    assert names(table, japan.select_regions("1")) == ["Hokkaido"]  # the census's "1"
    assert names(table, japan.select_regions("Okinawa")) == ["Okinawa"]  # region = prefecture
    both = japan.select_regions("Tokyo, 大阪府")
    assert names(table, both) == ["Tokyo", "Osaka"]
    assert np.array_equal(japan.select_regions("all"), np.arange(47))
    assert np.array_equal(japan.select_regions(["Osaka", "Kinki"]), kinki)


def test_unknown_names_suggest():
    with pytest.raises(JonasError, match=r"unknown region 'Tokio'.*Did you mean 'Tokyo'"):
        japan.select_regions("Tokio", "metapop.outbreak")
    with pytest.raises(JonasError, match=r"'48': no prefecture has this code.*01 Hokkaido"):
        japan.select_regions("48")
    with pytest.raises(JonasError, match=r"no prefecture 'Osaka' in Kanto"):
        japan.select_regions("Kanto/Osaka")
    with pytest.raises(JonasError, match=r"unknown region 'Kanot'.*Did you mean .*'Kanto'"):
        japan.select_regions("Kanot/Tokyo")


# ----------------------------------------------------------------------------- metapop


def _japan(sets: list[str]) -> jonas.Scenario:
    """The korea scenario's model and travel, over Japan, without its response."""
    scenario = jonas.load(
        "korea",
        ["metapop.country=japan", "metapop.outbreak=Tokyo", "run.output_every=2.0", *sets],
    )
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["interventions"] = []
    return validate_data(data, "korea over japan")


def test_a_run_over_japan_conserves_people():
    """Six hours of the korea scenario's outbreak put in Tokyo: every prefecture takes part,
    nobody is created or lost, the prefectures add up to the nation, commuters move, and
    the outbreak starts in Tokyo."""
    result = jonas.run(_japan(["run.t_end=12.0", "run.replicates=2"]), seed=7)
    regional = result.regional
    assert regional.codes == tuple(f"{i:02d}" for i in range(1, 48))
    assert regional.parents[12] == "Kanto"
    counts = regional.counts  # replicates × times × prefectures × compartments
    np.testing.assert_array_equal(counts.sum(axis=(2, 3)), CENSUS_2020_TOTAL)
    np.testing.assert_array_equal(counts.sum(axis=2), result.counts)
    tokyo = regional.codes.index("13")
    people = counts.sum(axis=3)
    assert (people[:, 0, tokyo] == TOKYO_2020).all()  # at midnight everyone is home
    assert (people[:, 5, tokyo] > TOKYO_2020).all()  # at 10:00 commuters are in
    susceptible = list(result.compartments).index("S")
    infected = people - counts[..., susceptible] - counts[..., list(result.compartments).index("F")]
    assert (infected[:, 0, tokyo] == 1).all() and (infected[:, 0].sum(axis=1) == 1).all()


def test_the_outbreak_moves_to_tokyo_with_set(tmp_path):
    """A scenario file over Japan: `--set metapop.outbreak=Tokyo` resolves, runs and maps."""
    text = resources.files("jonas.data.scenarios").joinpath("korea.toml").read_text("utf-8")
    text = text.replace('outbreak = "Uiwang-si"', 'country = "japan"\noutbreak = "Osaka"')
    assert 'country = "japan"' in text
    path = tmp_path / "japan.toml"
    path.write_text(text, "utf-8")
    scenario, _ = jonas.prepare(path, ["metapop.outbreak=Tokyo"])
    assert scenario.metapop.outbreak == "Tokyo"
    with pytest.raises(JonasError, match=r"metapop.outbreak: unknown region 'Uiwang-si'"):
        jonas.prepare(path, ["metapop.outbreak=Uiwang-si"])
    out = tmp_path / "out"
    args = ["run", str(path), "-r", "1", "--out", str(out), "--set", "metapop.outbreak=Tokyo"]
    done = CliRunner().invoke(app, [*args, "--set", "run.t_end=6.0"])
    assert done.exit_code == 0, done.output
    meta = json.loads((out / "run.json").read_text())
    assert meta["summary"]["regions"]["country"] == "japan"
    assert (out / "map.png").stat().st_size > 10_000


# ----------------------------------------------------------------------------- derivation


def test_derivation_from_raw_data(tmp_path):
    """scripts/derive_japan.py reproduces the shipped files byte for byte from the raw data,
    and a failed join stops the script naming the codes."""
    if not RAW.is_dir():
        pytest.skip(f"raw data folder {RAW} absent (kept outside the repository, not in CI)")
    script = ROOT / "scripts" / "derive_japan.py"
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), "--raw", str(RAW), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in ("prefectures.csv", "boundaries.json", "NOTICE.md"):
        assert (out / name).read_bytes() == DATA.joinpath(name).read_bytes(), name
    raw = pd.read_csv(RAW / "population-2020.csv")
    assert int(raw["population_2020"].sum()) == CENSUS_2020_TOTAL

    # A boundary whose code has no census row stops the script, naming both codes.
    broken = tmp_path / "broken"
    shutil.copytree(RAW, broken)
    topo = broken / "japan.topojson"
    topo.chmod(0o644)
    data = json.loads(topo.read_text("utf-8"))
    for geometry in data["objects"]["japan"]["geometries"]:
        if geometry["properties"]["id"] == 13:
            geometry["properties"]["id"] = 99
    topo.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    done = subprocess.run(
        [sys.executable, str(script), "--raw", str(broken), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "do not join" in done.stderr and "99" in done.stderr and "13" in done.stderr
    assert not (tmp_path / "x").exists()

    # A population that does not add up to the census total stops it too.
    population = broken / "population-2020.csv"
    population.chmod(0o644)
    population.write_text(population.read_text("utf-8").replace("14047594", "14047595"), "utf-8")
    done = subprocess.run(
        [sys.executable, str(script), "--raw", str(broken), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "126,146,100" in done.stderr
