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
``bias`` states how much better than random the ranking is: the suffix is then a draw
from Fisher's noncentral hypergeometric distribution in which each relevant record is
``bias`` times as likely as an irrelevant one to be drawn. The test stays conservative
while the ranking's real odds of surfacing a relevant record are at least ``bias``.

**Estimated bias (the default, :class:`StopRule` with ``bias=None``).** A fixed bias of 3
(:data:`RANKING_BIAS`, the old default, chosen on the 12 shared reviews) stopped below
95 % recall in 5 of 42 runs on 14 other reviews, on those where 13-27 % of the records are
relevant: near the end of such a review the ranking no longer favours relevant records
3:1. So the bias is now estimated, for each suffix tested, from the review's own history:
the ``window`` (400) ranked records before the suffix (before the relevant record that
starts it) are a draw, in Fisher's model, from the records left when they were screened,
that is the window, that relevant record, the suffix and the records unscreened; the urn
of the suffix is given the relevant records that "recall < target" supposes (K_tar, and
1.5, 2, 3 and 5 times as many: the test must hold for each). The one-sided
``1 - bias_alpha`` (99 %) lower confidence bound of that draw's odds, clipped to
[1, ``cap``] (3), is the bias the suffix is tested with, at level ``alpha - bias_alpha``
(0.04), so that bound and test together err at most ``alpha``. The assumption, now
checked on the data as far as it can be: over the suffix the ranking favours relevant
records at least as much as that lower bound says it did over the window before it. It
fails where a ranking's advantage collapses between the window and the suffix; the cap
(never above the old bias of 3, so the rule never stops earlier than that rule did) and
the lower bound limit the damage. Fisher's model draws the window at once; a ranking picks
one record at a time, and over a window that uses up many relevant records Fisher's odds
come out somewhat above the per-pick odds: another reason for the cap. Without evidence
(a window no richer than the rest) the bias is 1 and the rule is the plain test at 0.04.

The settings were chosen leave-one-review-out on the 12 shared reviews
(benchmarks/stopping.py, 3 seeds of svm-emb each, the rule tested after every record):
every fold chose window 400, cap 3, bias_alpha 0.01, and the held-out reviews reached
95 % recall in 36 of 36 runs, saving 32 % of the screening (bias 1: 20 %, bias 3: 35 %).
On 13 reviews rebuilt from them with 12.5-25 % relevant: 39 of 39 runs, 35 % saved (bias 1:
24 %); on 8 rebuilt with 25 % relevant from the excluded records closest to the included
ones (a narrow search): 24 of 24, 15 % saved (bias 1: 10 %), where bias 3 stopped below
the target in 2 of 24 (recall 0.91 twice); on 5 with 0.5-0.8 % relevant: 15 of 15, 4 %
saved (bias 1: 3 %). With the cap at 3 and the test at 0.04 the rule never stops earlier
than bias 3 did. On random orders it stops below the target in about alpha of the runs or
fewer (see the tests).
:func:`stop_test` runs one check; :func:`first_stop` finds the first stop of a screening
and :mod:`screening.rank.status` wraps the check for the CLI and the web app.

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
    "RuleTest",
    "StopRule",
    "StopTest",
    "hypergeom_cdf",
    "first_stop",
    "fisher_tails",
    "hypergeometric_test",
    "irrelevant_in_a_row",
    "minimum_sample",
    "odds_estimate",
    "odds_lower_bound",
    "ranked_stop_test",
    "remaining_estimate",
    "remaining_interval",
    "stop_test",
]


#: The old default's fixed ranking bias (see above); now only the estimated bias's cap.
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


# ---------------------------------------------------------------- estimated bias
@dataclass(frozen=True)
class StopRule:
    """A stopping rule's settings: the fixed-bias test (``bias`` set; 1 is the plain
    hypergeometric test) or, with ``bias=None``, the test with the ranking's bias estimated
    from the screening history (see the module notes)."""

    target: float = 0.95
    alpha: float = 0.05
    #: A fixed ranking bias (1 = no better than random); None: estimate it.
    bias: float | None = None
    #: The ranked records before the sample, whose relevant rate estimates the bias.
    window: int = 400
    #: The estimated bias is never taken above this (the old fixed bias).
    cap: float = 3.0
    #: Error allowed to the bias's lower confidence bound; the test itself runs at
    #: ``alpha - bias_alpha``, so that both together err at most ``alpha``.
    bias_alpha: float = 0.01

    def __post_init__(self) -> None:
        _check(self.target, self.alpha)
        if self.bias is not None and self.bias < 1:
            raise ValueError(f"bias must be at least 1 (got {self.bias})")
        if self.bias is None:
            if self.window < 1:
                raise ValueError(f"window must be at least 1 (got {self.window})")
            if self.cap < 1:
                raise ValueError(f"cap must be at least 1 (got {self.cap})")
            if not 0 < self.bias_alpha < self.alpha:
                raise ValueError(f"bias_alpha must be in (0, alpha) (got {self.bias_alpha})")

    @property
    def name(self) -> str:
        if self.bias is None:
            return "hypergeometric, ranking bias estimated from the screening history"
        return f"hypergeometric, ranking bias {self.bias:g}"

    @property
    def test_alpha(self) -> float:
        """The level of the test of "recall < target" itself."""
        return self.alpha if self.bias is not None else self.alpha - self.bias_alpha

    def parameters(self) -> dict[str, float | int | None]:
        if self.bias is not None:
            return {"target": self.target, "alpha": self.alpha, "bias": self.bias}
        return {"target": self.target, "alpha": self.alpha, "window": self.window,
                "cap": self.cap, "bias_alpha": self.bias_alpha}


def fisher_tails(k, n_urn, n_relevant, n_draws, odds=1.0) -> tuple[np.ndarray, np.ndarray]:
    """``P(X <= k)`` and ``P(X >= k)`` for X ~ Fisher's noncentral hypergeometric (urn size,
    relevant in it, draws, odds), vectorised over every argument, ``odds`` too."""
    k, m, r, n, w = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                         for v in (k, n_urn, n_relevant, n_draws, odds)))
    j = np.arange(int(np.minimum(r, n).max(initial=0)) + 1, dtype=np.float64)
    j = j.reshape((1,) * k.ndim + (-1,))
    k, m, r, n, w = (v[..., None] for v in (k, m, r, n, w))
    support = (j <= r) & (j <= n) & (n - j <= m - r)
    safe = np.where(support, j, 0.0)
    log_pmf = (_log_choose(np.maximum(r, safe), safe)
               + _log_choose(np.maximum(m - r, n - safe), n - safe) + safe * np.log(w))
    log_pmf = np.where(support, log_pmf, -np.inf)
    log_pmf = log_pmf - log_pmf.max(axis=-1, keepdims=True)
    mass = np.exp(log_pmf)
    total = mass.sum(axis=-1)
    below = np.where(j <= k, mass, 0.0).sum(axis=-1) / total
    above = np.where(j >= k, mass, 0.0).sum(axis=-1) / total
    return np.minimum(below, 1.0), np.minimum(above, 1.0)


def odds_lower_bound(k, n_urn, n_relevant, n_draws, *, alpha: float, low: float = 1.0,
                     high: float = np.inf, steps: int = 18) -> np.ndarray:
    """One-sided ``1 - alpha`` lower confidence bound of the odds of Fisher's noncentral
    hypergeometric distribution after a draw of ``n_draws`` from an urn of ``n_urn`` (with
    ``n_relevant`` relevant) held ``k`` relevant, clipped to [low, high]: the smallest odds
    under which a draw at least as rich in relevant records has probability > alpha
    (bisection on log odds; the result errs low). Vectorised."""
    k, m, r, n = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                      for v in (k, n_urn, n_relevant, n_draws)))
    top = min(high, 1e4)
    lo = np.full(k.shape, np.log(low))
    hi = np.full(k.shape, np.log(top))
    plausible_low = fisher_tails(k, m, r, n, np.exp(lo))[1] > alpha
    implausible_high = fisher_tails(k, m, r, n, np.exp(hi))[1] <= alpha
    for _ in range(steps):
        mid = (lo + hi) / 2
        above = fisher_tails(k, m, r, n, np.exp(mid))[1]
        lo, hi = np.where(above <= alpha, mid, lo), np.where(above <= alpha, hi, mid)
    bound = np.exp(lo)
    bound = np.where(plausible_low, low, bound)
    return np.where(implausible_high, top, bound)


def odds_estimate(k: int, n_urn: int, n_relevant: int, n_draws: int) -> float:
    """The conditional maximum-likelihood odds (the one whose mean draw holds ``k``
    relevant), within [1e-3, 1e4]."""
    lo, hi = np.log(1e-3), np.log(1e4)
    support = np.arange(max(0, n_draws - (n_urn - n_relevant)), min(n_relevant, n_draws) + 1)
    if support.size == 0 or k <= support[0]:
        return float(np.exp(lo))
    if k >= support[-1]:
        return float(np.exp(hi))
    log_base = (_log_choose(np.full(support.shape, float(n_relevant)), support)
                + _log_choose(np.full(support.shape, float(n_urn - n_relevant)),
                              n_draws - support))
    for _ in range(40):
        mid = (lo + hi) / 2
        log_pmf = log_base + support * mid
        pmf = np.exp(log_pmf - log_pmf.max())
        mean = float((support * pmf).sum() / pmf.sum())
        lo, hi = (mid, hi) if mean < k else (lo, mid)
    return float(np.exp((lo + hi) / 2))


#: Multiples of the least number of relevant records that "recall < target" needs in the
#: urn, at which the estimated-bias test is also run (it holds for all of them).
_K_MULTIPLES = (1.0, 1.5, 2.0, 3.0, 5.0)


@dataclass(frozen=True)
class _Suffixes:
    """The longest suffix of the ranked records holding k relevant, for each k."""

    k: np.ndarray  # relevant in the suffix
    n: np.ndarray  # its length
    urn: np.ndarray  # the suffix plus the records unscreened
    k_tar: np.ndarray  # least relevant in the urn for recall < target
    boundary: np.ndarray  # index of the relevant record just before it (-1: none)


def _suffixes(labels: np.ndarray, n_unscreened: int, r_before: int, target: float
              ) -> _Suffixes:
    n_seen, r_seen = labels.size, int(labels.sum())
    ones_from_end = np.flatnonzero(labels[::-1])
    k = np.arange(r_seen + 1)
    n = np.append(ones_from_end, n_seen)
    keep = n > 0
    k, n = k[keep], n[keep]
    r_total = r_before + r_seen
    return _Suffixes(k=k, n=n, urn=n_unscreened + n,
                     k_tar=_k_target(r_total - k, k, target).astype(np.int64),
                     boundary=n_seen - n - 1)


def _window(prefix: np.ndarray, boundary: np.ndarray, size: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Length and relevant count of the ``size`` ranked records before each boundary
    (``prefix``: cumulative relevant counts, starting with 0)."""
    start = np.maximum(boundary - size, 0)
    end = np.maximum(boundary, 0)
    return end - start, prefix[end] - prefix[start]


def _grid(s: _Suffixes, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(suffix row, K) pairs: each suffix at multiples of its K_tar that fit in its urn."""
    pairs = []
    for i in rows:
        fits = s.urn[i] - (s.n[i] - s.k[i])  # an urn holding more is impossible: p = 0
        ks = sorted({int(np.ceil(s.k_tar[i] * f)) for f in _K_MULTIPLES})
        pairs += [(i, kk) for kk in ks if kk <= fits]
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.asarray(pairs, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _bias_bounds(s: _Suffixes, prefix: np.ndarray, rows: np.ndarray, ks: np.ndarray,
                 rule: StopRule, cache: dict | None = None) -> np.ndarray:
    """The bias the test may assume for suffix ``rows`` when its urn holds ``ks`` relevant:
    the lower confidence bound of the odds by which the window before the suffix favoured
    relevant records over the records left after it (the relevant record at the boundary,
    the suffix and the records unscreened), clipped to [1, cap]; 1 with no window."""
    out = np.ones(rows.size)
    b = s.boundary[rows]
    w, j = _window(prefix, b, rule.window)
    todo = np.flatnonzero((b >= 0) & (w > 0) & (j > 0))
    if cache is not None:
        found = [cache.get((int(b[t]), int(ks[t]))) for t in todo]
        for t, value in zip(todo, found, strict=True):
            if value is not None:
                out[t] = value
        todo = np.asarray([t for t, v in zip(todo, found, strict=True) if v is None],
                          dtype=np.int64)
    if todo.size:
        pool = w[todo] + 1 + s.urn[rows[todo]]
        relevant = j[todo] + 1 + ks[todo]
        out[todo] = odds_lower_bound(j[todo], pool, relevant, w[todo],
                                     alpha=rule.bias_alpha, low=1.0, high=rule.cap)
        if cache is not None:
            for t in todo:
                cache[(int(b[t]), int(ks[t]))] = float(out[t])
    return out


def _p_values(s: _Suffixes, prefix: np.ndarray, rule: StopRule, *, prune: bool = False,
              cache: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each suffix's p-value for "recall < target" and the bias it assumed (at K_tar).

    ``prune``: only suffixes that could reach the test's level are computed in full (the
    others get their p-value at the capped bias, a lower bound); enough to find a stop."""
    fits = s.k_tar <= s.urn - (s.n - s.k)
    k_tar = np.minimum(s.k_tar, s.urn)
    if rule.bias is not None:
        p = np.where(fits, hypergeom_cdf(s.k, s.urn, k_tar, s.n, odds=rule.bias), 0.0)
        return p, np.full(p.shape, rule.bias)
    # The most the bias can be: a suffix that fails the test even then is done.
    p = np.where(fits, fisher_tails(s.k, s.urn, k_tar, s.n, rule.cap)[0], 0.0)
    bias = np.full(p.shape, rule.cap)
    rows = np.flatnonzero(fits & (p < rule.test_alpha) if prune else fits)
    if rows.size == 0:
        return p, bias
    pair_rows, ks = _grid(s, rows)
    omega = _bias_bounds(s, prefix, pair_rows, ks, rule, cache)
    p_pairs = fisher_tails(s.k[pair_rows], s.urn[pair_rows], ks, s.n[pair_rows], omega)[0]
    for i in rows:
        mine = pair_rows == i
        p[i] = p_pairs[mine].max()
        bias[i] = omega[mine][ks[mine] == ks[mine].min()][0]
    return p, bias


@dataclass(frozen=True)
class RuleTest:
    """The outcome of :func:`stop_test`: the decision, the suffix it rests on, the bias it
    assumed and the relevant records estimated to be still unscreened."""

    rule: StopRule
    stop: bool
    p_value: float
    #: The sample the test used: the last ``n_sample`` ranked records (``k_sample``
    #: relevant) and the urn of those plus the records unscreened.
    n_sample: int
    k_sample: int
    n_urn: int
    #: Least relevant records in the urn for "recall < target".
    k_target: int
    #: The bias the test assumed; for the estimated rule, its window (records and relevant
    #: among them), the bias's point estimate and its lower bound before clipping.
    bias: float
    window_n: int = 0
    window_k: int = 0
    bias_estimate: float | None = None
    bias_lower: float | None = None
    #: Relevant records still unscreened: median-unbiased estimate and 1 - alpha interval
    #: (None when not estimated).
    remaining: float | None = None
    remaining_low: int | None = None
    remaining_high: int | None = None


def stop_test(ranked: Sequence[int] | np.ndarray, n_total: int, rule: StopRule | None = None,
              *, n_before: int = 0, r_before: int = 0, estimate: bool = True) -> RuleTest:
    """Test "recall < target" after screening ``ranked`` (1/0 per record, in the order the
    ranking gave) out of ``n_total`` records; ``n_before`` records (``r_before`` relevant)
    were screened outside the ranking and count as found, but no sample is taken from
    them. Every suffix of ``ranked`` is tested (the longest for each number of relevant
    records in it) and the smallest p-value is reported."""
    rule = rule or StopRule()
    labels = np.asarray(ranked, dtype=np.int64)
    n_unscreened = n_total - n_before - labels.size
    if n_unscreened < 0:
        raise ValueError(f"{labels.size + n_before} records screened but only {n_total} in "
                         f"the review")
    if not 0 <= r_before <= n_before:
        raise ValueError(f"need 0 <= r_before <= n_before (got {r_before}, {n_before})")
    if labels.size == 0:
        return RuleTest(rule, False, 1.0, 0, 0, n_unscreened, 1, 1.0)
    s = _suffixes(labels, n_unscreened, r_before, rule.target)
    prefix = np.r_[0, np.cumsum(labels)]
    p, bias = _p_values(s, prefix, rule)
    best = int(np.argmin(p))
    n, k, urn, k_tar = int(s.n[best]), int(s.k[best]), int(s.urn[best]), int(s.k_tar[best])
    extra: dict = {}
    if rule.bias is None:
        w, j = _window(prefix, s.boundary[best:best + 1], rule.window)
        extra = {"window_n": int(w[0]), "window_k": int(j[0])}
        if s.boundary[best] >= 0 and w[0] > 0:
            pool, relevant = int(w[0]) + 1 + urn, int(j[0]) + 1 + min(k_tar, urn)
            extra["bias_estimate"] = odds_estimate(int(j[0]), pool, relevant, int(w[0]))
            extra["bias_lower"] = float(odds_lower_bound(
                j[0], pool, relevant, w[0], alpha=rule.bias_alpha, low=1e-3, high=1e4))
    if estimate:
        extra["remaining"], extra["remaining_low"], extra["remaining_high"] = \
            remaining_interval(urn, n, k, odds=float(bias[best]), alpha=rule.alpha)
    return RuleTest(rule=rule, stop=bool(p[best] < rule.test_alpha), p_value=float(p[best]),
                    n_sample=n, k_sample=k, n_urn=urn, k_target=k_tar,
                    bias=float(bias[best]), **extra)


def remaining_interval(n_urn: int, n: int, k: int, *, odds: float = 1.0,
                       alpha: float = 0.05) -> tuple[float, int, int]:
    """Relevant records left unscreened after a draw of ``n`` records holding ``k`` from
    an urn of ``n_urn``, favouring relevant records by ``odds``: the median-unbiased
    estimate and the exact ``1 - alpha`` interval (by inverting the two one-sided tests)."""
    if n == 0:
        return float(max(n_urn - 0, 0)) / 2, 0, n_urn
    highest = n_urn - (n - k)  # most relevant the urn can hold beside the sample's misses

    def last_true(test) -> int:  # the largest K in [k, highest] with test(K), else k - 1
        lo, hi = k - 1, highest
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if test(mid) else (lo, mid - 1)
        return lo

    def below(big_k: int) -> float:
        return float(fisher_tails(k, n_urn, big_k, n, odds)[0])

    def above(big_k: int) -> float:
        return float(fisher_tails(k, n_urn, big_k, n, odds)[1])

    high = last_true(lambda K: below(K) > alpha / 2)
    low = last_true(lambda K: above(K) <= alpha / 2) + 1
    high_50 = last_true(lambda K: below(K) >= 0.5)
    low_50 = last_true(lambda K: above(K) < 0.5) + 1
    point = (max(high_50, k) + min(low_50, highest)) / 2
    return point - k, max(low, k) - k, max(high, k) - k


def first_stop(ranked: Sequence[int] | np.ndarray, n_total: int, rule: StopRule | None = None,
               *, n_before: int = 0, r_before: int = 0) -> int | None:
    """How many of ``ranked`` had been screened when the rule first said stop, testing after
    each record (the same decision as :func:`stop_test` on each prefix); None if it never
    did. A bias bound depends only on where its window ends and on the relevant records
    the urn is supposed to hold, so each is computed once."""
    rule = rule or StopRule()
    labels = np.asarray(ranked, dtype=np.int64)
    prefix = np.r_[0, np.cumsum(labels)]
    cache: dict = {}

    def stops(t: int) -> bool:
        s = _suffixes(labels[:t], n_total - n_before - t, r_before, rule.target)
        return bool(_p_values(s, prefix, rule, prune=True, cache=cache)[0].min()
                    < rule.test_alpha)

    # Along a run of irrelevant records every suffix keeps its urn, its K_tar and its bias
    # and only grows, so no p-value rises: test the run's end, and search it only if the
    # rule stops there.
    ones = np.flatnonzero(labels) + 1  # the t at which each relevant record is screened
    edges = np.r_[0, ones, labels.size]
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        if start > 0 and stops(int(start)):
            return int(start)
        lo, hi = int(start) + 1, int(end) - (1 if end in ones else 0)
        if lo > hi or not stops(hi):
            continue
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if stops(mid) else (mid + 1, hi)
        return lo
    return None
