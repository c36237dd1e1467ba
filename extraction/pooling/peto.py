"""Peto's one-step odds ratio (Yusuf et al. 1985), fixed effect only.

ln ψ = Σ(Oᵢ − Eᵢ) / ΣVᵢ, var = 1/ΣVᵢ; Q = Σ(Oᵢ − Eᵢ)²/Vᵢ − (Σ(Oᵢ − Eᵢ))²/ΣVᵢ with
k_pos − 1 degrees of freedom, k_pos the studies with Vᵢ > 0. No continuity correction
(metafor's default). A study with no events, or only events, in both arms has V = 0: it is
shown as not estimable and adds nothing (it still counts in k, as in metafor).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from extraction.effects import cells, double_zero_note, peto_effects, peto_parts
from extraction.errors import PoolingError
from extraction.pooling.base import chi2_p, normal_p, z_quantile
from extraction.pooling.heterogeneity import q_based
from extraction.pooling.iv import ONE_STUDY_WARNING
from extraction.pooling.result import PoolResult, StudyResult
from extraction.studies import BinaryStudy

__all__ = ["pool_peto"]


def pool_peto(
    studies: Sequence[BinaryStudy], *, model: str = "fixed", level: float = 95,
    profile: str | None = None,
) -> PoolResult:
    """Peto odds ratio (log scale) with its heterogeneity statistics."""
    if model != "fixed":
        raise PoolingError("Peto's method is fixed-effect only; use --model fixed")
    if not studies:
        raise PoolingError("no studies to pool")
    per_study = peto_effects(studies)
    parts = np.array([peto_parts(*cells(s)) for s in studies], float)
    o_e, v = parts[:, 0], parts[:, 1]
    total_v = float(v.sum())
    if total_v == 0:
        raise PoolingError(
            "Peto's odds ratio is not estimable: no study has both events and non-events"
        )
    estimate = float(o_e.sum() / total_v)
    se = math.sqrt(1 / total_v)
    crit = z_quantile(level)
    stat = estimate / se
    pos = v > 0
    k_pos = int(pos.sum())
    het: dict[str, object] = {}
    warnings: list[str] = []
    if k_pos >= 2:
        q = max(0.0, float((o_e[pos] ** 2 / v[pos]).sum() - o_e.sum() ** 2 / total_v))
        h = q_based(q, k_pos - 1)
        het = dict(q=q, q_df=k_pos - 1, q_p=chi2_p(q, k_pos - 1), i2=h.i2, h2=h.h2)
    else:
        warnings.append(ONE_STUDY_WARNING)
    rows = []
    for i, s in enumerate(studies):
        if pos[i]:
            y, sv = float(per_study.yi[i]), math.sqrt(per_study.vi[i])
            rows.append(StudyResult(s.study, y, sv, y - crit * sv, y + crit * sv,
                                    float(100 * v[i] / total_v), True, s.subgroup))
        else:
            rows.append(StudyResult(s.study, None, None, None, None, 0.0, False, s.subgroup,
                                    double_zero_note(*cells(s))))
    return PoolResult(
        measure="OR", method="Peto", model="fixed", level=level, k=len(studies),
        estimate=estimate, se=se, ci_low=estimate - crit * se, ci_high=estimate + crit * se,
        statistic=stat, p=normal_p(stat), log_scale=True, profile=profile,
        warnings=tuple(warnings), studies=tuple(rows), **het,  # type: ignore[arg-type]
    )
