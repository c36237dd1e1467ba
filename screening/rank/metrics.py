"""Screening-simulation metrics from the order in which records were screened.

All counts include the prior records (the one relevant and one irrelevant record each
simulated screening starts from). With ``N`` records and ``R`` relevant:

* ``n_to_95`` / ``n_to_100``: records screened until ceil(0.95 R) / R relevant are found;
* ``wss_95`` = (N - n_to_95) / N - (1 - ceil(0.95 R) / R), and ``wss_100`` alike: the
  share of screening saved compared with random order at that recall;
* ``recall_at_10pct``: recall after screening ceil(0.10 N) records;
* ``atd``: average time to discovery, the mean over relevant records of the number of
  records screened when it was found, as a fraction of N.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["METRIC_KEYS", "n_to_recall", "recall_curve", "screening_metrics", "wss"]

#: The keys of each seed's metrics (and of their averages) in metrics.json.
METRIC_KEYS = ("wss_95", "wss_100", "recall_at_10pct", "n_to_95", "n_to_100", "atd",
               "stop_at", "recall_at_stop", "seconds")


def recall_curve(screened: Sequence[int] | np.ndarray) -> np.ndarray:
    """Recall after each record screened (entry i: after i + 1 records)."""
    labels = np.asarray(screened, dtype=np.int64)
    total = int(labels.sum())
    if total == 0:
        raise ValueError("no relevant records: recall is undefined")
    return np.cumsum(labels) / total


def n_to_recall(screened: Sequence[int] | np.ndarray, recall: float) -> int:
    """Records screened until ceil(recall * R) relevant records are found."""
    labels = np.asarray(screened, dtype=np.int64)
    needed = math.ceil(round(recall * int(labels.sum()), 9))
    found = np.cumsum(labels)
    return int(np.searchsorted(found, needed) + 1)


def wss(screened: Sequence[int] | np.ndarray, recall: float, n_total: int) -> float:
    """Work saved over sampling at ``recall`` (Cohen et al. 2006), with the recall actually
    reached (ceil(recall * R) / R) so that small reviews are not flattered."""
    labels = np.asarray(screened, dtype=np.int64)
    total = int(labels.sum())
    reached = math.ceil(round(recall * total, 9)) / total
    return (n_total - n_to_recall(labels, recall)) / n_total - (1.0 - reached)


def screening_metrics(screened: Sequence[int] | np.ndarray, n_total: int) -> dict[str, float]:
    """WSS@95, WSS@100, recall@10%, n_to_95, n_to_100 and ATD of one simulated screening.

    ``screened`` is the full order (every relevant record must be in it); records never
    screened count as screened after it.
    """
    labels = np.asarray(screened, dtype=np.int64)
    if labels.size > n_total:
        raise ValueError(f"{labels.size} records screened but only {n_total} in the review")
    curve = recall_curve(labels)
    at_10 = math.ceil(0.10 * n_total)
    positions = np.flatnonzero(labels) + 1
    return {
        "wss_95": wss(labels, 0.95, n_total),
        "wss_100": wss(labels, 1.0, n_total),
        "recall_at_10pct": float(curve[min(at_10, labels.size) - 1]) if at_10 else 0.0,
        "n_to_95": n_to_recall(labels, 0.95),
        "n_to_100": n_to_recall(labels, 1.0),
        "atd": float(positions.mean() / n_total),
    }
