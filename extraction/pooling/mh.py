"""Mantel-Haenszel pooling of RR, OR and RD from 2×2 tables.

* OR: ψ = Σ(aᵢdᵢ/Nᵢ) / Σ(bᵢcᵢ/Nᵢ); var ln ψ by Robins, Breslow & Greenland (1986).
* RR: ψ = Σ(aᵢn₂ᵢ/Nᵢ) / Σ(cᵢn₁ᵢ/Nᵢ); var ln ψ by Greenland & Robins (1985).
* RD: Σ((aᵢn₂ᵢ − cᵢn₁ᵢ)/Nᵢ) / Σ(n₁ᵢn₂ᵢ/Nᵢ); variance by Greenland & Robins (1985), as
  RevMan 5 uses, or by Sato, Greenland & Robins (1989), as metafor's ``rma.mh`` uses.

Heterogeneity: Q = Σ wᵢ (yᵢ − ψ̂)² with inverse-variance weights wᵢ of the per-study
estimates, *centred on the MH estimate* (RevMan's Chi²; metafor's ``rma.mh`` does the same).
Random effects (RevMan 5 only): τ² by DerSimonian-Laird from that Q, then inverse-variance
pooling of the per-study estimates with weights 1/(vᵢ + τ²).
For OR, the Cochran-Mantel-Haenszel test (with and without continuity correction) and
Tarone's heterogeneity test are reported in ``extra``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType

import numpy as np
from scipy import stats

from extraction.effects import (
    BINARY_MEASURES,
    EffectSizes,
    ZeroCellRule,
    binary_effects,
    cells,
    corrected_cells,
    double_zero_note,
)
from extraction.errors import PoolingError
from extraction.pooling.base import chi2_p, normal_p, z_quantile
from extraction.pooling.heterogeneity import q_based
from extraction.pooling.iv import ONE_STUDY_WARNING, pool_effects
from extraction.pooling.result import PoolResult, StudyResult
from extraction.pooling.tau2 import dl_from_q
from extraction.studies import BinaryStudy

__all__ = ["RD_VARIANCES", "mh_tests", "pool_mh"]

RD_VARIANCES = ("greenland-robins", "sato")
#: RevMan 5: 0.5 added to every cell of a study with a zero cell; double-zero studies not
#: estimable for RR and OR.
REVMAN_ZERO_CELLS = ZeroCellRule(0.5, "only0", frozenset({"RR", "OR"}))


def _estimate(measure: str, t: np.ndarray, rd_variance: str) -> tuple[float, float, np.ndarray]:
    """(estimate on the analysis scale, its SE, the MH weights) from cells t = [a, b, c, d]."""
    a, b, c, d = t
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        r_i, s_i = a * d / n, b * c / n
        r, s = r_i.sum(), s_i.sum()
        if r == 0 or s == 0:
            raise PoolingError("the Mantel-Haenszel odds ratio is not estimable (0 or infinite)")
        p_i, q_i = (a + d) / n, (b + c) / n
        var = 0.5 * ((p_i * r_i).sum() / r**2 + (p_i * s_i + q_i * r_i).sum() / (r * s)
                     + (q_i * s_i).sum() / s**2)
        return math.log(r / s), math.sqrt(var), s_i
    if measure == "RR":
        r_i, s_i = a * n2 / n, c * n1 / n
        r, s = r_i.sum(), s_i.sum()
        if r == 0 or s == 0:
            raise PoolingError(
                "the Mantel-Haenszel risk ratio is not estimable (no events in an arm)")
        var = (n1 * n2 * (a + c) / n**2 - a * c / n).sum() / (r * s)
        return math.log(r / s), math.sqrt(var), s_i
    w = n1 * n2 / n
    sw = w.sum()
    rd = ((a * n2 - c * n1) / n).sum() / sw
    if rd_variance == "sato":
        p = ((n1**2 * c - n2**2 * a + n1 * n2 * (n2 - n1) / 2) / n**2).sum()
        q = ((a * (n2 - c) + c * (n1 - a)) / (2 * n)).sum()
        var = (rd * p + q) / sw**2
    else:
        var = ((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)).sum() / sw**2
    return rd, math.sqrt(var), w


def mh_tests(t: np.ndarray, odds_ratio: float) -> dict[str, float]:
    """CMH test (with/without 0.5 continuity correction) and Tarone's test for an OR."""
    a, b, c, d = t
    n1, n2 = a + b, c + d
    n = n1 + n2
    xt, yt = a + c, b + d
    out: dict[str, float] = {}
    denom = (n1 / n * n2 / n * xt * yt / (n - 1)).sum()
    dev = abs((a - n1 / n * xt).sum())
    if denom > 0:
        for name, corr in (("cmh", 0.5), ("cmh_uncorrected", 0.0)):
            value = max(0.0, dev - corr) ** 2 / denom
            out[name], out[f"{name}_p"] = value, float(stats.chi2.sf(value, 1))
    if odds_ratio == 1:
        n11 = n1 / n * xt
    else:
        aa = odds_ratio * (n1 + xt) + (n2 - xt)
        bb = np.sqrt(aa**2 - 4 * n1 * xt * odds_ratio * (odds_ratio - 1))
        n11 = (aa - bb) / (2 * (odds_ratio - 1))
    pos = (n11 > 0) & (xt > 0) & (yt > 0)
    if pos.sum() > 1:
        e11 = n11[pos]
        e12, e21 = n1[pos] - e11, xt[pos] - e11
        e22 = e11 - n1[pos] - xt[pos] + n[pos]
        inv = 1 / (1 / e11 + 1 / e12 + 1 / e21 + 1 / e22)
        bd = max(0.0, float(((a[pos] - e11) ** 2 / inv).sum()))
        tarone = max(0.0, bd - float((a[pos] - e11).sum() ** 2 / inv.sum()))
        df = int(pos.sum()) - 1
        out.update(breslow_day=bd, breslow_day_p=float(stats.chi2.sf(bd, df)),
                   tarone=tarone, tarone_df=float(df), tarone_p=float(stats.chi2.sf(tarone, df)))
    return out


def pool_mh(
    studies: Sequence[BinaryStudy],
    *,
    measure: str,
    model: str = "fixed",
    level: float = 95,
    cells_rule: ZeroCellRule = REVMAN_ZERO_CELLS,
    q_rule: ZeroCellRule = REVMAN_ZERO_CELLS,
    rd_variance: str = "greenland-robins",
    random_effects: bool = True,
    hk: bool = False,
    prediction: bool = False,
    i2: str = "q",
    profile: str | None = None,
    ci_solver: str = "exact",
) -> PoolResult:
    """Mantel-Haenszel pooled RR, OR or RD (the defaults are RevMan 5's rules).

    ``cells_rule`` corrects the tables entering the MH sums; ``q_rule`` the per-study
    estimates shown and used in Q. ``random_effects=False`` makes ``model="random"`` an
    error (metafor has no random-effects MH).
    """
    if measure not in BINARY_MEASURES:
        raise PoolingError(f"the Mantel-Haenszel method pools RR, OR or RD (got {measure})")
    if rd_variance not in RD_VARIANCES:
        raise PoolingError(f"Unknown RD variance {rd_variance!r}. Available: {RD_VARIANCES}")
    if model == "random" and not random_effects:
        raise PoolingError(
            "this profile has no random-effects Mantel-Haenszel analysis "
            "(metafor's rma.mh is fixed-effect only); use --method IV for random effects"
        )
    if not studies:
        raise PoolingError("no studies to pool")
    per_study = binary_effects(studies, measure=measure, rule=q_rule)
    ok = per_study.estimable
    log_scale = measure != "RD"

    rows, kept = [], []
    for s in studies:
        table = cells(s)
        if double_zero_note(*table) and measure in cells_rule.drop_double_zero:
            kept.append(False)
            rows.append(table)
            continue
        kept.append(True)
        rows.append(corrected_cells(table, cells_rule)[0])
    kept_mask = np.array(kept)
    if not kept_mask.any():
        raise PoolingError("no study is estimable (every study has no events in both arms)")
    t = np.array(rows, float).T[:, kept_mask]
    estimate, se, mh_w = _estimate(measure, t, rd_variance)
    if not (se > 0 and math.isfinite(se)):
        raise PoolingError(
            f"the Mantel-Haenszel {measure} has no variance: no study has both events and "
            "non-events"
        )
    weights = np.zeros(len(studies))
    weights[kept_mask] = 100 * mh_w / mh_w.sum()
    extra = mh_tests(t, math.exp(estimate)) if measure == "OR" else {}

    y, v = per_study.yi[ok], per_study.vi[ok]
    labels = list(per_study.labels)
    warnings: list[str] = []
    het: dict[str, object] = {}
    k_est = int(ok.sum())
    if k_est >= 2:
        q = max(0.0, float(np.sum((y - estimate) ** 2 / v)))
        h = q_based(q, k_est - 1)
        het = dict(q=q, q_df=k_est - 1, q_p=chi2_p(q, k_est - 1), i2=h.i2, h2=h.h2)
    else:
        warnings.append(ONE_STUDY_WARNING)

    if model == "random" and k_est >= 2:
        tau2 = dl_from_q(float(het["q"]), v)  # type: ignore[arg-type]
        random = pool_effects(
            y, v, model="random", tau2=tau2, q=float(het["q"]), hk=hk, level=level,  # type: ignore[arg-type]
            prediction=prediction, i2=i2, measure=measure, log_scale=log_scale, profile=profile,
            ci_solver=ci_solver,
            labels=[lab for lab, keep in zip(labels, ok, strict=True) if keep],
        )
        rand_w = np.zeros(len(studies))
        rand_w[ok] = [r.weight for r in random.studies]
        return _with_studies(random, per_study, rand_w, level=level, tau2_method="DL",
                             extra=extra, warnings=warnings)

    crit = z_quantile(level)
    stat = estimate / se
    result = PoolResult(
        measure=measure, method="MH", model=model, level=level, k=len(studies),
        estimate=estimate, se=se, ci_low=estimate - crit * se, ci_high=estimate + crit * se,
        statistic=stat, p=normal_p(stat), log_scale=log_scale, profile=profile,
        tau2_method="DL" if model == "random" else None, warnings=tuple(warnings),
        extra=MappingProxyType(extra), **het,  # type: ignore[arg-type]
    )
    return _with_studies(result, per_study, weights, level=level,
                         tau2_method=result.tau2_method, extra=extra, warnings=warnings)


def _with_studies(
    result: PoolResult, per_study: EffectSizes, weights: np.ndarray, *, level: float,
    tau2_method: str | None, extra: dict[str, float], warnings: list[str],
) -> PoolResult:
    """``result`` as an MH result: every study's row (MH weights, not-estimable ones too)."""
    crit = z_quantile(level)
    rows = []
    for i, label in enumerate(per_study.labels):
        y, v = float(per_study.yi[i]), float(per_study.vi[i])
        if math.isfinite(y) and math.isfinite(v) and v > 0:
            se = math.sqrt(v)
            rows.append(StudyResult(label, y, se, y - crit * se, y + crit * se,
                                    float(weights[i]), True, per_study.subgroups[i],
                                    per_study.notes[i]))
        else:
            rows.append(StudyResult(label, None, None, None, None, float(weights[i]), False,
                                    per_study.subgroups[i], per_study.notes[i]))
    return replace(result, method="MH", k=len(per_study.labels), tau2_method=tau2_method,
                   studies=tuple(rows), extra=MappingProxyType(dict(extra)),
                   warnings=tuple(dict.fromkeys((*result.warnings, *warnings))))
