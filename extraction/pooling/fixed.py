"""Inverse-variance pooling: the weighted mean, its standard error and Wald interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from extraction.pooling.base import normal_p, t_quantile, z_quantile

__all__ = ["Pooled", "weighted_mean"]


@dataclass(frozen=True, slots=True)
class Pooled:
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    p: float
    test: str
    df: int | None
    weights: np.ndarray  # percent


def weighted_mean(
    yi: np.ndarray, vi: np.ndarray, *, tau2: float = 0.0, level: float = 95, hk: bool = False
) -> Pooled:
    """Pool with weights 1/(vᵢ + τ²): fixed effect when τ² = 0, random effects otherwise.

    With ``hk`` (k >= 2), the Hartung-Knapp-Sidik-Jonkman variance
    Σ wᵢ(yᵢ − μ̂)² / ((k − 1) Σ wᵢ) and a t distribution with k − 1 df are used
    (metafor's ``test="knha"``; not truncated below at the usual variance).
    """
    w = 1 / (vi + tau2)
    sw = float(np.sum(w))
    mu = float(np.sum(w * yi) / sw)
    k = yi.size
    if hk and k >= 2:
        se = math.sqrt(float(np.sum(w * (yi - mu) ** 2)) / ((k - 1) * sw))
        df = k - 1
        crit = t_quantile(level, df)
        if se > 0:
            stat = mu / se
        else:  # every study has the same estimate
            stat = math.copysign(math.inf, mu) if mu else 0.0
        p = float(2 * stats.t.sf(abs(stat), df))
        return Pooled(mu, se, mu - crit * se, mu + crit * se, stat, p, "t", df, 100 * w / sw)
    se = math.sqrt(1 / sw)
    crit = z_quantile(level)
    stat = mu / se
    return Pooled(mu, se, mu - crit * se, mu + crit * se, stat, normal_p(stat), "z", None,
                  100 * w / sw)
