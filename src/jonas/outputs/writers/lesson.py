"""Pictures for a lesson: ``phase.png``, the S–Z phase portrait of a classic model's runs,
and ``lattice.png``, the zombie cluster of a lattice run's first replicate."""

from __future__ import annotations

import numpy as np

from jonas.files import write_atomic
from jonas.outputs.finished import FinishedRun


def _zombies(run: FinishedRun) -> list[str]:
    """The zombie compartment of a two-sided family's run, humans (S) against one kind of
    zombie (none for the jonas family, whose story has more sides, nor for inline
    models)."""
    from jonas.model.families import FAMILIES

    family = FAMILIES.get(run.scenario.model.family or "")
    if family is None or len(family.zombies) != 1:
        return []
    return [c for c in family.zombies if c in run.model.compartments]


class PhasePortrait:
    name = "phase.png"
    order = 25

    def wanted(self, run: FinishedRun) -> bool:
        return "S" in run.model.compartments and bool(_zombies(run))

    def write(self, run: FinishedRun) -> None:
        import matplotlib.pyplot as plt

        from jonas.plots.phase import phase_portrait

        zombies = _zombies(run)
        figure = phase_portrait(
            run.series(["S"]), run.series(zombies), run.scenario.scenario.name,
            "humans (S)", f"zombies ({' + '.join(zombies)})",
        )  # fmt: skip
        write_atomic(run.root / self.name, lambda p: figure.savefig(p, format="png", dpi=110))
        plt.close(figure)


class LatticePicture:
    name = "lattice.png"
    order = 26

    def wanted(self, run: FinishedRun) -> bool:
        return run.engine.hook("final_grid") is not None

    def write(self, run: FinishedRun) -> None:
        import matplotlib.pyplot as plt

        from jonas.plots.phase import lattice_picture

        final_grid = run.engine.hook("final_grid")
        assert final_grid is not None
        first = int(np.argmin(run.table["replicate"]))
        grid = final_grid(run.scenario, run.model, int(run.table["seed"][first]))
        figure = lattice_picture(grid, run.scenario.scenario.name)
        write_atomic(run.root / self.name, lambda p: figure.savefig(p, format="png", dpi=110))
        plt.close(figure)


WRITERS = (PhasePortrait(), LatticePicture())
