"""Pictures of the agent engine (jonas.abm.animate): frames, the GIF/MP4, snapshots."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jonas.abm import AgentWorld, State
from jonas.errors import JonasError
from jonas.plots import animation as anim
from jonas.plots.animation import Frame, frame_of, write_animation, write_snapshots
from jonas.space import Circle, CityMap, hyosan_city

# small pictures: what is tested does not depend on the resolution, the run time does
DPI = 40


@pytest.fixture(scope="module")
def city() -> CityMap:
    return hyosan_city(width_m=2000, height_m=2000, residents=5000)


def a_world(city: CityMap) -> AgentWorld:
    world = AgentWorld.on_map(city, 5000, seed=1, dt_s=10)
    world.seed_infection(*city.place("Hyosan High School").center, zombies=5)
    return world


@pytest.fixture(scope="module")
def frames(city: CityMap) -> list[Frame]:
    """Five frames of a run: the cordon closes at the third, a strike at the fourth."""
    world = a_world(city)
    area = Circle(1000, 600, 150)
    out = []
    for i in range(5):
        for _ in range(60):
            world.step()
        label, struck = "", ()
        if i == 2:
            world.close_cordon()
            label = "cordon closed"
        if i == 3:
            world.strike(area)
            label, struck = "strike", (area,)
        strikes = (area,) if i >= 3 else ()
        drones = ((1200.0, 800.0),) if i >= 1 else ()
        out.append(frame_of(world, drones=drones, strikes=strikes, struck_now=struck, label=label))
    return out


def files_in(folder: Path) -> list[str]:
    """Every file in the folder, hidden temporary files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- frames ---------------------------------------------------------------------------------


def test_frame_of_thins_by_a_fixed_stride_and_keeps_only_agents_in_the_city(city):
    world = a_world(city)
    changed = np.array([0, 5, 10, 15, 3])  # 3 is not drawn anyway (stride 5)
    world.pop.state[changed] = [State.EVACUATED, State.DESTROYED, State.CAMP, State.HALFBIE, 8]
    f = frame_of(world, max_points=1000)  # 5,000 agents: every 5th, and the few infected
    drawn = np.arange(0, 5000, 5)
    drawn = drawn[world.pop.state[drawn] <= State.HALFBIE]
    assert len(drawn) == 1000 - 3
    infected = np.flatnonzero((world.pop.state >= State.BITTEN) & (world.pop.state <= 6))
    assert infected.size and not np.isin(infected, drawn).all()  # some only as infected
    drawn = np.union1d(drawn, infected)
    assert np.array_equal(f.x, world.pop.x[drawn]) and np.array_equal(f.y, world.pop.y[drawn])
    assert np.array_equal(f.state, world.pop.state[drawn])
    assert f.x.dtype == np.float32 and f.state.dtype == np.uint8
    assert (f.state <= State.HALFBIE).all() and State.HALFBIE in f.state
    # the counts are of every agent, not only of those drawn nor only of those in the city
    assert dict(f.counts) == world.counts()
    assert sum(f.counts.values()) == 5000

    # later, the same agents are followed: by who they are (`ident`), not by index, since
    # the world sorts its agents in memory every few steps
    ids = world.pop.ident[drawn]
    for _ in range(30):
        world.step()
    g = frame_of(world, max_points=1000)
    assert g.t == pytest.approx(30 * 10 / 3600)
    now = np.flatnonzero(np.isin(world.pop.ident, ids))
    assert not np.array_equal(now, drawn)  # they are elsewhere in memory
    assert np.array_equal(g.x, world.pop.x[now])
    assert not np.array_equal(g.x, f.x)  # they moved

    assert len(frame_of(world, max_points=10**6).x) == 5000 - 4
    few = frame_of(world, max_points=7)  # too few points to show every zombie apart
    assert 0 < len(few.x) <= 7
    with pytest.raises(ValueError, match="max_points"):
        frame_of(world, max_points=0)


def test_frame_of_copies_what_it_draws(city):
    world = a_world(city)
    f = frame_of(world, max_points=10**6, counts={"Z": 5})
    x, y, state = f.x.copy(), f.y.copy(), f.state.copy()
    world.pop.x += 1.0
    world.pop.state[:] = State.ZOMBIE
    world.step()
    assert np.array_equal(f.x, x) and np.array_equal(f.y, y) and np.array_equal(f.state, state)
    assert dict(f.counts) == {"Z": 5}
    with pytest.raises(TypeError):
        f.counts["Z"] = 6  # type: ignore[index]


def test_frame_checks_its_arrays():
    with pytest.raises(ValueError, match="one entry per agent"):
        Frame(t=0.0, x=np.zeros(3), y=np.zeros(2), state=np.zeros(3), cordon_closed=False)


def test_clock_caption_and_slug():
    assert anim.clock(0.0) == "day 1, 00:00"
    assert anim.clock(25.5) == "day 2, 01:30"
    assert anim.clock(47.9999) == "day 3, 00:00"  # rounded to the minute first
    counts = {"S": 150_000, "F": 321, "E": 2, "Ef": 1, "L": 0, "Z": 12_004, "H": 3}
    assert anim.caption(counts) == (
        "humans 150,321 · afraid 321 · bitten 3 · zombies 12,004 · halfbies 3"
    )
    assert anim.caption({"Z": 4, "Out": 7, "X": 1}) == "zombies 4 · left the city 7 · X 1"


def test_the_caption_counts_everyone(frames: list[Frame]) -> None:
    """The caption's groups (the afraid are among the humans) add up to the population,
    wherever people are: in the city, in camps, gone or dead."""
    import re

    from jonas.abm.population import COMPARTMENT

    everyone = {name: 0 for name in COMPARTMENT.values()}
    for frame in frames:
        text = anim.caption({**everyone, **frame.counts})
        numbers = dict(re.findall(r"([a-z ]+?) ([\d,]+)(?: · |$)", text))
        total = sum(int(v.replace(",", "")) for k, v in numbers.items() if k != "afraid")
        assert total == sum(frame.counts.values()) == 5000, text
    assert "dead" in text and "in camps" in text
    assert anim.slug("  Cordon closed (north)! ") == "cordon-closed-north"


# -- the animation --------------------------------------------------------------------------


def test_gif_has_one_picture_per_frame_and_they_change(city, frames, tmp_path):
    path = tmp_path / "run.gif"
    assert write_animation(city, frames, path, fps=5, dpi=DPI, mp4=False) == [path]
    assert files_in(tmp_path) == ["run.gif"]  # no temporary file left beside it
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == len(frames)
        assert im.info["duration"] == 200 and im.info["loop"] == 0
        first = np.asarray(im.convert("RGB"))
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert first.shape == last.shape == (296, 400, 3)  # even sides at 40 dpi
    assert (first != last).any(axis=2).sum() > 200  # people moved, the clock went on…


def test_a_frame_shows_the_cordon_the_drones_and_the_flash_of_a_strike(city):
    area = Circle(1000, 400, 120)
    empty = np.zeros(0)
    quiet = Frame(t=0.0, x=empty, y=empty, state=empty, cordon_closed=False)
    strike = Frame(
        t=1.0, x=empty, y=empty, state=empty, cordon_closed=True, drones=((500.0, 1800.0),),
        strikes=(area,), struck_now=(area,), label="strike",
    )  # fmt: skip
    after = Frame(t=2.0, x=empty, y=empty, state=empty, cordon_closed=True, strikes=(area,))
    painter = anim._Painter(city, [quiet, strike, after], dpi=100)

    def colour_at(frame: Frame, x_m: float, y_m: float) -> np.ndarray:
        painter.paint(frame)
        rgba = painter.pixels()
        px, py = painter.ax.transData.transform((x_m / 1000, y_m / 1000))
        return rgba[rgba.shape[0] - 1 - round(py), round(px), :3].astype(int)

    def near(got: np.ndarray, colour: str, tol: int = 60) -> bool:
        from matplotlib.colors import to_rgb

        want = np.array([round(255 * v) for v in to_rgb(colour)])
        return bool(np.abs(got - want).max() <= tol)

    # the cordon: at a vertex of its line, red when closed, grey when open
    cx, cy = city.cordon.line[len(city.cordon.line) // 8]
    assert near(colour_at(quiet, cx, cy), anim._CORDON_OPEN)
    assert near(colour_at(strike, cx, cy), anim._CORDON_CLOSED)
    # the strike: a flash at its centre on its own frame only, a scorched outline after
    assert near(colour_at(strike, area.x, area.y), anim._FLASH_FACE)
    assert not near(colour_at(after, area.x, area.y), anim._FLASH_FACE)
    assert not near(colour_at(quiet, area.x, area.y), anim._FLASH_FACE)
    # the drone's marker, where it flies
    assert near(colour_at(strike, 500, 1800), anim._DRONE)
    assert not near(colour_at(after, 500, 1800), anim._DRONE)


def test_a_blitted_frame_is_the_full_drawing(city, frames):
    """The animation draws only what moves over a kept background; a snapshot draws it all.
    Both must give the same picture."""
    painter = anim._Painter(city, frames, dpi=DPI)
    for f in (frames[0], frames[3]):
        painter.paint(f)
        fast = painter.pixels().astype(int)
        painter.fig.canvas.draw()
        full = np.asarray(painter.fig.canvas.buffer_rgba()).astype(int)
        assert fast.shape == full.shape
        assert (np.abs(fast - full).max(axis=2) > 8).mean() < 1e-3


def test_mp4_only_if_ffmpeg_is_found(city, frames, tmp_path, monkeypatch):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    path = tmp_path / "run.gif"
    assert write_animation(city, frames[:2], path, dpi=DPI) == [path]
    assert files_in(tmp_path) == ["run.gif"]

    out = tmp_path / "out"
    with pytest.raises(JonasError, match="ffmpeg"):
        write_animation(city, frames[:2], out / "run.gif", dpi=DPI, mp4=True)
    assert files_in(out) == []


def test_a_failure_while_drawing_leaves_no_file(city, frames, tmp_path, monkeypatch):
    paint = anim._Painter.paint
    painted = []

    def failing(self, frame):
        if len(painted) == 3:
            raise RuntimeError("the renderer broke")
        painted.append(frame)
        paint(self, frame)

    monkeypatch.setattr(anim._Painter, "paint", failing)
    with pytest.raises(RuntimeError, match="renderer broke"):
        write_animation(city, frames, tmp_path / "run.gif", dpi=DPI, mp4=False)
    assert len(painted) == 3
    assert files_in(tmp_path) == []


def test_a_failure_when_saving_keeps_the_old_gif(city, frames, tmp_path, monkeypatch):
    path = tmp_path / "run.gif"
    path.write_bytes(b"the last run's GIF")

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_animation(city, frames[:2], path, dpi=DPI, mp4=False)
    assert files_in(tmp_path) == ["run.gif"]
    assert path.read_bytes() == b"the last run's GIF"


def test_write_animation_refuses_what_it_cannot_write(city, frames, tmp_path):
    with pytest.raises(ValueError, match=r"\.gif"):
        write_animation(city, frames, tmp_path / "run.png", mp4=False)
    with pytest.raises(ValueError, match="no frames"):
        write_animation(city, [], tmp_path / "run.gif", mp4=False)
    assert files_in(tmp_path) == []


def fake_ffmpeg(folder: Path, fail: str = "") -> Path:
    """A stand-in for ffmpeg that writes, as the movie, how many bytes of frames it got (or
    fails: "at once" without reading its input, "at the end" after reading it all)."""
    folder.mkdir()
    exe = folder / "ffmpeg"
    exe.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"fail = {fail!r}\n"
        "if fail == 'at once':\n"
        "    sys.exit(\"Unknown encoder 'libx264'\")\n"
        "n = len(sys.stdin.buffer.read())\n"
        "if fail:\n"
        "    sys.exit('Conversion failed!')\n"
        "open(sys.argv[-1], 'wb').write(str(n).encode())\n"
    )
    exe.chmod(0o755)
    return exe


def test_mp4_frames_are_piped_to_ffmpeg(city, frames, tmp_path, monkeypatch):
    import matplotlib as mpl

    monkeypatch.setitem(mpl.rcParams, "animation.ffmpeg_path", str(fake_ffmpeg(tmp_path / "bin")))
    out = tmp_path / "out"
    written = write_animation(city, frames, out / "run.gif", dpi=DPI)  # mp4=None: ffmpeg found
    assert written == [out / "run.gif", out / "run.mp4"]
    assert files_in(out) == ["run.gif", "run.mp4"]
    # every frame, whole: 400 × 296 RGBA pixels each
    assert int((out / "run.mp4").read_text()) == len(frames) * 400 * 296 * 4


@pytest.mark.parametrize("when", ["at once", "at the end"])
def test_a_failing_ffmpeg_leaves_neither_file(city, frames, tmp_path, monkeypatch, when):
    import matplotlib as mpl

    exe = fake_ffmpeg(tmp_path / "bin", fail=when)
    monkeypatch.setitem(mpl.rcParams, "animation.ffmpeg_path", str(exe))
    out = tmp_path / "out"
    said = "Unknown encoder" if when == "at once" else "Conversion failed"
    with pytest.raises(JonasError, match=f"ffmpeg could not write .*run.mp4.*{said}"):
        write_animation(city, frames[:2], out / "run.gif", dpi=DPI, mp4=True)
    assert files_in(out) == []


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_mp4_beside_the_gif_when_ffmpeg_is_installed(city, frames, tmp_path):
    path = tmp_path / "run.gif"
    written = write_animation(city, frames, path, dpi=DPI, mp4=True)
    assert written == [path, tmp_path / "run.mp4"]
    assert files_in(tmp_path) == ["run.gif", "run.mp4"]
    assert (tmp_path / "run.mp4").read_bytes()[4:8] == b"ftyp"  # an MP4 container


# -- snapshots ------------------------------------------------------------------------------


def test_snapshots_of_labelled_first_and_last_frames(city, frames, tmp_path):
    times = [0.0, 1.5, 30.0, 31.5, 48.04]
    labels = ["", "", "cordon closed", "Strike!", ""]
    run = [
        Frame(t=t, x=f.x, y=f.y, state=f.state, cordon_closed=f.cordon_closed, label=label)
        for t, label, f in zip(times, labels, frames, strict=True)
    ]
    folder = tmp_path / "pictures"
    written = write_snapshots(city, run, folder, dpi=DPI)
    names = [
        "snapshot-000.0h-start.png",
        "snapshot-030.0h-cordon-closed.png",
        "snapshot-031.5h-strike.png",
        "snapshot-048.0h-end.png",
    ]
    assert written == [folder / n for n in names]
    assert files_in(folder) == names
    with Image.open(folder / names[0]) as a, Image.open(folder / names[-1]) as b:
        assert a.format == b.format == "PNG" and a.size == b.size
        assert (np.asarray(a.convert("RGB")) != np.asarray(b.convert("RGB"))).any()

    # a labelled last frame keeps its label; one frame is both first and last
    run[-1] = dataclasses.replace(run[-1], label="evacuation")
    assert write_snapshots(city, run[-1:], tmp_path / "one", dpi=DPI) == [
        tmp_path / "one" / "snapshot-048.0h-evacuation.png"
    ]
    assert write_snapshots(city, [], tmp_path / "none") == []


def test_a_horde_is_drawn_as_a_disc_with_its_number(city: CityMap, tmp_path: Path) -> None:
    """600 zombies on one spot are one dot; the picture shows a disc and '600 zombies'."""
    n = 600
    frame = Frame(
        t=1.0,
        x=[1000.0] * n + [500.0, 520.0],
        y=[1000.0] * n + [500.0, 500.0],
        state=[State.ZOMBIE] * n + [State.ZOMBIE, State.CALM],
        cordon_closed=False,
        counts={"Z": n + 1, "S": 1},
    )
    painter = anim._Painter(city, [frame], dpi=DPI)
    painter.paint(frame)
    assert len(painter.hordes.get_offsets()) == 1  # the lone zombie is no horde
    assert [t.get_text().strip() for t in painter._horde_words] == ["600 zombies"]
    thinned = dataclasses.replace(frame, stride=8, infected_stride=8)
    painter.paint(thinned)  # each zombie drawn stands for 8: an estimate, said so
    assert [t.get_text().strip() for t in painter._horde_words] == ["≈4,800 zombies"]
    assert painter.pixels().shape[2] == 4


def test_zombies_are_drawn_above_the_afraid_crowd(city: CityMap) -> None:
    """A zombie amid a dense afraid crowd is seen: listed first (drawn first in plain order),
    it still colours the pixel it stands on, and the crowd the pixels around it."""
    from matplotlib.colors import to_rgb

    crowd = 400
    rng = np.random.default_rng(3)
    xs = list(1000.0 + rng.uniform(-25, 25, crowd))
    ys = list(1000.0 + rng.uniform(-25, 25, crowd))
    frame = Frame(
        t=1.0,
        x=[1000.0, *xs],
        y=[1000.0, *ys],
        state=[State.ZOMBIE] + [State.AFRAID] * crowd,
        cordon_closed=False,
        counts={"Z": 1, "F": crowd},
    )
    painter = anim._Painter(city, [frame], dpi=100)
    painter.paint(frame)
    image = painter.pixels()
    ax = painter.ax
    px, py = ax.transData.transform((1.0, 1.0))  # (the map's axes are in km)
    row, col = image.shape[0] - round(py), round(px)

    def colour(r: int, c: int) -> np.ndarray:
        return image[r, c, :3].astype(float) / 255

    assert np.allclose(colour(row, col), to_rgb(anim._ZOMBIE), atol=0.08)
    # and the crowd around it is drawn: afraid-coloured pixels fill the square it stands in
    window = image[row - 6 : row + 7, col - 6 : col + 7, :3].reshape(-1, 3).astype(float) / 255
    afraid = np.abs(window - np.array(to_rgb(anim._AFRAID))).max(axis=1) < 0.08
    assert afraid.sum() > 20
