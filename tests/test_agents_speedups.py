"""The engine's cheaper ways to the same numbers (issue 22): each compiled selection against
the NumPy expression it replaces, the camps' draw of k people against computing every key,
and the homes drawn block by block against all at once, bit for bit."""

from __future__ import annotations

import numpy as np

from jonas.abm.select import arrivals, guarded, of_state, tally
from jonas.abm.step import _shares
from jonas.engines.agents.replicate import _largest_keys
from jonas.space import hyosan_city
from jonas.space.hyosan import allocate_exact


def test_tally_and_of_state_are_bincount_and_flatnonzero():
    state = np.random.default_rng(1).integers(0, 19, 100_003).astype(np.uint8)
    assert np.array_equal(tally(state)[:19], np.bincount(state, minlength=19))
    assert tally(state)[19:].sum() == 0
    for c in range(19):
        assert np.array_equal(of_state(state, c), np.flatnonzero(state == c))


def test_guarded_is_the_float32_numpy_of_the_guards():
    rng = np.random.default_rng(2)
    state = rng.integers(0, 8, 50_000).astype(np.uint8)
    x = rng.uniform(0, 5000, state.size).astype(np.float32)
    y = rng.uniform(0, 5000, state.size).astype(np.float32)
    posts = [
        (4500.0, 2750.0, 300.0**2, 60.0),
        (225.0, 2200.0, 300.0**2, 60.0),
        (1000.3, 999.9, 1234.5**2, 7.0),
    ]
    zombies = np.flatnonzero(state == 5)
    rate = np.zeros(zombies.size)
    for cx, cy, r2, g in posts:  # as Replicate._guard computed it with NumPy
        near = (x[zombies] - cx) ** 2 + (y[zombies] - cy) ** 2 <= r2
        rate[near] = np.maximum(rate[near], g)
    at = np.array([p[:3] for p in posts], np.float32)
    idx, best = guarded(state, x, y, 5, at, np.array([p[3] for p in posts]))
    assert idx.size > 100
    assert np.array_equal(idx, zombies[rate > 0]) and np.array_equal(best, rate[rate > 0])


def test_arrivals_is_the_float32_numpy_of_arrived():
    rng = np.random.default_rng(3)
    n = 40_000
    state = rng.integers(0, 9, n).astype(np.uint8)
    flags = rng.integers(0, 2, n).astype(np.uint8)
    # positions on cell edges too, where float32 and float64 division may disagree
    x = (rng.integers(0, 500, n) * 10.0 + rng.choice([0.0, 9.999999, 5.0], n)).astype(np.float32)
    y = rng.uniform(0, 5000, n).astype(np.float32)
    route = rng.integers(0, 2, (500, 500)).astype(np.float32)
    idx = np.flatnonzero(((flags & 1) != 0) & (state <= 6))
    i = np.clip((y[idx] / 10.0).astype(np.intp), 0, 499)
    j = np.clip((x[idx] / 10.0).astype(np.intp), 0, 499)
    want = idx[route[i, j] == 0]
    assert want.size > 1000
    assert np.array_equal(arrivals(state, flags, 1, 6, x, y, route, 10.0), want)


def test_the_camps_k_people_are_the_k_largest_keys():
    rng = np.random.default_rng(5)
    tried = 0
    for trial in range(400):
        n = int(rng.integers(2, 20_000))
        k = int(rng.integers(1, min(n - 1, 256) + 1)) if n > 1 else 1
        priority = np.ones(19)
        priority[rng.integers(0, 19, 3)] = rng.choice([2.0, 0.5, 3.7, 50.0], 3)
        state = rng.integers(0, 19, n + 50).astype(np.uint8)
        who = np.sort(rng.choice(n + 50, n, replace=False)).astype(np.int64)
        u = rng.random(n)
        if trial % 5 == 0:
            u = np.round(u * 40) / 40  # ties: the draw must then say so (None)
        keys = u ** (1.0 / priority[state[who]])
        got = _largest_keys(u, who, state, k, priority)
        if got is None:
            continue
        tried += 1
        assert np.array_equal(got, np.sort(np.argpartition(-keys, k - 1)[:k]))
    assert tried > 250


def test_homes_block_by_block_are_the_homes_all_at_once():
    city = hyosan_city()
    for n in (city.residents, 1_000):
        whole = city.homes(n, np.random.default_rng(9))
        blocks = np.concatenate(list(city.home_blocks(n, np.random.default_rng(9), block=777)))
        assert np.array_equal(whole, blocks)


def _allocate_as_before(weights: np.ndarray, total: int) -> np.ndarray:
    """`allocate_exact` as it was, with an integer copy of the grid and no work space."""
    w = np.asarray(weights, dtype=np.float64)
    expected = w * (total / w.sum())
    base = np.floor(expected).astype(np.int64)
    short = int(total - base.sum())
    if short > 0:
        frac = -(expected - base).ravel()
        base.ravel()[np.argpartition(frac, short - 1)[:short]] += 1
    dtype = np.uint16 if base.max() <= np.iinfo(np.uint16).max else np.uint32
    return base.astype(dtype)


def test_allocate_exact_in_its_work_space_is_the_allocation_as_before():
    rng = np.random.default_rng(4)
    # ties (a few distinct weights) are where the largest remainders could pick otherwise
    weights = rng.choice([0.0, 0.7, 1.3, 2.5], size=(60, 70)) * rng.choice([1.0, 1.1], (60, 70))
    for total in (0, 1, 999, 170_000, 10_000_000):
        before = _allocate_as_before(weights, total)
        kept = weights.copy()
        assert np.array_equal(allocate_exact(weights, total), before)
        assert np.array_equal(weights, kept)  # not told it may: untouched
        work = weights.copy()
        got = allocate_exact(work, total, overwrite=True)
        assert np.array_equal(got, before) and got.dtype == before.dtype
        assert int(got.sum()) == total
    counts = rng.integers(0, 5, (30, 40))  # not float64: worked on in a copy, left as given
    kept = counts.copy()
    assert np.array_equal(allocate_exact(counts, 5_000), _allocate_as_before(counts, 5_000))
    assert np.array_equal(counts, kept)


def test_the_strips_shares_are_those_of_a_stable_sort_by_size():
    rng = np.random.default_rng(6)
    for trial in range(200):
        n, slots = int(rng.integers(1, 140)), int(rng.integers(1, 5))
        # few distinct sizes (ties) or many
        sizes = rng.integers(0, 6 if trial % 2 else 3000, n)
        strip_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
        for phase in (0, 1):
            mine = (n - phase + 1) // 2
            size = np.diff(strip_start)[phase::2][:mine].astype(np.int64)
            share, load = np.empty(mine, np.int64), np.zeros(slots, np.int64)
            for k in np.argsort(-size, kind="mergesort"):  # as _shares was written
                s = np.argmin(load)
                share[k] = s
                load[s] += size[k]
            assert np.array_equal(_shares(strip_start, phase, mine, slots), share)
