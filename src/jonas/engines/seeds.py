"""Replicate seeds: replicate i of an ensemble always gets the same random stream.

Each replicate's seed comes from ``numpy.random.SeedSequence(seed).spawn``: child i depends
only on the run's seed and i, never on how many replicates there are, so an ensemble split
over processes, machines or sessions gives the same numbers.
"""

from __future__ import annotations

import numpy as np


def replicate_seeds(seed: int, replicates: int) -> np.ndarray:
    """One 32-bit seed per replicate from ``SeedSequence(seed).spawn(replicates)``.

    Replicate i always gets the same seed, however the ensemble is split or run.
    """
    return seeds_for(seed, np.arange(replicates))


def seeds_for(seed: int, replicates: np.ndarray) -> np.ndarray:
    """The seeds of some replicates of an ensemble: replicate i's is that of the i-th child
    of ``SeedSequence(seed).spawn(...)`` (spawn key (i,)), whatever the ensemble's size."""
    return np.array(
        [
            np.random.SeedSequence(seed, spawn_key=(int(i),)).generate_state(1, np.uint32)[0]
            for i in replicates
        ],
        dtype=np.int64,
    )
