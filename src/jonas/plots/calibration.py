"""Figures of a calibration: the posterior of each fitted value, and the posterior-predictive
check of each target."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class Fitted(Protocol):
    """A value fitted (a targets file's ``[[fit]]``): its key, its prior and where the prior
    has most of its mass."""

    key: str
    prior: str

    def bounds(self) -> tuple[float, float]: ...


class Aimed(Protocol):
    """A figure aimed at (a target): its value and one unit of distance."""

    value: float

    @property
    def unit(self) -> float: ...


def _grid(count: int) -> tuple[Any, list[Any]]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 3.2 * rows), layout="constrained", squeeze=False
    )
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    return figure, flat[:count]


def plot_posterior(
    fits: Sequence[Fitted],
    samples: dict[str, np.ndarray],
    weights: np.ndarray,
    fitted: dict[str, dict[str, Any]],
) -> Figure:
    """Weighted histograms of the final population, the prior's range shaded, the
    scenario's default value (dashed) and the 90% interval (dotted)."""
    figure, axes = _grid(len(fits))
    for ax, fit in zip(axes, fits, strict=True):
        low, high = fit.bounds()
        ax.axvspan(low, high, color="grey", alpha=0.1, label=f"prior ({fit.prior})")
        ax.hist(
            samples[fit.key],
            bins=25,
            weights=weights,
            color="tab:blue",
            alpha=0.7,
            label="posterior",
        )
        info = fitted[fit.key]
        for q in ("q05", "q95"):
            ax.axvline(info[q], color="tab:blue", linestyle=":")
        if isinstance(info["default"], int | float):
            ax.axvline(info["default"], color="black", linestyle="--", label="scenario default")
        ax.set_title(f"{fit.key}\n{info['mean']:.4g} ± {info['sd']:.2g}", fontsize=9)
        ax.legend(fontsize=7)
    figure.suptitle("posterior (weighted) of the final ABC-SMC population", fontsize=10)
    return figure


def plot_predictive(targets: dict[str, Aimed], predictive: dict[str, np.ndarray]) -> Figure:
    """Each target: simulations at values drawn from the posterior, against the target and
    the band of one unit of distance (its tolerance) around it."""
    figure, axes = _grid(len(targets))
    for ax, (name, target) in zip(axes, targets.items(), strict=True):
        values = predictive[name][np.isfinite(predictive[name])]
        ax.axvspan(
            target.value - target.unit,
            target.value + target.unit,
            color="tab:green",
            alpha=0.2,
            label="target ± tolerance",
        )
        ax.axvline(target.value, color="tab:green")
        if values.size:
            ax.hist(values, bins=20, color="tab:orange", alpha=0.8, label="predictive")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    figure.suptitle(
        f"posterior-predictive check ({len(next(iter(predictive.values())))} simulations)",
        fontsize=10,
    )
    return figure
