"""The recall curve of simulated screenings: recall against records screened."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["plot_recall"]


def plot_recall(screened: Sequence[np.ndarray], n_total: int, stops: Sequence[float],
                path: Path, *, title: str = "") -> Path:
    """One curve per seed (records screened in order, 1 = relevant), the random-order
    baseline, the 95 % recall line and each seed's statistical stop point; a PNG."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    figure = Figure(figsize=(7, 4.5), dpi=110)
    axes = figure.add_subplot()
    for index, labels in enumerate(screened):
        full = np.concatenate([labels, np.zeros(n_total - len(labels), dtype=np.int64)])
        recall = np.concatenate([[0.0], np.cumsum(full) / full.sum()])
        x = np.arange(recall.size)
        axes.plot(x, recall, lw=1.2, color=f"C{index % 10}",
                  label="ranked screening" if index == 0 else None)
        stop = int(stops[index])
        axes.plot([stop], [recall[stop]], marker="o", color="black", ms=5,
                  label="statistical stop (95 % target)" if index == 0 else None)
    axes.plot([0, n_total], [0, 1], ls="--", color="grey", label="random order")
    axes.axhline(0.95, ls=":", color="grey", lw=0.8)
    axes.set_xlim(0, n_total)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("records screened")
    axes.set_ylabel("recall")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
