"""Travel between regions for the metapop engine: who goes where, how often.

Plain arrays in, a network out: any country's regions (their populations and points) will
do, and nothing here knows which country it is.

The flow between two districts is a *symmetric* number of trips per day, F_ij = F_ji, so
that in expectation as many people go each way and the districts' populations stay put
while people mix; person-level rates are F_ij / N_i. Two ways to spread the trips:

- ``gravity``: F_ij ∝ N_i · N_j / max(d_ij, d_min)^exponent, with d_ij the great-circle
  distance between centroids;
- ``radiation`` (Simini, González, Maritan & Barabási 2012, *Nature* 484:96): district i
  sends its travellers to j in proportion to N_i·N_j / ((N_i + s_ij)(N_i + N_j + s_ij)),
  s_ij the population within d_ij of i other than i and j; the flows are then symmetrised
  as (T_ij + T_ji) / 2.

Both are scaled so that ``trips`` × (total population) trips leave a district per day.
Each district keeps its ``neighbours`` largest flows, and any flow another district keeps
towards it, so that the network stays symmetric; the trips of the flows dropped are not
redistributed (the scale is applied after pruning).

A country may add ``links`` (a flight route, a ferry): extra trips per day each way between
two regions, on top of the scaled flows and kept whatever the pruning.

The check against data lives with each country's data (Korea's:
:data:`jonas.geo.countries.korea.INCHEON_GYEONGGI_TO_SEOUL_2020`, the 2020 census's daily
commuters into Seoul; docs/metapop.md, tests/test_metapop.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Network:
    """Travel as a CSR list: district i's destinations are ``dest[ptr[i]:ptr[i+1]]`` with
    ``per_day[q]`` trips per person per day (the share of i's residents going there)."""

    ptr: np.ndarray
    dest: np.ndarray
    per_day: np.ndarray

    def flows(self, population: np.ndarray) -> np.ndarray:
        """The full (districts × districts) matrix of trips per day."""
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


def _gravity(population: np.ndarray, dist: np.ndarray, exponent: float, d_min: float):
    n = population.astype(float)
    weight = n[:, None] * n[None, :] / np.maximum(dist, d_min) ** exponent
    np.fill_diagonal(weight, 0.0)
    return weight


def _radiation(population: np.ndarray, dist: np.ndarray) -> np.ndarray:
    n = population.astype(float)
    count = n.size
    share = np.zeros((count, count))
    for i in range(count):
        order = np.argsort(dist[i], kind="stable")
        # s_ij: everyone strictly closer to i than j is, less i itself.
        within = np.cumsum(n[order]) - n[order] - n[i]
        s = np.empty(count)
        s[order] = np.maximum(within, 0.0)
        share[i] = n[i] * n / ((n[i] + s) * (n[i] + n + s))
        share[i, i] = 0.0
        share[i] /= share[i].sum()
    weight = share * n[:, None]
    return (weight + weight.T) / 2


def _flows(
    population: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    model: str,
    trips: float,
    exponent: float,
    min_distance_km: float,
    neighbours: int,
) -> np.ndarray:
    """Trips per day between every pair of regions: gravity or radiation, pruned to each
    region's largest flows, scaled to ``trips`` × the population."""
    count = population.size
    dist = distances_km(lat, lon)
    weight = (
        _gravity(population, dist, exponent, min_distance_km)
        if model == "gravity"
        else _radiation(population, dist)
    )
    keep = np.zeros_like(weight, dtype=bool)
    k = min(neighbours, count - 1)
    top = np.argsort(-weight, axis=1, kind="stable")[:, :k]
    keep[np.arange(count)[:, None], top] = True
    keep |= keep.T
    weight = np.where(keep & (weight > 0), weight, 0.0)
    weight *= trips * population.sum() / weight.sum()
    return weight


def network(
    population: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    model: str = "gravity",
    trips: float = 0.26,
    exponent: float = 2.0,
    min_distance_km: float = 2.0,
    neighbours: int = 24,
    links: Sequence[tuple[int, int, float]] = (),
) -> Network:
    """The travel network of some regions (see the module notes); ``links`` are extra
    (region, region, trips per day each way)."""
    count = population.size
    if count < 2 or (not links and (model == "none" or trips == 0)):
        return Network(np.zeros(count + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    weight = np.zeros((count, count))
    if model != "none" and trips > 0:
        weight = _flows(population, lat, lon, model, trips, exponent, min_distance_km, neighbours)
    for a, b, each_way in links:
        if a != b:
            weight[a, b] += each_way
            weight[b, a] += each_way
    per_person = weight / np.maximum(population, 1)[:, None]
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
