"""``playback.bin``: a run on a city map as the browser plays it back (``jonas serve``, and
``report.html``): every recorded frame of the first replicate, every agent in it.

One file, read in one request and decoded without copying (typed arrays over the bytes):

- ``MAGIC`` (8 bytes), then the header's length (uint32, little-endian), then the header,
  JSON in UTF-8, padded with spaces to a multiple of 4 bytes;
- then each frame's agents: ``x`` and ``y`` (uint16 each, little-endian: the map's width
  and height in 65,535 steps, under 0.2 m on Hyosan), then ``state`` (uint8: the
  `jonas.abm.population.State` codes), padded to a multiple of 4 bytes. A frame's entry in
  the header gives its byte offset ``at`` (from the first frame) and its agent count ``n``.

The header holds what is drawn once (the land use as a PNG, the cordon's line and
checkpoints, the named places), and for each frame its time, clock, the caption of its
counts, its event label, whether the cordon is closed, the drones, the strikes (as
polygons) and how many people the camps hold (``held``, and ``camps``: each camp's, by the
nearest camp: people stay where they were taken in). Five bytes an agent a frame: hyosan-city's
170,000 agents over its 85 hourly frames to the strike are about 75 MB.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from jonas.outputs.finished import FinishedRun
from jonas.outputs.names import PLAYBACK

MAGIC = b"JONASPB1"
STEPS = 65535
#: the agent codes of people held in camps (drawn where they were taken in)
CAMP_CODES = (10, 11, 12, 13, 14)


class Recorder:
    """A playback made frame by frame (each frame is packed as it comes, so a run keeps
    five bytes an agent a frame, not the frames themselves)."""

    def __init__(self, city: Any, most_px: int = 1000) -> None:
        self.city, self.most_px = city, most_px
        self.width = city.shape[1] * city.cell_m
        self.height = city.shape[0] * city.cell_m
        self.entries: list[dict[str, Any]] = []
        camps = [p for p in city.places.values() if p.kind == "camp"]
        self.camps = [p.name for p in camps]
        self.camp_xy = np.array([p.center for p in camps], float).reshape(-1, 2)
        self.body: list[bytes] = []
        self.at = 0

    def __call__(self, _replicate: int, frame: Any) -> None:
        """A frame sink for the agents engine (``frames(replicate, frame)``)."""
        self.add(frame)

    def add(self, f: Any) -> None:
        from jonas.abm.frames import caption, clock

        n = int(f.x.size)
        x = np.clip(np.rint(f.x / self.width * STEPS), 0, STEPS).astype("<u2")
        y = np.clip(np.rint(f.y / self.height * STEPS), 0, STEPS).astype("<u2")
        state = np.asarray(f.state, dtype=np.uint8)
        chunk = x.tobytes() + y.tobytes() + state.tobytes()
        chunk += bytes(-len(chunk) % 4)
        self.entries.append(
            {
                "t": f.t,
                "clock": clock(f.t),
                "n": n,
                "at": self.at,
                "caption": caption(f.counts),
                "label": f.label,
                "stride": f.stride,
                "infected_stride": f.infected_stride,
                "cordon_closed": f.cordon_closed,
                "drones": [list(d) for d in f.drones],
                "strikes": [_outline(a) for a in f.strikes],
                "struck_now": [_outline(a) for a in f.struck_now],
                "held": int(np.isin(state, CAMP_CODES).sum()),
                "camps": self._held(f, state),
            }
        )
        self.body.append(chunk)
        self.at += len(chunk)

    def _held(self, f: Any, state: np.ndarray) -> list[int]:
        """The people each camp holds: those in camp states, by the nearest camp (they
        stay where they were taken in)."""
        if not self.camps:
            return []
        held = np.isin(state, CAMP_CODES)
        x, y = f.x[held], f.y[held]
        cx, cy = self.camp_xy[:, 0], self.camp_xy[:, 1]
        d = (x[:, None] - cx[None, :]) ** 2 + (y[:, None] - cy[None, :]) ** 2
        nearest = np.argmin(d, axis=1) if x.size else np.zeros(0, np.intp)
        return np.bincount(nearest, minlength=len(self.camps)).tolist()

    def bytes(self) -> bytes:
        from jonas.plots.city import landuse_png

        city = self.city
        header = {
            "format": "jonas playback 1",
            "city": city.name,
            "width_m": self.width,
            "height_m": self.height,
            "steps": STEPS,
            "background": landuse_png(city, self.most_px)[0],
            "cordon": _cordon(city),
            "camps": [
                {"name": name, "x": float(x), "y": float(y)}
                for name, (x, y) in zip(self.camps, self.camp_xy, strict=True)
            ],
            "places": [
                {"name": name, "x": p.center[0], "y": p.center[1], "kind": p.kind}
                for name, p in city.places.items()
            ],
            "frames": self.entries,
        }
        text = json.dumps(header, separators=(",", ":")).encode("utf-8")
        text += b" " * (-len(text) % 4)
        return MAGIC + len(text).to_bytes(4, "little") + text + b"".join(self.body)


def encode(city: Any, frames: Sequence[Any]) -> bytes:
    """The playback of ``frames`` (:class:`jonas.abm.frames.Frame`) on ``city``."""
    recorder = Recorder(city)
    for frame in frames:
        recorder.add(frame)
    return recorder.bytes()


def decode(data: bytes) -> tuple[dict[str, Any], list[dict[str, np.ndarray]]]:
    """The header and each frame's ``x``, ``y`` (metres) and ``state`` (what the page
    does in JavaScript; here for tests and for thinning a playback)."""
    if data[:8] != MAGIC:
        raise ValueError("not a jonas playback (its first bytes are not JONASPB1)")
    size = int.from_bytes(data[8:12], "little")
    header = json.loads(data[12 : 12 + size])
    start = 12 + size
    frames = []
    for entry in header["frames"]:
        n, at = entry["n"], start + entry["at"]
        x = np.frombuffer(data, "<u2", n, at) / header["steps"] * header["width_m"]
        y = np.frombuffer(data, "<u2", n, at + 2 * n) / header["steps"] * header["height_m"]
        state = np.frombuffer(data, np.uint8, n, at + 4 * n)
        frames.append({"x": x, "y": y, "state": state})
    return header, frames


def _outline(area: Any) -> list[list[float]]:
    """An area as a polygon's vertices (a circle as 48 of them)."""
    if hasattr(area, "points"):
        return np.asarray(area.points, float).round(1).tolist()
    angle = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    return np.column_stack(
        [area.x + area.r * np.cos(angle), area.y + area.r * np.sin(angle)]
    ).round(1).tolist()


def _cordon(city: Any) -> dict[str, Any] | None:
    if city.cordon is None:
        return None
    return {
        "line": np.asarray(city.cordon.line, float).round(1).tolist(),
        "checkpoints": [list(map(float, p)) for p in city.cordon.checkpoints.values()],
    }


def player_js() -> str:
    """The player (playback.js, beside this module): what jonas serve's page and
    report.html run to draw a playback."""
    from importlib import resources

    return resources.files(__package__).joinpath("playback.js").read_text("utf-8")


class CityPlayback:
    name = PLAYBACK
    order = 45

    def wanted(self, run: FinishedRun) -> bool:
        return run.pictures is not None and bool(run.pictures.frames)

    def write(self, run: FinishedRun) -> None:
        from jonas.files import write_atomic

        pictures = run.pictures
        assert pictures is not None
        data = encode(pictures.city, pictures.frames)
        write_atomic(run.root / self.name, lambda path: path.write_bytes(data))


WRITERS = (CityPlayback(),)
