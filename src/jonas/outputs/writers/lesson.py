"""Pictures for a lesson: ``phase.png``, the S–Z phase portrait of a classic model's runs,
and ``lattice.png``, the zombie cluster of a lattice run's first replicate."""

from __future__ import annotations

import numpy as np

from jonas.files import write_atomic
from jonas.outputs.finished import FinishedRun


def _zombies(run: FinishedRun) -> list[str]:
    """The zombie compartments of a classic family's run (none for the jonas family, whose
    story has more than two sides, nor for inline models)."""
    from jonas.model.families import FAMILIES

    family = FAMILIES.get(run.scenario.model.family or "")
    if family is None or family.plot_groups is not None:
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
        return run.engine.name == "lattice"

    def write(self, run: FinishedRun) -> None:
        """The first replicate again, from its seed (the engine is exact and cheap: the
        same run, site for site), to draw its lattice."""
        import matplotlib.pyplot as plt

        from jonas.engines.lattice.kernel import simulate_lattice
        from jonas.plots.phase import lattice_picture

        spec = run.scenario.lattice
        size, periodic = (spec.size, spec.boundary == "periodic") if spec else (101, False)
        first = int(np.argmin(run.table["replicate"]))
        seed = np.array([run.table["seed"][first]], dtype=np.uint64)
        grid = np.zeros((size, size), dtype=np.int8)
        p = run.model.parameters
        simulate_lattice(size, p["beta"], p["kappa"], np.zeros(1), seed, periodic=periodic,
                         grid=grid)  # fmt: skip
        figure = lattice_picture(grid, run.scenario.scenario.name)
        write_atomic(run.root / self.name, lambda p: figure.savefig(p, format="png", dpi=110))
        plt.close(figure)


WRITERS = (PhasePortrait(), LatticePicture())
