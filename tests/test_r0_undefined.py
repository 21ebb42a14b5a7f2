"""R0 where the next-generation matrix gives no number (issue 19): the jonas family's
halfbies never leave the infected and keep biting, so R0 is infinite; each run says why
and gives the initial growth rate, which is defined. The metapop engine's regions hold
the people that its model's initial counts leave out."""

from __future__ import annotations

import math

import numpy as np
import pytest

import jonas
from jonas.model.analysis import growth_rate, initial_r0, next_generation_r0, undefined_r0
from jonas.model.families import FAMILIES
from jonas.outputs.metadata import reproduction_number

INFECTED = FAMILIES["jonas"].infected


def test_halfbies_make_the_jonas_r0_infinite_and_the_run_says_why() -> None:
    prepared = jonas.prepare("hyosan")
    found = reproduction_number(prepared.scenario, prepared.model)
    assert found is not None and found["value"] is None
    # only the halfbies are trapped: the bitten turn, the zombies are destroyed
    assert found["reason"].startswith("H never leaves the infected compartments")
    assert found["growth_rate"] > 0


def test_with_halfbies_hunted_the_jonas_r0_is_a_number() -> None:
    # season 2's hunt: people kill halfbies, so they leave the infected too
    model = jonas.prepare("hyosan", ["parameters.hunt=0.1"]).model
    found = initial_r0(model, INFECTED)
    assert found["value"] is not None and found["value"] > 1
    assert "reason" not in found and "growth_rate" not in found


def test_the_growth_rate_matches_closed_forms() -> None:
    # SIR: r = β − γ; Munz's basic SZR (mass action): r = (β − α)·S0
    sir = jonas.prepare("sir").model
    p = sir.parameters
    dfe = {"S": float(sir.x0.sum())}
    assert growth_rate(sir, ["I"], dfe) == pytest.approx(p["beta"] - p["gamma"])
    munz = jonas.prepare("munz-basic").model
    p = munz.parameters
    s0 = float(munz.totals(munz.x0)[munz.compartments.index("S")])
    got = growth_rate(munz, ["Z"], {"S": s0})
    assert got == pytest.approx((p["beta"] - p["alpha"]) * s0)
    assert undefined_r0(munz, ["Z"], {"S": s0}) is None  # finite there


def test_the_jonas_growth_rate_is_the_ode_s_early_growth() -> None:
    """Without fear (which slows bites as it spreads) and before the response, the ODE's
    infected grow at the rate of the linearisation, once the start's transient is over."""
    sets = ["run.t_end=8.0", "run.output_every=0.25", "parameters.phi_see=0.0",
            "parameters.phi_spread=0.0", "parameters.leave=0.0"]  # fmt: skip
    result = jonas.run("hyosan", engine="ode", overrides=sets)
    r = initial_r0(result.model, INFECTED)["growth_rate"]  # 0.546 per hour
    infected = sum(result.series(c)[0] for c in ("E", "L", "Z", "H"))
    late = result.times >= 4.0  # (at first 0.34 per hour: only the bitten, none turned)
    slope = np.polyfit(result.times[late], np.log(infected[late]), 1)[0]
    assert slope == pytest.approx(r, rel=2e-3)


def test_compartments_nobody_enters_take_no_part() -> None:
    # Zl (zombies lured away) fills only by a lure's flow: with the halfbies hunted, R0 is
    # finite whether or not Zl counts as infected
    model = jonas.prepare("hyosan", ["parameters.hunt=0.1"]).model
    totals = model.totals(model.x0)
    dfe = {c: float(totals[i]) for i, c in enumerate(model.compartments) if c not in INFECTED}
    with_zl = next_generation_r0(model, [c for c in INFECTED if c in model.compartments], dfe)
    without = next_generation_r0(model, ["E", "Ef", "L", "Z", "H"], dfe)
    assert math.isfinite(with_zl) and with_zl == pytest.approx(without)


def test_metapop_r0_is_each_region_s() -> None:
    prepared = jonas.prepare("korea")
    found = reproduction_number(prepared.scenario, prepared.model)
    # its [initial] holds only the first bitten: the regions hold the people, in S
    assert found["at"] == "each region with everyone in S"
    assert found["reason"].startswith("H never leaves")
    hyosan = jonas.prepare("hyosan", ["parameters.leave=0.0"])
    alone = reproduction_number(hyosan.scenario, hyosan.model)
    assert found["growth_rate"] == pytest.approx(alone["growth_rate"], rel=1e-6)
    # frequency-dependent: a region's R0 is any region's; under mass action it is not one
    sir = initial_r0(jonas.prepare("sir").model, ["I"], regions_hold="S")
    assert sir["value"] == pytest.approx(3.0)
    munz = initial_r0(jonas.prepare("munz-basic").model, ["Z"], regions_hold="S")
    assert munz["value"] is None and "mass action" in munz["reason"]
