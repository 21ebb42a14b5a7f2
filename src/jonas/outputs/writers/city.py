"""``animation.gif`` (and ``.mp4`` with ffmpeg) and ``snapshots/`` of a run on a city map:
the pictures the agents engine recorded of its first replicate (``jonas run --animate``)."""

from __future__ import annotations

from jonas.outputs.finished import FinishedRun


class CityAnimation:
    name = "animation.gif"
    order = 50

    def wanted(self, run: FinishedRun) -> bool:
        return run.pictures is not None and bool(run.pictures.frames)

    def write(self, run: FinishedRun) -> None:
        # imported here: the agent world's kernels are heavy, and most runs have no city
        from jonas.plots.animation import write_animation, write_snapshots

        pictures = run.pictures
        assert pictures is not None
        write_animation(pictures.city, pictures.frames, run.root / self.name)
        write_snapshots(pictures.city, pictures.frames, run.root / "snapshots")


WRITERS = (CityAnimation(),)
