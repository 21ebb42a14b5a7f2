"""Deprecated (jonas 0.2): the analysis of published models is :mod:`jonas.model.analysis`.
This alias goes in jonas 0.3."""

import warnings

from jonas.model.analysis import (
    alemi_human_win_probability,
    alemi_szr_closed_form,
    munz_treatment_equilibrium,
    next_generation_r0,
    sir_final_size,
    sir_final_size_distribution,
    sir_peak_prevalence,
)

__all__ = [
    "alemi_human_win_probability",
    "alemi_szr_closed_form",
    "munz_treatment_equilibrium",
    "next_generation_r0",
    "sir_final_size",
    "sir_final_size_distribution",
    "sir_peak_prevalence",
]

warnings.warn("jonas.analysis is now jonas.model.analysis", DeprecationWarning, stacklevel=2)
