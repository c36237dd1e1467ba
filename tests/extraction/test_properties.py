"""Properties of pooling (hypothesis): order-invariant, tau² >= 0, k = 1 handled."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.analysis import AnalysisOptions, pool_studies
from extraction.pooling import pool_effects
from extraction.pooling.iv import ONE_STUDY_WARNING
from extraction.studies import BinaryStudy

effects = st.lists(
    st.tuples(st.floats(-5, 5, allow_nan=False), st.floats(0.01, 4, allow_nan=False)),
    min_size=1, max_size=12,
)
FAST = settings(max_examples=60, deadline=None)


def _pool(pairs, order, **kw):
    yi = [pairs[i][0] for i in order]
    vi = [pairs[i][1] for i in order]
    return pool_effects(yi, vi, **kw)


@FAST
@given(pairs=effects, seed=st.randoms(use_true_random=False),
       method=st.sampled_from(["DL", "REML", "PM"]), hk=st.booleans())
def test_random_effects_are_order_invariant_and_tau2_is_not_negative(pairs, seed, method, hk):
    order = list(range(len(pairs)))
    shuffled = order[:]
    seed.shuffle(shuffled)
    a = _pool(pairs, order, model="random", tau2_method=method, hk=hk, prediction=True)
    b = _pool(pairs, shuffled, model="random", tau2_method=method, hk=hk, prediction=True)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-7, abs=1e-9)
    assert a.se == pytest.approx(b.se, rel=1e-7, abs=1e-9)
    if len(pairs) == 1:
        assert a.tau2 is None and ONE_STUDY_WARNING in a.warnings
        assert a.estimate == pairs[0][0] and a.se == pytest.approx(math.sqrt(pairs[0][1]))
        return
    assert a.tau2 is not None and a.tau2 >= 0 and b.tau2 is not None
    assert a.tau2 == pytest.approx(b.tau2, rel=1e-6, abs=1e-9)
    assert a.q == pytest.approx(b.q, rel=1e-9, abs=1e-9)
    assert 0 <= a.i2 <= 100
    assert a.tau2_ci_low <= a.tau2_ci_high
    assert a.ci_low <= a.estimate <= a.ci_high
    assert a.pi_low <= a.ci_low + 1e-12 and a.ci_high <= a.pi_high + 1e-12
    assert sum(s.weight for s in a.studies) == pytest.approx(100)


@FAST
@given(pairs=effects, seed=st.randoms(use_true_random=False))
def test_fixed_effect_is_order_invariant_and_within_the_range(pairs, seed):
    order = list(range(len(pairs)))
    shuffled = order[:]
    seed.shuffle(shuffled)
    a = _pool(pairs, order)
    b = _pool(pairs, shuffled)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-9, abs=1e-12)
    ys = [y for y, _ in pairs]
    assert min(ys) - 1e-9 <= a.estimate <= max(ys) + 1e-9
    random = _pool(pairs, order, model="random")
    assert random.se >= a.se - 1e-12  # tau² >= 0 never makes the random-effects SE smaller


tables = st.lists(
    st.tuples(st.integers(1, 60), st.integers(1, 60), st.floats(0, 1), st.floats(0, 1)),
    min_size=1, max_size=8,
).map(lambda rows: [BinaryStudy(f"s{i}", round(p1 * n1), n1, round(p2 * n2), n2)
                    for i, (n1, n2, p1, p2) in enumerate(rows)])


@FAST
@given(studies=tables, seed=st.randoms(use_true_random=False),
       measure=st.sampled_from(["RR", "OR", "RD"]),
       profile=st.sampled_from(["revman5", "metafor"]))
def test_mantel_haenszel_is_order_invariant(studies, seed, measure, profile):
    shuffled = studies[:]
    seed.shuffle(shuffled)
    options = AnalysisOptions(measure, method="MH", profile=profile)
    try:
        a = pool_studies(studies, options)
    except Exception as exc:  # e.g. no events at all: must fail the same way when shuffled
        with pytest.raises(type(exc)):
            pool_studies(shuffled, options)
        return
    b = pool_studies(shuffled, options)
    assert math.isfinite(a.estimate)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-9, abs=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-9, abs=1e-12)
    if a.q is not None:
        assert a.q >= 0 and a.q == pytest.approx(b.q, rel=1e-9, abs=1e-9)
    weights = np.array([s.weight for s in a.studies])
    assert weights.sum() == pytest.approx(100) and (weights >= 0).all()
