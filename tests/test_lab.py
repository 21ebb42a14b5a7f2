"""The NIS lab (``type = "lab"``, season 2): halfbies and the bitten searched for, taken
in at a capacity, and some getting out, on every engine that runs compartments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jonas
from jonas.errors import ScenarioError
from jonas.spec import builtin_text

LAB = """
[[interventions]]
type = "lab"
name = "NIS search"
from = ["H", "L"]
to = { H = "Lab", L = "LabI" }
priority = { H = 3.0 }
capacity = 2.0
at = 10.0
escape = 0.05
escape_to = { Lab = "H", LabI = "Z" }
"""


def _scenario(tmp_path: Path, extra: str = LAB, base: str = "hyosan") -> Path:
    path = tmp_path / f"{base}-lab.toml"
    path.write_text(builtin_text(base) + extra, "utf-8")
    return path


@pytest.mark.parametrize("engine", ["ode", "tauleap", "ssa"])
def test_the_lab_takes_people_in_and_some_get_out(tmp_path: Path, engine: str) -> None:
    result = jonas.run(_scenario(tmp_path), engine=engine, replicates=2, overrides=["run.t_end=60"])
    names = list(result.model.compartments)
    assert names[-2:] == ["Lab", "LabI"]  # the lab's own compartments
    counts = result.counts
    assert np.allclose(counts.sum(axis=2), 170_000)  # nobody made or lost
    held = counts[:, :, names.index("Lab")] + counts[:, :, names.index("LabI")]
    t = result.times
    assert (held[:, t < 10] == 0).all()  # nothing before the search starts
    assert (held[:, -1] > 0).all()


def test_without_escapes_the_lab_only_fills(tmp_path: Path) -> None:
    closed = LAB.replace("escape = 0.05", "escape = 0.0")
    result = jonas.run(_scenario(tmp_path, closed), engine="tauleap", replicates=3)
    names = list(result.model.compartments)
    ward = result.counts[:, :, names.index("LabI")]
    assert (np.diff(ward, axis=1) >= 0).all()  # nobody leaves a lab without escapes
    assert (ward[:, -1] > 0).all()


def test_a_lab_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="escape_to: no destination for 'LabI'"):
        jonas.prepare(_scenario(tmp_path, LAB.replace('LabI = "Z"', 'Other = "Z"')))
    with pytest.raises(ScenarioError, match="both searched for and the lab"):
        jonas.prepare(_scenario(tmp_path, LAB.replace('L = "LabI"', 'L = "H"')))


def test_the_lab_acts_where_the_outbreak_is(tmp_path: Path) -> None:
    extra = LAB.replace('name = "NIS search"', 'name = "NIS search"\nregions = "outbreak"')
    prepared = jonas.prepare(_scenario(tmp_path, extra, "korea"), start="Busan")
    events = prepared.model.events
    lab = [e for e, kind in enumerate(events.kinds) if kind == "lab"]
    parents = np.array([str(p) for p in prepared.setup.parents])
    busan = parents == "Busan"
    assert lab and all(np.array_equal(prepared.setup.event_mask[e], busan) for e in lab)


def test_the_lab_on_the_city_map(tmp_path: Path) -> None:
    """The agents engine runs the lab as the compartmental engines do (agent by agent, at
    the same per-capita rates)."""
    result = jonas.run(_scenario(tmp_path, base="hyosan-city"), overrides=["run.t_end=20"])
    names = list(result.model.compartments)
    final = result.counts[0, -1]
    assert final.sum() == 170_000 and final[names.index("LabI")] > 0
