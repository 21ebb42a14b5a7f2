"""Stochastic exactness: the SSA and tau-leap engines against exact probabilities.

Exact values come from dynamic programming over the embedded jump chain
(``jonas.analysis``). Tolerances are about 4 standard errors of the Monte Carlo estimate, so
a correct engine fails with probability ~1e-4 per check; fixed seeds make the runs
deterministic anyway.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from scipy import stats

import jonas
from jonas.model import analysis
from jonas.spec import validate_data


def sir(n: int, i0: int, r0: float, engine: str, replicates: int, seed: int, *extra: str):
    """Frequency-dependent SIR with γ = 1 (time in infectious periods) and β = R0."""
    return jonas.run(
        "sir",
        engine=engine,
        replicates=replicates,
        seed=seed,
        overrides=[
            f"initial.S={n - i0}",
            f"initial.I={i0}",
            f"parameters.beta={r0}",
            "parameters.gamma=1.0",
            *extra,
        ],
    )


def final_size_moments(n: int, i0: int, r0: float) -> tuple[float, float]:
    """Exact mean and standard deviation of the number ever infected (I0 included)."""
    p = analysis.sir_final_size_distribution(n, i0, r0)
    k = np.arange(p.size) + i0
    mean = float(p @ k)
    return mean, math.sqrt(float(p @ k**2) - mean**2)


# ----------------------------------------------------------------- exact DP, checked


@cache
def _win_by_recursion(s: int, z: int, alpha: float) -> float:
    if z == 0:
        return 1.0
    if s == 0:
        return 0.0
    p = 1 / (1 + alpha)
    return p * _win_by_recursion(s - 1, z + 1, alpha) + (1 - p) * _win_by_recursion(s, z - 1, alpha)


def test_exact_probabilities_small_cases() -> None:
    """The DP against the plain recursion (Alemi et al. 2015's encounter chain), and the
    SIR final-size distribution against brute-force enumeration for N = 6."""
    for s, z, a in ((30, 3, 0.7), (10, 1, 0.2), (5, 4, 1.3)):
        assert analysis.alemi_human_win_probability(s, z, a) == pytest.approx(
            _win_by_recursion(s, z, a), rel=1e-12
        )

    def brute(s: int, i: int, n: int, r0: float) -> dict[int, float]:
        if i == 0:
            return {0: 1.0}
        p = r0 * s / (r0 * s + n)
        out: dict[int, float] = {}
        if p > 0:
            for k, v in brute(s - 1, i + 1, n, r0).items():
                out[k + 1] = out.get(k + 1, 0.0) + p * v
        for k, v in brute(s, i - 1, n, r0).items():
            out[k] = out.get(k, 0.0) + (1 - p) * v
        return out

    for i0 in (1, 2):
        exact = brute(6 - i0, i0, 6, 2.5)
        dp = analysis.sir_final_size_distribution(6, i0, 2.5)
        np.testing.assert_allclose(dp, [exact.get(k, 0.0) for k in range(dp.size)], atol=1e-15)
        assert dp.sum() == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("alpha", [0.5, 0.8])
def test_alemi_win_probability_large_population_limit(alpha: float) -> None:
    """Alemi et al. 2015: for large S the zombie count is a biased random walk, and the
    humans win from Z0 zombies with probability α^Z0 (gambler's ruin)."""
    for z0 in (1, 2, 3):
        assert analysis.alemi_human_win_probability(3000, z0, alpha) == pytest.approx(
            alpha**z0, abs=1e-9
        )
    assert analysis.alemi_human_win_probability(3000, 1, 1.2) == pytest.approx(1.0, abs=1e-9)


# ------------------------------------------------------------------- SSA vs exact


@pytest.mark.parametrize(("alpha", "z0"), [(0.5, 1), (0.5, 2), (0.8, 1), (0.8, 2)])
def test_ssa_alemi_human_win_probability(alpha: float, z0: int) -> None:
    """Alemi et al. 2015, stochastic fully mixed SZR: 50 humans against Z0 zombies, each
    encounter a bite w.p. 1/(1 + α), else a kill. The SSA's share of human wins over
    50,000 replicates must match the exact DP value within 4 binomial standard errors
    (SE ≈ 0.002). For α = 0.8, Z0 = 1 the exact 0.7881 is 6 SE from the large-S limit 0.8."""
    reps = 50_000
    result = jonas.run(
        "alemi-szr",
        engine="ssa",
        replicates=reps,
        seed=11,
        overrides=[
            "initial.S=50",
            f"initial.Z={z0}",
            "parameters.beta=1.0",
            f"parameters.kappa={alpha}",
            "run.t_end=5000",
            "run.output_every=5000",
        ],
    )
    s, z = result.final()["S"], result.final()["Z"]
    assert np.all((s == 0) | (z == 0))  # every replicate was decided
    wins = float(np.mean(z == 0))
    exact = analysis.alemi_human_win_probability(50, z0, alpha)
    se = math.sqrt(exact * (1 - exact) / reps)
    assert abs(wins - exact) < 4 * se, (wins, exact, se)


def test_ssa_sir_final_size_distribution() -> None:
    """Stochastic SIR (N = 1000, one case, R0 = 2): the SSA's final sizes over 20,000
    replicates against the exact distribution. The chance of a minor outbreak (fewer than
    200 infected) within 4 SE; the whole distribution within the DKW bound
    sup|F_n − F| < sqrt(ln(2/1e-4)/(2n)) (false-alarm rate 1e-4); mean and SD within 4 SE."""
    n, reps = 1000, 20_000
    result = sir(n, 1, 2.0, "ssa", reps, 3, "run.t_end=200", "run.output_every=200")
    assert np.all(result.final()["I"] == 0)
    size = result.final()["R"] - 1  # susceptibles infected
    exact = analysis.sir_final_size_distribution(n, 1, 2.0)

    minor = exact[:200].sum()
    assert minor == pytest.approx(0.50207, abs=1e-5)
    assert exact[100:300].sum() < 1e-6  # minor and major outbreaks are well separated
    se = math.sqrt(minor * (1 - minor) / reps)
    assert abs(np.mean(size < 200) - minor) < 4 * se

    ecdf = np.searchsorted(np.sort(size), np.arange(exact.size), side="right") / reps
    assert np.max(np.abs(ecdf - np.cumsum(exact))) < math.sqrt(math.log(2 / 1e-4) / (2 * reps))

    mean, sd = final_size_moments(n, 1, 2.0)
    assert abs(size.mean() + 1 - mean) < 4 * sd / math.sqrt(reps)
    assert size.std() == pytest.approx(sd, rel=0.02)


@pytest.mark.parametrize("r0", [1.5, 2.0, 3.0])
def test_minor_outbreak_probability_tends_to_one_over_r0(r0: float) -> None:
    """Branching-process limit (Whittle 1955; the SIR baseline): one introduction into a
    large population dies out early with probability 1/R0, two with 1/R0². Exact DP for
    N = 10,000 (minor outbreak: under 10 % of N infected)."""
    n = 10_000
    for i0 in (1, 2):
        minor = analysis.sir_final_size_distribution(n, i0, r0)[: n // 10].sum()
        assert minor == pytest.approx(r0**-i0, abs=2e-3)


def test_ssa_mean_matches_ode_for_large_population() -> None:
    """Kurtz's law of large numbers: for N = 10,000 (R0 = 2, 20 initial cases, so minor
    outbreaks have probability 2^-20) the SSA's mean final size over 400 replicates agrees
    with the ODE (and with the exact DP mean) within 4 SE."""
    n, i0, reps = 10_000, 20, 400
    stoch = sir(n, i0, 2.0, "ssa", reps, 5, "run.t_end=100", "run.output_every=100")
    det = sir(n, i0, 2.0, "ode", 1, 5, "run.t_end=100", "run.method=DOP853", "run.rtol=1e-10")
    final = stoch.final()["R"]
    ode_final = det.final()["R"][0]
    assert ode_final == pytest.approx(n * analysis.sir_final_size(2.0, s0=1 - i0 / n), rel=1e-7)
    se = final.std() / math.sqrt(reps)
    assert abs(final.mean() - ode_final) < 4 * se, (final.mean(), ode_final, se)
    mean, sd = final_size_moments(n, i0, 2.0)
    assert abs(final.mean() - mean) < 4 * sd / math.sqrt(reps)
    assert abs(mean - ode_final) < 0.05 * sd  # the exact mean is within O(1) of the ODE


def test_tauleap_matches_ssa_with_small_steps() -> None:
    """Tau-leaping (binomial leaps, dt = 0.0025 infectious periods) against the exact SSA:
    the final-size distributions of N = 2000, 20 cases, R0 = 2 have the same mean within 4
    SE of the difference and the same SD within 10 %; the SSA matches the exact DP mean
    within 4 SE. Tau-leap freezes I during a step, which inflates R0 by about γ·h/2: at
    dt = 0.0025 the mean final size moves by ≈ 1.4 (allowed: 4 SE + 2), and with the
    default adaptive step (epsilon = 0.03) by ≈ 13, 0.8 % (allowed: 1.5 %)."""
    n, i0, reps = 2000, 20, 2000
    extra = ("run.t_end=50", "run.output_every=50")
    leap = sir(n, i0, 2.0, "tauleap", reps, 6, *extra, "run.dt=0.0025").final()["R"]
    exact = sir(n, i0, 2.0, "ssa", reps, 7, *extra).final()["R"]
    mean, sd = final_size_moments(n, i0, 2.0)
    se = sd / math.sqrt(reps)
    se_diff = math.sqrt((leap.var() + exact.var()) / reps)
    assert abs(leap.mean() - exact.mean()) < 4 * se_diff, (leap.mean(), exact.mean(), se_diff)
    assert leap.std() == pytest.approx(exact.std(), rel=0.1)
    assert abs(exact.mean() - mean) < 4 * se
    assert abs(leap.mean() - mean) < 4 * se + 2.0
    for sample in (leap, exact):
        assert sample.std() == pytest.approx(sd, rel=0.1)
    adaptive = sir(n, i0, 2.0, "tauleap", reps, 8, *extra).final()["R"]
    assert adaptive.mean() == pytest.approx(mean, rel=0.015)
    assert adaptive.std() == pytest.approx(sd, rel=0.1)


# ------------------------------------------------------- Erlang-staged latent period

RHO, STAGES = 0.5, 4


def _turning_times(result: jonas.Result) -> tuple[int, float, float]:
    """Count, mean and variance of the times at which the infected turned (Z increments),
    binned on the output grid (midpoints, Sheppard's correction for the variance)."""
    dt = result.times[1] - result.times[0]
    turned = np.diff(result.series("Z")[0])
    mid = result.times[1:] - dt / 2
    count = turned.sum()
    mean = float(turned @ mid / count)
    var = float(turned @ (mid - mean) ** 2 / count - dt**2 / 12)
    return int(count), mean, var


def test_erlang_latent_period_ode() -> None:
    """Munz et al. 2009's latent stage with an Erlang(k = 4) period of mean 1/ρ
    (``[model] stages = {I = 4}``): with no bites, kills or deaths, Z(t)/I0 is the Erlang
    CDF with shape 4 and rate 4ρ."""
    result = jonas.run(
        "munz-latent",
        overrides=[
            "model.stages.I=4",
            "initial.S=0",
            "initial.Z=0",
            "initial.I=1000",
            *(f"parameters.{p}=0" for p in ("alpha", "beta", "zeta", "delta")),
            f"parameters.rho={RHO}",
            "run.t_end=20",
            "run.output_every=0.05",
            "run.method=DOP853",
            "run.rtol=1e-10",
            "run.atol=1e-10",
        ],
    )
    assert result.model.states[1:5] == ("I_1", "I_2", "I_3", "I_4")
    cdf = stats.gamma.cdf(result.times, a=STAGES, scale=1 / (STAGES * RHO))
    np.testing.assert_allclose(result.series("Z")[0] / 1000, cdf, atol=1e-8)


@pytest.mark.parametrize("engine", ["ssa", "tauleap"])
def test_erlang_latent_period_stochastic(engine: str) -> None:
    """An inline model with ``stages = 4`` on the turning transition: 20,000 infected turn
    at independent Erlang times, mean 1/ρ = 2 and variance 1/(kρ²) = 1 (an exponential
    period would have variance 4). Sample mean within 4 SE (0.007) and variance within
    4 SE (SE = sqrt((μ4 − σ⁴)/n) = 0.013 for k = 4); the whole sample within the DKW bound
    of the Erlang CDF. Tau-leap moves a cohort along the chain exactly within each leap
    (tests/test_tauleap_chains.py), so it runs with its adaptive step."""
    n = 20_000
    scenario = validate_data(
        {
            "scenario": {"name": "erlang"},
            "model": {
                "compartments": ["I", "Z"],
                "transitions": [{"from": "I", "to": "Z", "rate": "rho", "stages": STAGES}],
            },
            "parameters": {"rho": RHO},
            "initial": {"I": n},
            "run": {"engine": engine, "t_end": 30.0, "output_every": 0.01, "seed": 3},
        }
    )
    result = jonas.run(scenario)
    count, mean, var = _turning_times(result)
    assert count == n
    assert abs(mean - 1 / RHO) < 4 * math.sqrt(1 / (STAGES * RHO**2) / n)
    sigma2 = 1 / (STAGES * RHO**2)
    assert abs(var - sigma2) < 4 * math.sqrt((3 + 6 / STAGES - 1) * sigma2**2 / n)
    cdf = stats.gamma.cdf(result.times, a=STAGES, scale=1 / (STAGES * RHO))
    dkw = math.sqrt(math.log(2 / 1e-4) / (2 * n))
    assert np.max(np.abs(result.series("Z")[0] / n - cdf)) < dkw


def test_ssa_without_events_compiles_without_their_code_and_draws_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a model with neither events nor triggers goes to the kernel with events None (numba
    # prunes their code); the same replicate with the empty events tuple, whose code is
    # compiled and never called, gives the same numbers
    from jonas.engines.arrays import blank_output, event_arrays, model_arrays, transition_totals
    from jonas.engines.ssa.kernel import ssa_replicate

    prepared = jonas.prepare("sir", engine="ssa")
    model, times = prepared.model, prepared.times
    events = event_arrays(model)
    assert events[0].size == 0 and events[7].size == 0
    results = []
    for given in (None, events):
        out, fired = blank_output(model, times, 1)
        flows = transition_totals(model, times, 1)
        n = ssa_replicate(
            *model_arrays(model), times, given, 7, 10**9, out[0], fired[0], flows[0],
            np.zeros(1),
        )  # fmt: skip
        results.append((n, out, flows))
    (n1, out1, flows1), (n2, out2, flows2) = results
    assert n1 == n2 > 0
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(flows1, flows2)
    # the engine hands the kernel None for such a model, and the tuple for one with events
    given: list[object] = []

    def spy(*args: object) -> int:
        given.append(args[10])
        return ssa_replicate(*args)

    monkeypatch.setattr("jonas.engines.ssa.engine.ssa_replicate", spy)
    jonas.run("sir", engine="ssa", replicates=1)
    jonas.run("munz-impulsive", engine="ssa", replicates=1)
    assert given[0] is None and isinstance(given[1], tuple)
