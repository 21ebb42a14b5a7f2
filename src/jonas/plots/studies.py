"""Figures of studies: a comparison's paired differences, and a sweep's metric against its
grid (``compare.png``, ``sweep/plots/*.png``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def plot_compare(result: dict[str, Any]) -> Any:
    """Each metric's mean difference relative to A's mean, with its 95% interval."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = [
        (name, d)
        for name, d in result["differences"].items()
        if d.get("difference") is not None and d.get("mean_a")
    ]
    figure, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * max(len(rows), 1)), layout="constrained")
    for y, (_, d) in enumerate(rows):
        scale = 100 / abs(d["mean_a"])
        low, high = d["ci95"]
        if low is not None:
            ax.plot([low * scale, high * scale], [y, y], color="tab:blue", linewidth=3)
        ax.plot(d["difference"] * scale, y, "o", color="black")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows])
    ax.set_xlabel("B − A, % of A's mean (mean and 95% interval, paired replicates)")
    ax.set_title(f"B: {result['b']['label']}\nA: {result['a']['label']}", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    return figure


def plot_sweep(
    table: dict[str, list[Any]], keys: list[str], name: str, unit: str, title: str
) -> Any:
    """A metric against the first grid key: the median with its 5–95% band (a yes/no
    metric: its probability with its 95% Wilson interval), one line per combination of
    the other keys."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7.5, 4.5), layout="constrained")
    yes_no = f"{name}:probability" in table
    centre, below, above = (
        ("probability", "ci_low", "ci_high") if yes_no else ("median", "q05", "q95")
    )
    x_key, others = keys[0], keys[1:]
    rows = range(len(table["point"]))
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i in rows:
        groups.setdefault(tuple(table[k][i] for k in others), []).append(i)
    numeric = all(isinstance(table[x_key][i], int | float) for i in rows)
    for combo, members in groups.items():
        xs = [table[x_key][i] for i in members]
        positions = xs if numeric else list(range(len(xs)))
        med = np.array([_nan(table[f"{name}:{centre}"][i]) for i in members])
        low = np.array([_nan(table[f"{name}:{below}"][i]) for i in members])
        high = np.array([_nan(table[f"{name}:{above}"][i]) for i in members])
        label = ", ".join(f"{k} = {v}" for k, v in zip(others, combo, strict=True)) or None
        (line,) = ax.plot(positions, med, marker="o", label=label)
        ax.fill_between(positions, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        if not numeric:
            ax.set_xticks(positions, [str(x) for x in xs])
    ax.set_xlabel(x_key)
    if yes_no:
        ax.set_ylabel(f"{name}: probability")
        ax.set_title(f"{title}: {name} — probability and its 95% interval (Wilson)", fontsize=10)
    else:
        ax.set_ylabel(f"{name} ({unit})")
        ax.set_title(f"{title}: {name} — median and 5–95% of the replicates", fontsize=10)
    if others:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def _nan(v: float | None) -> float:
    return math.nan if v is None else float(v)
