"""Alemi et al. (2015), "You can run, you can hide", reproduced step by step with jonas.

Run it as ``python docs/teaching/alemi_figures.py OUT [--quick]``: it writes one PNG per
figure into the folder OUT and prints the numbers a student should check. It uses only the
public API (``jonas.run`` with ``--set``-style overrides; a result's ``.times``,
``.series(name)``, ``.metrics()``; the closed forms in ``jonas.model.analysis``).
``--quick`` runs fewer replicates and smaller lattices (the test suite uses it).

1. ``alemi_closed_form.png``: the fully mixed ODE against its exact solution.
2. ``alemi_humans_win.png``: P(humans win) against α = κ/β from stochastic (ssa)
   ensembles, against the exact probability and its large-population limit α.
3. ``alemi_lattice.png``: the lattice's percolation transition, P(reached the edge)
   against α on two lattice sizes.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files only: the script also runs on machines without a display
import matplotlib.pyplot as plt
import numpy as np

import jonas
from jonas.model.analysis import alemi_human_win_probability, alemi_szr_closed_form

plt.rcParams.update(
    {
        "font.size": 15,
        "axes.titlesize": 17,
        "axes.labelsize": 15,
        "legend.fontsize": 13,
        "lines.linewidth": 2.5,
    }
)


def wilson(p: float, n: int) -> tuple[float, float]:
    """Wilson's 95% interval of a share p of n yes/no outcomes (what jonas prints)."""
    z = 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def closed_form(out: Path) -> None:
    """Step 1: dZ/dS = −(1 − α) is constant, so Z = Z0 + (1 − α)(S0 − S) on every
    trajectory, and S(t) solves a logistic equation. Run the ODE engine and compare."""
    result = jonas.run("alemi-szr", engine="ode")
    p = result.model.parameters
    s0, z0 = float(result.series("S")[0, 0]), float(result.series("Z")[0, 0])
    s, z, r = alemi_szr_closed_form(result.times, s0, z0, p["beta"], p["kappa"])
    worst = max(
        float(np.max(np.abs(result.series(name)[0] - exact)))
        for name, exact in [("S", s), ("Z", z), ("R", r)]
    )
    alpha = p["kappa"] / p["beta"]
    print(f"1. fully mixed SZR (alemi-szr, ode), alpha = {alpha:.2f}")
    print(f"   largest |ODE - closed form| over S, Z, R = {worst:.1e} people")
    print(
        f"   zombies at the end: ODE {float(result.final()['Z'][0]):.2f}, "
        f"limit Z0 + (1 - alpha) S0 = {z0 + (1 - alpha) * s0:.2f}"
    )

    fig, ax = plt.subplots(figsize=(11, 6.5))
    for name, exact, colour, label in [
        ("S", s, "tab:blue", "humans"),
        ("Z", z, "tab:red", "zombies"),
        ("R", r, "tab:gray", "killed zombies"),
    ]:
        ax.plot(result.times, result.series(name)[0], color=colour, label=f"{label}: ODE")
        ax.plot(
            result.times[::40], exact[::40], "o", color=colour, ms=7, label=f"{label}: closed form"
        )
    ax.set_xlim(0, 80)  # the end is slow: the last humans fall one by one
    ax.set(
        xlabel="time (days)",
        ylabel="people",
        title=f"Alemi et al. (2015), fully mixed, α = {alpha:.1f}: ODE = closed form",
    )
    ax.grid(alpha=0.3)
    ax.legend(ncol=2)
    fig.tight_layout()
    fig.savefig(out / "alemi_closed_form.png")
    plt.close(fig)


def humans_win(out: Path, quick: bool) -> None:
    """Step 2: each S–Z encounter is a bite with probability 1/(1 + α), else a kill, so
    the number of zombies is a biased random walk. From one zombie among many humans it
    hits 0 (humans win) with probability α for α < 1 (gambler's ruin), and 1 for α ≥ 1.
    ``alemi_human_win_probability`` gives the exact value for a finite population."""
    alphas = (
        [0.4, 0.6, 0.8, 1.0, 1.2] if quick else [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
    )
    reps = 300 if quick else 2000
    print(f"2. P(humans win) from one zombie among 1,000 humans (ssa, {reps} runs per alpha)")
    simulated, low, high, exact = [], [], [], []
    for a in alphas:
        # beta = 1, so kappa = alpha; t_end long enough that (almost) every run is decided
        result = jonas.run(
            "alemi-szr",
            engine="ssa",
            replicates=reps,
            seed=1,
            overrides=[f"parameters.kappa={a}", "run.t_end=300"],
        )
        p = float(result.metrics()["humans_win"].mean())
        lo, hi = wilson(p, reps)
        simulated.append(p)
        low.append(lo)
        high.append(hi)
        exact.append(alemi_human_win_probability(1000, 1, a))
        print(
            f"   alpha = {a:.2f}: simulated {p:.3f} [{lo:.3f}-{hi:.3f}], "
            f"exact {exact[-1]:.4f}, large-S limit {min(a, 1.0):.2f}"
        )

    fig, ax = plt.subplots(figsize=(10, 6.5))
    fine = np.linspace(0.05, 1.3, 200)
    ax.plot(fine, np.minimum(fine, 1.0), color="k", ls=":", label="large population: min(α, 1)")
    ax.plot(
        alphas, exact, "s", color="tab:green", ms=11, mfc="none", mew=2, label="exact, 1,000 humans"
    )
    # interval arms, clipped at 0: at p = 1 the upper end equals p up to rounding
    err = np.clip([np.subtract(simulated, low), np.subtract(high, simulated)], 0.0, None)
    ax.errorbar(
        alphas,
        simulated,
        yerr=err,
        fmt="o",
        color="tab:blue",
        ms=7,
        capsize=5,
        label=f"simulated ({reps} runs, 95% interval)",
    )
    ax.set(
        xlabel="kill-to-bite ratio α = κ/β",
        ylabel="P(humans win)",
        title="Alemi et al. (2015): one zombie, fully mixed",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "alemi_humans_win.png")
    plt.close(fig)


def lattice(out: Path, quick: bool) -> None:
    """Step 3: on a square lattice a zombie reaches only its neighbours, and the dead
    block the way. Below a critical α_c (about 0.44, docs/models.md) a surviving outbreak
    grows without bound; above it, it stays finite. On a finite lattice we measure the
    chance that the zombies reach the edge: below α_c it is the same for every size, above
    it falls as the lattice grows. Where the curves part is the transition."""
    sizes = [17, 33] if quick else [33, 65]
    alphas = (
        [0.2, 0.4, 0.6, 0.8]
        if quick
        else [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8]
    )
    reps = 200 if quick else 1000
    print(f"3. lattice (alemi-lattice): P(reached the edge), {reps} outbreaks per point")
    fig, ax = plt.subplots(figsize=(10, 6.5))
    for size, marker in zip(sizes, "os", strict=False):
        probs = []
        for a in alphas:
            result = jonas.run(
                "alemi-lattice",
                replicates=reps,
                seed=1,
                overrides=[f"lattice.size={size}", f"parameters.kappa={a}"],
            )
            probs.append(float(result.metrics()["reached_edge"].mean()))
        print(
            f"   L = {size}: "
            + ", ".join(f"alpha {a}: {p:.3f}" for a, p in zip(alphas, probs, strict=True))
        )
        ax.plot(alphas, probs, marker=marker, ms=8, label=f"lattice {size} × {size}")
    ax.axvline(0.437, color="k", ls=":", label="α_c ≈ 0.437 (docs/models.md)")
    ax.set(
        xlabel="kill-to-bite ratio α = κ/β",
        ylabel="P(zombies reach the edge)",
        title="Alemi et al. (2015), lattice: a percolation transition",
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "alemi_lattice.png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("--quick", action="store_true", help="fewer runs (for the tests)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    closed_form(args.out)
    humans_win(args.out, args.quick)
    lattice(args.out, args.quick)
    print(f"wrote {', '.join(sorted(p.name for p in args.out.glob('alemi_*.png')))} to {args.out}")


if __name__ == "__main__":
    main()
