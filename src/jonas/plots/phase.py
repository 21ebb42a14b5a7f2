"""Pictures for a lesson: the S–Z phase portrait (``phase.png``) and the lattice's zombie
cluster (``lattice.png``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the runs a phase portrait draws (one line each)
PHASE_RUNS = 20


def phase_portrait(
    humans: np.ndarray, zombies: np.ndarray, title: str, x_label: str, y_label: str
) -> Figure:
    """Each run's path in the (humans, zombies) plane (runs × times each): where it
    starts (a dot), where it ends (a cross). A path that falls back to the humans' axis is
    an outbreak the humans won; one that ends on the zombies' axis, one the zombies won."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 6), layout="constrained")
    runs = min(len(humans), PHASE_RUNS)
    for r in range(runs):
        ax.plot(humans[r], zombies[r], color="#d62728", linewidth=0.9, alpha=0.6)
        ax.plot(humans[r, -1], zombies[r, -1], "x", color="black", markersize=6)
    ax.plot(humans[0, 0], zombies[0, 0], "o", color="black", markersize=6, label="start")
    ax.plot([], [], "x", color="black", label="end of a run")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    shown = f" ({runs} of {len(humans)} runs)" if len(humans) > 1 else ""
    ax.set_title(f"{title}: the phase portrait{shown}", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure


def lattice_picture(grid: np.ndarray, title: str) -> Figure:
    """An L×L lattice's final states (0 human, 1 zombie, 2 removed): the zombie cluster
    and the dead that walled it in."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colours = ("#cfe3f3", "#d62728", "#4d4d4d")
    figure, ax = plt.subplots(figsize=(7, 6.4), layout="constrained")
    ax.imshow(grid, cmap=ListedColormap(colours), vmin=0, vmax=2, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    size = grid.shape[0]
    counts = [int((grid == k).sum()) for k in range(3)]
    names = ("human", "zombie", "removed (killed zombie)")
    ax.legend(
        handles=[Patch(color=c, label=f"{n}: {k:,}") for c, n, k in zip(colours, names, counts,
                                                                          strict=True)],
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
    )  # fmt: skip
    ax.set_title(f"{title}: the first run's lattice at its end ({size}×{size})", fontsize=10)
    return figure
