"""The lattice engine (Alemi et al. 2015's SZR model on a square lattice).

Exactness: on a 5×5 lattice the outcome (reached the edge, or the final cluster size when it
did not) has exact probabilities, computed here by enumerating the embedded jump chain
(every active bond equally likely, bite with probability 1/(1+α)); the engine's frequencies
must match them. The transition: percolation is impossible at α ≥ 1 (each zombie's bites
before its death are at most Geometric with mean 1/α, a branching process that is not
supercritical), and the measured threshold (docs/models.md) lies between 0.4 and 0.5, so
α = 0.25 and α = 0.6 are well on either side. Tolerances are about 4 standard errors; fixed
seeds make the runs deterministic.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.engines import prepare, replicate_seeds
from jonas.engines.lattice.kernel import simulate_lattice
from jonas.errors import ScenarioError
from jonas.spec import validate_data


def lattice_data(**changes) -> dict:
    """A lattice scenario as plain data; ``changes`` replace whole sections."""
    data = {
        "scenario": {"name": "lattice test"},
        "model": {"family": "alemi-szr"},
        "parameters": {"beta": 1.0, "kappa": 0.5},
        "run": {"engine": "lattice", "t_end": 50.0, "replicates": 3, "seed": 2},
        "lattice": {"size": 9},
    }
    data.update(changes)
    return data


def outbreaks(size: int, alpha: float, replicates: int, seed: int) -> dict[str, np.ndarray]:
    """Per-replicate metrics of ``replicates`` outbreaks (β = 1, κ = α)."""
    _, metrics = simulate_lattice(
        size, 1.0, alpha, np.array([0.0]), replicate_seeds(seed, replicates)
    )
    return metrics


# ------------------------------------------------------------------ exact small cases


def exact_outcomes(size: int, alpha: float) -> dict[object, float]:
    """Exact probabilities of the outcomes on a size×size lattice: "edge" (a zombie ever
    on the boundary) or the final cluster size of an outbreak that never got there.

    Recursion over the states (zombies, removed) with the cluster inside the interior:
    each active bond is equally likely to act next, a bite with p = 1/(1+α)."""
    p = 1.0 / (1.0 + alpha)
    inside = range(1, size - 1)

    def neighbours(site):
        i, j = site
        return [(i + di, j + dj) for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1))]

    @cache
    def go(zombies: frozenset, removed: frozenset) -> tuple[tuple[object, float], ...]:
        bonds = [
            (z, h)
            for z in sorted(zombies)
            for h in neighbours(z)
            if h not in zombies and h not in removed
        ]
        cluster = len(zombies) + len(removed)
        if not bonds:
            return ((cluster, 1.0),)
        out: dict[object, float] = {}
        for z, h in bonds:
            if h[0] not in inside or h[1] not in inside:
                branches = [("edge", p)]
            else:
                branches = [(o, p * w) for o, w in go(zombies | {h}, removed)]
            branches += [(o, (1 - p) * w) for o, w in go(zombies - {z}, removed | {z})]
            for o, w in branches:
                out[o] = out.get(o, 0.0) + w / len(bonds)
        return tuple(out.items())

    centre = (size // 2, size // 2)
    return dict(go(frozenset([centre]), frozenset()))


def test_exact_enumeration_matches_hand_derivation():
    """The first zombie has 4 human neighbours: the first event kills it with probability
    q = α/(1+α) (cluster 1). Otherwise the two zombies have 3 humans each, none shared,
    and the cluster stays at 2 only if both die before biting: p·q·q."""
    alpha = 0.7
    p, q = 1 / (1 + alpha), alpha / (1 + alpha)
    exact = exact_outcomes(5, alpha)
    assert sum(exact.values()) == pytest.approx(1.0, abs=1e-12)
    assert exact[1] == pytest.approx(q, rel=1e-12)
    assert exact[2] == pytest.approx(p * q * q, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.4, 1.5])
def test_outcomes_on_a_small_lattice_match_exact_probabilities(alpha):
    exact = exact_outcomes(5, alpha)
    n = 20_000
    m = outbreaks(5, alpha, n, seed=7)
    outcome = np.where(m["reached_edge"] == 1, -1, m["cluster_size"])
    for key, prob in exact.items():
        seen = np.mean(outcome == (-1 if key == "edge" else key))
        assert abs(seen - prob) <= 4 * math.sqrt(prob * (1 - prob) / n) + 1e-9, (key, seen, prob)
    assert set(np.unique(outcome)) <= {-1 if k == "edge" else k for k in exact}


def test_first_event_clock_is_exponential():
    """An outbreak of one (the first zombie killed at once) lasts one waiting time of the
    4 active bonds at total rate 4(β + κ), whichever event it was: mean 1/(4(β + κ))."""
    beta, kappa, n = 1.0, 2.0, 20_000
    _, m = simulate_lattice(7, beta, kappa, np.array([0.0]), replicate_seeds(3, n))
    lone = m["duration"][m["cluster_size"] == 1]
    assert lone.size / n == pytest.approx(kappa / (beta + kappa), abs=4 * math.sqrt(2 / 9 / n))
    mean = 1 / (4 * (beta + kappa))
    assert lone.mean() == pytest.approx(mean, abs=4 * mean / math.sqrt(lone.size))


# ------------------------------------------------------------------ the transition


def test_no_percolation_at_alpha_above_one():
    """A zombie's bites before it dies are at most Geometric with mean 1/α, so the cluster
    is at most a Galton–Watson tree with mean offspring 1/α: mean size ≤ α/(α − 1) = 2 at
    α = 2, and the edge (30 steps away) is essentially never reached."""
    n = 4000
    m = outbreaks(61, 2.0, n, seed=5)
    size = m["cluster_size"]
    assert size.mean() <= 2.0 + 4 * size.std() / math.sqrt(n)
    assert m["reached_edge"].sum() == 0


def test_below_threshold_reaching_the_edge_does_not_get_rarer_with_size():
    """α = 0.25, well below α_c: an outbreak that survives its first steps percolates, so
    P(reached_edge) is the survival probability, the same for L = 33 and 65."""
    n = 1500
    small = outbreaks(33, 0.25, n, seed=11)["reached_edge"].mean()
    large = outbreaks(65, 0.25, n, seed=12)["reached_edge"].mean()
    se = math.sqrt(small * (1 - small) / n + large * (1 - large) / n)
    assert small > 0.5
    assert large >= small - 4 * se


def test_above_threshold_reaching_the_edge_vanishes_with_size():
    """α = 0.6, well above α_c: clusters are finite (correlation length of a few sites),
    so reaching the edge gets rarer fast as L grows, and the mean cluster does not grow."""
    n = 3000
    small = outbreaks(33, 0.6, n, seed=13)
    large = outbreaks(65, 0.6, n, seed=14)
    p_small, p_large = small["reached_edge"].mean(), large["reached_edge"].mean()
    se = math.sqrt(p_small * (1 - p_small) / n + p_large * (1 - p_large) / n)
    assert p_large < p_small - 4 * se
    assert p_large < 0.03
    assert large["cluster_size"].mean() < 2 * small["cluster_size"].mean()


# ------------------------------------------------------------------ the engine in jonas


def test_counts_are_consistent_with_the_metrics():
    result = jonas.run(
        validate_data(
            lattice_data(run={"engine": "lattice", "t_end": 500.0, "replicates": 20, "seed": 4})
        )
    )
    counts = result.counts
    assert result.compartments == ("S", "Z", "R")
    assert counts.shape == (20, result.times.size, 3)
    assert (counts.sum(axis=2) == 81).all()
    assert (counts[:, 0] == [80, 1, 0]).all()
    m = result.metrics()
    # the engine's own metrics beside the family's (docs/models.md)
    assert {"reached_edge", "cluster_size", "duration", "humans_win", "final_size"} <= set(m)
    np.testing.assert_array_equal(counts[:, -1, 1] + counts[:, -1, 2], m["cluster_size"])
    assert (m["duration"] <= 500.0).all()
    assert "fills the 9×9 lattice itself" in result.notes[0]
    summary = result.summary()["metrics"]
    assert summary["reached_edge"]["mean"] == pytest.approx(m["reached_edge"].mean())
    assert summary["duration"]["unit"] == "days"


def test_same_seed_same_outbreak_and_seeds_differ():
    scenario = validate_data(lattice_data())
    one, two = jonas.run(scenario), jonas.run(scenario)
    np.testing.assert_array_equal(one.counts, two.counts)
    other = jonas.run(scenario, seed=99)
    assert not np.array_equal(one.counts, other.counts)


def test_outbreak_past_t_end_is_noted():
    data = lattice_data(parameters={"beta": 1.0, "kappa": 0.0})
    data["run"]["t_end"] = 0.5
    result = jonas.run(validate_data(data))
    assert any("went on after t_end" in note for note in result.notes)
    # with no kills the whole lattice turns zombie, though the counts stop at t_end
    assert (result.metrics()["cluster_size"] == 81).all()
    assert (result.metrics()["reached_edge"] == 1).all()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"run": {"engine": "ssa", "t_end": 5.0}}, "lattice: a [lattice] section is read only"),
        ({"model": {"family": "sir"}, "parameters": {"beta": 1.0, "gamma": 1.0}}, "model.family"),
        ({"lattice": {"size": 8}}, "lattice.size: must be odd"),
        ({"lattice": {"size": 3}}, "lattice.size"),
        ({"initial": {"I": 3}}, "initial.I: unknown compartment"),
        (
            {
                "interventions": [
                    {"type": "cull", "at": 1.0, "compartments": ["Z"], "fraction": 0.5}
                ]
            },
            "interventions: the lattice engine does not support",
        ),
    ],
)
def test_lattice_misuse_is_refused_naming_the_field(changes, message):
    with pytest.raises(ScenarioError) as info:
        prepare(validate_data(lattice_data(**changes), "x.toml"))
    assert message in str(info.value)
    assert "(top level)" not in str(info.value)


def test_builtin_runs_on_the_lattice_and_well_mixed():
    lattice = jonas.run("alemi-lattice", replicates=2, seed=1)
    assert lattice.engine == "lattice"
    assert lattice.counts[0, 0].tolist() == [101 * 101 - 1, 1, 0]
    mixed = jonas.run("alemi-lattice", engine="ssa", replicates=2, seed=1)
    assert mixed.counts[0, 0].tolist() == [101 * 101 - 1, 1, 0]
    assert "reached_edge" not in mixed.metrics()


def test_cli_runs_the_lattice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(
        app, ["run", "alemi-szr", "--engine", "lattice", "-r", "3", "--out", "o"]
    )
    assert out.exit_code == 0, out.output
    meta = json.loads((tmp_path / "o" / "run.json").read_text())
    assert meta["engine"] == "lattice"
    assert meta["scenario"]["lattice"] == {"size": 101, "boundary": "open"}
    assert {"reached_edge", "cluster_size", "duration"} <= set(meta["summary"]["metrics"])
    assert "[initial] (S = 1000, Z = 1) is not used" in meta["notes"][0]


@pytest.mark.parametrize("periodic", [False, True])
def test_every_bond_joins_two_neighbours_and_a_torus_has_no_border(periodic: bool) -> None:
    """Open: a border site has fewer bonds (a corner 2); periodic: every site has 4, the
    last column's right-hand bond going to the first column (the authors' code)."""
    from jonas.engines.lattice.kernel import _ends, _horizontal, _update_site

    L = 5
    bonds = 2 * _horizontal(L, periodic)
    degree = np.zeros(L * L, dtype=int)
    for b in range(bonds):
        a, c = _ends(b, L, periodic)
        (ia, ja), (ic, jc) = divmod(a, L), divmod(c, L)
        steps = (min((ia - ic) % L, (ic - ia) % L), min((ja - jc) % L, (jc - ja) % L))
        assert sorted(steps) == [0, 1], (b, a, c)
        degree[a] += 1
        degree[c] += 1
    assert (degree == 4).all() if periodic else (degree[0] == 2 and degree.max() == 4)
    state = np.zeros(L * L, dtype=np.int8)
    state[0] = 1  # a zombie in the corner, humans all round
    active, place = np.empty(bonds, np.int64), np.full(bonds, -1, np.int64)
    assert _update_site(0, L, periodic, state, active, place, 0) == (4 if periodic else 2)


def test_the_boundary_is_a_choice_of_the_scenario() -> None:
    torus = jonas.run("alemi-lattice", replicates=50, overrides=["lattice.size=21",
                      "lattice.boundary=periodic"])  # fmt: skip
    flat = jonas.run("alemi-lattice", replicates=50, overrides=["lattice.size=21"])
    assert not np.array_equal(torus.metrics()["cluster_size"], flat.metrics()["cluster_size"])
    with pytest.raises(ScenarioError, match=r"lattice\.boundary"):
        jonas.load("alemi-lattice", ["lattice.boundary=wrapped"])
