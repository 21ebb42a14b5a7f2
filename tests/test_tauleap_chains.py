"""Tau-leaping along Erlang chains: within a leap a cohort moves through as many stages as
its Poisson clock allows (exact for fixed rates), so stages neither lag nor bound the step."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import jonas
from jonas import compile_model
from jonas.engines.arrays import by_source
from jonas.engines.tauleap.kernel import _gamma_tail
from jonas.spec import validate_data


def chain(engine: str, n: int, stages: int, rate: float, **run: object) -> jonas.Result:
    return jonas.run(
        validate_data(
            {
                "scenario": {"name": "chain"},
                "model": {
                    "compartments": ["E", "R"],
                    "transitions": [{"from": "E", "to": "R", "rate": "r", "stages": stages}],
                },
                "parameters": {"r": rate},
                "initial": {"E": n},
                "run": {"engine": engine, "t_end": 12.0, "output_every": 1.0, "seed": 4, **run},
            }
        )
    )


def test_gamma_tail_is_the_poisson_tail() -> None:
    for n in range(6):
        for x in (1e-8, 0.01, 0.7, 3.0, 25.0):
            assert _gamma_tail(n, x) == pytest.approx(
                stats.gamma.cdf(x, a=n) if n else 1.0, rel=1e-12, abs=1e-300
            )


@pytest.mark.parametrize("run", [{"dt": 1.0}, {}], ids=["one leap per output", "adaptive"])
def test_a_chain_leaps_exactly_even_in_long_steps(run: dict) -> None:
    """200,000 people in a 5-stage chain of mean 4: with one leap per unit of time (a fifth
    of a stage's mean stay and more), the share gone at each output time is the Erlang CDF
    within the DKW bound; before the cohort leap it lagged by about k·h/2 = 2.5."""
    n, k, mean = 200_000, 5, 4.0
    result = chain("tauleap", n, k, 1 / mean, **run)
    cdf = stats.gamma.cdf(result.times, a=k, scale=mean / k)
    dkw = math.sqrt(math.log(2 / 1e-4) / (2 * n))
    assert np.max(np.abs(result.series("R")[0] / n - cdf)) < dkw


def test_stages_no_longer_bound_the_step() -> None:
    """Hyosan's fast turning (three stages each for the calm and the afraid) no longer sets
    the step; the zombies they turn into (a catalyst) do, counting everyone in the chains."""
    model = compile_model(jonas.load("hyosan"))
    _, _, _, reactant, advance, first = by_source(model)
    staged = [s for s, name in enumerate(model.states) if name.startswith(("E_", "Ef_"))]
    assert len(staged) == 6 and not reactant[staged].any()
    e1, e3 = model.states.index("E_1"), model.states.index("E_3")
    assert advance[e1] >= 0 and advance[e3] < 0 and first[e3] == e1
    assert reactant[model.states.index("Z")]


def seir(engine: str, replicates: int, seed: int) -> jonas.Result:
    """SEIR, N = 2,000 with 20 cases, R0 = 2.5: a latent period of 3 stages (mean 2) and
    an infectious period of 2 stages (mean 4)."""
    return jonas.run(
        validate_data(
            {
                "scenario": {"name": "seir"},
                "model": {
                    "compartments": ["S", "E", "I", "R"],
                    "transitions": [
                        {"from": "S", "to": "E", "rate": "beta", "by": "I", "mixing": "frequency"},
                        {"from": "E", "to": "I", "rate": "0.5", "stages": 3},
                        {"from": "I", "to": "R", "rate": "0.25", "stages": 2},
                    ],
                },
                "parameters": {"beta": 0.625},
                "initial": {"S": 1980, "I": 20},
                "run": {
                    "engine": engine,
                    "t_end": 120.0,
                    "output_every": 0.25,
                    "replicates": replicates,
                    "seed": seed,
                },
            }
        )
    )


def test_seir_with_stages_agrees_with_the_exact_ssa() -> None:
    """Final size and the time of the peak of I: tau-leap's means within 4 SE of the exact
    SSA's (400 replicates each)."""
    leap, exact = seir("tauleap", 400, 1), seir("ssa", 400, 2)
    for figure in (
        lambda r: r.final()["R"].astype(float),
        lambda r: r.times[r.series("I").argmax(axis=1)],
    ):
        a, b = figure(leap), figure(exact)
        se = math.sqrt(a.var() / a.size + b.var() / b.size)
        assert abs(a.mean() - b.mean()) < 4 * se, (a.mean(), b.mean(), se)


def test_chain_leaps_are_reproducible() -> None:
    a, b = seir("tauleap", 5, 9), seir("tauleap", 5, 9)
    np.testing.assert_array_equal(a.counts, b.counts)
