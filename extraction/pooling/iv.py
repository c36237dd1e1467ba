"""Inverse-variance pooling of effects and variances, fixed or random effects.

:func:`pool_effects` is the pure core every IV analysis (MD, SMD, RR, OR, RD, GIV) goes
through: ``pool_effects(yi, vi, model=..., tau2_method=...) -> PoolResult``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from extraction.errors import PoolingError
from extraction.pooling.base import (
    TAU2_ESTIMATORS,
    as_arrays,
    chi2_p,
    normal_p,
    t_quantile,
    z_quantile,
)
from extraction.pooling.fixed import weighted_mean
from extraction.pooling.heterogeneity import cochran_q, q_based, tau2_based
from extraction.pooling.result import PoolResult, StudyResult
from extraction.pooling.tau2 import estimate_tau2, q_profile_ci

__all__ = ["ONE_STUDY_WARNING", "pool_effects", "study_results"]

ONE_STUDY_WARNING = (
    "only one study: no heterogeneity statistics; the pooled result is that study's own estimate"
)
MODELS = ("fixed", "random")
I2_CONVENTIONS = ("q", "tau2")


def study_results(
    labels: Sequence[str], yi: np.ndarray, vi: np.ndarray, weights: np.ndarray, *, level: float,
    subgroups: Sequence[str | None] | None = None, notes: Sequence[str | None] | None = None,
) -> tuple[StudyResult, ...]:
    """Per-study estimate, Wald interval (normal quantile) and weight in percent."""
    crit = z_quantile(level)
    rows = []
    for i, label in enumerate(labels):
        se = math.sqrt(vi[i])
        rows.append(StudyResult(
            study=label, estimate=float(yi[i]), se=se, ci_low=float(yi[i] - crit * se),
            ci_high=float(yi[i] + crit * se), weight=float(weights[i]),
            subgroup=subgroups[i] if subgroups else None, note=notes[i] if notes else None,
        ))
    return tuple(rows)


def check_options(model: str, i2: str) -> None:
    if model not in MODELS:
        raise PoolingError(f"Unknown model {model!r}. Available: {', '.join(MODELS)}")
    if i2 not in I2_CONVENTIONS:
        raise PoolingError(f"Unknown I² convention {i2!r}. Available: q, tau2")


def pool_effects(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    *,
    model: str = "fixed",
    tau2_method: str = "DL",
    hk: bool = False,
    level: float = 95,
    prediction: bool = False,
    i2: str = "q",
    labels: Sequence[str] | None = None,
    subgroups: Sequence[str | None] | None = None,
    measure: str = "GIV",
    log_scale: bool = False,
    profile: str | None = None,
    tau2: float | None = None,
    q: float | None = None,
    ci_solver: str = "exact",
) -> PoolResult:
    """Inverse-variance pooled estimate of effects ``yi`` with sampling variances ``vi``.

    Parameters
    ----------
    model : "fixed" or "random"
    tau2_method : a registered τ² estimator (``DL``, ``REML``, ``PM``), for random effects
    hk : Hartung-Knapp-Sidik-Jonkman interval and t test (random effects, k >= 2)
    prediction : add a prediction interval (random effects, k >= 2): μ̂ ± c·√(se² + τ²),
        c the normal quantile, or t(k − 1) with ``hk`` (metafor's ``predict``)
    i2 : "q" for I² = (Q − df)/Q (RevMan), "tau2" for τ²/(τ² + s²) (metafor, random effects)
    tau2, q : a τ² to use instead of estimating it, and the Q to report (RevMan's
        Mantel-Haenszel random-effects analysis passes its MH-centred Q and the DL τ² from it)
    ci_solver : how the Q-profile interval of τ² is solved: "exact", or "r-uniroot" to
        repeat metafor's ``confint`` (see :func:`~extraction.pooling.tau2.q_profile_ci`)

    Returns a :class:`PoolResult`; k = 1 gives that study's estimate, no heterogeneity
    statistics and a warning. k = 0 or bad values raise :class:`PoolingError`.
    """
    check_options(model, i2)
    if model == "random" and tau2 is None:
        tau2_method = TAU2_ESTIMATORS.canonical(tau2_method)
    try:
        y, v = as_arrays(yi, vi)
    except ValueError as exc:
        raise PoolingError(f"cannot pool: {exc}") from exc
    k = y.size
    if k == 0:
        raise PoolingError("no studies to pool")
    names = list(labels) if labels is not None else [f"study {i + 1}" for i in range(k)]
    if len(names) != k:
        raise PoolingError(f"{k} effects but {len(names)} study labels")
    warnings: list[str] = []
    common = dict(measure=measure, method="IV", model=model, level=level, k=k,
                  log_scale=log_scale, profile=profile)

    if k == 1:
        warnings.append(ONE_STUDY_WARNING)
        if hk:
            warnings.append("Hartung-Knapp needs two or more studies; a z test was used")
        est, se = float(y[0]), math.sqrt(v[0])
        crit = z_quantile(level)
        return PoolResult(
            estimate=est, se=se, ci_low=est - crit * se, ci_high=est + crit * se,
            statistic=est / se, p=normal_p(est / se),
            tau2_method=tau2_method if model == "random" else None,
            warnings=tuple(warnings),
            studies=study_results(names, y, v, np.array([100.0]), level=level,
                                  subgroups=subgroups),
            **common,
        )

    q_iv = cochran_q(y, v) if q is None else q
    het = q_based(q_iv, k - 1)
    fields: dict[str, object] = dict(q=het.q, q_df=het.df, q_p=chi2_p(het.q, het.df),
                                     i2=het.i2, h2=het.h2)
    converged = True
    if model == "fixed":
        pooled = weighted_mean(y, v, level=level)
    else:
        if tau2 is None:
            est = estimate_tau2(y, v, method=tau2_method)
            tau2, converged = est.tau2, est.converged
            fields["tau2_se"] = est.se
            if not converged:
                warnings.append(f"the {tau2_method} estimate of tau² did not converge")
        pooled = weighted_mean(y, v, tau2=tau2, level=level, hk=hk)
        low, high = q_profile_ci(y, v, level=level, solver=ci_solver, tau2=tau2)
        fields.update(tau2=tau2, tau2_ci_low=low, tau2_ci_high=high)
        if i2 == "tau2":
            fields["i2"], fields["h2"] = tau2_based(tau2, v)
            fields["i2_ci_low"], fields["h2_ci_low"] = tau2_based(low, v)
            fields["i2_ci_high"], fields["h2_ci_high"] = tau2_based(high, v)
        if prediction:
            crit = t_quantile(level, k - 1) if pooled.test == "t" else z_quantile(level)
            half = crit * math.sqrt(pooled.se**2 + tau2)
            fields.update(pi_low=pooled.estimate - half, pi_high=pooled.estimate + half)
    return PoolResult(
        estimate=pooled.estimate, se=pooled.se, ci_low=pooled.ci_low, ci_high=pooled.ci_high,
        statistic=pooled.statistic, p=pooled.p, test=pooled.test, df=pooled.df,
        tau2_method=tau2_method if model == "random" else None, converged=converged,
        warnings=tuple(warnings),
        studies=study_results(names, y, v, pooled.weights, level=level, subgroups=subgroups),
        **common, **fields,  # type: ignore[arg-type]
    )
