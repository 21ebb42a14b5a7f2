"""The ``lattice`` engine: what it accepts, what it starts from, and its run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jonas.engines.lattice.kernel import simulate_lattice
from jonas.engines.output import EngineOutput, per_interval
from jonas.engines.prepared import Prepared, options
from jonas.errors import ScenarioError
from jonas.model import Model
from jonas.spec import Scenario

FAMILY = "alemi-szr"
COMPARTMENTS = ("S", "Z", "R")


def check(scenario: Scenario) -> None:
    model = scenario.model
    if model.family != FAMILY:
        got = f"family {model.family!r}" if model.family else "an inline model"
        raise ScenarioError(
            f"model.family: the lattice engine runs only the family {FAMILY!r} "
            f"(S, Z, R with beta and kappa), not {got}"
        )
    for name in scenario.initial:
        if name not in COMPARTMENTS:
            raise ScenarioError(
                f"initial.{name}: unknown compartment; the lattice engine's are "
                + ", ".join(COMPARTMENTS)
            )


def notes(scenario: Scenario) -> list[str]:
    """What the lattice engine starts from, and that it does not read [initial]."""
    size = options(scenario, "lattice").size
    note = (
        f"the lattice engine fills the {size}×{size} lattice itself: {size * size - 1} humans "
        "(S) and one zombie (Z) at the centre"
    )
    given = {k: v for k, v in scenario.initial.items() if v}
    if given and given != {"S": size * size - 1, "Z": 1}:
        shown = ", ".join(f"{k} = {v:g}" for k, v in given.items())
        note += f"; [initial] ({shown}) is not used"
    return [note]


def run(
    prepared: Prepared,
    seeds: np.ndarray,
    replicates: np.ndarray,
    progress: Callable[[int], None] | None = None,
    frames: Any = None,
    clock: np.ndarray | None = None,
) -> EngineOutput:
    model, t_end = prepared.model, prepared.scenario.run.t_end
    spec = options(prepared.scenario, "lattice")
    beta, kappa = model.parameters["beta"], model.parameters["kappa"]
    periodic = spec.boundary == "periodic"
    out, found = simulate_lattice(
        spec.size, beta, kappa, prepared.times, seeds, progress, periodic=periodic
    )
    notes = []
    late = int(np.sum(found["duration"] > t_end))
    if late:
        notes.append(
            f"{late} of {seeds.size} outbreak(s) went on after t_end = {t_end:g}: "
            "the counts stop at t_end; reached_edge, cluster_size and duration are for the "
            "whole outbreak (raise run.t_end to see it all)"
        )
    return EngineOutput(
        out, np.full((len(seeds), 0), np.nan), found, notes=notes, incidence=_incidence(model, out)
    )


def _incidence(model: Model, counts: np.ndarray) -> np.ndarray:
    """Bites and kills per output interval, from the counts: on the lattice a site changes
    only by a bite (S → Z) or a kill (Z → R), so the humans lost are the bites and the
    removed gained the kills, exactly."""
    s, r = model.compartments.index("S"), model.compartments.index("R")
    running = {"S": counts[:, :1, s] - counts[:, :, s], "R": counts[:, :, r] - counts[:, :1, r]}
    stoichiometry = model.named_stoichiometry()
    columns = []
    for k in range(len(model.named_transitions)):
        # the compartment this named transition fills or empties: bite empties S, kill fills R
        columns.append(running["S"] if stoichiometry[s, k] < 0 else running["R"])
    return per_interval(np.stack(columns, axis=-1))


def final_grid(scenario: Scenario, model: Model, seed: int) -> np.ndarray:
    """The lattice (size × size: 0 human, 1 zombie, 2 removed) at the end of the replicate
    with this seed: that replicate again (the engine is exact and cheap: the same run,
    site for site), for a picture of it."""
    spec = options(scenario, "lattice")
    grid = np.zeros((spec.size, spec.size), dtype=np.int8)
    p = model.parameters
    simulate_lattice(spec.size, p["beta"], p["kappa"], np.zeros(1), np.array([seed]),
                     periodic=spec.boundary == "periodic", grid=grid)  # fmt: skip
    return grid
