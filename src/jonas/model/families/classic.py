"""The published zombie models (Munz et al. 2009; Alemi et al. 2015) and textbook SIR.

Equations are in ../docs/models.md with the printed sources. Munz et al. use mass action
with density dependence (βSZ); SIR and Alemi et al. are written frequency-dependent
(βSZ/N) so that β is a per-person rate independent of the population size.
"""

from __future__ import annotations

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

CLASSIC_FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "sir",
            "Kermack–McKendrick SIR, frequency-dependent: R0 = beta/gamma",
            ("beta", "gamma"),
            _sir,
            infected=("I",),
            zombies=("I",),
        ),
        Family(
            "munz-basic",
            "Munz et al. 2009 basic SZR: bites, resurrection, zombies destroyed",
            _MUNZ_PARAMS,
            _munz_basic,
            variants=("paper", "printed-code"),
            infected=("Z",),
            zombies=("Z",),
        ),
        Family(
            "munz-latent",
            "Munz et al. 2009 SIZR: a latent stage I between bite and turning",
            (*_MUNZ_PARAMS, "rho"),
            lambda variant: _latent_core(),
            stageable=_LATENT,
            infected=("I", "Z"),
            zombies=("Z",),
        ),
        Family(
            "munz-quarantine",
            "Munz et al. 2009 SIZRQ: infected and zombies quarantined, then killed",
            (*_MUNZ_PARAMS, "rho", "kappa", "sigma", "gamma"),
            lambda variant: _latent_core(with_quarantine=True),
            stageable=_LATENT,
            infected=("I", "Z", "Q"),
            zombies=("Z",),
        ),
        Family(
            "munz-treatment",
            "Munz et al. 2009 SIZR with a cure: zombies return to S at rate c",
            (*_MUNZ_PARAMS, "rho", "c"),
            lambda variant: _latent_core(with_cure=True),
            stageable=_LATENT,
            infected=("I", "Z"),
            zombies=("Z",),
        ),
        Family(
            "alemi-szr",
            "Alemi et al. 2015 fully mixed SZR: bite rate beta, kill rate kappa",
            ("beta", "kappa"),
            _alemi_szr,
            infected=("Z",),
            zombies=("Z",),
        ),
    )
}
