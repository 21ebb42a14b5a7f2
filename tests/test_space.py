"""The city map (jonas.space): built-in Hyosan, masks, homes, cordon, user maps."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from jonas.errors import ScenarioError
from jonas.space import Circle, CityMap, LandUse, Polygon, hyosan_city, load_map, save_map
from jonas.space.landuse import COLOURS, LEGEND

NAMED = [
    "Hyosan High School",
    "hospital",
    "city hall",
    "downtown",
    "construction site",
    "mountain",
    "Yangdong",
    "road north",
    "road south",
    "road west",
    "road to Yangdong",
    "military camp",
    "quarantine camp",
]


@pytest.fixture(scope="module")
def city() -> CityMap:
    return hyosan_city()


def tiny(landuse, capacity=None, **kw) -> CityMap:
    lu = np.asarray(landuse, dtype=np.uint8)
    cap = np.zeros(lu.shape, np.uint16) if capacity is None else np.asarray(capacity, np.uint16)
    if capacity is None:
        cap[lu == LandUse.RESIDENTIAL] = 3
    return CityMap(lu, cap, 10.0, **kw)


# -- the built-in Hyosan --------------------------------------------------------------------


def test_same_seed_same_map_and_other_seed_other_streets():
    a, b, c = hyosan_city(seed=7), hyosan_city(seed=7), hyosan_city(seed=8)
    assert np.array_equal(a.landuse, b.landuse) and np.array_equal(a.capacity, b.capacity)
    assert a.places.keys() == b.places.keys()
    assert all(a.places[k].center == b.places[k].center for k in a.places)
    assert dict(a.cordon.checkpoints) == dict(b.cordon.checkpoints)
    assert not np.array_equal(a.landuse, c.landuse)
    assert a.places.keys() == c.places.keys()


@pytest.mark.parametrize(
    "kw", [{}, {"seed": 3, "width_m": 2000, "height_m": 3000, "cell_m": 5.0, "residents": 9_999}]
)
def test_named_places_on_the_map_and_residents_exact(kw):
    city = hyosan_city(**kw)
    for name in NAMED:
        place = city.place(name)
        assert city.on_map(*place.center), name
        assert city.inside(place).any(), name
    assert city.residents == kw.get("residents", 170_000)
    assert city.capacity.dtype == np.uint16 and city.landuse.dtype == np.uint8
    homes = city.capacity > 0
    lu = city.landuse[homes]
    assert np.isin(lu, [LandUse.RESIDENTIAL, LandUse.DOWNTOWN]).all()
    # canon: the school is ~100 m wide; its building is there
    school = city.inside("Hyosan High School") & (city.landuse == LandUse.SCHOOL)
    cols = np.nonzero(school.any(axis=0))[0]
    assert len(cols) * city.cell_m == pytest.approx(100, abs=city.cell_m)
    assert (city.landuse[city.inside("military camp")] == LandUse.CAMP).all()
    assert city.count(LandUse.WATER) > 0 and city.count(LandUse.FOREST) > 0


def test_generation_is_fast_and_lean():
    t = time.perf_counter()
    city = hyosan_city(seed=11)
    elapsed = time.perf_counter() - t
    assert elapsed < 2.0  # typically ~0.05 s for 5 x 5 km at 10 m
    assert city.landuse.nbytes + city.capacity.nbytes == 3 * 500 * 500


def test_bad_generator_parameters():
    with pytest.raises(ScenarioError, match="cell_m"):
        hyosan_city(cell_m=0.5)
    with pytest.raises(ScenarioError, match="width_m"):
        hyosan_city(width_m=500)


# -- the cordon -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [2022, 1, 99])
def test_cordon_separates_city_from_camps_except_at_checkpoints(seed):
    city = hyosan_city(seed=seed, width_m=3000, height_m=3000)
    school = city.cell_of(*city.place("Hyosan High School").center)
    camps = [city.cell_of(*city.place(n).center) for n in ("military camp", "quarantine camp")]
    free = city.passable_mask & ~city.barrier_mask
    labels, _ = ndimage.label(free)  # 4-connected walkers
    assert all(labels[c] == labels[school] for c in camps), "camps reachable via checkpoints"
    shut, _ = ndimage.label(free & ~city.gate_mask, structure=np.ones((3, 3)))  # 8-connected
    assert all(shut[c] != shut[school] for c in camps), "cordon leaks"
    inside = shut == shut[school]
    assert city.inside("Hyosan")[inside].all()  # the city's region stays inside the line
    # every home is inside the cordon
    assert (city.capacity[~city.inside("Hyosan")] == 0).all()
    assert len(city.cordon.checkpoints) == 4
    for x, y in city.cordon.checkpoints.values():
        assert city.landuse_at(x, y) == LandUse.CHECKPOINT


# -- coordinates, passability, masks ----------------------------------------------------------


def test_coordinates_and_passability():
    lu = np.full((10, 20), LandUse.ROAD, np.uint8)
    lu[0, :] = LandUse.WATER  # the southern row
    lu[5, 5] = LandUse.RESIDENTIAL
    city = tiny(lu)
    assert city.bbox == (0.0, 0.0, 200.0, 100.0) and city.shape == (10, 20)
    assert city.cell_of(55.0, 59.9) == (5, 5)
    assert city.center_of(5, 5) == (55.0, 55.0)
    assert city.to_cells(25.0) == 2.5 and city.to_metres(3) == 30.0
    x = np.array([55.0, 5.0, -1.0, 199.9, 200.0])
    y = np.array([55.0, 5.0, 50.0, 99.9, 50.0])
    assert city.passable(x, y).tolist() == [True, False, False, True, False]
    assert city.landuse_at(55.0, 55.0) == LandUse.RESIDENTIAL
    with pytest.raises(ScenarioError, match=r"1 agent\(s\) outside the map"):
        city.require_inside(np.array([10.0, 250.0]), np.array([10.0, 10.0]), "agent")
    with pytest.raises(ScenarioError, match="outside the map"):
        city.cell_of(-5.0, 5.0)


def test_circle_and_polygon_masks_hand_computed():
    city = tiny(np.full((10, 10), LandUse.RESIDENTIAL))
    assert set(zip(*np.nonzero(city.inside(Circle(50, 50, 10))), strict=True)) == {
        (4, 4), (4, 5), (5, 4), (5, 5)
    }  # fmt: skip
    assert city.inside(Circle(50, 50, 16)).sum() == 12  # + 8 centres at sqrt(250) = 15.8 m
    assert city.inside(Circle(50, 50, 15)).sum() == 4
    box = city.inside(Polygon.box(0, 0, 30, 20))
    assert box.sum() == 6 and box[:2, :3].all()
    # x + y < 101 at centres (10 j + 5, 10 i + 5): i + j <= 9, 55 cells
    tri = city.inside(Polygon(np.array([[0, 0], [101, 0], [0, 101]])))
    i, j = np.indices(tri.shape)
    assert np.array_equal(tri, i + j <= 9)
    assert city.inside(Circle(0, 0, 12)).sum() == 1  # partly off the map is fine
    assert Circle(0, 0, 5).contains(np.array([3.0, 4.0]), np.array([4.0, 4.0])).tolist() == [
        True,
        False,
    ]
    with pytest.raises(ScenarioError, match="entirely outside the map"):
        city.inside(Circle(-500, -500, 100))  # a strike that misses the city
    with pytest.raises(ScenarioError, match="entirely outside the map"):
        city.inside(Polygon.box(150, 0, 300, 50))


# -- homes ----------------------------------------------------------------------------------


def test_homes_follow_capacity(city):
    rng = np.random.default_rng(42)
    n = city.residents // 2
    pos = city.homes(n, rng)
    assert pos.shape == (n, 2) and city.on_map(pos[:, 0], pos[:, 1]).all()
    i, j = city.cell_of(pos[:, 0], pos[:, 1])
    counts = np.zeros(city.shape, np.int64)
    np.add.at(counts, (i, j), 1)
    assert (counts <= city.capacity).all()  # no cell over its room, none without homes
    # proportional: downtown vs residential and the four quadrants, within 5 sd (hypergeometric)
    N = city.residents
    ny, nx = city.shape
    groups = [city.landuse == LandUse.DOWNTOWN, city.landuse == LandUse.RESIDENTIAL]
    for qi in (slice(0, ny // 2), slice(ny // 2, ny)):
        for qj in (slice(0, nx // 2), slice(nx // 2, nx)):
            g = np.zeros(city.shape, bool)
            g[qi, qj] = True
            groups.append(g)
    for g in groups:
        p = city.capacity[g].sum() / N
        sd = np.sqrt(n * p * (1 - p) * (N - n) / (N - 1))
        assert abs(counts[g].sum() - n * p) < 5 * sd + 1
    full = city.homes(N, rng)
    i, j = city.cell_of(full[:, 0], full[:, 1])
    counts[:] = 0
    np.add.at(counts, (i, j), 1)
    assert np.array_equal(counts, city.capacity)
    with pytest.raises(ScenarioError, match="room for 170,000"):
        city.homes(N + 1, rng)


# -- user maps --------------------------------------------------------------------------------


def write_png(path, codes):
    """Codes as rows from the top (as an image editor shows them)."""
    Image.fromarray(COLOURS[np.asarray(codes)], mode="RGB").save(path)


def test_user_png_map_round_trip(tmp_path):
    r, d, h, w, o, c, k = (
        LandUse.ROAD, LandUse.DOWNTOWN, LandUse.RESIDENTIAL, LandUse.WATER, LandUse.OPEN,
        LandUse.CAMP, LandUse.CHECKPOINT,
    )  # fmt: skip
    rows = [  # top row = north
        [c, o, o, o, o, o],
        [o, k, r, r, r, o],
        [o, r, d, h, r, o],
        [w, w, w, w, w, w],
    ]
    write_png(tmp_path / "town.png", rows)
    (tmp_path / "town.toml").write_text(
        """
[map]
name = "Town"
cell_m = 5
residents = 101
coordinates = "pixels"
[map.density]
residential = 1
downtown = 3
[places]
school = { box = [2, 2, 3, 2], kind = "school" }
hall = { at = [4, 1], radius = 1 }
[cordon]
line = [[1, 0], [5, 2]]
closed = false
"""
    )
    city = load_map(tmp_path / "town.png")
    assert city.name == "Town" and city.shape == (4, 6) and city.cell_m == 5.0
    assert np.array_equal(city.landuse, np.flipud(np.array(rows, np.uint8)))
    assert city.landuse[0, 0] == LandUse.WATER and city.landuse[3, 0] == LandUse.CAMP
    assert city.residents == 101
    assert city.capacity[1, 2] + city.capacity[1, 3] == 101
    assert city.capacity[1, 2] == pytest.approx(101 * 3 / 4, abs=1)
    assert city.places["school"].area.bbox == (10.0, 5.0, 20.0, 10.0)
    assert city.places["hall"].area == Circle(22.5, 12.5, 5.0)
    assert city.places["camp 1"].kind == "camp"  # from the camp colour
    assert dict(city.cordon.checkpoints) == {"checkpoint 1": (7.5, 12.5)}  # from the colour


def test_save_and_load_hyosan(tmp_path):
    city = hyosan_city(seed=5, width_m=2000, height_m=2000)
    path = save_map(city, tmp_path / "hyosan.toml")
    back = load_map(path)
    assert np.array_equal(back.landuse, city.landuse)
    assert back.residents == city.residents and back.places.keys() == city.places.keys()
    assert np.array_equal(back.barrier_mask, city.barrier_mask)


def test_bad_user_maps(tmp_path):
    toml = "[map]\ncell_m = 10\nresidents = 50\n"
    (tmp_path / "a.toml").write_text(toml)
    (tmp_path / "a.png").write_text("this is not an image")
    with pytest.raises(ScenarioError, match=r"a\.png: not a readable image"):
        load_map(tmp_path / "a.toml")

    (tmp_path / "b.toml").write_bytes(b"\x89PNG\x00\x01 binary")
    with pytest.raises(ScenarioError, match=r"b\.toml: not a map file"):
        load_map(tmp_path / "b.toml")

    (tmp_path / "c.toml").write_text(toml)
    img = COLOURS[np.full((3, 3), LandUse.RESIDENTIAL)]
    img[1, 2] = (1, 2, 3)
    Image.fromarray(img, mode="RGB").save(tmp_path / "c.png")
    with pytest.raises(ScenarioError, match=r"(?s)c\.png: 1 colour.*#010203.*column 2, row 1.*"):
        load_map(tmp_path / "c.toml")
    try:
        load_map(tmp_path / "c.toml")
    except ScenarioError as exc:
        assert all(info.key in str(exc) for info in LEGEND)  # the legend is listed

    (tmp_path / "d.toml").write_text(toml)
    write_png(tmp_path / "d.png", np.full((3, 3), LandUse.WATER))
    with pytest.raises(ScenarioError, match="no homes"):
        load_map(tmp_path / "d.toml")
    with pytest.raises(ScenarioError, match="no passable cells"):
        tiny(np.full((3, 3), LandUse.WATER), np.ones((3, 3)))

    (tmp_path / "e.toml").write_text(toml)
    write_png(tmp_path / "e.png", np.full((3, 3), LandUse.ROAD))
    with pytest.raises(ScenarioError, match=r"e\.png: the map has no homes"):
        load_map(tmp_path / "e.toml")

    (tmp_path / "f.toml").write_text(toml + "[places]\nschool = { at = [500, 5] }\n")
    write_png(tmp_path / "f.png", np.full((3, 3), LandUse.RESIDENTIAL))
    with pytest.raises(ScenarioError, match=r"f\.toml: 1 place 'school'\(s\) outside the map"):
        load_map(tmp_path / "f.toml")
    (tmp_path / "f.toml").write_text(toml + "[places]\ncamp = { box = [100, 100, 200, 200] }\n")
    with pytest.raises(ScenarioError, match="entirely outside the map"):
        load_map(tmp_path / "f.toml")
    (tmp_path / "f.toml").write_text(toml + "[places]\nx = { centre = [1, 1] }\n")
    with pytest.raises(ScenarioError, match=r"places\.x\.centre: unknown key"):
        load_map(tmp_path / "f.toml")

    write_png(tmp_path / "g.png", np.full((3, 3), LandUse.RESIDENTIAL))
    with pytest.raises(ScenarioError, match="needs a TOML file beside it"):
        load_map(tmp_path / "g.png")
