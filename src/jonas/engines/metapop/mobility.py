"""Commuting between regions for the metapop engine: who works where.

Plain arrays in, a network out: any country's regions (their populations and points) will
do, and nothing here knows which country it is.

Everyone lives in a region (their home). Each day a share ``trips`` of every region's
residents commute to another region and come back (the engine moves them at the hours of
``work_hours``), as in Sattenspiel & Dietz (1995) and Balcan et al. (2010). The network
says where the commuters of region i work: a share w_ij of them in j (Σ_j w_ij = 1), so
the flows are *directional*: a big city draws more commuters than it sends. Two ways to
choose:

- ``gravity`` (production-constrained): w_ij ∝ W_j / max(d_ij, d_min)^exponent, with W_j
  the workplaces in j (a country's jobs or businesses; its population where it has no
  such figure) and d_ij the great-circle distance between representative points (within
  d_min, distance hardly matters to a commuter);
- ``radiation`` (Simini, González, Maritan & Barabási 2012, *Nature* 484:96):
  w_ij ∝ W_i·W_j / ((W_i + s_ij)(W_i + W_j + s_ij)), s_ij the workplaces within d_ij of i
  other than i's and j's (the paper's "opportunities").

Each region keeps its ``neighbours`` most likely destinations, and their shares are scaled
back up to 1. The per-person rate along an edge is trips × w_ij commuters per resident per
day.

A country may add ``links`` (a flight route, a ferry): extra commuters per day each way
between two regions, on top of the network.

Moves that are not commuting (the afraid fleeing, zombies wandering: one way, at rates per
person the scenario gives) follow another network, :func:`roaming`: *symmetric* flows,
F_ij = F_ji ∝ N_i·N_j / max(d_ij, d_min)^exponent over each region's ``neighbours``
largest (and those of the regions that keep it), so that as many move each way and a
population that roams everywhere at one rate stays put in expectation. Along the
commuting network they would pile up where the jobs are.

The check against data lives with each country's data (Korea's:
:data:`jonas.geo.countries.korea.INCHEON_GYEONGGI_TO_SEOUL_2020` and
:data:`~jonas.geo.countries.korea.OUT_OF_SEOUL_2020`, the 2020 census's daily commuters into
and out of Seoul; docs/metapop.md, tests/test_metapop.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Network:
    """Commuting as a CSR list: district i's destinations are ``dest[ptr[i]:ptr[i+1]]``,
    with ``per_day[q]`` commuters per resident per day (the share of i's residents working
    there)."""

    ptr: np.ndarray
    dest: np.ndarray
    per_day: np.ndarray

    def flows(self, population: np.ndarray) -> np.ndarray:
        """The full (districts × districts) matrix of commuters per day, from row to column."""
        n = self.ptr.size - 1
        out = np.zeros((n, n))
        for i in range(n):
            q = slice(self.ptr[i], self.ptr[i + 1])
            out[i, self.dest[q]] = self.per_day[q] * population[i]
        return out


def distances_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distances between all pairs of points (haversine)."""
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:, None]) * np.cos(phi[None, :]) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _gravity(workplaces: np.ndarray, dist: np.ndarray, exponent: float, d_min: float):
    weight = workplaces.astype(float)[None, :] / np.maximum(dist, d_min) ** exponent
    np.fill_diagonal(weight, 0.0)
    return weight


def _radiation(workplaces: np.ndarray, dist: np.ndarray) -> np.ndarray:
    n = workplaces.astype(float)
    count = n.size
    share = np.zeros((count, count))
    for i in range(count):
        order = np.argsort(dist[i], kind="stable")
        # s_ij: every opportunity strictly closer to i than j is, less i's own.
        within = np.cumsum(n[order]) - n[order] - n[i]
        s = np.empty(count)
        s[order] = np.maximum(within, 0.0)
        share[i] = n[i] * n / np.maximum((n[i] + s) * (n[i] + n + s), 1e-300)
        share[i, i] = 0.0
    return share


def _shares(
    workplaces: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    model: str,
    exponent: float,
    min_distance_km: float,
    neighbours: int,
) -> np.ndarray:
    """w_ij: the share of region i's commuters who work in j (rows sum to 1, or 0 for a
    region with nowhere to go), pruned to each region's likeliest destinations."""
    count = workplaces.size
    dist = distances_km(lat, lon)
    weight = (
        _gravity(workplaces, dist, exponent, min_distance_km)
        if model == "gravity"
        else _radiation(workplaces, dist)
    )
    k = min(neighbours, count - 1)
    top = np.argsort(-weight, axis=1, kind="stable")[:, :k]
    keep = np.zeros_like(weight, dtype=bool)
    keep[np.arange(count)[:, None], top] = True
    weight = np.where(keep & (weight > 0), weight, 0.0)
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def network(
    population: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    model: str = "gravity",
    trips: float = 0.166,
    exponent: float = 2.0,
    min_distance_km: float = 28.0,
    neighbours: int = 24,
    links: Sequence[tuple[int, int, float]] = (),
    workplaces: np.ndarray | None = None,
) -> Network:
    """The commuting network of some regions (see the module notes); ``links`` are extra
    (region, region, commuters per day each way); ``workplaces`` default to the
    population."""
    count = population.size
    if count < 2 or (not links and (model == "none" or trips == 0)):
        return Network(np.zeros(count + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    per_person = commuting_rates(
        population, lat, lon, model, trips, exponent, min_distance_km, neighbours, workplaces
    )
    add_links(per_person, population, links)
    return csr(per_person)


def commuting_rates(
    population: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    model: str = "gravity",
    trips: float = 0.166,
    exponent: float = 2.0,
    min_distance_km: float = 28.0,
    neighbours: int = 24,
    workplaces: np.ndarray | None = None,
) -> np.ndarray:
    """The (regions × regions) matrix of commuters per resident per day (no links)."""
    count = population.size
    per_person = np.zeros((count, count))
    if count < 2:
        return per_person
    if model != "none" and trips > 0:
        per_person = trips * _shares(
            population if workplaces is None else workplaces,
            lat,
            lon,
            model,
            exponent,
            min_distance_km,
            neighbours,
        )
    return per_person


def add_links(
    per_person: np.ndarray, population: np.ndarray, links: Sequence[tuple[int, int, float]]
) -> None:
    """Add ``links`` (region, region, travellers per day each way) to a matrix of rates
    per resident per day, in place."""
    people = np.maximum(population, 1).astype(float)
    for a, b, each_way in links:
        if a != b:
            per_person[a, b] += each_way / people[a]
            per_person[b, a] += each_way / people[b]


def roaming(
    population: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    exponent: float = 2.0,
    min_distance_km: float = 28.0,
    neighbours: int = 24,
) -> Network:
    """Where one-way movers go (see the module notes): per person and day, region i's
    rate towards j is F_ij / N_i, the symmetric flows scaled so that the national average
    is one move per person per day (a scenario's rates multiply it)."""
    per_person = roaming_rates(population, lat, lon, exponent, min_distance_km, neighbours)
    if per_person is None:
        count = population.size
        return Network(np.zeros(count + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    return csr(per_person)


def roaming_rates(
    population: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    exponent: float = 2.0,
    min_distance_km: float = 28.0,
    neighbours: int = 24,
) -> np.ndarray | None:
    """:func:`roaming`'s (regions × regions) rates per person and day; None where nobody
    roams (one region, no flows)."""
    count = population.size
    if count < 2:
        return None
    n = population.astype(float)
    weight = (
        n[:, None] * n[None, :] / np.maximum(distances_km(lat, lon), min_distance_km) ** (exponent)
    )
    np.fill_diagonal(weight, 0.0)
    k = min(neighbours, count - 1)
    top = np.argsort(-weight, axis=1, kind="stable")[:, :k]
    keep = np.zeros_like(weight, dtype=bool)
    keep[np.arange(count)[:, None], top] = True
    keep |= keep.T  # symmetric: as many each way
    weight = np.where(keep & (weight > 0), weight, 0.0)
    total = weight.sum()
    if total <= 0:
        return None
    return weight * (n.sum() / total) / np.maximum(n, 1.0)[:, None]


def csr(per_person: np.ndarray) -> Network:
    """A (regions × regions) matrix of rates per person as a CSR network, largest first."""
    count = per_person.shape[0]
    ptr = np.zeros(count + 1, dtype=np.int64)
    dest: list[np.ndarray] = []
    rates: list[np.ndarray] = []
    for i in range(count):
        js = np.nonzero(per_person[i] > 0)[0]
        js = js[np.argsort(-per_person[i, js], kind="stable")]  # largest first: fewer draws
        dest.append(js)
        rates.append(per_person[i, js])
        ptr[i + 1] = ptr[i] + js.size
    return Network(
        ptr,
        np.concatenate(dest).astype(np.int64) if dest else np.zeros(0, np.int64),
        np.concatenate(rates) if rates else np.zeros(0),
    )
