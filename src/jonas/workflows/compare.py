"""``jonas compare``: two scenarios (or one with different overrides) on the same seeds,
and the paired differences B − A of every metric, with 95% confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines import get, metric_names
from jonas.errors import JonasError
from jonas.files import write_atomic, write_json
from jonas.metrics import Z95, is_yes_no, wilson_interval
from jonas.outputs import RunFolder
from jonas.plots.studies import plot_compare
from jonas.version import __version__
from jonas.workflows.variants import Execution, Variant, load_variant, run_variants


def label(source: str, overrides: list[str]) -> str:
    """How a variant is named: its source and its overrides."""
    return source + (f" with {', '.join(overrides)}" if overrides else "")


def compare(
    a: str,
    b: str,
    overrides_a: list[str],
    overrides_b: list[str],
    run_options: dict[str, Any],
    folder: Path,
    how: Execution | None = None,
) -> dict[str, Any]:
    """Run A into ``folder/a`` and B into ``folder/b`` on the same seeds; write
    compare.json and compare.png; return compare.json's contents."""
    if b == a and overrides_a == overrides_b:
        raise JonasError(
            "compare: A and B are the same; give a second scenario or --b-set (or --a-set)"
        )
    variants = [
        Variant(label(a, overrides_a), a, overrides_a, folder / "a"),
        Variant(label(b, overrides_b), b, overrides_b, folder / "b"),
    ]
    metas = run_variants(variants, run_options, how or Execution())
    scenarios = [load_variant(v, run_options).scenario for v in variants]
    names = [n for n in metric_names(scenarios[0]) if n in metric_names(scenarios[1])]
    tables = [RunFolder(v.folder).table() for v in variants]
    units = {n: metas[0]["summary"]["metrics"][n]["unit"] for n in names}
    yes_no = {n for n, unit in units.items() if is_yes_no(unit)}
    result = {
        "jonas_version": __version__,
        "a": {"label": variants[0].label, "source": a, "overrides": overrides_a},
        "b": {"label": variants[1].label, "source": b, "overrides": overrides_b},
        "seed": metas[0]["seed"],
        "engine": metas[0]["engine"],
        "replicates": metas[0]["replicates"],
        "differences": paired_differences(
            tables[0], tables[1], names, yes_no, get(metas[0]["engine"]).deterministic
        ),
        "units": units,
    }
    write_json(folder / "compare.json", result)
    import matplotlib.pyplot as plt

    figure = plot_compare(result)
    write_atomic(folder / "compare.png", lambda p: figure.savefig(p, format="png", dpi=120))
    plt.close(figure)
    return result


def paired_differences(
    a: dict[str, np.ndarray],
    b: dict[str, np.ndarray],
    names: list[str],
    yes_no: Collection[str] = (),
    deterministic: bool = False,
) -> dict[str, dict[str, Any]]:
    """B − A for each metric, replicate by replicate: mean, its standard error and 95%
    confidence interval (Student t), the median difference, the share of replicates where B
    is higher, and how much pairing narrowed the interval (SE if the two ensembles had been
    independent, over the paired SE).

    For the ``yes_no`` metrics the means are probabilities: each comes with its 95% Wilson
    interval (``ci95_a``, ``ci95_b``; none when ``deterministic``: the ODE's one course has
    no sampling error), and the difference's interval is Newcombe's for
    paired proportions (:func:`paired_proportion_interval`), which keeps within [−1, 1]
    and its coverage where Student's t fails (all pairs alike, probabilities near 0 or 1)."""
    from scipy import stats

    order_a = np.argsort(a["replicate"])
    order_b = np.argsort(b["replicate"])
    if not np.array_equal(a["replicate"][order_a], b["replicate"][order_b]):
        raise JonasError("the two runs do not hold the same replicates; run both in full")
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        x, y = a[name][order_a].astype(float), b[name][order_b].astype(float)
        both = ~(np.isnan(x) | np.isnan(y))
        d = y[both] - x[both]
        n = int(d.size)
        row: dict[str, Any] = {"pairs": n, "missing": int(both.size - n)}
        if n == 0:
            out[name] = row | {"mean_a": None, "mean_b": None, "difference": None}
            continue
        se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        half = float(stats.t.ppf(0.975, n - 1) * se) if n > 1 else math.nan
        unpaired = math.sqrt((x[both].var(ddof=1) + y[both].var(ddof=1)) / n) if n > 1 else math.nan
        row |= {
            "mean_a": float(x[both].mean()),
            "mean_b": float(y[both].mean()),
            "difference": float(d.mean()),
            "se": _finite(se),
            "ci95": [_finite(d.mean() - half), _finite(d.mean() + half)],
            "median_difference": float(np.median(d)),
            "share_b_higher": float(np.mean(d > 0)),
            "share_equal": float(np.mean(d == 0)),
            "variance_reduction": _finite(unpaired / se) if se > 0 else None,
        }
        if name in yes_no:
            yes_a, yes_b = x[both] == 1, y[both] == 1
            row |= {
                "ci95_a": list(wilson_interval(float(yes_a.sum()), n)),
                "ci95_b": list(wilson_interval(float(yes_b.sum()), n)),
                "ci95": list(
                    paired_proportion_interval(
                        int((yes_a & yes_b).sum()),
                        int((yes_a & ~yes_b).sum()),
                        int((~yes_a & yes_b).sum()),
                        int((~yes_a & ~yes_b).sum()),
                    )
                ),
                "interval": "Newcombe (1998) paired score interval",
            }
            if deterministic:  # one course (the ODE): no sampling error to bound
                row |= {"ci95_a": [None, None], "ci95_b": [None, None], "ci95": [None, None]}
        out[name] = row
    return out


def paired_proportion_interval(
    both: int, only_a: int, only_b: int, neither: int, z: float = Z95
) -> tuple[float, float]:
    """95% interval of p_B − p_A from paired yes/no outcomes (the counts of pairs where both
    say yes, A alone, B alone, neither): Newcombe's (1998) method 10, the Wilson intervals
    of p_A and p_B combined with the pairs' correlation φ (Statistics in Medicine 17:2635;
    worked in Altman et al. 2000, Statistics with Confidence, p. 52).
    Positively correlated pairs (common random numbers) narrow it."""
    n = both + only_a + only_b + neither
    if n == 0:
        return (-1.0, 1.0)
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    low_a, high_a = wilson_interval(both + only_a, n, z)
    low_b, high_b = wilson_interval(both + only_b, n, z)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    # φ with Newcombe's correction: a positive cross product less n/2, so that a small
    # chance correlation does not narrow the interval (as Altman et al. 2000, p. 52, work it)
    cross = both * neither - only_a * only_b
    cross = cross - n / 2 if cross > n / 2 else min(cross, 0)
    phi = cross / math.sqrt(margins) if margins > 0 else 0.0
    d = p_b - p_a
    below = math.sqrt(
        max(
            0.0,
            (p_b - low_b) ** 2 - 2 * phi * (p_b - low_b) * (high_a - p_a) + (high_a - p_a) ** 2,
        )
    )
    above = math.sqrt(
        max(
            0.0,
            (high_b - p_b) ** 2 - 2 * phi * (high_b - p_b) * (p_a - low_a) + (p_a - low_a) ** 2,
        )
    )
    return (max(-1.0, d - below), min(1.0, d + above))


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None
