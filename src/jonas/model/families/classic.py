"""The published zombie models (Munz et al. 2009; Alemi et al. 2015) and textbook SIR.

Equations are in ../docs/models.md with the printed sources. Munz et al. use mass action
with density dependence (βSZ); SIR and Alemi et al. are written frequency-dependent
(βSZ/N) so that β is a per-person rate independent of the population size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from jonas.metrics import Metric, RunView
from jonas.model.families.family import Family, Structure, t

_MUNZ_PARAMS = ("Pi", "alpha", "beta", "zeta", "delta")


def _munz_basic(variant: str) -> Structure:
    # S' = Π − βSZ − δS ;  Z' = βSZ + ζR − αSZ ;  R' = δS + αSZ − ζR
    natural_death = (
        t("S", "R", "delta", name="natural death")
        if variant == "paper"
        # The appendix code drops −δS from S' but keeps +δS in R': deaths that leave no
        # gap among the living, so the population grows by δS per unit time.
        else t(None, "R", "delta", by="S", name="natural death (printed code: S not reduced)")
    )
    return Structure(
        ("S", "Z", "R"),
        (
            t(None, "S", "Pi", name="births"),
            t("S", "Z", "beta", by="Z", name="bite"),
            natural_death,
            t("R", "Z", "zeta", name="resurrection"),
            t("Z", "R", "alpha", by="S", name="zombie destroyed"),
        ),
    )


def _latent_core(with_quarantine: bool = False, with_cure: bool = False) -> Structure:
    # S' = Π − βSZ − δS (+cZ) ; I' = βSZ − ρI − δI (−κI) ; Z' = ρI + ζR − αSZ (−σZ) (−cZ)
    # R' = δS + δI + αSZ − ζR (+γQ) ; Q' = κI + σZ − γQ
    compartments = ["S", "I", "Z", "R"]
    transitions = [
        t(None, "S", "Pi", name="births"),
        t("S", "I", "beta", by="Z", name="bite"),
        t("I", "Z", "rho", name="turning"),
        t("S", "R", "delta", name="natural death"),
        t("I", "R", "delta", name="natural death of infected"),
        t("R", "Z", "zeta", name="resurrection"),
        t("Z", "R", "alpha", by="S", name="zombie destroyed"),
    ]
    if with_quarantine:
        compartments.append("Q")
        transitions += [
            t("I", "Q", "kappa", name="infected quarantined"),
            t("Z", "Q", "sigma", name="zombie quarantined"),
            t("Q", "R", "gamma", name="quarantined killed"),
        ]
    if with_cure:
        transitions.append(t("Z", "S", "c", name="cure"))
    return Structure(tuple(compartments), tuple(transitions))


def _sir(variant: str) -> Structure:
    return Structure(
        ("S", "I", "R"),
        (
            t("S", "I", "beta", by="I", mixing="frequency", name="infection"),
            t("I", "R", "gamma", name="recovery"),
        ),
    )


def _alemi_szr(variant: str) -> Structure:
    # S' = −βSZ/N ;  Z' = (β − κ)SZ/N ;  R' = κSZ/N ;  α = κ/β
    return Structure(
        ("S", "Z", "R"),
        (
            t("S", "Z", "beta", by="Z", mixing="frequency", name="bite"),
            t("Z", "R", "kappa", by="S", mixing="frequency", name="zombie killed"),
        ),
    )


_LATENT = {"I": "turning"}

#: a group is gone when less than half a person of it is left: 0 on the engines that count
#: people, and what the ODE's amounts, which only tend to 0, come down to
GONE = 0.5
#: an SIR outbreak is minor when fewer than this share of the people were ever infected
MINOR = 0.1


@dataclass(frozen=True)
class Outcomes:
    """A classic family's metrics (``metrics``) and how they are computed (call it with a
    :class:`RunView`): the peak of each group the family names (its zombies, and its
    infected where they are more) and when it came (the first time at the peak), the final
    size where the counts tell it exactly, and who won.

    ``final_size``: count those ever infected as the first infected plus everyone S lost,
    exact only when S loses people to infection alone (no births, deaths or cures: SIR,
    Alemi et al.'s SZR); Munz et al.'s S also loses natural deaths and gains births and
    cures, which counts cannot tell apart, so their families report the humans left.
    With ``zombies`` the verdict is humans against zombies (humans win: nobody infected is
    left while humans remain; zombies win: no human is left); without, an epidemic's (a
    minor outbreak; the outbreak over)."""

    infected: tuple[str, ...]
    zombies: tuple[str, ...] | None
    final_size: bool

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        if self.zombies is None:
            return {"infected": self.infected}
        more = {"infected": self.infected} if self.infected != self.zombies else {}
        return {"zombies": self.zombies, **more}

    @property
    def metrics(self) -> tuple[Metric, ...]:
        found: list[Metric] = []
        if self.final_size:
            found.append(
                Metric("final_size", description="ever infected, the first infected included")
            )
        if self.zombies is not None:
            found.append(Metric("humans_left", description="humans (S) left at the end"))
        for label in self.groups:
            found += [
                Metric(f"peak_{label}", description=f"the most {label} at once"),
                Metric(f"time_of_peak_{label}", "time", f"when the {label} first peaked"),
            ]
        if self.zombies is not None:
            found += [
                Metric("humans_win", "(1 = yes)", "nobody infected left, humans remain"),
                Metric("zombies_win", "(1 = yes)", "no human left"),
            ]
        else:
            found += [
                Metric(
                    "minor_outbreak",
                    "(1 = yes)",
                    f"fewer than {MINOR:.0%} of the people were ever infected",
                ),
                Metric("outbreak_over", "(1 = yes)", "nobody infected left at the end"),
            ]
        return tuple(found)

    def __call__(self, run: RunView) -> dict[str, np.ndarray]:
        humans = run.total(("S",))
        infected = run.total(self.infected)
        out: dict[str, np.ndarray] = {}
        ever = infected[:, 0] + humans[:, 0] - humans[:, -1]
        if self.final_size:
            out["final_size"] = ever
        if self.zombies is not None:
            out["humans_left"] = humans[:, -1]
        for label, names in self.groups.items():
            curve = run.total(names)
            out[f"peak_{label}"] = curve.max(axis=1)
            out[f"time_of_peak_{label}"] = run.times[curve.argmax(axis=1)]
        over = infected[:, -1] < GONE
        if self.zombies is not None:
            out["humans_win"] = (over & (humans[:, -1] >= GONE)).astype(float)
            out["zombies_win"] = (humans[:, -1] < GONE).astype(float)
        else:
            people = run.counts[:, 0, :].sum(axis=1)
            out["minor_outbreak"] = (ever < MINOR * people).astype(float)
            out["outbreak_over"] = over.astype(float)
        return out


#: what the letters stand for in plots: a slide says "zombies (Z)", not "Z"
ZOMBIE_STORY = {
    "S": "humans (S)",
    "I": "bitten, turning (I)",
    "Z": "zombies (Z)",
    "R": "removed: dead or destroyed (R)",
    "Q": "quarantined (Q)",
}
EPIDEMIC_STORY = {"S": "susceptible (S)", "I": "infected (I)", "R": "recovered (R)"}


def _scored(family: Family, *, final_size: bool, versus: bool = True) -> Family:
    """The family with its outcome metrics (:class:`Outcomes`), its R0 reported and its
    compartments named in plots."""
    outcomes = Outcomes(family.infected, family.zombies if versus else None, final_size)
    words = ZOMBIE_STORY if versus else EPIDEMIC_STORY
    groups = {words[c]: (c,) for c in family.build(family.variants[0]).compartments}
    return replace(family, metrics=outcomes.metrics, metric_values=outcomes, reports_r0=True,
                   plot_groups=groups)  # fmt: skip


CLASSIC_FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        _scored(
            Family(
                "sir",
                "Kermack–McKendrick SIR, frequency-dependent: R0 = beta/gamma",
                ("beta", "gamma"),
                _sir,
                infected=("I",),
                zombies=("I",),
            ),
            final_size=True,
            versus=False,
        ),
        _scored(
            Family(
                "munz-basic",
                "Munz et al. 2009 basic SZR: bites, resurrection, zombies destroyed",
                _MUNZ_PARAMS,
                _munz_basic,
                variants=("paper", "printed-code"),
                infected=("Z",),
                zombies=("Z",),
            ),
            final_size=False,
        ),
        _scored(
            Family(
                "munz-latent",
                "Munz et al. 2009 SIZR: a latent stage I between bite and turning",
                (*_MUNZ_PARAMS, "rho"),
                lambda variant: _latent_core(),
                stageable=_LATENT,
                infected=("I", "Z"),
                zombies=("Z",),
            ),
            final_size=False,
        ),
        _scored(
            Family(
                "munz-quarantine",
                "Munz et al. 2009 SIZRQ: infected and zombies quarantined, then killed",
                (*_MUNZ_PARAMS, "rho", "kappa", "sigma", "gamma"),
                lambda variant: _latent_core(with_quarantine=True),
                stageable=_LATENT,
                infected=("I", "Z", "Q"),
                zombies=("Z",),
            ),
            final_size=False,
        ),
        _scored(
            Family(
                "munz-treatment",
                "Munz et al. 2009 SIZR with a cure: zombies return to S at rate c",
                (*_MUNZ_PARAMS, "rho", "c"),
                lambda variant: _latent_core(with_cure=True),
                stageable=_LATENT,
                infected=("I", "Z"),
                zombies=("Z",),
            ),
            final_size=False,
        ),
        _scored(
            Family(
                "alemi-szr",
                "Alemi et al. 2015 fully mixed SZR: bite rate beta, kill rate kappa",
                ("beta", "kappa"),
                _alemi_szr,
                infected=("Z",),
                zombies=("Z",),
            ),
            final_size=True,
        ),
    )
}
