"""The compiled selections the agents engine makes every step (jonas.abm.select)."""

from __future__ import annotations

import numpy as np

from jonas.abm.population import EVACUATING, MAX_STATES
from jonas.abm.select import compact, members, tally, top_candidates


def population(n: int = 20_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    state = rng.integers(0, 19, n).astype(np.uint8)
    flags = (rng.random(n) < 0.3).astype(np.uint8) * EVACUATING
    return state, flags


def test_tally_counts_every_state_code() -> None:
    state, _ = population()
    state[:3] = 255
    expected = np.bincount(state, minlength=MAX_STATES)
    assert np.array_equal(tally(state), expected)


def test_members_are_those_in_the_states_without_the_flag() -> None:
    state, flags = population()
    wanted = np.zeros(MAX_STATES, np.bool_)
    wanted[[0, 1, 4, 6]] = True
    got = members(state, flags, wanted, EVACUATING)
    expected = np.flatnonzero(np.isin(state, [0, 1, 4, 6]) & (flags & EVACUATING == 0))
    assert got.dtype == np.int64 and np.array_equal(got, expected)


def test_compact_and_tally_at_the_edges() -> None:
    # empty, one agent, a chunk exactly, a chunk and one more, several chunks
    for n in (0, 1, 3, 4, 5, 16_384, 50_001):
        state, _ = population(n, seed=n)
        mask = (state % 3 == 0).astype(np.uint8)
        got = compact(mask)
        assert got.dtype == np.int64 and np.array_equal(got, np.flatnonzero(mask))
        assert np.array_equal(tally(state), np.bincount(state, minlength=MAX_STATES))


def test_top_candidates_are_each_classes_m_largest_draws_ties_included() -> None:
    rng = np.random.default_rng(8)
    for trial in range(40):
        n = int(rng.integers(1, 80_000))
        state = rng.integers(0, 19, n + 10).astype(np.uint8)
        who = np.sort(rng.choice(n + 10, n, replace=False)).astype(np.int64)
        class_of = rng.integers(0, 3, 19).astype(np.int64)
        u = rng.random(n)
        if trial % 3 == 0:
            u = np.round(u * 50) / 50  # ties at the m-th
        m = int(rng.integers(1, 300))
        cls = class_of[state[who]]
        keep = np.zeros(n, bool)
        for c in range(3):
            mine = cls == c
            if mine.sum() <= m:
                keep |= mine
            else:
                kth = np.sort(u[mine])[-m]
                keep |= mine & (u >= kth)
        got = top_candidates(u, who, state, class_of, 3, m)
        assert np.array_equal(got, np.flatnonzero(keep))
