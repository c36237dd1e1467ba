"""Stopping rules: the hypergeometric test on urns with known counts, and the heuristic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom, nchypergeom_fisher

from screening.rank.stopping import (
    RANKING_BIAS,
    hypergeom_cdf,
    hypergeometric_test,
    irrelevant_in_a_row,
    minimum_sample,
    ranked_stop_test,
)


def test_fast_cdf_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    m = rng.integers(20, 3000, 500)
    r = (rng.random(500) * m * 0.2).astype(int)
    n = (rng.random(500) * m).astype(int)
    k = (rng.random(500) * np.minimum(r, n)).astype(int)
    np.testing.assert_allclose(hypergeom_cdf(k, m, r, n), hypergeom.cdf(k, m, r, n),
                               atol=1e-9)


def test_noncentral_cdf_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    m = rng.integers(20, 3000, 300)
    r = (rng.random(300) * m * 0.1).astype(int) + 1
    n = (rng.random(300) * m).astype(int) + 1
    k = (rng.random(300) * np.minimum(r, n)).astype(int)
    for odds in (1.5, RANKING_BIAS, 10.0):
        np.testing.assert_allclose(hypergeom_cdf(k, m, r, n, odds=odds),
                                   nchypergeom_fisher.cdf(k, m, r, n, odds), atol=1e-9)


def test_worked_example() -> None:
    # 50 relevant found before sampling; recall < 95% needs >= 3 relevant in the urn of
    # 1000, and a sample of 300 misses all 3 with probability 0.7 ** 3 (about).
    test = hypergeometric_test(n_urn=1000, n_sample=300, k_sample=0, r_before=50)
    assert not test.stop
    assert test.p_value == pytest.approx(hypergeom.pmf(0, 1000, 3, 300))
    assert test.remaining == 0 and test.remaining_low == 0 and 0 < test.remaining_high < 20
    assert minimum_sample(1000, 50) == 631
    assert hypergeometric_test(n_urn=1000, n_sample=631, k_sample=0, r_before=50).stop


def test_estimate_interval_covers_the_truth() -> None:
    test = hypergeometric_test(n_urn=2000, n_sample=500, k_sample=5, r_before=40)
    assert test.remaining == pytest.approx(5 / 500 * 2000 - 5)
    assert test.remaining_low <= 15 <= test.remaining_high


def _urn_error_rate(rng, *, n_urn, relevant_in_urn, r_before, runs, target=0.95, alpha=0.05):
    """Screen an urn in random order, testing after each draw; share of runs that stop with
    recall below target."""
    total = r_before + relevant_in_urn
    wrong = stopped = 0
    n = np.arange(1, n_urn + 1)
    for _ in range(runs):
        draws = np.zeros(n_urn, dtype=np.int64)
        draws[rng.choice(n_urn, relevant_in_urn, replace=False)] = 1
        k = np.cumsum(draws)
        k_tar = np.floor((r_before + k) / target - r_before) + 1
        p = np.where(k_tar > n_urn - (n - k), 0.0,
                     hypergeom_cdf(k, n_urn, np.minimum(k_tar, n_urn), n))
        first = np.flatnonzero(p < alpha)
        if first.size:
            stopped += 1
            wrong += (r_before + k[first[0]]) / total < target
    return wrong / runs, stopped / runs


@pytest.mark.parametrize(("relevant_in_urn", "r_before"), [(4, 56), (6, 54), (10, 50)],
                         ids=["recall-93", "recall-90", "recall-83"])
def test_rule_rarely_stops_below_target(relevant_in_urn: int, r_before: int) -> None:
    # Each scenario starts below the 95 % target; over 400 screenings the rule may stop
    # too early in at most about alpha = 5 % of them (3 standard errors of slack).
    rng = np.random.default_rng(relevant_in_urn)
    wrong, stopped = _urn_error_rate(rng, n_urn=800, relevant_in_urn=relevant_in_urn,
                                     r_before=r_before, runs=400)
    assert wrong <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 400)
    assert stopped > 0.9  # and it does stop (at the latest once the urn is emptied)


def test_ranked_rule_on_random_and_ranked_orders() -> None:
    rng = np.random.default_rng(7)
    wrong = 0
    for _ in range(40):
        labels = np.zeros(300, dtype=np.int64)
        labels[rng.choice(300, 15, replace=False)] = 1
        weights = np.where(labels == 1, 4.0, 1.0)  # a ranking better than random
        order = labels[rng.choice(300, 300, replace=False, p=weights / weights.sum())]
        for t in range(1, 301):
            if ranked_stop_test(order[:t], 300, estimate=False).stop:
                wrong += order[:t].sum() / 15 < 0.95
                break
    assert wrong <= 2 + 4  # 5 % of 40, plus 3 standard errors


def _ranked_error_rate(rng, *, odds: float, bias: float, n: int, relevant: int, runs: int):
    """Screen in an order that draws each relevant record ``odds`` times as readily as an
    irrelevant one (weighted sampling without replacement), testing after each record;
    share of runs that stop below 95 % recall, and the mean share of records saved."""
    wrong, saved = 0, []
    for _ in range(runs):
        labels = np.zeros(n, dtype=np.int64)
        labels[rng.choice(n, relevant, replace=False)] = 1
        keys = rng.random(n) ** (1.0 / np.where(labels == 1, odds, 1.0))
        order = labels[np.argsort(-keys)]
        stop = next(t for t in range(1, n + 1)
                    if ranked_stop_test(order[:t], n, bias=bias, estimate=False).stop)
        wrong += order[:stop].sum() / relevant < 0.95
        saved.append(1 - stop / n)
    return wrong / runs, float(np.mean(saved))


def test_biased_rule_holds_when_the_ranking_is_as_good_as_assumed() -> None:
    # Orders exactly as biased as assumed: at most about alpha of the runs stop too early,
    # and the rule stops well before the plain test does.
    rng = np.random.default_rng(11)
    wrong, saved = _ranked_error_rate(rng, odds=RANKING_BIAS, bias=RANKING_BIAS, n=300,
                                      relevant=30, runs=40)
    assert wrong <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 40)
    _, saved_plain = _ranked_error_rate(np.random.default_rng(11), odds=RANKING_BIAS,
                                        bias=1.0, n=300, relevant=30, runs=40)
    assert saved > saved_plain + 0.05


def test_biased_rule_fails_when_the_ranking_is_random() -> None:
    # The assumption is what buys the earlier stop: screened in random order, the same
    # rule stops below the target far more often than alpha.
    rng = np.random.default_rng(12)
    wrong, _ = _ranked_error_rate(rng, odds=1.0, bias=RANKING_BIAS, n=300, relevant=60,
                                  runs=20)
    assert wrong > 0.3
    with pytest.raises(ValueError, match=r"bias must be at least 1 \(got 0.5\)"):
        ranked_stop_test([1, 0], 10, bias=0.5)


def test_ranked_rule_stops_after_a_long_run_of_irrelevant() -> None:
    screened = np.r_[np.ones(40), np.zeros(20)]
    assert not ranked_stop_test(screened, 1000).stop
    late = ranked_stop_test(np.r_[np.ones(40), np.zeros(900)], 1000)
    assert late.stop and late.p_value < 0.05 and late.n_sample == 900
    with pytest.raises(ValueError, match="11 records screened but only 10 in the review"):
        ranked_stop_test(np.zeros(11), 10)
    with pytest.raises(ValueError, match=r"recall target must be in \(0, 1\] \(got 1.5\)"):
        ranked_stop_test([1, 0], 10, target=1.5)


def test_irrelevant_in_a_row() -> None:
    assert irrelevant_in_a_row([1, 0, 0, 0], 3)
    assert not irrelevant_in_a_row([1, 0, 1, 0], 3)
    assert not irrelevant_in_a_row([0, 0], 3)
    with pytest.raises(ValueError, match=r"n must be at least 1 \(got 0\)"):
        irrelevant_in_a_row([0], 0)
