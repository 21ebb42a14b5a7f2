"""Pictures of the agents engine: an animated GIF (and MP4) of a run, and PNG snapshots.

A run records `Frame`s (`frame_of(world)` every so often, :mod:`jonas.abm.frames`);
`write_animation` and `write_snapshots` draw them. On the land-use map
(:func:`jonas.plots.city.draw_map`, faded so
that the people read on top of it): the agents as dots coloured by state, the cordon (solid
red when closed, dashed grey when open) and its checkpoints, sound drones (a marker in a
faint ring), strikes (a bright flash on the frame they happen, a dark hatched outline
after); the title gives the time ("day D, HH:MM") and the frame's label, a caption the
counts.

The map is drawn once and its pixels kept; an animation frame restores them and draws only
what moves (blitting), on matplotlib's Agg canvas and a bare `Figure` (no pyplot, no
display). A GIF holds all its frames in memory until it is written, one byte per pixel
(0.74 MB a frame at the default 100 dpi).
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jonas.abm.frames import (
    CITY_COMPARTMENTS,
    Frame,
    caption,
    clock,
    frame_of,
    slug,
    thinning_step,
)
from jonas.abm.population import State
from jonas.errors import JonasError
from jonas.files import atomic_path
from jonas.space.geometry import Area, Circle
from jonas.space.landuse import COLOURS

if TYPE_CHECKING:
    from matplotlib.animation import AbstractMovieWriter
    from matplotlib.figure import Figure
    from PIL import Image as PILImage

    from jonas.space.city import CityMap

__all__ = [
    "CITY_COMPARTMENTS",
    "Frame",
    "caption",
    "clock",
    "frame_of",
    "slug",
    "thinning_step",
    "write_animation",
    "write_snapshots",
]

# Colours of the agents: calm people muted so that what changes (fear, bites, zombies) shows.
_CALM, _AFRAID, _TURNING = "#3f5a7a", "#ff7f0e", "#8e3fb5"
_ZOMBIE, _HALFBIE = "#e0141e", "#1a9e3a"
_CORDON_CLOSED, _CORDON_OPEN = "#d62728", "#7f7f7f"
_DRONE = "#0b3d91"
_FLASH_FACE, _FLASH_EDGE = "#fff35c", "#ff9d00"
_SCORCH = "#2a1f1a"
#: zombies drawn as a horde: HORDE or more on a square of HORDE_M metres
HORDE, HORDE_M = 25, 50.0
# how much of the land-use colour is kept (the rest is white): dots need the contrast
_MAP_ALPHA = 0.55

_FIGSIZE_PX = (1000, 740)  # at 100 dpi; scaled with dpi, rounded to even pixels (for h264)


# -- drawing --------------------------------------------------------------------------------


def _exact_figsize(dpi: float) -> tuple[float, float]:
    """Inches that are exactly an even number of pixels at `dpi`.

    Even: h264 in yuv420p needs even sides (matplotlib would otherwise resize the figure).
    Exactly: the canvas and the movie writers both truncate inches × dpi to whole pixels,
    so a float a hair short of the integer would lose a row.
    """
    sizes = []
    for px in (2 * max(1, round(p * dpi / 200)) for p in _FIGSIZE_PX):
        inches = px / dpi
        while int(inches * dpi) < px:
            inches = float(np.nextafter(inches, np.inf))
        sizes.append(inches)
    return sizes[0], sizes[1]


#: the dot group of each state code: calm, afraid, turning, zombie, halfbie; -1 (codes
#: from 7 on, out of the city) in none
_GROUP = np.full(256, -1, np.intp)
_GROUP[: State.HALFBIE + 1] = [0, 1, 2, 2, 2, 3, 4]
_GROUPS = (
    (_CALM, 2.0, "calm"),
    (_AFRAID, 3.0, "afraid"),
    (_TURNING, 4.5, "bitten, turning"),
    (_ZOMBIE, 5.5, "zombie"),
    (_HALFBIE, 5.5, "halfbie"),
)


class _Painter:
    """One figure with the map drawn once; `paint(frame)` updates only what moves.

    The animation and the snapshots both draw through `paint`, so they look the same: a
    snapshot is a full `savefig`; an animation frame restores the pixels of the still parts
    (drawn once) and draws only the moving artists on top, in the same z-order, which is
    what makes 200 frames of 20,000 dots take seconds rather than a minute.
    """

    def __init__(self, city: CityMap, frames: Sequence[Frame], *, dpi: float) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import to_rgba
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        from jonas.plots.city import draw_map

        # A bare Figure on an Agg canvas: nothing is registered with pyplot (so nothing is
        # left open) and the user's backend (a display, perhaps) is never touched.
        fig = Figure(figsize=_exact_figsize(dpi), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        # the map without its cordon: the cordon's look changes with the frame (open/closed)
        base = city if city.cordon is None else dataclasses.replace(city, cordon=None)
        draw_map(base, ax, labels=True, legend=True)
        for image in ax.images:  # the land-use raster (draw_map's only image)
            image.set_alpha(_MAP_ALPHA)
        # place names stay readable above the crowd (their white halo hides the dots below)
        labels = list(ax.texts)
        for text in labels:
            text.set_zorder(10)
        land_legend = ax.get_legend()

        moving: list[Any] = []  # artists drawn for every frame; the rest is the background
        self.cordon = None
        if city.cordon is not None:
            line = city.cordon.line / 1000
            (self.cordon,) = ax.plot(line[:, 0], line[:, 1], lw=2.0, zorder=4)
            cps = np.array(list(city.cordon.checkpoints.values()), float).reshape(-1, 2) / 1000
            (checkpoints,) = ax.plot(cps[:, 0], cps[:, 1], "s", ms=6, mfc="#ff7800",
                                     mec="black", mew=1.0, zorder=7)  # fmt: skip
            moving += [self.cordon, checkpoints]  # checkpoints: on top of the cordon line
        # One scatter per group of states, each of one colour and size: Agg then stamps one
        # pre-drawn marker per dot (matplotlib's single-path fast path), several times faster
        # than dots of mixed colours. Higher z for rarer groups: zombies on top of the crowd.
        self.dots = [
            ax.scatter([], [], s=size, color=colour, marker="o", linewidths=0, zorder=5 + 0.1 * g)
            for g, (colour, size, _) in enumerate(_GROUPS)
        ]
        # a drone is a marker in a wide faint ring: the sound it makes
        ring_face, ring_edge = to_rgba(_DRONE, 0.08), to_rgba(_DRONE, 0.45)
        (self.rings,) = ax.plot([], [], "o", ms=30, mfc=ring_face, mec=ring_edge, mew=1.5, zorder=8)
        (self.drones,) = ax.plot([], [], "^", ms=7, mfc=_DRONE, mec="white", mew=0.8, zorder=8.1)
        # hordes: many zombies on one spot (hunting one sound) would be one dot; a disc
        # whose area grows with their number says how many stand there
        self.hordes = ax.scatter([], [], s=[], facecolor=to_rgba(_ZOMBIE, 0.3), edgecolor=_ZOMBIE,
                                 linewidths=1.2, zorder=7)  # fmt: skip
        self._horde_words: list[Any] = []
        self.title = fig.suptitle("day 1, 00:00", fontsize=13, fontweight="bold")
        self.caption = ax.set_title("humans 0 · zombies 0", fontsize=9.5)
        self._moving = [
            *moving, *self.dots, self.hordes, self.rings, self.drones, self.title, self.caption
        ]
        self._labels = labels
        self._strikes: list[Any] = []  # patches of the frame painted last (also moving)
        self.ax, self.fig = ax, fig

        handles: list[Any] = [
            Line2D([], [], ls="", marker="o", ms=5, color=colour, label=word)
            for colour, _, word in _GROUPS
        ]
        if city.cordon is not None:
            handles += [
                Line2D([], [], color=_CORDON_CLOSED, lw=2.0, label="cordon closed"),
                Line2D([], [], color=_CORDON_OPEN, lw=2.0, ls="--", label="cordon open"),
            ]
        # only what some frame shows, so that a run without drones has no drone in its key
        if any(f.drones for f in frames):
            handles.append(
                Line2D([], [], ls="", marker="^", ms=7, mfc=_DRONE, mec="white", label="drone")
            )
        if any(f.strikes or f.struck_now for f in frames):
            handles += [
                Patch(fc=_FLASH_FACE, ec=_FLASH_EDGE, label="strike (now)"),
                Patch(fc="none", ec=_SCORCH, hatch="xxxx", label="struck"),
            ]
        # a second legend replaces the first unless the first is added back as an artist
        if land_legend is not None:
            ax.add_artist(land_legend)
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0), fontsize=8,
                  frameon=False, title="people", title_fontsize=8.5)  # fmt: skip

        # Lay the figure out once, then freeze it: the map must not jump when a title gets
        # longer, the background must stay valid, and the layout solver need not run again.
        fig.canvas.draw()
        fig.set_layout_engine("none")
        self._still: tuple[Any, Any, _Layer] | None = None  # (size key, background, names)
        self._pixels: np.ndarray | None = None

    def paint(self, frame: Frame) -> None:
        """Make the figure show `frame`."""
        from matplotlib.patches import Circle as CirclePatch
        from matplotlib.patches import Polygon as PolygonPatch

        group = _GROUP[frame.state]
        xy = np.column_stack((frame.x, frame.y)) / 1000  # draw_map's axes are in km
        for g, dots in enumerate(self.dots):
            dots.set_offsets(xy[group == g])

        if self.cordon is not None:
            closed = frame.cordon_closed
            self.cordon.set_color(_CORDON_CLOSED if closed else _CORDON_OPEN)
            self.cordon.set_linestyle("-" if closed else (0, (5, 3)))

        self._paint_hordes(frame)
        drones = np.array(frame.drones, float).reshape(-1, 2) / 1000
        self.drones.set_data(drones[:, 0], drones[:, 1])
        self.rings.set_data(drones[:, 0], drones[:, 1])

        # strikes are few: their patches are made anew for every frame
        for patch in self._strikes:
            patch.remove()
        self._strikes = []

        def add(area: Area, **style: Any) -> None:
            if isinstance(area, Circle):
                patch: Any = CirclePatch((area.x / 1000, area.y / 1000), area.r / 1000, **style)
            else:
                patch = PolygonPatch(np.asarray(area.points) / 1000, closed=True, **style)
            self._strikes.append(self.ax.add_patch(patch))

        for area in frame.strikes:
            add(area, fc="none", ec=_SCORCH, hatch="xxxx", lw=1.6, zorder=6)
        for area in frame.struck_now:  # above the dots and the scorch mark of the same strike
            add(area, fc=_FLASH_FACE, ec=_FLASH_EDGE, alpha=0.85, lw=3.0, zorder=9)

        title = clock(frame.t)
        self.title.set_text(f"{title} · {frame.label}" if frame.label else title)
        self.caption.set_text(caption(frame.counts))
        self._pixels = None

    def _paint_hordes(self, frame: Frame) -> None:
        """Zombies by HORDE_M squares: a disc on each square holding HORDE or more (area
        ∝ their number), and the number for the largest (in a frame whose zombies were
        thinned, each drawn one stands for ``infected_stride``: the number is an estimate,
        said with '≈')."""
        from matplotlib import patheffects

        for text in self._horde_words:
            text.remove()
        self._horde_words = []
        z = frame.state == State.ZOMBIE
        cells = np.floor(np.column_stack((frame.x[z], frame.y[z])) / HORDE_M).astype(np.int64)
        if not len(cells):
            self.hordes.set_offsets(np.zeros((0, 2)))
            return
        where, count = np.unique(cells, axis=0, return_counts=True)
        count = count * frame.infected_stride
        big = count >= HORDE
        centres = (where[big] + 0.5) * HORDE_M / 1000
        sizes = 12 + count[big] / 12  # marker areas in points²: the side is their root
        self.hordes.set_offsets(centres)
        self.hordes.set_sizes(sizes)
        about = "≈" if frame.infected_stride > 1 else ""
        halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
        for (x, y), n, size in zip(centres, count[big], sizes, strict=True):
            if n >= 500:  # beside the disc, not on it
                words = self.ax.annotate(
                    f"{about}{n:,} zombies", (x, y), xytext=(np.sqrt(size) / 2 + 3, 0),
                    textcoords="offset points", fontsize=8, weight="bold", color="#9b0d14",
                    va="center", zorder=9.5, path_effects=halo,
                )  # fmt: skip
                self._horde_words.append(words)

    def pixels(self) -> np.ndarray:
        """The painted frame as an (h, w, 4) uint8 RGBA array, at the figure's dpi.

        Blitting: the still parts are drawn once (with the moving artists hidden) and their
        pixels kept; each frame restores them and draws the moving artists in z-order. The
        place names, above everything in the axes, are drawn once too, on a transparent
        layer laid over each frame: their haloed text costs more to draw than the dots.
        """
        if self._pixels is not None:  # both writers of a frame share one drawing
            return self._pixels
        canvas = self.fig.canvas
        key = (canvas.get_width_height(physical=True), self.fig.dpi)
        if self._still is None or self._still[0] != key:
            self._still = (key, *self._draw_still())
        _, background, names = self._still
        canvas.restore_region(background)  # type: ignore[attr-defined]
        drawn = [*self._moving, *self._strikes, *self._horde_words]
        for artist in sorted(drawn, key=lambda a: a.get_zorder()):
            self.fig.draw_artist(artist)
        rgba = np.array(canvas.buffer_rgba())  # type: ignore[attr-defined]
        names.over(rgba)
        self._pixels = rgba
        return rgba

    def _draw_still(self) -> tuple[Any, _Layer]:
        """The background (what never moves) and the layer of place names."""
        from matplotlib.backends.backend_agg import RendererAgg

        canvas = self.fig.canvas
        # The titles are blanked rather than hidden: matplotlib places an axes title by its
        # extent, and a hidden one has none, which would throw the caption off the figure
        # (with all titles blank it keeps the place found when the figure was laid out).
        titles = {self.title: self.title.get_text(), self.caption: self.caption.get_text()}
        moving = (*self._moving, *self._strikes, *self._horde_words, *self._labels)
        hidden = [a for a in moving if a not in titles]
        for artist in hidden:
            artist.set_visible(False)
        for text in titles:
            text.set_text("")
        try:
            canvas.draw()
            background = canvas.copy_from_bbox(self.fig.bbox)  # type: ignore[attr-defined]
        finally:
            for artist in hidden:
                artist.set_visible(True)
            for text, words in titles.items():
                text.set_text(words)
        # a fresh Agg renderer starts fully transparent: only the names land on it
        w, h = canvas.get_width_height(physical=True)
        renderer = RendererAgg(w, h, self.fig.dpi)
        for text in self._labels:
            text.draw(renderer)
        return background, _Layer(np.asarray(renderer.buffer_rgba()))


class _Layer:
    """A mostly transparent RGBA image, kept as its visible pixels only, to lay over frames."""

    def __init__(self, rgba: np.ndarray) -> None:
        flat = rgba.reshape(-1, 4)
        self.where = np.flatnonzero(flat[:, 3])
        self.colour = flat[self.where, :3].astype(np.float32)
        self.alpha = flat[self.where, 3:].astype(np.float32) / 255  # Agg's is not premultiplied

    def over(self, rgba: np.ndarray) -> None:
        """Lay the layer over `rgba` (same size; changed in place)."""
        flat = rgba.reshape(-1, 4)
        under = flat[self.where, :3].astype(np.float32)
        mixed = self.colour * self.alpha + under * (1 - self.alpha)
        flat[self.where, :3] = np.rint(mixed).astype(np.uint8)


# -- the animation --------------------------------------------------------------------------


def _writer_classes() -> tuple[type[Any], type[Any]]:
    """matplotlib's `PillowWriter` and `FFMpegWriter`, fed the painter's blitted pixels.

    Their own `grab_frame` redraws the whole figure with `savefig`, which would undo the
    blitting. The GIF writer also (1) quantizes each frame to one shared palette as it is
    grabbed and (2) names the format when saving:

    (1) A GIF has 256 colours a frame. Quantizing every frame to the palette of the first
    (plus the colours of the agents, the flash and the scorch, which the first frame may
    lack) keeps the map's colours steady between frames and keeps one byte per pixel in
    memory instead of three or four. (2) The file is written under a temporary name without
    a .gif suffix (`jonas.io.atomic_path`), from which Pillow could not guess the format.
    (Defined in a function so that importing this module does not import matplotlib.)
    """
    from matplotlib.animation import FFMpegWriter, PillowWriter
    from PIL import Image

    class GifWriter(PillowWriter):
        def __init__(self, painter: _Painter, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.painter = painter

        def setup(self, fig: Figure, outfile: Any, dpi: float | None = None) -> None:
            super().setup(fig, outfile, dpi=dpi)
            self._gif_frames: list[Image.Image] = []
            self._palette: Image.Image | None = None

        def grab_frame(self, **savefig_kwargs: Any) -> None:
            im = Image.fromarray(self.painter.pixels()[..., :3])
            if self._palette is None:
                self._palette = _shared_palette(im)
            self._gif_frames.append(im.quantize(palette=self._palette, dither=Image.Dither.NONE))

        def finish(self) -> None:
            if not self._gif_frames:  # abandoned before the first frame: nothing to save
                return
            first, *rest = self._gif_frames
            first.save(self.outfile, format="GIF", save_all=True, append_images=rest,
                       duration=round(1000 / self.fps), loop=0)  # fmt: skip

    class Mp4Writer(FFMpegWriter):
        def __init__(self, painter: _Painter, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.painter = painter

        def grab_frame(self, **savefig_kwargs: Any) -> None:
            rgba = self.painter.pixels()
            pipe = getattr(getattr(self, "_proc", None), "stdin", None)
            if pipe is None or (rgba.shape[1], rgba.shape[0]) != self.frame_size:
                # not the pipe (or size) this was written for: matplotlib's own slow path
                super().grab_frame(**savefig_kwargs)
                return
            try:
                pipe.write(rgba.tobytes())  # raw RGBA: what `-pix_fmt rgba` told ffmpeg
            except BrokenPipeError:
                # ffmpeg quit; finishing it raises its exit status and what it said
                self.finish()
                raise

    return GifWriter, Mp4Writer


def _shared_palette(im: PILImage.Image) -> PILImage.Image:
    """A 256-colour palette: the image's own colours, then the colours of what it may lack."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    # What later frames may add (a flash, a drone, zombies); the land uses at full colour,
    # as their legend swatches are too small for the median cut to keep; the paper and the
    # ink exactly, which the median cut would average with their neighbours.
    must = [colour for colour, _, _ in _GROUPS]
    must += [_CORDON_CLOSED, _CORDON_OPEN, _DRONE, _FLASH_FACE, _FLASH_EDGE, _SCORCH]
    must += ["white", "black"]
    extra = [round(v * 255) for colour in must for v in to_rgb(colour)]
    extra += [int(v) for rgb in COLOURS for v in rgb]
    n_own = 256 - len(extra) // 3
    own = im.quantize(colors=n_own, method=Image.Quantize.MEDIANCUT).getpalette() or []
    palette = own[: 3 * n_own]
    palette += [0] * (3 * n_own - len(palette)) + extra
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette)
    return holder


def _want_mp4(mp4: bool | None) -> bool:
    """Whether to write an MP4; raises, before anything is written, if one is asked for and
    ffmpeg is missing."""
    from matplotlib import animation, rcParams

    if mp4 is False:
        return False
    available = animation.writers.is_available("ffmpeg")
    if mp4 and not available:
        raise JonasError(
            f"an MP4 needs ffmpeg, which was not found (looked for "
            f"{rcParams['animation.ffmpeg_path']!r}, matplotlib's animation.ffmpeg_path); "
            "install ffmpeg or write only the GIF"
        )
    return available


@contextmanager
def _recording(
    writer: AbstractMovieWriter, fig: Figure, outfile: Path, dpi: float
) -> Iterator[None]:
    """Like `writer.saving`, but on an error the writer is only told to stop (its partial
    file is deleted by `atomic_path`), so a failure to finish cannot hide the first error."""
    writer.setup(fig, outfile, dpi=dpi)
    try:
        yield
    except BaseException:
        with suppress(Exception):
            writer.finish()
        raise
    writer.finish()


def write_animation(
    city: CityMap,
    frames: Iterable[Frame],
    path: str | Path,
    *,
    fps: float = 8,
    dpi: float = 100,
    mp4: bool | None = None,
) -> list[Path]:
    """Write `frames` as an animated GIF at `path` (and an MP4 beside it); the paths written.

    The MP4 (same stem, .mp4) is written with ffmpeg when `mp4` is True, or when it is None
    and matplotlib finds ffmpeg; `mp4=True` without ffmpeg raises a `JonasError` before
    anything is written. Files appear complete or not at all: if drawing or encoding fails,
    neither file is left behind.
    """
    path = Path(path)
    frames = list(frames)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"the animation is a GIF: its path must end in .gif, got {path}")
    if not frames:
        raise ValueError("no frames to animate")
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    with_mp4 = _want_mp4(mp4)

    painter = _Painter(city, frames, dpi=dpi)
    try:
        return _write(painter, frames, path, fps=fps, dpi=dpi, with_mp4=with_mp4)
    except subprocess.CalledProcessError as exc:
        said = [line for line in str(exc.stderr or "").splitlines() if line.strip()]
        raise JonasError(
            f"ffmpeg could not write {path.with_suffix('.mp4')} (exit status {exc.returncode}"
            + (f": {said[-1].strip()}" if said else "")
            + "); no animation was written"
        ) from exc


def _write(
    painter: _Painter, frames: list[Frame], path: Path, *, fps: float, dpi: float, with_mp4: bool
) -> list[Path]:
    """Paint each frame once and hand it to every writer; both files appear, or neither."""
    import matplotlib as mpl

    gif_writer, mp4_writer = _writer_classes()
    written = [path, path.with_suffix(".mp4")] if with_mp4 else [path]
    with ExitStack() as stack:
        # as `MovieWriter.saving` does: a tight bbox would change the frame size
        stack.enter_context(mpl.rc_context({"savefig.bbox": None}))
        # Both temporary files before either writer: contexts close in reverse, so both
        # writers finish before either file is renamed, and a failure in one leaves neither.
        tmp = {p: stack.enter_context(atomic_path(p)) for p in written}
        writers: list[AbstractMovieWriter] = []
        if with_mp4:
            # ffmpeg picks the container from the suffix, which the temporary file lacks
            movie = mp4_writer(painter, fps=fps, extra_args=["-f", "mp4"])
            stack.enter_context(_recording(movie, painter.fig, tmp[written[1]], dpi))
            writers.append(movie)
        gif = gif_writer(painter, fps=fps)
        stack.enter_context(_recording(gif, painter.fig, tmp[path], dpi))
        writers.append(gif)
        for frame in frames:
            painter.paint(frame)
            for writer in writers:
                writer.grab_frame()
    return written


def write_snapshots(
    city: CityMap, frames: Iterable[Frame], folder: str | Path, *, dpi: float = 110
) -> list[Path]:
    """One PNG per labelled frame, and the first and the last frame; the paths written.

    Names: ``snapshot-030.0h-cordon-closed.png`` (hours with one decimal, then the label);
    the first and last frames are called "start" and "end" unless they have a label.
    """
    frames = list(frames)
    if not frames:
        return []
    folder = Path(folder)
    last = len(frames) - 1
    chosen = [i for i, f in enumerate(frames) if f.label or i in (0, last)]
    painter = _Painter(city, frames, dpi=dpi)
    written: list[Path] = []
    for i in chosen:
        frame = frames[i]
        label = frame.label or ("start" if i == 0 else "end")
        stem = f"snapshot-{frame.t:05.1f}h-{slug(label) or 'frame'}"
        target = folder / f"{stem}.png"
        n = 2
        while target in written:  # two frames with one label in the same tenth of an hour
            target = folder / f"{stem}-{n}.png"
            n += 1
        painter.paint(frame)
        with atomic_path(target) as tmp:
            painter.fig.savefig(tmp, format="png", dpi=dpi)
        written.append(target)
    return written
