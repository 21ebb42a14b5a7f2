"""Validation against the published models.

Sources: Munz, Hudea, Imad & Smith? (2009), "When zombies attack!", ch. 4 of *Infectious
Disease Modelling Research Progress* (Nova); Alemi, Bierbaum, Myers & Sethna (2015), "You
can run, you can hide", Phys. Rev. E 92, 052801; Kermack & McKendrick (1927), Proc. R. Soc.
Lond. A 115:700. Expected values come from closed forms and equilibria (``jonas.analysis``),
or from an independent high-accuracy integration of the printed equations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import simpson, solve_ivp

import jonas
from jonas import compile_model
from jonas.engines import prepare
from jonas.engines.ode.solver import RightHandSide
from jonas.model import analysis
from jonas.results import simulate

HIGH = ["run.method=DOP853", "run.rtol=1e-10", "run.atol=1e-10"]
# Printed parameters of Munz et al. (2009), N = 500 as in their appendix code.
ALPHA, BETA, ZETA, DELTA = 0.005, 0.0095, 0.0001, 0.0001


def ode(name: str, *overrides: str) -> jonas.Result:
    return jonas.run(name, engine="ode", overrides=list(overrides))


# --------------------------------------------------------------------- Munz et al. 2009


def test_munz_basic_short_outbreak_matches_printed_equations() -> None:
    """Munz et al. 2009, §2 (the basic model), S' = Π − βSZ − δS, Z' = βSZ + ζR − αSZ,
    R' = δS + αSZ − ζR with the printed parameters: humans are wiped out within 10 days.
    Reference: the printed equations integrated independently (DOP853, rtol 1e-13)."""

    def printed(t: float, y: np.ndarray) -> list[float]:
        s, z, r = y
        return [
            -BETA * s * z - DELTA * s,
            BETA * s * z + ZETA * r - ALPHA * s * z,
            DELTA * s + ALPHA * s * z - ZETA * r,
        ]

    result = ode("munz-basic")  # the scenario's defaults: LSODA, rtol 1e-8
    ref = solve_ivp(
        printed, (0, 10), [500, 1, 0], method="DOP853", rtol=1e-13, atol=1e-14, t_eval=result.times
    )
    np.testing.assert_allclose(result.counts[0], ref.y.T, rtol=1e-6, atol=1e-6)
    # Pinned (S, Z, R) at t = 10 days.
    np.testing.assert_allclose(
        result.counts[0, -1], [1.8224426e-05, 237.98364724, 263.01633454], rtol=1e-6, atol=1e-8
    )
    assert result.series("S")[0, -1] < 1e-4  # 500 humans → 0 in 10 days


def test_munz_basic_doomsday_is_the_long_term_outcome() -> None:
    """Munz et al. 2009, §2 (basic model): with resurrection (ζ > 0) the only stable
    equilibrium is "doomsday" (S, Z, R) = (0, N, 0): every removed body rises again."""
    result = ode(
        "munz-basic",
        "run.t_end=300000",
        "run.output_every=1000",
        "run.rtol=1e-10",
        "run.atol=1e-10",
    )
    s, z, r = result.counts[0, -1]
    assert abs(s) < 1e-9
    assert r < 1e-6  # R(t) ≈ 263·exp(−ζ t) once S = 0
    assert z == pytest.approx(501.0, rel=1e-9)


def test_munz_basic_without_resurrection_is_alemis_closed_form() -> None:
    """Munz et al. 2009, §2 (basic model), short outbreak with δ = ζ = 0: S' = −βSZ,
    Z' = (β − α)SZ, R' = αSZ, which is Alemi et al. 2015's density-dependent SZR with
    κ = α; its closed form (``analysis.alemi_szr_closed_form`` with N = 1) must match to
    integration accuracy. The outbreak ends with S → 0, Z → Z0 + (1 − α/β)S0 = 237.84,
    R → (α/β)S0 = 263.16."""
    result = ode("munz-basic", "parameters.zeta=0", "parameters.delta=0", "run.t_end=40", *HIGH)
    s, z, r = analysis.alemi_szr_closed_form(result.times, 500, 1, BETA, ALPHA, N=1)
    np.testing.assert_allclose(result.counts[0], np.stack([s, z, r], 1), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(
        result.counts[0, -1], [0.0, 1 + 500 * (1 - ALPHA / BETA), 500 * ALPHA / BETA], atol=1e-6
    )


def test_munz_basic_zombies_eradicated_when_alpha_exceeds_beta() -> None:
    """Munz et al. 2009, §2 (basic model): without resurrection R0 = β/α (next-generation
    matrix); with α > β (here α = 2β, 100 zombies among 500 humans) the zombies are eradicated and
    S∞ = S0 − Z0/(α/β − 1) = 400 humans survive, R∞ = 200. With the printed ζ > 0 the
    disease-free state is a saddle (det J = −βNζ < 0) and doomsday (0, N, 0) still comes,
    only much later."""
    alpha = 2 * BETA
    short = ode(
        "munz-basic",
        f"parameters.alpha={alpha}",
        "parameters.zeta=0",
        "parameters.delta=0",
        "initial.Z=100",
        "run.t_end=100",
        *HIGH,
    )
    np.testing.assert_allclose(short.counts[0, -1], [400.0, 0.0, 200.0], atol=1e-7)
    model = compile_model(jonas.load("munz-basic", ["parameters.zeta=0", "parameters.delta=0"]))
    assert analysis.next_generation_r0(model, ["Z"], {"S": 500}) == pytest.approx(BETA / ALPHA)

    # With resurrection, R is infected too and nothing leaves {Z, R}: R0 = ∞.
    model = compile_model(jonas.load("munz-basic"))
    assert analysis.next_generation_r0(model, ["Z", "R"], {"S": 500}) == math.inf
    late = ode(
        "munz-basic",
        f"parameters.alpha={alpha}",
        "initial.Z=100",
        "run.t_end=1000000",
        "run.output_every=1000",
        "run.rtol=1e-10",
        "run.atol=1e-10",
    )
    assert late.series("S")[0, 1] > 340  # still mostly human at t = 1000 days
    np.testing.assert_allclose(late.counts[0, -1], [0.0, 600.0, 0.0], atol=1e-6)


def test_quarantine_r0_formula() -> None:
    """Munz et al. 2009, §4 (the model with quarantine): R0 = βNρ / ((ρ + κ)(αN + σ)).
    The printed formula leaves natural death δ out of the outflow of I and ignores
    resurrection ζ; with
    δ = ζ = 0 it equals the next-generation R0 of the compiled SIZRQ model exactly."""
    model = compile_model(
        jonas.load("munz-quarantine", ["parameters.delta=0", "parameters.zeta=0"])
    )
    p, n = model.parameters, 500.0
    printed = p["beta"] * n * p["rho"] / ((p["rho"] + p["kappa"]) * (p["alpha"] * n + p["sigma"]))
    assert printed == pytest.approx(1.5522875817, rel=1e-9)
    assert analysis.next_generation_r0(model, ["I", "Z", "Q"], {"S": n}) == pytest.approx(
        printed, rel=1e-12
    )


def test_quarantine_r0_with_natural_death_differs_slightly() -> None:
    """Munz et al. 2009, §4 (quarantine): with the printed δ = 0.0001 the infected also die
    at δ, so the exact R0 is the printed formula × (ρ + κ)/(ρ + κ + δ), 1.6 % lower
    (1.5269 vs 1.5523). Resurrection (ζ > 0) does not enter while R is not counted as
    infected; counted, it makes R0 infinite (nothing leaves I, Z, Q, R for good)."""
    model = compile_model(jonas.load("munz-quarantine"))
    p, n = model.parameters, 500.0
    printed = p["beta"] * n * p["rho"] / ((p["rho"] + p["kappa"]) * (p["alpha"] * n + p["sigma"]))
    exact = analysis.next_generation_r0(model, ["I", "Z", "Q"], {"S": n})
    ratio = (p["rho"] + p["kappa"]) / (p["rho"] + p["kappa"] + p["delta"])
    assert exact == pytest.approx(printed * ratio, rel=1e-12)
    assert exact == pytest.approx(1.5268402443, rel=1e-9)
    assert 0.01 < 1 - exact / printed < 0.02
    assert analysis.next_generation_r0(model, ["I", "Z", "Q", "R"], {"S": n}) == math.inf


@pytest.mark.parametrize("delta", [0.0, DELTA])
def test_treatment_equilibrium(delta: float) -> None:
    """Munz et al. 2009, §5 (the model with treatment: cure Z → S at rate c), with Π = 0.
    With δ = 0 the endemic equilibrium is S* = c/β, I* = cZ*/ρ, R* = αcZ*/(βζ),
    Z* = (N − c/β)/(1 + c/ρ + αc/(βζ)): humans and zombies coexist. With δ > 0,
    S* = cZ*/(βZ* + δ) and N fixes Z* (``analysis.munz_treatment_equilibrium``). A long
    ODE run from (500, 0, 1, 0) converges to it."""
    result = ode(
        "munz-treatment",
        f"parameters.delta={delta}",
        "run.t_end=100000",
        "run.output_every=10000",
        "run.rtol=1e-10",
        "run.atol=1e-10",
    )
    eq = analysis.munz_treatment_equilibrium(501.0, **result.model.parameters)
    if delta == 0:
        c = result.model.parameters["c"]
        assert eq["S"] == pytest.approx(c / BETA)
        assert eq["Z"] == pytest.approx(
            (501 - c / BETA) / (1 + c / 0.005 + ALPHA * c / (BETA * ZETA))
        )
    np.testing.assert_allclose(
        result.counts[0, -1], [eq[k] for k in result.compartments], rtol=1e-6
    )


@pytest.mark.parametrize("engine", ["ode", "ssa", "tauleap"])
def test_impulsive_eradication_schedule(engine: str) -> None:
    """Munz et al. 2009, §6 (impulsive eradication): at the n-th attack (t = 2.5, 5, 7.5,
    10) ΔZ = −k·n·Z with k = 0.25, i.e. the share min(1, kn) of the zombies is destroyed.
    Outputs straddle each attack (1e-9 days before, and at it). The ODE must scale Z by
    exactly 1 − kn and leave S and R alone; the stochastic engines remove Binomial(Z, kn),
    so the removed share over 200 replicates must be kn within 4 binomial standard errors.
    (300 initial zombies, our choice, keep the counts large.)"""
    scenario = jonas.load(
        "munz-impulsive", [f"run.engine={engine}", "initial.Z=300", "run.dt=0.001", "run.seed=1"]
    )
    prepared = prepare(scenario)
    model = prepared.model
    attacks = np.array([2.5, 5.0, 7.5, 10.0])
    np.testing.assert_array_equal(model.events.times, attacks)
    np.testing.assert_allclose(
        model.events.fraction[:, model.compartments.index("Z")], [0.25, 0.5, 0.75, 1.0]
    )
    times = np.sort(np.concatenate([[0.0, 12.0], attacks - 1e-9, attacks]))
    reps = 1 if engine == "ode" else 200
    counts = simulate(prepared.at(times), np.arange(reps)).counts
    s_i, z_i, r_i = (model.compartments.index(c) for c in "SZR")
    for n, t in enumerate(attacks, start=1):
        k = int(np.searchsorted(times, t))
        before, after = counts[:, k - 1], counts[:, k]
        share = min(1.0, 0.25 * n)
        if engine == "ode":
            assert after[0, z_i] == pytest.approx((1 - share) * before[0, z_i], rel=1e-7, abs=1e-9)
            np.testing.assert_allclose(after[:, [s_i, r_i]], before[:, [s_i, r_i]], rtol=1e-7)
        else:
            z_before = before[:, z_i].sum()
            removed = (before[:, z_i] - after[:, z_i]).sum() / z_before
            assert z_before > 1000
            se = math.sqrt(share * (1 - share) / z_before)
            assert abs(removed - share) <= 4 * se + 1e-12, (n, removed, share, se)
            if share == 1.0:
                assert np.all(after[:, z_i] == 0)


def test_impulsive_kill_ratio_is_capped_at_one() -> None:
    """Munz et al. 2009, §6 (impulsive eradication): the n-th attack destroys k·n of the
    zombies, which cannot exceed all of them: with k = 0.3 the shares are 0.3, 0.6, 0.9
    and then 1 (not 1.2)."""
    model = compile_model(jonas.load("munz-impulsive", ["interventions.0.fraction=0.3"]))
    np.testing.assert_allclose(
        model.events.fraction[:, model.compartments.index("Z")], [0.3, 0.6, 0.9, 1.0]
    )


def test_printed_code_population_not_conserved() -> None:
    """Munz et al. 2009, appendix code: S' drops −δS but R' keeps +δS, so the population
    grows: d(S + Z + R)/dt = δS exactly (Π = 0), and N(t) − N(0) = δ∫S dt. The paper's
    equations conserve it."""
    model = compile_model(jonas.load("munz-basic", ["model.variant=printed-code"]))
    f = RightHandSide(model)
    rng = np.random.default_rng(0)
    for x in rng.uniform(0, 500, size=(5, model.n_states)):
        assert f(0.0, x).sum() == pytest.approx(DELTA * x[0], rel=1e-12)

    fine = [
        "run.t_end=30",
        "run.output_every=0.01",
        "run.method=DOP853",
        "run.rtol=1e-12",
        "run.atol=1e-12",
    ]
    for z0, grown in ((0, 0.42876815), (1, 0.12158636)):
        result = ode("munz-basic", "model.variant=printed-code", f"initial.Z={z0}", *fine)
        total = result.counts[0].sum(axis=1)
        integral = DELTA * simpson(result.series("S")[0], x=result.times)
        assert total[-1] - total[0] == pytest.approx(integral, rel=1e-9)
        assert total[-1] - total[0] == pytest.approx(grown, rel=1e-6)
    paper = ode("munz-basic", *fine)
    np.testing.assert_allclose(paper.counts[0].sum(axis=1), 501.0, rtol=1e-10)


def test_printed_code_zombies_only_through_resurrection() -> None:
    """Munz et al. 2009, appendix code starts with (S, Z, R) = (N, 0, 0): zombies can only
    appear as δS → R → ζR → Z. Without resurrection (ζ = 0) none ever appear, S stays 500
    (the code does not reduce S) and R = δ·500·t. With ζ > 0 they do, but the takeover is
    much later than with one initial zombie (S < 250 at t ≈ 8.6 days instead of 2.4)."""
    base = ["model.variant=printed-code", "run.t_end=30", "run.output_every=0.01", *HIGH]
    none = ode("munz-basic", *base, "initial.Z=0", "parameters.zeta=0")
    assert np.all(none.series("Z") == 0.0)
    np.testing.assert_allclose(none.series("S")[0], 500.0, rtol=1e-12)
    np.testing.assert_allclose(none.series("R")[0], DELTA * 500 * none.times, rtol=1e-9)

    def half_gone(z0: int) -> float:
        result = ode("munz-basic", *base, f"initial.Z={z0}")
        return float(result.times[np.argmax(result.series("S")[0] < 250)])

    assert half_gone(0) == pytest.approx(8.58, abs=0.011)
    assert half_gone(1) == pytest.approx(2.43, abs=0.011)


def _appendix_euler(t_end: float, dt: float, n_pop: float = 500.0) -> np.ndarray:
    """The appendix MATLAB loop of Munz et al. (2009), transcribed line by line."""
    a, b, ze, d = ALPHA, BETA, ZETA, DELTA
    n = round(t_end / dt)
    s, z, r = np.zeros(n + 1), np.zeros(n + 1), np.zeros(n + 1)
    s[0] = n_pop
    for i in range(n):
        s[i + 1] = s[i] + dt * (-b * s[i] * z[i])
        z[i + 1] = z[i] + dt * (b * s[i] * z[i] - a * s[i] * z[i] + ze * r[i])
        r[i + 1] = r[i] + dt * (a * s[i] * z[i] + d * s[i] - ze * r[i])
    return np.stack([s, z, r], axis=1)


@pytest.mark.parametrize("every", [0.01, 0.05])
def test_printed_code_euler_matches_appendix_loop(every: float) -> None:
    """Munz et al. 2009, appendix: Euler's method with dt = 0.01 from (500, 0, 0). The
    ``printed-code`` variant with ``run.method = "euler"`` reproduces the hand-written loop
    to rounding error (outputs every 0.01 or 0.05 days must not change the steps)."""
    result = ode(
        "munz-basic",
        "model.variant=printed-code",
        "initial.Z=0",
        "run.method=euler",
        "run.dt=0.01",
        "run.t_end=20",
        f"run.output_every={every}",
    )
    ref = _appendix_euler(20.0, 0.01)[np.round(result.times / 0.01).astype(int)]
    np.testing.assert_allclose(result.counts[0], ref, rtol=1e-10, atol=1e-10)
    assert result.series("S")[0, -1] < 1.0  # the zombies won within 20 days


# ------------------------------------------------------------------- Alemi et al. 2015


@pytest.mark.parametrize("alpha", [0.5, 0.8, 1.0, 1.5])
def test_alemi_closed_form(alpha: float) -> None:
    """Alemi et al. 2015, fully mixed SZR (their eq. for the mean-field model): dZ/dS =
    −(1 − α) is constant, so S(t) is logistic (``analysis.alemi_szr_closed_form``). The ODE
    engine (DOP853, rtol 1e-10) matches it at every output time, for α < 1 (humans lose),
    α = 1 (Z constant) and α > 1 (zombies die out, S → S0 − Z0/(α − 1))."""
    result = ode(
        "alemi-szr",
        f"parameters.kappa={alpha}",
        "initial.Z=5",
        "run.t_end=60",
        "run.output_every=0.5",
        *HIGH,
    )
    s, z, r = analysis.alemi_szr_closed_form(result.times, 1000, 5, 1.0, alpha)
    np.testing.assert_allclose(result.counts[0], np.stack([s, z, r], 1), rtol=1e-9, atol=1e-7)
    final = {
        0.5: (0.0, 505.0, 500.0),
        0.8: (0.19836, 204.9603, 799.8413),
        1.0: (741.92475, 5.0, 258.07525),
        1.5: (990.0, 0.0, 15.0),
    }[alpha]
    np.testing.assert_allclose(result.counts[0, -1], final, rtol=1e-5, atol=1e-6)


# -------------------------------------------------------- Kermack & McKendrick 1927


@pytest.mark.parametrize("r0", [1.5, 2.0, 3.0, 5.0])
def test_sir_final_size_and_peak(r0: float) -> None:
    """Kermack & McKendrick 1927: frequency-dependent SIR with R0 = β/γ from one case in a
    million. The final size z solves z = 1 − exp(−R0·z) and the peak prevalence is
    1 − (1 + ln R0)/R0 (both in the limit of a vanishing first case; exact for the given
    start via the s0 argument)."""
    n = 1e6
    result = ode(
        "sir",
        f"initial.S={n - 1}",
        "initial.I=1",
        f"parameters.beta={r0}",
        "parameters.gamma=1.0",
        "run.t_end=200",
        "run.output_every=0.01",
        "run.method=DOP853",
        "run.rtol=1e-10",
        "run.atol=1e-6",
    )
    z_limit = analysis.sir_final_size(r0)
    assert z_limit == pytest.approx(1 - math.exp(-r0 * z_limit), abs=1e-14)
    z = result.series("R")[0, -1] / n
    assert z == pytest.approx(analysis.sir_final_size(r0, s0=1 - 1 / n), abs=1e-9)
    assert z == pytest.approx(z_limit, abs=2e-6)

    i = result.series("I")[0] / n
    k = int(np.argmax(i))  # refine the grid maximum with a parabola through 3 points
    peak = i[k] - (i[k + 1] - i[k - 1]) ** 2 / (8 * (i[k + 1] - 2 * i[k] + i[k - 1]))
    assert peak == pytest.approx(analysis.sir_peak_prevalence(r0, s0=1 - 1 / n), abs=5e-7)
    assert peak == pytest.approx(1 - (1 + math.log(r0)) / r0, abs=2e-6)
