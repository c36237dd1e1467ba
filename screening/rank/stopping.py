"""When to stop screening: a statistical rule you can defend, and a heuristic.

**Hypergeometric rule** (Callaghan & Müller-Hansen 2020, "Statistical stopping criteria for
automated screening in systematic reviews", Systematic Reviews 9:273). After screening by
rank, draw records at random from the ``n_urn`` records still unscreened and screen them.
With ``k`` relevant among the ``n`` drawn and ``r_before`` relevant found before the
sample, the null hypothesis "recall < target" is most favourable to us when the urn holds
the fewest relevant records consistent with it:

    K_tar = floor((r_before + k) / target - r_before) + 1

and its p-value is ``P(X <= k)`` for ``X ~ Hypergeometric(n_urn, K_tar, n)``. Stop when
p < alpha (alpha = 1 - confidence). :func:`hypergeometric_test` does this for an explicit
random sample.

:func:`ranked_stop_test` applies the same test to the records already screened by rank,
treating each run of the most recently screened records as if it were the random sample
(as the authors' ``buscar`` package does): the model puts likely relevant records first,
so the last ones screened hold *fewer* relevant records than a random sample would, which
makes the test conservative as long as the ranking is better than random. The smallest
p-value over those suffixes is reported.

That conservatism is costly: with few relevant records the test cannot stop before
nearly every record is screened (with 9 relevant, missing one is already below 95 %
recall, and a *random* sample only rules that out once it covers about 95 % of the urn).
``bias`` states how much better than random the ranking is assumed to be: the suffix is
then a draw from Fisher's noncentral hypergeometric distribution in which each relevant
record is ``bias`` times as likely as an irrelevant one to be drawn. The test stays
conservative while the ranking's real odds of surfacing a relevant record are at least
``bias``. :data:`RANKING_BIAS` (3) is what ``litsieve rank --status`` and simulations use;
``bias=1`` is the plain test above. On the 12 labelled reviews of benchmarks/ranking.py
bias 3 stopped with recall >= 0.95 in all 60 simulated screenings (5 seeds) of litsieve's
default ranking, saving 34 % of the screening on average; on ASReview's rankings of the
same reviews (60 runs) it saved 33 % (bias 1: 19 %), also never below 95 % recall. That
is evidence for these reviews, not a guarantee: on a ranking no better than random, bias
3 stops too early far more often than alpha (see the tests).

**Heuristic**: stop after ``n`` irrelevant records in a row. Simple and common, with no
guarantee at all about recall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln
from scipy.stats import hypergeom

__all__ = [
    "RANKING_BIAS",
    "StopTest",
    "hypergeom_cdf",
    "hypergeometric_test",
    "irrelevant_in_a_row",
    "minimum_sample",
    "ranked_stop_test",
    "remaining_estimate",
]


#: The odds by which the ranking is assumed to favour relevant records (see above).
RANKING_BIAS = 3.0


@dataclass(frozen=True)
class StopTest:
    """The outcome of a stopping test."""

    stop: bool
    p_value: float
    target: float
    alpha: float
    #: Relevant records estimated to be still unscreened, and its (1 - alpha) interval.
    remaining: float
    remaining_low: int
    remaining_high: int
    #: The sample the test used: size, relevant in it, and the urn it was drawn from.
    n_sample: int
    k_sample: int
    n_urn: int


def _log_choose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def hypergeom_cdf(k, n_urn, n_relevant, n_draws, odds: float = 1.0) -> np.ndarray:
    """P(X <= k) for X ~ Hypergeometric(urn size, relevant in it, draws), vectorised.

    With ``odds`` > 1, X follows Fisher's noncentral hypergeometric distribution instead:
    each relevant record is ``odds`` times as likely as an irrelevant one to be among the
    draws (``odds = 1`` is the ordinary, central distribution). Sums the probability mass
    over the support with log-gamma functions: as exact as :mod:`scipy.stats` here and far
    faster for the small counts of screening.
    """
    k, m, r, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                      for v in (k, n_urn, n_relevant, n_draws)))
    # The central cdf needs the mass up to k only; the noncentral one is normalised over
    # the whole support, up to min(r, n).
    top = k if odds == 1.0 else np.minimum(r, n)
    j = np.arange(int(top.max(initial=0)) + 1, dtype=np.float64)
    j = j.reshape((1,) * k.ndim + (-1,))
    k, m, r, n = (v[..., None] for v in (k, m, r, n))
    support = (j <= r) & (j <= n) & (n - j <= m - r)
    safe = np.where(support, j, 0.0)
    log_pmf = (_log_choose(np.maximum(r, safe), safe)
               + _log_choose(np.maximum(m - r, n - safe), n - safe) - _log_choose(m, n))
    if odds != 1.0:
        log_pmf = log_pmf + safe * np.log(odds)
        log_pmf = log_pmf - np.where(support, log_pmf, -np.inf).max(axis=-1, keepdims=True)
    mass = np.where(support, np.exp(np.where(support, log_pmf, -np.inf)), 0.0)
    below = np.where(j <= k, mass, 0.0).sum(axis=-1)
    total = 1.0 if odds == 1.0 else mass.sum(axis=-1)
    return np.minimum(below / total, 1.0)


def _k_target(r_before: np.ndarray | int, k: np.ndarray | int, target: float):
    return np.floor((np.asarray(r_before) + np.asarray(k)) / target
                    - np.asarray(r_before)) + 1


def _check(target: float, alpha: float) -> None:
    if not 0 < target <= 1:
        raise ValueError(f"recall target must be in (0, 1] (got {target})")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1) (got {alpha})")


def remaining_estimate(n_urn: int, n: int, k: int, *, alpha: float = 0.05
                       ) -> tuple[float, int, int]:
    """Relevant records left unscreened in an urn of ``n_urn`` after a random sample of
    ``n`` holding ``k``: the point estimate and an exact (Clopper-Pearson style)
    hypergeometric ``1 - alpha`` interval."""
    if n == 0:
        return float("nan"), 0, n_urn
    candidates = np.arange(k, n_urn - (n - k) + 1)  # urn totals consistent with the sample
    upper_tail = hypergeom.sf(k - 1, n_urn, candidates, n)  # P(X >= k | K)
    lower_tail = hypergeom.cdf(k, n_urn, candidates, n)  # P(X <= k | K)
    plausible_low = candidates[upper_tail > alpha / 2]
    plausible_high = candidates[lower_tail > alpha / 2]
    low = int(plausible_low.min()) if plausible_low.size else k
    high = int(plausible_high.max()) if plausible_high.size else n_urn - (n - k)
    point = k / n * n_urn - k
    return point, low - k, high - k


def hypergeometric_test(*, n_urn: int, n_sample: int, k_sample: int, r_before: int,
                        target: float = 0.95, alpha: float = 0.05,
                        estimate: bool = True) -> StopTest:
    """Test H0 "recall < target" after a random sample of ``n_sample`` records (``k_sample``
    relevant) from the ``n_urn`` records unscreened when sampling began; ``r_before``
    relevant records were found before sampling. ``estimate=False`` skips the (slower)
    interval for the relevant records remaining (then NaN, 0, n_urn)."""
    _check(target, alpha)
    if not 0 <= k_sample <= n_sample <= n_urn:
        raise ValueError(f"need 0 <= k_sample <= n_sample <= n_urn "
                         f"(got {k_sample}, {n_sample}, {n_urn})")
    k_tar = int(_k_target(r_before, k_sample, target))
    if n_sample == 0:
        p = 1.0
    elif k_tar > n_urn - (n_sample - k_sample):
        p = 0.0  # so many relevant records cannot fit in the urn beside the sample's misses
    else:
        p = float(hypergeom_cdf(k_sample, n_urn, k_tar, n_sample))
    point, low, high = (remaining_estimate(n_urn, n_sample, k_sample, alpha=alpha)
                        if estimate else (float("nan"), 0, n_urn))
    return StopTest(stop=p < alpha, p_value=p, target=target, alpha=alpha, remaining=point,
                    remaining_low=low, remaining_high=high, n_sample=n_sample,
                    k_sample=k_sample, n_urn=n_urn)


def ranked_stop_test(screened: Sequence[int] | np.ndarray, n_total: int, *,
                     target: float = 0.95, alpha: float = 0.05, bias: float = 1.0,
                     estimate: bool = True) -> StopTest:
    """The hypergeometric test over a screening done in rank order.

    ``screened`` holds 1 (relevant) / 0 per record in the order screened; ``n_total`` is
    the number of records in the review. Every suffix of the screened records (the last
    ``n`` for each n) is tested as if it were a random sample from itself plus the records
    still unscreened; the suffix with the smallest p-value is reported. For a given number
    of relevant records in the suffix, a longer suffix (one more irrelevant draw from an urn
    one larger) never has a larger p-value, so only the longest suffix for each count is
    computed: r_seen + 1 tests instead of one per record screened.

    ``bias`` > 1 tests the suffix as a draw favouring relevant records by those odds (see
    the module notes). The estimate of the relevant records remaining still treats the
    suffix as a random sample, which over-states them for a ranking better than random.
    """
    _check(target, alpha)
    if bias < 1:
        raise ValueError(f"bias must be at least 1 (got {bias})")
    labels = np.asarray(screened, dtype=np.int64)
    n_seen = labels.size
    if n_seen > n_total:
        raise ValueError(f"{n_seen} records screened but only {n_total} in the review")
    if n_seen == 0:
        return StopTest(False, 1.0, target, alpha, float("nan"), 0, n_total, 0, 0, n_total)
    r_seen = int(labels.sum())
    # Suffix holding exactly k relevant records, longest: it starts just after the
    # (k + 1)-th relevant record from the end (or at the start for k = r_seen).
    ones_from_end = np.flatnonzero(labels[::-1])  # positions in the reversed sequence
    k_vec = np.arange(r_seen + 1)
    n_vec = np.append(ones_from_end, n_seen)  # length of each longest suffix
    keep = n_vec > 0
    k_vec, n_vec = k_vec[keep], n_vec[keep]
    n_urn = n_total - n_seen + n_vec
    k_tar = _k_target(r_seen - k_vec, k_vec, target)
    impossible = k_tar > n_urn - (n_vec - k_vec)
    p = np.where(impossible, 0.0, hypergeom_cdf(k_vec, n_urn, np.minimum(k_tar, n_urn), n_vec,
                                                 odds=bias))
    best = int(np.argmin(p))
    n, k, urn = int(n_vec[best]), int(k_vec[best]), int(n_urn[best])
    point, low, high = (remaining_estimate(urn, n, k, alpha=alpha)
                        if estimate else (float("nan"), 0, urn))
    return StopTest(stop=bool(p[best] < alpha), p_value=float(p[best]), target=target,
                    alpha=alpha, remaining=point, remaining_low=low, remaining_high=high,
                    n_sample=n, k_sample=k, n_urn=urn)


def irrelevant_in_a_row(screened: Sequence[int] | np.ndarray, n: int) -> bool:
    """The heuristic: the last ``n`` records screened were all irrelevant."""
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    labels = np.asarray(screened, dtype=np.int64)
    return labels.size >= n and not labels[-n:].any()


def minimum_sample(n_urn: int, r_before: int, *, target: float = 0.95,
                   alpha: float = 0.05) -> int:
    """How many random draws without a relevant record would let the rule stop (or the
    whole urn, when no sample can)."""
    for n in range(1, n_urn + 1):
        if hypergeometric_test(n_urn=n_urn, n_sample=n, k_sample=0, r_before=r_before,
                               target=target, alpha=alpha, estimate=False).stop:
            return n
    return n_urn


