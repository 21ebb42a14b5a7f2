"""The lattice engine: Alemi et al. (2015)'s SZR model on a square lattice, compiled with numba.

One person per site of an L×L square lattice, with open boundaries (the default: a site on
the border has fewer neighbours) or periodic ones (a torus: the last column neighbours the
first, as in the authors' code): all humans (S) but one zombie (Z) at the centre. Every
S–Z nearest-neighbour pair is an *active bond*. Events happen on a uniformly random active
bond at total rate (active bonds) × (β + κ), with exact continuous-time (Gillespie) waiting
times: the zombie bites (S → Z) with probability β/(β + κ) = 1/(1 + α), else the human
kills the zombie (Z → R). The outbreak ends when no active bond is left, which it always
does: every event turns one site S → Z or Z → R, so there are at most 2·L² of them.

The active bonds are kept in a list (``active``, the first ``n_active`` entries) with each
bond's place in it (``place``, −1 when inactive): adding appends, removing swaps the last
entry into the gap, so each event costs O(1), and only the 4 bonds around the changed site
are looked at.

Bonds are numbered: with open boundaries, horizontal (i, j)–(i, j+1) is ``i·(L−1) + j`` and
vertical (i, j)–(i+1, j) is ``L·(L−1) + i·L + j``; periodic, horizontal (i, j)–(i, j+1 mod L)
is ``i·L + j`` and vertical (i, j)–(i+1 mod L, j) is ``L·L + i·L + j``. Sites are ``i·L + j``;
states 0 = S, 1 = Z, 2 = R. "Reached the edge" means a zombie on the outermost ring of
sites (row or column 0 or L−1) on either boundary: on a torus, the ring farthest from the
start.
"""

from __future__ import annotations

import math

import numpy as np

from jonas.compiled import compiled

HUMAN, ZOMBIE, REMOVED = 0, 1, 2
_NO_GRID = np.zeros(0, dtype=np.int8)


@compiled
def _horizontal(L, periodic):  # pragma: no cover - compiled
    """How many horizontal bonds there are (the vertical ones come after them)."""
    return L * L if periodic else L * (L - 1)


@compiled
def _ends(b, L, periodic):  # pragma: no cover - compiled
    """The two sites of bond b."""
    n_h = _horizontal(L, periodic)
    if b < n_h:
        if periodic:
            i = b // L
            j = b % L
            return i * L + j, i * L + (j + 1) % L
        i = b // (L - 1)
        j = b % (L - 1)
        return i * L + j, i * L + j + 1
    v = b - n_h
    if periodic:
        return v, ((v // L + 1) % L) * L + v % L
    return v, v + L


@compiled
def _update_bond(b, L, periodic, state, active, place, n_active):  # pragma: no cover - compiled
    """Make bond b's membership of the active list match its ends; return the new count."""
    a, c = _ends(b, L, periodic)
    sa = state[a]
    sc = state[c]
    is_active = (sa == HUMAN and sc == ZOMBIE) or (sa == ZOMBIE and sc == HUMAN)
    k = place[b]
    if is_active and k < 0:
        active[n_active] = b
        place[b] = n_active
        return n_active + 1
    if not is_active and k >= 0:
        last = active[n_active - 1]
        active[k] = last
        place[last] = k
        place[b] = -1
        return n_active - 1
    return n_active


@compiled
def _update_site(site, L, periodic, state, active, place, n_active):  # pragma: no cover
    """Update the (up to 4) bonds around a site whose state changed."""
    i = site // L
    j = site % L
    n_h = _horizontal(L, periodic)
    if periodic:
        n_active = _update_bond(i * L + (j - 1) % L, L, True, state, active, place, n_active)
        n_active = _update_bond(i * L + j, L, True, state, active, place, n_active)
        up = n_h + ((i - 1) % L) * L + j
        n_active = _update_bond(up, L, True, state, active, place, n_active)
        return _update_bond(n_h + i * L + j, L, True, state, active, place, n_active)
    if j > 0:
        n_active = _update_bond(i * (L - 1) + j - 1, L, False, state, active, place, n_active)
    if j < L - 1:
        n_active = _update_bond(i * (L - 1) + j, L, False, state, active, place, n_active)
    if i > 0:
        n_active = _update_bond(n_h + (i - 1) * L + j, L, False, state, active, place, n_active)
    if i < L - 1:
        n_active = _update_bond(n_h + i * L + j, L, False, state, active, place, n_active)
    return n_active


@compiled
def _on_edge(site, L):  # pragma: no cover - compiled
    i = site // L
    j = site % L
    return i == 0 or j == 0 or i == L - 1 or j == L - 1


@compiled
def lattice_replicate(L, periodic, beta, kappa, out_times, seed, out, grid):  # pragma: no cover
    """One outbreak on an L×L lattice (L odd; a torus if ``periodic``), run to its end;
    ``grid`` (L·L, or empty) gets the sites' final states.

    Fills ``out`` (times × [S, Z, R]) with the counts at the output times (after the
    outbreak ends they stay as it left them). Returns (reached_edge, cluster_size,
    duration): whether any site ever turned zombie lies on the boundary (the first zombie
    included), how many sites ever turned zombie (the first included), and the time of the
    last event (0 if none happened; NaN when β + κ = 0, as then nothing ever happens).
    """
    np.random.seed(seed)
    n_sites = L * L
    n_bonds = 2 * _horizontal(L, periodic)
    state = np.zeros(n_sites, dtype=np.int8)
    active = np.empty(n_bonds, dtype=np.int64)
    place = np.full(n_bonds, -1, dtype=np.int64)
    centre = (L // 2) * L + L // 2
    state[centre] = ZOMBIE
    n_active = _update_site(centre, L, periodic, state, active, place, 0)
    counts = np.array([n_sites - 1, 1, 0], dtype=np.int64)
    reached = _on_edge(centre, L)
    cluster = 1
    rate = beta + kappa
    p_bite = beta / rate if rate > 0.0 else 0.0
    n_out = out_times.size
    k_out = 0
    t = 0.0
    duration = 0.0 if rate > 0.0 else math.nan
    while n_active > 0 and rate > 0.0:
        t_next = t - math.log(1.0 - np.random.random()) / (n_active * rate)
        while k_out < n_out and out_times[k_out] < t_next:
            for c in range(3):
                out[k_out, c] = counts[c]
            k_out += 1
        b = active[int(np.random.random() * n_active)]
        a, c = _ends(b, L, periodic)
        human, zombie = (a, c) if state[a] == HUMAN else (c, a)
        if np.random.random() < p_bite:
            state[human] = ZOMBIE
            counts[0] -= 1
            counts[1] += 1
            cluster += 1
            if _on_edge(human, L):
                reached = True
            n_active = _update_site(human, L, periodic, state, active, place, n_active)
        else:
            state[zombie] = REMOVED
            counts[1] -= 1
            counts[2] += 1
            n_active = _update_site(zombie, L, periodic, state, active, place, n_active)
        t = t_next
        duration = t
    while k_out < n_out:
        for c in range(3):
            out[k_out, c] = counts[c]
        k_out += 1
    if grid.size == n_sites:
        # site by site: an array assignment compiles numba's shape check and its message
        # (0.4 s of the engine's 3.5 s first compile)
        for s in range(n_sites):
            grid[s] = state[s]
    return reached, cluster, duration


def simulate_lattice(
    size: int,
    beta: float,
    kappa: float,
    times: np.ndarray,
    seeds: np.ndarray,
    progress=None,
    periodic: bool = False,
    grid: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run one outbreak per seed (on a torus if ``periodic``). Returns the counts
    (replicates × times × [S, Z, R]) and the per-replicate metrics ``reached_edge`` (1/0),
    ``cluster_size`` and ``duration``. ``grid`` (size × size int8) gets the first run's
    final lattice."""
    out = np.zeros((len(seeds), times.size, 3), dtype=np.int64)
    reached = np.zeros(len(seeds))
    cluster = np.zeros(len(seeds))
    duration = np.zeros(len(seeds))
    times = np.ascontiguousarray(times, dtype=np.float64)
    for r, seed in enumerate(seeds):
        reached[r], cluster[r], duration[r] = lattice_replicate(
            int(size), bool(periodic), float(beta), float(kappa), times, int(seed), out[r],
            grid.reshape(-1) if grid is not None and r == 0 else _NO_GRID,
        )
        if progress:
            progress(1)
    return out, {"reached_edge": reached, "cluster_size": cluster, "duration": duration}
