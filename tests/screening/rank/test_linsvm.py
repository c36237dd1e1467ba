"""The warm-started linear SVM: C and Python twins agree, it solves LinearSVC's problem,
a warm start reaches the cold optimum, and its errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from screening.rank import linsvm
from screening.rank.linsvm import (
    WarmLinearSVM,
    dual_objective,
    primal_objective,
    score_unlabeled_py,
    top_rows,
)
from screening.rank.rankers import _relevant_weighted

needs_c = pytest.mark.skipif(not linsvm.ACCELERATED, reason="_linsvm.c was not compiled")


def test_extension_is_built() -> None:
    assert linsvm.ACCELERATED, "screening/rank/_linsvm.c was not compiled"


def _problem(seed: int, n_rows: int = 40, n_features: int = 30, density: float = 0.15,
             relevant: float = 0.3) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = sp.random(n_rows, n_features, density=density, format="csr", random_state=rng)
    y = (rng.random(n_rows) < relevant).astype(np.int64)
    y[:2] = [1, 0]  # both classes among the first rows
    return X, y


def _python_twins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linsvm, "solve_dual", linsvm.solve_dual_py)
    monkeypatch.setattr(linsvm, "gram_solve", linsvm.gram_solve_py)
    monkeypatch.setattr(linsvm, "score_unlabeled", linsvm.score_unlabeled_py)


def _fit_in_steps(X: sp.csr_matrix, y: np.ndarray, steps: list[int], **params
                  ) -> WarmLinearSVM:
    """Label the rows in ``steps`` batches (row order), refitting after each."""
    svm = WarmLinearSVM(X, **params)
    start = 0
    for end in steps:
        svm.add(np.arange(start, end), y[start:end])
        svm.fit()
        start = end
    return svm


PROBLEMS = st.tuples(
    st.integers(0, 10_000),  # seed
    st.integers(6, 50),  # rows
    st.integers(3, 40),  # features
    st.sampled_from([0.05, 0.2, 0.6]),  # density (CSC shortcut or not)
    st.sampled_from([0, 3, 10_000]),  # gram_rows: sparse passes, a switch, Gram throughout
)


@needs_c
@given(PROBLEMS)
@settings(max_examples=60, deadline=None)
def test_c_and_python_twins_agree(problem) -> None:
    seed, n_rows, n_features, density, gram_rows = problem
    X, y = _problem(seed, n_rows, n_features, density)
    steps = sorted({2, n_rows // 3 + 2, n_rows // 2 + 2, n_rows})
    params = dict(random_state=seed, gram_rows=gram_rows, tol=1e-4)
    in_c = _fit_in_steps(X, y, steps, **params)
    with pytest.MonkeyPatch.context() as patch:
        _python_twins(patch)
        in_python = _fit_in_steps(X, y, steps, **params)
        scores_py = in_python.scores().copy()
    np.testing.assert_array_equal(in_c.alpha_, in_python.alpha_)
    np.testing.assert_array_equal(in_c.w_, in_python.w_)
    assert in_c.n_iter_ == in_python.n_iter_
    np.testing.assert_array_equal(in_c.scores(), scores_py)


@pytest.mark.parametrize("gram_rows", [0, 10_000], ids=["sparse-passes", "gram"])
@pytest.mark.parametrize("seed", range(4))
def test_solves_linearsvc_problem_cold_and_warm(seed: int, gram_rows: int) -> None:
    X, y = _problem(seed, n_rows=80, n_features=50, density=0.1, relevant=0.2)
    y01 = y[:60]
    cost = 0.11 * _relevant_weighted(y01, 9.8)
    reference = LinearSVC(C=0.11, tol=1e-8, max_iter=100_000).fit(
        X[:60], y01, sample_weight=_relevant_weighted(y01, 9.8))
    w_ref = np.append(reference.coef_.ravel(), reference.intercept_[0])
    best = primal_objective(w_ref, X[:60], y01, cost)
    cold = _fit_in_steps(X, y, [60], random_state=seed, tol=1e-8, gram_rows=gram_rows)
    warm = _fit_in_steps(X, y, [2, 10, 30, 59, 60], random_state=seed, tol=1e-8,
                         gram_rows=gram_rows)
    for svm in (cold, warm):
        np.testing.assert_allclose(svm.sample_cost(), cost)
        primal = primal_objective(svm.w_, X[:60], y01, cost)
        assert primal == pytest.approx(best, rel=1e-8)
        assert -dual_objective(svm.alpha_, svm.w_, cost) == pytest.approx(primal, rel=1e-8)
        np.testing.assert_allclose(svm.w_, w_ref, atol=1e-5)
        assert svm.intercept_ == pytest.approx(reference.intercept_[0], abs=1e-5)
        np.testing.assert_allclose(svm.coef_, reference.coef_.ravel(), atol=1e-5)
    np.testing.assert_allclose(warm.w_, cold.w_, atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_default_tolerance_is_as_close_as_linearsvc(seed: int) -> None:
    """At tol 1e-3 (the ranker's), both land within a hair of the optimum."""
    X, y = _problem(seed, n_rows=120, n_features=60, density=0.1, relevant=0.15)
    y01 = y[:100]
    cost = 0.11 * _relevant_weighted(y01, 9.8)
    svc = LinearSVC(C=0.11, tol=1e-3, max_iter=2000, random_state=seed).fit(
        X[:100], y01, sample_weight=_relevant_weighted(y01, 9.8))
    ours = _fit_in_steps(X, y, list(range(2, 101)), random_state=seed)
    exact = _fit_in_steps(X, y, [100], random_state=seed, tol=1e-10)
    best = primal_objective(exact.w_, X[:100], y01, cost)
    w_svc = np.append(svc.coef_.ravel(), svc.intercept_[0])
    assert primal_objective(ours.w_, X[:100], y01, cost) == pytest.approx(best, rel=1e-5)
    assert primal_objective(w_svc, X[:100], y01, cost) == pytest.approx(best, rel=1e-5)


def test_warm_start_needs_fewer_passes() -> None:
    X, y = _problem(7, n_rows=200, n_features=80, density=0.1, relevant=0.2)
    warm = _fit_in_steps(X, y, [150], random_state=1)
    cold_passes = warm.n_iter_
    warm.add([150], y[150:151])
    warm.fit()
    assert warm.n_iter_ < cold_passes


def test_scores_and_top_rows() -> None:
    X, y = _problem(3, n_rows=30)
    X = sp.vstack([X, X[25]], format="csr")  # row 30 repeats row 25: equal scores
    svm = _fit_in_steps(X, np.append(y, y[25]), [20], random_state=0)
    scores = svm.scores().copy()
    expected = np.asarray(X @ svm.coef_).ravel() + svm.intercept_
    np.testing.assert_allclose(scores[20:], expected[20:], rtol=1e-12)
    assert np.all(np.isneginf(scores[:20]))
    out = np.empty(X.shape[0])
    score_unlabeled_py(svm._indptr, svm._indices, svm._data, svm.w_, svm._labeled,
                       svm.intercept_, out)
    np.testing.assert_array_equal(out, scores)
    assert scores[30] == scores[25]
    stable = np.argsort(-scores[20:], kind="stable") + 20  # as rank_unlabeled orders them
    np.testing.assert_array_equal(svm.top_unlabeled(100), stable)  # no more than 11
    np.testing.assert_array_equal(svm.top_unlabeled(5), stable[:5])
    assert svm.top_unlabeled(1)[0] == stable[0]


def test_top_rows_ties_in_row_order() -> None:
    scores = np.array([1.0, 3.0, -np.inf, 3.0, 2.0, 3.0, 2.0])
    assert top_rows(scores, 1).tolist() == [1]
    assert top_rows(scores, 2).tolist() == [1, 3]
    assert top_rows(scores, 5).tolist() == [1, 3, 5, 4, 6]
    assert top_rows(scores, 9).tolist() == [1, 3, 5, 4, 6, 0]
    assert top_rows(scores, 0).tolist() == []


def test_does_not_converge_warns() -> None:
    X, y = _problem(2, n_rows=60)
    svm = WarmLinearSVM(X, max_iter=1, tol=1e-12)
    svm.add(np.arange(60), y)
    with pytest.warns(ConvergenceWarning, match=r"did not converge in 1 passes"):
        svm.fit()


def test_input_is_not_changed() -> None:
    X = sp.csr_matrix((np.array([1.0, 2.0, 3.0]), np.array([2, 0, 1]), np.array([0, 2, 3])),
                      shape=(2, 3))  # unsorted indices
    before = (X.data.copy(), X.indices.copy())
    svm = WarmLinearSVM(X)
    svm.add([0, 1], [1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svm.fit()
    np.testing.assert_array_equal(X.data, before[0])
    np.testing.assert_array_equal(X.indices, before[1])


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: s.add([0, 1], [1]), r"^2 rows but 1 labels$"),
    (lambda s: s.add([0, 6], [1, 0]), r"^rows must be between 0 and 5 \(got 0 to 6\)$"),
    (lambda s: s.add([0, 1], [1, 2]),
     r"^labels must be 1 \(include\) or 0 \(exclude\); got \[2\]$"),
    (lambda s: s.add([1, 1], [1, 1]), r"^a row is given twice \(got \[1, 1\]\)$"),
    (lambda s: (s.add([0], [1]), s.add([2, 0], [0, 1])), r"^row\(s\) already labelled: \[0\]$"),
    (lambda s: (s.add([0, 1], [1, 1]), s.fit()),
     r"^fitting needs at least one included and one excluded record; got 2 included and 0 "
     r"excluded$"),
], ids=["lengths", "range", "label", "twice", "again", "one-class"])
def test_errors(call, message) -> None:
    svm = WarmLinearSVM(sp.random(6, 4, density=0.5, format="csr", random_state=0))
    with pytest.raises(ValueError, match=message):
        call(svm)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match=r"^C, ratio and tol must be positive, max_iter at "
                                         r"least 1 and gram_rows at least 0 \(got C=0, "):
        WarmLinearSVM(sp.eye(3, format="csr"), C=0)


@needs_c
def test_c_checks_its_arrays() -> None:
    from screening.rank import _linsvm

    svm = _fit_in_steps(*_problem(1, n_rows=10), [4])
    l = svm.n_labeled  # noqa: E741
    args = [svm._indptr, svm._indices, svm._data, svm._rows[:l], svm._y[:l],
            svm.sample_cost(), svm._alpha[:l], svm.w_, svm._sqnorm, 1.0, 1e-3, 10, 0]
    bad = list(args)
    bad[1] = svm._indices.astype(np.int64)
    with pytest.raises(TypeError, match=r"^indices must be a one-dimensional int32 array "
                                        r"\(got format '[lq]', 1 dimension\(s\)\)$"):
        _linsvm.solve_dual(*bad)
    bad = list(args)
    bad[6] = np.zeros(l)[::-1]
    with pytest.raises(TypeError, match=r"^alpha must be a contiguous writable float64 "
                                        r"array$"):
        _linsvm.solve_dual(*bad)
    bad = list(args)
    bad[4] = svm._y[: l - 1]
    with pytest.raises(ValueError, match=r"^solve_dual: array lengths do not match$"):
        _linsvm.solve_dual(*bad)
    bad = list(args)
    bad[3] = np.array([0, 1, 2, 10])
    with pytest.raises(ValueError, match=r"^solve_dual: row 10 is not in the matrix "
                                         r"\(10 rows\)$"):
        _linsvm.solve_dual(*bad)
    bad = list(args)
    bad[5] = np.array([1.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"^solve_dual: cost of row 1 is not positive$"):
        _linsvm.solve_dual(*bad)
    with pytest.raises(ValueError, match=r"^gram_solve: array lengths do not match$"):
        # ld (the Gram matrix's width) smaller than the labelled rows
        _linsvm.gram_solve(*args[:8], np.zeros(l * l), np.zeros(l), np.zeros(l),
                           np.zeros(svm.w_.size), svm._col_indptr, svm._col_indices,
                           svm._col_data, np.zeros(svm.n_rows), l - 1, 0, 1.0, 1e-3, 10, 0)
    out = np.empty(3)
    with pytest.raises(ValueError, match=r"^score_unlabeled: array lengths do not match$"):
        _linsvm.score_unlabeled(svm._indptr, svm._indices, svm._data, svm.w_, svm._labeled,
                                0.0, out)
