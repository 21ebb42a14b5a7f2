"""Munz et al. (2009), "When zombies attack!", reproduced step by step with jonas.

Run it as ``python docs/teaching/munz_figures.py OUT [--quick]``: it writes one PNG per
figure into the folder OUT and prints the numbers a student should check. Every step uses
only the public API: ``jonas.run`` (a built-in scenario plus ``section.key=value``
overrides, exactly the ``--set`` of the command line), a result's ``.times``, ``.counts``
(replicates × times × compartments), ``.series(name)`` and ``.metrics()``, and the closed
forms in ``jonas.model.analysis``. ``--quick`` runs the same steps on coarser output grids
(the test suite uses it); the printed numbers do not change.

The figures:

1. ``munz_basic.png``: the basic SZR model's takeover, in the "paper" equations with one
   initial zombie and with none, and in the appendix's printed code (Euler, no −δS).
2. ``munz_latent.png``: the latent stage (SIZR) with the printed ρ = 0.005.
3. ``munz_quarantine.png``: quarantine (SIZRQ) and its R0, the paper's formula vs jonas's.
4. ``munz_treatment.png``: a cure, run until it settles on the endemic equilibrium.
5. ``munz_impulsive.png``: impulsive eradication, with and without the attacks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files only: the script also runs on machines without a display
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

import jonas
from jonas.model.analysis import initial_r0, munz_treatment_equilibrium

# Slide-sized pictures: large fonts, names rather than letters in the legends.
plt.rcParams.update(
    {
        "font.size": 15,
        "axes.titlesize": 17,
        "axes.labelsize": 15,
        "legend.fontsize": 13,
        "lines.linewidth": 2.5,
        "figure.dpi": 100,
    }
)
NAMES = {
    "S": "humans (S)",
    "I": "bitten, not yet turned (I)",
    "Z": "zombies (Z)",
    "R": "removed (R)",
    "Q": "quarantined (Q)",
}
COLOURS = {"S": "tab:blue", "I": "tab:orange", "Z": "tab:red", "R": "tab:gray", "Q": "tab:green"}


def first_time_below(times: np.ndarray, values: np.ndarray, level: float) -> float:
    """When ``values`` first falls below ``level`` (NaN if never), interpolated linearly
    between the two output times around the crossing, so that it does not depend on the
    output grid: how we read "half the humans are gone by day …" off a curve."""
    below = np.nonzero(values < level)[0]
    if below.size == 0:
        return float("nan")
    k = int(below[0])
    if k == 0:
        return float(times[0])
    v0, v1 = values[k - 1], values[k]
    return float(times[k - 1] + (v0 - level) / (v0 - v1) * (times[k] - times[k - 1]))


def draw(ax: Axes, result: jonas.Result, names: list[str], style: str = "-", tag: str = "") -> None:
    """Draw the first replicate's curves of ``names`` (an ODE run has only one)."""
    for name in names:
        label = NAMES[name] + (f", {tag}" if tag else "")
        ax.plot(result.times, result.series(name)[0], style, color=COLOURS[name], label=label)


def finish(ax: Axes, title: str, xlabel: str = "time (days)") -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("people")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")


def basic(out: Path, every: float) -> None:
    """Step 1: the basic model. Three runs of the same scenario, ``munz-basic``:

    - the paper's equations with one zombie at the start (jonas's built-in choice);
    - the paper's equations with no zombie at the start, as the appendix code does: the
      first zombies are the dead (δS → R) rising again (ζR → Z);
    - the appendix code itself: its equations drop −δS from S', and it takes Euler steps.
    """
    grid = [f"run.output_every={every}"]
    one = jonas.run("munz-basic", overrides=grid)
    none = jonas.run("munz-basic", overrides=[*grid, "initial.Z=0"])
    code = jonas.run(
        "munz-basic",
        overrides=[
            "model.variant=printed-code",
            "initial.Z=0",
            "run.method=euler",
            "run.dt=0.01",  # the appendix's step; output_every must stay a multiple of it
            *grid,
        ],
    )

    print("1. basic SZR model (munz-basic), N = 500")
    for label, result in [("one zombie", one), ("no zombie", none)]:
        half = first_time_below(result.times, result.series("S")[0], 250.0)
        print(f"   half the humans gone, {label} at the start: day {half:.1f}")
    final = {name: float(values[0]) for name, values in code.final().items()}
    total = sum(final.values())
    print(
        "   printed code at day 10: "
        f"S = {final['S']:.2f}, Z = {final['Z']:.2f}, R = {final['R']:.2f}, "
        f"S + Z + R = {total:.2f} (not conserved: the code keeps +δS in R' only)"
    )

    fig, axes = plt.subplots(1, 3, figsize=(18, 6), sharey=True)
    for ax, result, title in [
        (axes[0], one, "Paper's equations, one zombie at the start"),
        (axes[1], none, "Paper's equations, no zombie at the start"),
        (axes[2], code, "Printed appendix code (Euler, no zombie)"),
    ]:
        draw(ax, result, ["S", "Z"])
        finish(ax, title)
    fig.suptitle("Munz et al. (2009), basic model: the zombies take over", fontsize=19)
    fig.tight_layout()
    fig.savefig(out / "munz_basic.png")
    plt.close(fig)


def latent(out: Path, every: float) -> None:
    """Step 2: the latent stage. With the printed ρ = 0.005 the mean latent period is
    1/ρ = 200 days, so the first month shows almost nothing; 1,000 days show the outbreak.
    The paper's latent figure cannot be drawn from the printed values."""
    month = jonas.run("munz-latent", overrides=[f"run.output_every={every}"])
    long = jonas.run("munz-latent", overrides=["run.t_end=1000", f"run.output_every={10 * every}"])
    half = first_time_below(long.times, long.series("S")[0], 250.0)
    print("2. latent stage (munz-latent), rho = 0.005: mean latent period 200 days")
    print(f"   humans at day 30: S = {float(month.final()['S'][0]):.1f}")
    print(f"   half the humans gone: day {half:.0f}")

    fig, axes = plt.subplots(1, 2, figsize=(16, 6))
    draw(axes[0], month, ["S", "I", "Z"])
    finish(axes[0], "The first 30 days: almost nothing happens")
    draw(axes[1], long, ["S", "I", "Z", "R"])
    axes[1].axvline(half, color="k", ls=":", lw=1.5)
    finish(axes[1], f"1,000 days: half the humans gone by day {half:.0f}")
    fig.suptitle("Munz et al. (2009), latent infection (printed ρ = 0.005)", fontsize=19)
    fig.tight_layout()
    fig.savefig(out / "munz_latent.png")
    plt.close(fig)


def quarantine(out: Path, every: float) -> None:
    """Step 3: quarantine. κ, σ and γ are not printed; the scenario's values are ours.
    The paper's R0 = βNρ / ((ρ+κ)(αN+σ)) leaves out natural death δ of the bitten; the
    next-generation matrix of the compiled model (what ``jonas run`` prints) keeps it."""
    result = jonas.run("munz-quarantine", overrides=["run.t_end=200", f"run.output_every={every}"])
    p = result.model.parameters
    n = 500.0  # the paper writes its formula for N = 500 humans (the scenario adds a zombie)
    paper = p["beta"] * n * p["rho"] / ((p["rho"] + p["kappa"]) * (p["alpha"] * n + p["sigma"]))
    ngm = float(initial_r0(result.model, ["I", "Z", "Q"])["value"])  # type: ignore[arg-type]
    print("3. quarantine (munz-quarantine), kappa, sigma, gamma ours")
    print(f"   R0 paper formula = {paper:.3f}, next-generation matrix (with delta) = {ngm:.3f}")

    fig, ax = plt.subplots(figsize=(10, 6))
    draw(ax, result, ["S", "I", "Z", "Q"])
    finish(ax, f"Munz et al. (2009), quarantine: R0 = {ngm:.2f}")
    fig.tight_layout()
    fig.savefig(out / "munz_quarantine.png")
    plt.close(fig)


def treatment(out: Path, quick: bool) -> None:
    """Step 4: a cure (Z → S at rate c, ours). The outbreak does not end: it settles on an
    endemic state, which ``munz_treatment_equilibrium`` gives in closed form. With
    ζ = 0.0001 the removed rise slowly, so the approach takes tens of thousands of days."""
    every = 500 if quick else 100
    result = jonas.run(
        "munz-treatment", overrides=["run.t_end=100000", f"run.output_every={every}"]
    )
    n = float(result.counts[0, 0].sum())
    exact = munz_treatment_equilibrium(n, **result.model.parameters)
    final = {name: float(values[0]) for name, values in result.final().items()}
    print("4. treatment (munz-treatment), cure c = 0.05 ours")
    for name in ["S", "I", "Z", "R"]:
        print(f"   {name} at day 100000 = {final[name]:.4f}, equilibrium = {exact[name]:.4f}")

    # Left: the outbreak itself, on a fine grid; right: the slow approach to the
    # equilibrium on log axes, where the few humans, bitten and zombies left are visible.
    early = jonas.run("munz-treatment", overrides=["run.t_end=3000", "run.output_every=5"])
    fig, axes = plt.subplots(1, 2, figsize=(17, 6.5))
    draw(axes[0], early, ["S", "I", "Z", "R"])
    finish(axes[0], "The outbreak: 3,000 days")
    late = result.times >= 100
    for name in ["S", "I", "Z"]:
        axes[1].loglog(
            result.times[late], result.series(name)[0][late], color=COLOURS[name], label=NAMES[name]
        )
        axes[1].axhline(exact[name], color=COLOURS[name], ls=":", lw=2)
    finish(axes[1], "Settling (dotted: the closed-form equilibrium)")
    fig.suptitle("Munz et al. (2009), treatment (cure c = 0.05): an endemic state", fontsize=19)
    fig.tight_layout()
    fig.savefig(out / "munz_treatment.png")
    plt.close(fig)


def impulsive(out: Path, every: float) -> None:
    """Step 5: impulsive eradication. Attacks at t = 2.5, 5, 7.5, 10 remove k·n of the
    zombies (k = 0.25, n the attack number), so the 4th removes them all. Compare with the
    same scenario whose attacks remove nothing (``interventions.0.fraction=0``)."""
    grid = ["run.t_end=60", f"run.output_every={every}"]
    attacks = jonas.run("munz-impulsive", overrides=grid)
    without = jonas.run("munz-impulsive", overrides=[*grid, "interventions.0.fraction=0"])
    gone = {
        label: first_time_below(r.times, r.series("S")[0], 1.0)
        for label, r in [("with", attacks), ("without", without)]
    }
    at10 = float(attacks.series("Z")[0][np.searchsorted(attacks.times, 10.0)])
    print("5. impulsive eradication (munz-impulsive), k = 0.25, attacks at 2.5, 5, 7.5, 10")
    print(f"   zombies just after attack 4 (t = 10): {at10:.3f}")
    print(
        f"   fewer than one human left: day {gone['with']:.1f} with the attacks, "
        f"day {gone['without']:.1f} without"
    )

    fig, ax = plt.subplots(figsize=(12, 6.5))
    draw(ax, attacks, ["S", "Z"], "-", "with attacks")
    draw(ax, without, ["S", "Z"], "--", "no attacks")
    for t in (2.5, 5.0, 7.5, 10.0):
        ax.axvline(t, color="k", ls=":", lw=1)
    finish(ax, "Munz et al. (2009), impulsive eradication: the dead rise again")
    fig.tight_layout()
    fig.savefig(out / "munz_impulsive.png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--quick", action="store_true", help="coarser grids (for the tests)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # A coarser output grid only thins the points drawn: the ODE steps as it needs to,
    # and every time printed here falls on both grids.
    every = 0.1 if args.quick else 0.05
    basic(args.out, every)
    latent(args.out, every)
    quarantine(args.out, every)
    treatment(args.out, args.quick)
    impulsive(args.out, every)
    print(f"wrote {', '.join(sorted(p.name for p in args.out.glob('munz_*.png')))} to {args.out}")


if __name__ == "__main__":
    main()
