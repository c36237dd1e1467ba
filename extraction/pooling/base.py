"""Registries of the pooling plug-ins and small numeric helpers shared by the methods.

``TAU2_ESTIMATORS`` maps ``DL``, ``REML``, ``PM`` to functions ``f(yi, vi) -> Tau2Estimate``
(filled by :mod:`extraction.pooling.tau2`); ``PROFILES`` maps ``revman5`` and ``metafor`` to
:class:`~extraction.pooling.profiles.Profile` objects (filled by
:mod:`extraction.pooling.profiles`). An unknown name is a RegistryError listing the
available ones.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from extraction.registry import Registry

__all__ = [
    "POOLING_METHODS",
    "PROFILES",
    "TAU2_ESTIMATORS",
    "as_arrays",
    "normal_p",
    "z_quantile",
]

TAU2_ESTIMATORS: Registry[Any] = Registry("tau² estimator")
PROFILES: Registry[Any] = Registry("profile")
#: Pooling methods (names only; :mod:`extraction.analysis` dispatches on them).
POOLING_METHODS: Registry[str] = Registry("pooling method")
for _name in ("IV", "MH", "Peto"):
    POOLING_METHODS.register(_name)(_name)


def z_quantile(level: float) -> float:
    """The two-sided normal quantile for a confidence level in percent (95 -> 1.959964)."""
    if not 0 < level < 100:
        raise ValueError(f"level must be between 0 and 100 (got {level})")
    return float(stats.norm.ppf(1 - (1 - level / 100) / 2))


def t_quantile(level: float, df: int) -> float:
    return float(stats.t.ppf(1 - (1 - level / 100) / 2, df))


def normal_p(z: float) -> float:
    """Two-sided p value of a z statistic."""
    return float(2 * stats.norm.sf(abs(z)))


def chi2_p(q: float, df: int) -> float:
    return float(stats.chi2.sf(q, df)) if df > 0 else math.nan


def as_arrays(yi: Any, vi: Any) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays of equal length, finite, with positive variances (else ValueError)."""
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise ValueError(f"{y.size} effects but {v.size} variances")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise ValueError("effects and variances must be finite numbers")
    if np.any(v <= 0):
        raise ValueError("variances must be positive")
    return y, v
