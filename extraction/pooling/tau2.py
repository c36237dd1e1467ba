"""Between-study variance (tau²) estimators and the Q-profile confidence interval.

Registered in ``TAU2_ESTIMATORS``:

* ``DL``   DerSimonian & Laird (1986): τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)).
* ``REML`` restricted maximum likelihood, Fisher scoring (as metafor), iterated to
  |Δτ²| < 1e-10 (metafor stops at 1e-5, so its printed values can differ in the 5th digit);
  τ² is kept >= 0 and a boundary solution at 0 is accepted when the score there is <= 0.
  If Fisher scoring fails to converge, a bounded one-dimensional maximisation of the
  REML likelihood is tried, and ``converged`` reports the outcome.
* ``PM``   Paule & Mandel (1982): the τ² where the generalised Q equals k − 1, or 0 when
  Q(0) <= k − 1 (solved with Brent's method).

:func:`q_profile_ci` is the Q-profile interval of Viechtbauer (2007), as metafor's
``confint`` gives it. Every estimator returns τ² >= 0 (a negative value is never reported:
the guard statsmodels' DL lacks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from extraction.pooling.base import TAU2_ESTIMATORS
from extraction.pooling.heterogeneity import cochran_q
from extraction.pooling.zeroin import zeroin

__all__ = [
    "CI_SOLVERS",
    "Tau2Estimate",
    "dl_from_q",
    "estimate_tau2",
    "generalised_q",
    "q_profile_ci",
]

_TOL = 1e-10
_MAXITER = 1000


@dataclass(frozen=True, slots=True)
class Tau2Estimate:
    tau2: float
    se: float | None = None
    converged: bool = True
    iterations: int = 0


def generalised_q(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    """Σ wᵢ (yᵢ − μ̂)² with wᵢ = 1/(vᵢ + τ²) and μ̂ the weighted mean under those weights."""
    w = 1 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mu) ** 2))


def dl_from_q(q: float, vi: np.ndarray) -> float:
    """The DerSimonian-Laird τ² for a given Q (RevMan uses the MH-centred Q for MH analyses)."""
    w = 1 / vi
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - (vi.size - 1)) / c)) if c > 0 else 0.0


@TAU2_ESTIMATORS.register("DL")
def dersimonian_laird(yi: np.ndarray, vi: np.ndarray) -> Tau2Estimate:
    return Tau2Estimate(dl_from_q(cochran_q(yi, vi), vi))


def _reml_parts(yi: np.ndarray, vi: np.ndarray, tau2: float) -> tuple[float, float]:
    """(yPPy − tr P, tr PP) for the intercept-only model at τ²."""
    w = 1 / (vi + tau2)
    sw = np.sum(w)
    mu = np.sum(w * yi) / sw
    py = w * (yi - mu)
    tr_p = sw - np.sum(w**2) / sw
    tr_pp = np.sum(w**2) - 2 * np.sum(w**3) / sw + np.sum(w**2) ** 2 / sw**2
    return float(np.sum(py**2) - tr_p), float(tr_pp)


def _reml_loglik(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    w = 1 / (vi + tau2)
    sw = np.sum(w)
    mu = np.sum(w * yi) / sw
    return float(-0.5 * (np.sum(np.log(vi + tau2)) + math.log(sw) + np.sum(w * (yi - mu) ** 2)))


@TAU2_ESTIMATORS.register("REML")
def reml(yi: np.ndarray, vi: np.ndarray) -> Tau2Estimate:
    tau2 = dl_from_q(cochran_q(yi, vi), vi)
    for iteration in range(1, _MAXITER + 1):
        score, info = _reml_parts(yi, vi, tau2)
        if tau2 == 0.0 and score <= 0:
            return Tau2Estimate(0.0, math.sqrt(2 / info), True, iteration)
        step = score / info
        new = max(0.0, tau2 + step)
        if abs(new - tau2) < _TOL * (1 + tau2):
            tau2 = new
            _, info = _reml_parts(yi, vi, tau2)
            return Tau2Estimate(tau2, math.sqrt(2 / info), True, iteration)
        tau2 = new
    # Fisher scoring did not settle: maximise the REML likelihood directly.
    upper = max(10 * tau2, 10 * float(np.var(yi)) + float(np.max(vi)), 1.0)
    found = optimize.minimize_scalar(
        lambda t: -_reml_loglik(yi, vi, t), bounds=(0.0, upper), method="bounded",
        options={"xatol": 1e-12, "maxiter": 2000},
    )
    tau2 = float(max(0.0, found.x))
    _, info = _reml_parts(yi, vi, tau2)
    return Tau2Estimate(tau2, math.sqrt(2 / info), bool(found.success), _MAXITER)


def _solve_q(yi: np.ndarray, vi: np.ndarray, target: float) -> float:
    """The τ² >= 0 where the generalised Q (decreasing in τ²) equals ``target``; 0 if Q(0) <= it."""
    if generalised_q(yi, vi, 0.0) <= target:
        return 0.0
    upper = max(1.0, float(np.var(yi)), float(np.max(vi)))
    while generalised_q(yi, vi, upper) > target:
        upper *= 4
        if upper > 1e300:
            raise ArithmeticError("could not bracket the generalised Q equation")
    return float(
        optimize.brentq(
            lambda t: generalised_q(yi, vi, t) - target, 0.0, upper, xtol=1e-14, rtol=1e-14,
            maxiter=500,
        )
    )


@TAU2_ESTIMATORS.register("PM")
def paule_mandel(yi: np.ndarray, vi: np.ndarray) -> Tau2Estimate:
    return Tau2Estimate(_solve_q(yi, vi, vi.size - 1))


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, *, method: str) -> Tau2Estimate:
    """Estimate τ² with a registered estimator (k >= 2)."""
    if yi.size < 2:
        raise ValueError("tau² needs at least two studies")
    return TAU2_ESTIMATORS.get(method)(yi, vi)


CI_SOLVERS = ("exact", "r-uniroot")


def q_profile_ci(
    yi: np.ndarray, vi: np.ndarray, *, level: float = 95, solver: str = "exact",
    tau2: float = 0.0,
) -> tuple[float, float]:
    """Q-profile interval for τ²: the τ² where Q_gen equals the χ²(k − 1) quantiles.

    Each bound is truncated at 0 (when Q_gen(0) is already below the quantile).
    ``solver="exact"`` solves to machine precision; ``"r-uniroot"`` follows metafor's
    ``confint``: R's uniroot on [0, max(100, 10 τ²)] with its default tolerance (see
    :mod:`extraction.pooling.zeroin`), and a bound beyond 100 is reported as that limit.
    """
    if solver not in CI_SOLVERS:
        raise ValueError(f"Unknown solver {solver!r}. Available: {', '.join(CI_SOLVERS)}")
    df = yi.size - 1
    alpha = 1 - level / 100
    targets = (float(stats.chi2.ppf(1 - alpha / 2, df)), float(stats.chi2.ppf(alpha / 2, df)))
    if solver == "exact":
        return _solve_q(yi, vi, targets[0]), _solve_q(yi, vi, targets[1])
    upper = max(100.0, 10 * tau2)
    bounds = []
    for target in targets:
        if generalised_q(yi, vi, 0.0) < target:
            bounds.append(0.0)
        elif generalised_q(yi, vi, upper) > target:
            bounds.append(upper)
        else:
            bounds.append(zeroin(lambda t, c=target: generalised_q(yi, vi, t) - c, 0.0, upper))
    return bounds[0], bounds[1]
