"""The test for subgroup differences.

Each subgroup is pooled with the analysis' own method and model; then
Q = Σ (θ̂_g − θ̄)² / se_g², θ̄ the inverse-variance mean of the subgroup estimates, with
G − 1 degrees of freedom, and I² = max(0, (Q − df)/Q) (RevMan 5's "Test for subgroup
differences"; for an inverse-variance fixed-effect analysis this equals
Q_total − Σ Q_within).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from extraction.pooling.heterogeneity import q_based
from extraction.pooling.result import PoolResult, SubgroupTest

__all__ = ["subgroup_test"]


def subgroup_test(results: Sequence[PoolResult]) -> SubgroupTest | None:
    """The between-subgroup Q test, or None with fewer than two subgroups."""
    if len(results) < 2:
        return None
    est = np.array([r.estimate for r in results], float)
    var = np.array([r.se**2 for r in results], float)
    w = 1 / var
    centre = float(np.sum(w * est) / np.sum(w))
    q = float(np.sum(w * (est - centre) ** 2))
    het = q_based(q, len(results) - 1)
    return SubgroupTest(q=q, df=het.df, p=het.p, i2=het.i2)
