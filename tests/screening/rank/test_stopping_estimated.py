"""The stopping rule with the ranking's bias estimated from the screening history."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import hypergeom, nchypergeom_fisher

from screening.rank.stopping import (
    StopRule,
    first_stop,
    fisher_tails,
    odds_estimate,
    odds_lower_bound,
    remaining_estimate,
    remaining_interval,
    stop_test,
)


def _order(rng: np.random.Generator, n: int, relevant: int, odds: float) -> np.ndarray:
    """Labels in the order of a ranking that draws each relevant record ``odds`` times as
    readily as an irrelevant one (weighted sampling without replacement)."""
    labels = np.zeros(n, dtype=np.int64)
    labels[rng.choice(n, relevant, replace=False)] = 1
    keys = rng.random(n) ** (1.0 / np.where(labels == 1, odds, 1.0))
    return labels[np.argsort(-keys)]


def _runs(rule: StopRule, *, n: int, relevant: int, odds: float, runs: int, seed: int
          ) -> tuple[float, float]:
    """Share of runs stopping below the target, and mean share of records saved."""
    rng = np.random.default_rng(seed)
    wrong, saved = 0, []
    for _ in range(runs):
        order = _order(rng, n, relevant, odds)
        stop = first_stop(order, n, rule) or n
        wrong += order[:stop].sum() / relevant < rule.target
        saved.append(1 - stop / n)
    return wrong / runs, float(np.mean(saved))


def test_fisher_tails_match_scipy() -> None:
    rng = np.random.default_rng(3)
    m = rng.integers(20, 800, 200)
    r = (rng.random(200) * m * 0.3).astype(int) + 1
    n = (rng.random(200) * m).astype(int) + 1
    k = (rng.random(200) * np.minimum(r, n)).astype(int)
    odds = rng.choice([1.0, 2.5, 7.0], 200)
    below, above = fisher_tails(k, m, r, n, odds)
    np.testing.assert_allclose(below, nchypergeom_fisher.cdf(k, m, r, n, odds), atol=1e-9)
    np.testing.assert_allclose(above, nchypergeom_fisher.sf(k - 1, m, r, n, odds), atol=1e-9)


def test_odds_lower_bound_is_the_exact_one_sided_bound() -> None:
    # 20 relevant among 100 drawn from 1000 with 60 relevant: far richer than random.
    bound = float(odds_lower_bound(20, 1000, 60, 100, alpha=0.05, low=0.01, high=1e4))
    assert nchypergeom_fisher.sf(19, 1000, 60, 100, bound) == pytest.approx(0.05, abs=2e-3)
    assert 2 < bound < 5
    # A draw no richer than random gives no evidence: the bound stays at its floor, 1.
    assert float(odds_lower_bound(6, 1000, 60, 100, alpha=0.05)) == 1.0
    # And it is capped.
    assert float(odds_lower_bound(20, 1000, 60, 100, alpha=0.05, high=3.0)) == 3.0


def test_remaining_interval_matches_the_central_case() -> None:
    # With odds 1 the interval is the exact hypergeometric one of remaining_estimate.
    for urn, n, k in ((2000, 500, 5), (800, 300, 0), (300, 290, 2)):
        _, low, high = remaining_interval(urn, n, k)
        _, old_low, old_high = remaining_estimate(urn, n, k)
        assert (low, high) == (old_low, old_high)
    point, low, high = remaining_interval(800, 300, 0)
    assert low == 0 and 0 < point < high  # no relevant record seen, some may be left
    assert hypergeom.pmf(0, 800, high, 300) > 0.025 >= hypergeom.pmf(0, 800, high + 1, 300)
    # A ranking favouring relevant records 3:1 missing them all: fewer can be left.
    assert remaining_interval(800, 300, 0, odds=3.0)[2] < high


def test_first_stop_is_stop_test_after_every_record() -> None:
    rng = np.random.default_rng(5)
    rules = (StopRule(bias=1.0), StopRule(bias=3.0), StopRule(), StopRule(window=20, cap=10))
    for _ in range(5):
        n = int(rng.integers(40, 100))
        order = _order(rng, n, int(rng.integers(2, n // 4)), float(rng.choice([1, 4, 12])))
        for rule in rules:
            naive = next((t for t in range(1, n + 1)
                          if stop_test(order[:t], n + 3, rule, n_before=3, r_before=1,
                                       estimate=False).stop), None)
            assert first_stop(order, n + 3, rule, n_before=3, r_before=1) == naive


@pytest.mark.parametrize(("n", "relevant"), [(300, 30), (400, 8)], ids=["10pct", "2pct"])
def test_rule_is_conservative_on_random_orders(n: int, relevant: int) -> None:
    # Screened in random order there is no bias to find: the rule may stop below the
    # target in about alpha of the runs at most (3 standard errors of slack), like the
    # plain test it then reduces to.
    runs = 160
    wrong, _ = _runs(StopRule(), n=n, relevant=relevant, odds=1.0, runs=runs, seed=n)
    assert wrong <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / runs)


def test_known_bias_is_found() -> None:
    # Windows of 400 records drawn with odds 4 (Fisher's model, which the rule assumes)
    # from 1,900 holding 190 relevant: the estimate centres on 4, and the 99 % lower bound
    # is below 4 in about 99 % of draws.
    rng = np.random.default_rng(8)
    drawn = nchypergeom_fisher.rvs(1900, 190, 400, 4.0, size=300, random_state=rng)
    estimates = [odds_estimate(int(x), 1900, 190, 400) for x in drawn[:40]]
    lowers = odds_lower_bound(drawn, 1900, 190, 400, alpha=0.01, low=1e-3, high=1e4)
    assert 3.5 < np.median(estimates) < 4.5
    assert np.mean(lowers <= 4.0) >= 0.97
    # A ranking that picks one record at a time, each relevant one 4 times as readily:
    # over a long window that uses up many relevant records, Fisher's odds come out
    # higher than the per-pick odds (one reason for the cap).
    picked = []
    for _ in range(20):
        order = _order(rng, 2000, 200, 4.0)
        picked.append(odds_estimate(int(order[100:500].sum()), 1900, int(order[100:].sum()),
                                    400))
    assert 4 < np.median(picked) < 7
    # Random order: the bound is 1 (no evidence) nearly always.
    for _ in range(20):
        order = _order(rng, 2000, 200, 1.0)
        relevant, window = int(order[100:].sum()), int(order[100:500].sum())
        assert odds_lower_bound(window, 1900, relevant, 400, alpha=0.01) == 1.0


def test_rule_saves_work_where_the_ranking_is_biased_and_stays_safe() -> None:
    # With a bias of 10 the rule stops well before the plain test and stays on target.
    kwargs = {"n": 300, "relevant": 30, "odds": 10.0, "runs": 30, "seed": 4}
    wrong, saved = _runs(StopRule(), **kwargs)
    wrong_plain, saved_plain = _runs(StopRule(bias=1.0), **kwargs)
    assert wrong <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 30) and wrong_plain == 0
    assert saved > saved_plain + 0.03


def test_no_evidence_no_more_than_the_plain_test() -> None:
    # Whatever the history, the estimated bias is at least 1: the rule never stops later
    # than the plain test at its own level (alpha - bias_alpha).
    rng = np.random.default_rng(2)
    rule = StopRule()
    plain = StopRule(bias=1.0, alpha=rule.test_alpha)
    for odds in (1.0, 3.0, 20.0):
        order = _order(rng, 250, 25, odds)
        assert first_stop(order, 250, rule) <= first_stop(order, 250, plain)


def test_stop_test_reports_its_sample_and_bias() -> None:
    # 30 relevant, then a run of 100 in which every fourth is relevant, then 200 irrelevant:
    # the sample is the last 200 (or 203, with the last relevant), and the window the
    # 100 ranked records before it.
    order = np.r_[np.ones(30, dtype=np.int64), np.tile([0, 0, 0, 1], 25), np.zeros(200)]
    test = stop_test(order, 2000, StopRule(window=100))
    assert (test.n_sample, test.k_sample) in ((200, 0), (204, 1))
    assert test.n_urn == 2000 - 330 + test.n_sample
    assert test.window_n == 100 and 24 <= test.window_k <= 26
    assert test.bias == test.rule.cap  # far richer than the rest: capped
    assert test.bias_lower > test.rule.cap and test.bias_estimate > test.bias_lower
    assert test.remaining is not None and test.remaining_low == 0
    assert test.remaining <= test.remaining_high


def test_rule_settings_are_checked() -> None:
    with pytest.raises(ValueError, match=r"bias must be at least 1 \(got 0.5\)"):
        StopRule(bias=0.5)
    with pytest.raises(ValueError, match=r"cap must be at least 1 \(got 0.5\)"):
        StopRule(cap=0.5)
    with pytest.raises(ValueError, match=r"bias_alpha must be in \(0, alpha\) \(got 0.05\)"):
        StopRule(bias_alpha=0.05)
    with pytest.raises(ValueError, match=r"window must be at least 1 \(got 0\)"):
        StopRule(window=0)
    with pytest.raises(ValueError, match="12 records screened but only 10 in the review"):
        stop_test(np.zeros(10), 10, n_before=2)
    rule = StopRule()
    assert json.loads(json.dumps(rule.parameters())) == rule.parameters()
