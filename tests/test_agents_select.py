"""The compiled selections the agents engine makes every step (jonas.abm.select)."""

from __future__ import annotations

import numpy as np

from jonas.abm.population import EVACUATING, MAX_STATES
from jonas.abm.select import members, tally


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
