"""Geography as data: any country is a Regions table; a user's own country is a CSV and a
GeoJSON or TopoJSON of boundaries (docs/metapop.md, "Your own country", worked example in
docs/examples/isles/)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.engines.metapop.mobility import network
from jonas.errors import JonasError, ScenarioError
from jonas.geo import Link, Regions, country, shipped_countries
from jonas.geo.files import load_regions

ISLES = Path(__file__).parent.parent / "docs" / "examples" / "isles"


@pytest.fixture
def isles(tmp_path: Path) -> Path:
    """A copy of the worked example's files, to spoil."""
    for name in ("isles.csv", "isles.geojson", "isles.toml"):
        shutil.copy(ISLES / name, tmp_path / name)
    return tmp_path


def test_korea_is_one_country_among_the_shipped() -> None:
    import jonas.geo.countries.korea  # noqa: F401  (the subpackage hides no function)

    assert "korea" in shipped_countries()
    korea = country("korea")
    assert len(korea) == 250 and korea.population.sum() == 49_941_605
    assert set(korea.boundaries) == set(korea.codes)
    assert korea.words.unit == "district"
    with pytest.raises(JonasError, match=r"no country 'korae'.*Did you mean 'korea'"):
        country("korae")


def test_a_users_country_from_a_csv_and_geojson() -> None:
    isles = load_regions(ISLES / "isles.csv", ISLES / "isles.geojson")
    assert list(isles.codes) == ["N1", "N2", "N3", "N4", "S1", "S2"]
    assert isles.population.sum() == 960_000
    assert set(isles.table["parent_name"]) == {"North Isle", "South Isle"}
    np.testing.assert_array_equal(isles.select("North Isle"), [0, 1, 2, 3])
    np.testing.assert_array_equal(isles.select("port wren, S2"), [4, 5])
    np.testing.assert_array_equal(isles.select("S/Saltmarsh"), [5])
    with pytest.raises(JonasError, match=r"unknown region 'Harbor'.*Did you mean 'Harbour'"):
        isles.select("Harbor", "metapop.outbreak")
    (ring,) = isles.boundaries["N1"]
    assert ring.shape == (5, 2) and np.array_equal(ring[0], ring[-1])


def _topology(geojson: dict, quantized: bool) -> dict:
    """The GeoJSON's squares as a TopoJSON topology whose neighbours share arcs."""
    arcs: list[list[list[float]]] = []
    index: dict[tuple, int] = {}
    geometries = []
    for feature in geojson["features"]:
        ring = [tuple(p) for p in feature["geometry"]["coordinates"][0]]
        refs = []
        for a, b in itertools.pairwise(ring):
            if (b, a) in index:
                refs.append(~index[(b, a)])
            else:
                index[(a, b)] = len(arcs)
                refs.append(len(arcs))
                arcs.append([list(a), list(b)])
        geometries.append(
            {"type": "Polygon", "arcs": [refs], "properties": feature["properties"]}
        )
    topology = {"type": "Topology", "objects": {"isles": {"type": "GeometryCollection"}}}
    topology["objects"]["isles"]["geometries"] = geometries
    if quantized:  # TopoJSON's integer, delta-encoded arcs
        scale, origin = [0.001, 0.001], [127.0, 34.0]
        topology["transform"] = {"scale": scale, "translate": origin}
        coded = []
        for arc in arcs:
            q = np.rint((np.array(arc) - origin) / scale).astype(int)
            coded.append(np.vstack([q[:1], np.diff(q, axis=0)]).tolist())
        arcs = coded
    topology["arcs"] = arcs
    return topology


@pytest.mark.parametrize("quantized", [False, True])
def test_topojson_gives_the_same_outlines_and_the_parents_borders(
    tmp_path: Path, quantized: bool
) -> None:
    geojson = json.loads((ISLES / "isles.geojson").read_text())
    (tmp_path / "isles.topojson").write_text(json.dumps(_topology(geojson, quantized)))
    topo = load_regions(ISLES / "isles.csv", tmp_path / "isles.topojson")
    geo = load_regions(ISLES / "isles.csv", ISLES / "isles.geojson")
    for code in geo.codes:
        (a,), (b,) = topo.boundaries[code], geo.boundaries[code]
        np.testing.assert_allclose(a, b, atol=1e-9)
    # the islands do not touch: no border between parents; within an island, no border
    assert topo.borders == []
    # made to touch (S1 moved next to N2), the shared edge is a border between parents
    moved = json.loads(json.dumps(geojson))
    square = moved["features"][4]["geometry"]["coordinates"][0]
    for point in square:
        point[0], point[1] = round(point[0] - 0.4, 3), round(point[1] + 0.2, 3)
    (tmp_path / "touching.topojson").write_text(json.dumps(_topology(moved, quantized)))
    touching = load_regions(ISLES / "isles.csv", tmp_path / "touching.topojson")
    (border,) = touching.borders  # S1's top edge, N2's bottom
    np.testing.assert_allclose(np.sort(border[:, 0]), [127.2, 127.4], atol=1e-9)
    np.testing.assert_allclose(border[:, 1], [34.4, 34.4], atol=1e-9)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda t: t.drop(columns="population"), r"missing column\(s\) population"),
        (lambda t: pd.concat([t, t.iloc[[1]]]), r"code\(s\) listed more than once: N2"),
        (lambda t: t.assign(population=["1", "", "3", "4", "5", "6"]), r"line\(s\) 3: population"),
        (lambda t: t.assign(population=["1", "2.5", "3", "4", "5", "6"]), "not a whole number"),
        (lambda t: t.assign(latitude=["34", "134", "34", "34", "34", "34"]), r"line\(s\) 3: lat"),
        (lambda t: t.assign(name=["a", "", "c", "d", "e", "f"]), r"line\(s\) 3: no name"),
        (lambda t: t.iloc[:0], "no regions"),
        (lambda t: t.assign(code=["N1", "N2", "N3", "N4", "S1", "S9"]), r"code\(s\) the regions"),
    ],
)
def test_a_bad_regions_file_is_refused_naming_what(isles: Path, spoil, message: str) -> None:
    table = pd.read_csv(isles / "isles.csv", dtype=str)
    spoil(table).to_csv(isles / "isles.csv", index=False)
    with pytest.raises(ScenarioError, match=message):
        load_regions(isles / "isles.csv", isles / "isles.geojson")


def test_bad_boundaries_are_refused_naming_what(isles: Path) -> None:
    data = json.loads((isles / "isles.geojson").read_text())
    data["features"] = data["features"][:-1]
    (isles / "isles.geojson").write_text(json.dumps(data))
    with pytest.raises(ScenarioError, match=r"region.s. without a boundary: S2"):
        load_regions(isles / "isles.csv", isles / "isles.geojson")
    (isles / "isles.geojson").write_text('{"type": "Feature"}')
    with pytest.raises(ScenarioError, match="FeatureCollection or a TopoJSON Topology"):
        load_regions(isles / "isles.csv", isles / "isles.geojson")
    (isles / "isles.geojson").write_text("not json")
    with pytest.raises(ScenarioError, match="not JSON"):
        load_regions(isles / "isles.csv", isles / "isles.geojson")
    with pytest.raises(ScenarioError, match="no such file"):
        load_regions(isles / "nowhere.csv", isles / "isles.geojson")


def test_a_scenario_names_its_country_files_beside_it(isles: Path) -> None:
    result = jonas.run(isles / "isles.toml", replicates=2, overrides=["run.t_end=30.0"])
    assert result.regional.codes == ("N1", "N2", "N3", "N4", "S1", "S2")
    assert result.regional.parents[4] == "South Isle"
    people = result.counts[:, :, :3].sum(axis=2)
    assert (people == 960_000).all()
    text = (isles / "isles.toml").read_text()
    (isles / "bare.toml").write_text(text.replace('boundaries = "isles.geojson"', ""))
    with pytest.raises(JonasError, match=r"metapop.boundaries: a regions file needs"):
        jonas.prepare(isles / "bare.toml")
    with pytest.raises(JonasError, match=r"metapop.country: .*no such file"):
        jonas.prepare(isles / "isles.toml", ["metapop.country=elsewhere.csv"])


def test_the_worked_example_runs_and_draws_its_map(tmp_path: Path) -> None:
    out = tmp_path / "isles"
    args = ["run", str(ISLES / "isles.toml"), "-r", "2", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--set", "run.t_end=60.0"])
    assert result.exit_code == 0, result.output
    assert "hardest-hit regions" in result.output and "South Isle" in result.output
    regions = pd.read_parquet(out / "regions.parquet")
    assert sorted(regions["region"].unique()) == ["N1", "N2", "N3", "N4", "S1", "S2"]
    assert (out / "map.png").stat().st_size > 10_000
    meta = json.loads((out / "run.json").read_text())
    assert meta["summary"]["regions"]["country"] == "isles"


def test_links_carry_travel_beyond_distance() -> None:
    population = np.array([1000, 1000, 1000])
    lat, lon = np.array([34.0, 34.0, 40.0]), np.array([127.0, 127.1, 140.0])
    plain = network(population, lat, lon, trips=0.1, neighbours=1)
    linked = network(population, lat, lon, trips=0.1, neighbours=1, links=[(0, 2, 50.0)])
    assert 2 not in plain.dest[plain.ptr[0] : plain.ptr[1]]
    flows = linked.flows(population)
    assert flows[0, 2] == pytest.approx(50.0) and flows[2, 0] == pytest.approx(50.0)
    only = network(population, lat, lon, model="none", links=[(0, 2, 50.0)])
    assert only.flows(population)[0, 2] == pytest.approx(50.0)
    assert only.flows(population)[0, 1] == 0.0


def test_a_countrys_links_reach_the_metapop_engine(monkeypatch) -> None:
    from jonas.engines.metapop import setup as metapop_setup

    isles = load_regions(ISLES / "isles.csv", ISLES / "isles.geojson")
    ferried = Regions(
        isles.country, isles.table, isles.names, isles.parent_names, lambda: isles.boundaries,
        links=(Link("N1", "S2", 500.0, "ferry"),),
    )  # fmt: skip
    monkeypatch.setattr(metapop_setup, "regions_of", lambda *_: ferried)
    prepared = jonas.prepare(ISLES / "isles.toml", ["metapop.mobility.model=none"])
    where = prepared.setup
    n1, s2 = 0, 5
    assert list(where.edge_dest[where.edge_ptr[n1] : where.edge_ptr[n1 + 1]]) == [s2]
    assert where.edge_rate[where.edge_ptr[n1]] == pytest.approx(500.0 / 420_000)
