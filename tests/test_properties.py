"""Properties every engine must have, on random models (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jonas
from conftest import make_scenario

NAMES = ["A", "B", "C", "D"]


@st.composite
def closed_models(draw):
    """A random model with no births or deaths: 2–4 compartments, 1–6 transitions."""
    n = draw(st.integers(2, 4))
    names = NAMES[:n]
    transitions = []
    for _ in range(draw(st.integers(1, 6))):
        source, target = draw(st.permutations(names))[:2]
        by = draw(st.one_of(st.none(), st.sampled_from(names)))
        transitions.append(
            {
                "from": source,
                "to": target,
                "by": by,
                "rate": draw(st.floats(0.0, 2.0)),
                "mixing": draw(st.sampled_from(["density", "frequency"])) if by else "density",
                "stages": draw(st.sampled_from([1, 1, 2, 3])) if by is None else 1,
            }
        )
    # One staged transition per source at most.
    seen: set[str] = set()
    for tr in transitions:
        if tr["stages"] > 1:
            if tr["from"] in seen:
                tr["stages"] = 1
            seen.add(tr["from"])
    initial = {name: draw(st.integers(0, 60)) for name in names}
    initial["A"] += 1  # at least one individual: an empty scenario is refused
    return names, [{k: v for k, v in t.items() if v is not None} for t in transitions], initial


ENGINES = ["ode", "ssa", "tauleap"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(model=closed_models(), engine=st.sampled_from(ENGINES), seed=st.integers(0, 2**32))
def test_population_is_conserved_and_never_negative(model, engine, seed):
    names, transitions, initial = model
    scenario = make_scenario(
        names,
        transitions,
        initial=initial,
        engine=engine,
        seed=seed,
        replicates=2,
        t_end=3.0,
        output_every=0.5,
        dt=0.05,
    )
    result = jonas.run(scenario)
    totals = result.counts.sum(axis=2)
    start = sum(initial.values())
    if engine == "ode":
        assert np.allclose(totals, start, rtol=1e-6, atol=1e-6)
        assert result.counts.min() > -1e-6 * max(start, 1)
    else:
        assert (totals == start).all()
        assert result.counts.min() >= 0


@SETTINGS
@given(
    model=closed_models(), engine=st.sampled_from(["ssa", "tauleap"]), seed=st.integers(0, 2**32)
)
def test_same_seed_gives_identical_output(model, engine, seed):
    names, transitions, initial = model
    scenario = make_scenario(
        names, transitions, initial=initial, engine=engine, seed=seed, replicates=3, t_end=2.0
    )
    first = jonas.run(scenario).counts
    second = jonas.run(scenario).counts
    assert np.array_equal(first, second)


@SETTINGS
@given(
    births=st.floats(0.0, 20.0),
    deaths=st.floats(0.0, 3.0),
    engine=st.sampled_from(["ssa", "tauleap"]),
    seed=st.integers(0, 2**32),
)
def test_births_and_deaths_never_make_counts_negative(births, deaths, engine, seed):
    scenario = make_scenario(
        ["A", "B"],
        [
            {"to": "A", "rate": births},
            {"from": "A", "rate": deaths},
            {"from": "A", "to": "B", "by": "B", "rate": 0.5, "mixing": "frequency"},
            {"from": "B", "rate": deaths},
        ],
        initial={"A": 5, "B": 5},
        engine=engine,
        seed=seed,
        replicates=2,
        t_end=5.0,
        dt=0.5,
    )
    assert jonas.run(scenario).counts.min() >= 0


def test_different_seeds_differ():
    for engine in ("ssa", "tauleap"):
        a = jonas.run("sir", engine=engine, seed=1, replicates=4).counts
        b = jonas.run("sir", engine=engine, seed=2, replicates=4).counts
        assert not np.array_equal(a, b)
        # Replicates within one ensemble are different streams, too.
        assert not np.array_equal(a[0], a[1])


def test_replicate_i_does_not_depend_on_ensemble_size():
    """Seeds come from SeedSequence(seed).spawn(n): replicate i is the same in any ensemble."""
    small = jonas.run("sir", engine="ssa", seed=7, replicates=2).counts
    large = jonas.run("sir", engine="ssa", seed=7, replicates=5).counts
    assert np.array_equal(small, large[:2])
