"""Heterogeneity statistics: Cochran's Q, I², H² and the 'typical' within-study variance.

* Q = Σ wᵢ (yᵢ − θ)², wᵢ = 1/vᵢ, around the fixed-effect estimate θ (or, for
  Mantel-Haenszel analyses, around the MH estimate, as RevMan 5 does).
* Q-based (Higgins & Thompson 2002; RevMan): I² = max(0, (Q − df)/Q), H² = Q/df.
* tau²-based (metafor's random-effects models): I² = τ²/(τ² + s²), H² = (τ² + s²)/s², with
  s² = (k − 1) Σw / ((Σw)² − Σw²) (Higgins & Thompson 2002, eq. 9).
I² is returned in percent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extraction.pooling.base import chi2_p

__all__ = [
    "Heterogeneity",
    "cochran_q",
    "q_based",
    "tau2_based",
    "typical_variance",
]


@dataclass(frozen=True, slots=True)
class Heterogeneity:
    q: float
    df: int
    p: float
    i2: float
    h2: float


def cochran_q(yi: np.ndarray, vi: np.ndarray, centre: float | None = None) -> float:
    """Q around ``centre`` (default: the inverse-variance fixed-effect estimate)."""
    w = 1 / vi
    if centre is None:
        centre = float(np.sum(w * yi) / np.sum(w))
    return float(np.sum(w * (yi - centre) ** 2))


def q_based(q: float, df: int) -> Heterogeneity:
    """I² = max(0, (Q − df)/Q) and H² = Q/df."""
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    h2 = q / df if df > 0 else float("nan")
    return Heterogeneity(q=q, df=df, p=chi2_p(q, df), i2=i2, h2=h2)


def typical_variance(vi: np.ndarray) -> float:
    """s² = (k − 1) Σw / ((Σw)² − Σw²)."""
    w = 1 / vi
    k = w.size
    return float((k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)))


def tau2_based(tau2: float, vi: np.ndarray) -> tuple[float, float]:
    """(I² in percent, H²) from tau² and the within-study variances."""
    s2 = typical_variance(vi)
    return 100 * tau2 / (tau2 + s2), (tau2 + s2) / s2
