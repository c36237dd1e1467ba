"""The ``svm`` ranker's model, warm-started from one screening step to the next.

Simulated screening (:mod:`screening.rank.simulate`) retrains after every record. Each
retrain solves the problem of :class:`~screening.rank.rankers.LinearSVMRanker`::

    min_w  ½‖w‖² + Σ_i C_i · max(0, 1 − y_i w·x̃_i)²

over the labelled rows, with x̃_i = (x_i, bias) so that the intercept is a regularised
weight as in liblinear (``intercept_scaling`` 1), y_i = ±1 and C_i = C × the sample weight
of ``_relevant_weighted``. scikit-learn's LinearSVC solves it with liblinear's dual
coordinate descent (Hsieh et al. 2008) from α = 0 on every fit; it has no warm start, so
each step repeated the passes of the step before. This module is that algorithm, written
out because of the warm start. The dual is::

    min_{α ≥ 0}  ½‖Σ_i y_i α_i x̃_i‖² + Σ_i α_i² / (4 C_i) − Σ_i α_i,   w = Σ_i y_i α_i x̃_i

Its only constraint is α ≥ 0 (the squared hinge has no upper bound on α), and the sample
weights enter only through the diagonal 1 / (2 C_i). So after a record is labelled, the
previous α with a 0 for the new row is still feasible and still gives the same w; the
weights of every row change a little with the class counts, which changes only that
diagonal. Coordinate descent continues from there to the same stopping rule as liblinear
(projected-gradient spread ≤ ``tol``): in 5 to 7 passes on the benchmark reviews, where a
fit from α = 0 takes 9 to 13 (LinearSVC's ``n_iter_``).

With the gradient of every labelled row kept alongside their Gram matrix
(:func:`gram_solve_py`), a pass costs a lookup per row and a dense update per row that
moves, instead of a sparse dot product and update per row; that leaves scoring the
unlabelled rows (one sparse product) as the larger part of a step. Only the rows to screen
next are picked out (:func:`top_rows`), not the whole queue sorted.

The loops run in C when the optional extension ``_linsvm`` was built (see _linsvm.c);
:func:`solve_dual_py`, :func:`gram_solve_py` and :func:`score_unlabeled_py` are their
Python twins and the definition (tests check that both give the same bits). The twins are
far slower than LinearSVC, so without the extension the simulation keeps LinearSVC
(:data:`ACCELERATED` is False).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from screening.rank.rankers import _relevant_weighted

__all__ = ["ACCELERATED", "WarmLinearSVM", "dual_objective", "gram_solve_py",
           "primal_objective", "score_unlabeled_py", "solve_dual_py", "top_rows"]

_MASK64 = (1 << 64) - 1


def _next_random(state: int) -> tuple[int, int]:
    """splitmix64, as ``next_random`` in _linsvm.c: (value, new state)."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31), state


def _sparse_dot(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, row: int,
                v: np.ndarray, bias: float) -> float:
    """x~_row · v, summed in order as C does (so that the twins agree to the last bit)."""
    s = 0.0
    for k in range(int(indptr[row]), int(indptr[row + 1])):
        s += float(data[k]) * float(v[indices[k]])
    return s + bias * float(v[-1])


def _axpy(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, row: int, d: float,
          w: np.ndarray, bias: float) -> None:
    start, end = int(indptr[row]), int(indptr[row + 1])
    w[indices[start:end]] += d * data[start:end]
    w[-1] += d * bias


def _shuffle(index: list[int], n: int, state: int) -> int:
    """liblinear's shuffle of the first ``n`` entries; returns the new random state."""
    for i in range(n):
        value, state = _next_random(state)
        j = i + value % (n - i)
        index[i], index[j] = index[j], index[i]
    return state


def solve_dual_py(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                  rows: np.ndarray, y: np.ndarray, cost: np.ndarray, alpha: np.ndarray,
                  w: np.ndarray, sqnorm: np.ndarray, bias: float, eps: float, max_iter: int,
                  state: int) -> tuple[int, int]:
    """Dual coordinate descent from the given ``alpha`` and ``w`` (both updated in place).

    liblinear's ``solve_l2r_l1l2_svc`` for the squared hinge, with its shrinking: a row at
    α = 0 whose gradient exceeds the largest projected gradient of the previous pass is set
    aside until the rest has converged, then every row is checked once more. ``rows`` are
    the training rows of the CSR arrays, ``y`` their ±1 labels, ``cost`` their C_i; ``w``
    holds the feature weights and, last, the weight of the constant ``bias`` feature.
    Returns the number of passes and the random state after them.
    """
    l = rows.size  # noqa: E741 (liblinear's name)
    qd = [0.5 / float(cost[i]) + float(sqnorm[rows[i]]) + bias * bias for i in range(l)]
    index = list(range(l))
    active = l
    pg_max_old = np.inf  # liblinear's PGmin_old only serves an upper bound on alpha
    n_iter = 0
    while n_iter < max_iter:
        pg_max, pg_min = -np.inf, np.inf
        state = _shuffle(index, active, state)
        s = 0
        while s < active:
            i = index[s]
            yi = float(y[i])
            g = (yi * _sparse_dot(indptr, indices, data, rows[i], w, bias) - 1.0
                 + float(alpha[i]) * (0.5 / float(cost[i])))
            pg = 0.0
            if alpha[i] == 0.0:
                if g > pg_max_old:  # shrink: stays at the bound for now
                    active -= 1
                    index[s], index[active] = index[active], i
                    continue
                if g < 0.0:
                    pg = g
            else:
                pg = g
            pg_max, pg_min = max(pg_max, pg), min(pg_min, pg)
            if abs(pg) > 1e-12:
                old = float(alpha[i])
                alpha[i] = max(old - g / qd[i], 0.0)
                _axpy(indptr, indices, data, rows[i], (float(alpha[i]) - old) * yi, w, bias)
            s += 1
        n_iter += 1
        if pg_max - pg_min <= eps:
            if active == l:
                break
            active = l  # converged on the shrunk set: check every coordinate once more
            pg_max_old = np.inf
            continue
        pg_max_old = np.inf if pg_max <= 0.0 else pg_max
    return n_iter, state


def gram_solve_py(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                  rows: np.ndarray, y: np.ndarray, cost: np.ndarray, alpha: np.ndarray,
                  w: np.ndarray, q: np.ndarray, grad: np.ndarray, alpha_w: np.ndarray,
                  scratch: np.ndarray, col_indptr: np.ndarray, col_indices: np.ndarray,
                  col_data: np.ndarray, acc: np.ndarray, ld: int, n_old: int, bias: float,
                  eps: float, max_iter: int, state: int) -> tuple[int, int]:
    """The same descent with the gradient of every labelled row kept up to date.

    ``q`` (``ld`` × ``ld``, flat) holds Q_ij = y_i y_j x~_i·x~_j and ``grad`` the gradient
    (Qα)_i − 1 for the first ``n_old`` rows; the rows after them are new (α = 0) and get
    theirs first. Updating a coordinate then costs a dense pass over one row of Q, and
    checking one costs nothing, so a pass updates only the rows whose projected gradient
    exceeds ``eps`` / 2 and the descent stops when all projected gradients, exact at that
    point, are within ``eps`` of each other (liblinear's rule compares values taken along
    a pass; once every row is within ``eps`` / 2 of 0, the rule holds, so it ends). ``w``
    is brought up to date at the end from the change of each α since ``alpha_w``.
    ``scratch`` is a zeroed vector as long as ``w``, left zeroed.

    The matrix's columns (``col_*``, CSC) and ``acc`` (zeroed, one entry per matrix row)
    serve the C version's shortcut for a new row of Q (walking the columns of the new
    row's features when they hold fewer entries than the labelled rows); it adds the same
    products in the same order, so this twin, which does not need them, gives the same
    values.
    """
    l = rows.size  # noqa: E741 (liblinear's name)
    theta = eps / 2.0
    square = q[: ld * ld].reshape(ld, ld)
    for i in range(n_old, l):
        start, end = int(indptr[rows[i]]), int(indptr[rows[i] + 1])
        np.add.at(scratch, indices[start:end], data[start:end])
        scratch[-1] = bias
        for j in range(i + 1):
            square[i, j] = square[j, i] = (
                float(y[i]) * float(y[j]) * _sparse_dot(indptr, indices, data, rows[j],
                                                        scratch, bias))
        scratch[:] = 0.0
        grad[i] = float(y[i]) * _sparse_dot(indptr, indices, data, rows[i], w, bias) - 1.0
        alpha_w[i] = alpha[i]
    index = list(range(l))
    diag = 0.5 / cost[:l]
    n_iter = 0
    while n_iter < max_iter:
        state = _shuffle(index, l, state)
        for i in index:
            g = float(grad[i]) + float(alpha[i]) * float(diag[i])
            pg = 0.0 if alpha[i] == 0.0 and g > 0.0 else g
            if abs(pg) > theta:
                old = float(alpha[i])
                alpha[i] = max(old - g / (float(square[i, i]) + float(diag[i])), 0.0)
                grad[:l] += (float(alpha[i]) - old) * square[i, :l]
        n_iter += 1
        g = grad[:l] + alpha[:l] * diag
        pg = np.where((alpha[:l] == 0.0) & (g > 0.0), 0.0, g)
        if pg.max() - pg.min() <= eps:
            break
    for i in range(l):
        if alpha[i] != alpha_w[i]:
            _axpy(indptr, indices, data, rows[i], (float(alpha[i]) - float(alpha_w[i]))
                  * float(y[i]), w, bias)
            alpha_w[i] = alpha[i]
    return n_iter, state


def score_unlabeled_py(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                       w: np.ndarray, labeled: np.ndarray, intercept: float,
                       out: np.ndarray) -> None:
    """``out[r]`` = x_r·w + intercept for the rows not labelled, -inf for labelled ones.

    Each row's products are added into four partial sums (the j-th product of a row into
    sum j mod 4), combined as (s0 + s1) + (s2 + s3), as in C, where one running sum would
    make every addition wait for the one before."""
    products = (data * w[indices]).tolist()
    for r in range(indptr.size - 1):
        if labeled[r]:
            out[r] = -np.inf
            continue
        sums = [0.0, 0.0, 0.0, 0.0]
        for j, product in enumerate(products[indptr[r]:indptr[r + 1]]):
            sums[j % 4] += product
        out[r] = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + intercept


try:
    from screening.rank._linsvm import gram_solve, score_unlabeled, solve_dual
except ImportError:  # built without a C compiler
    gram_solve, score_unlabeled, solve_dual = gram_solve_py, score_unlabeled_py, solve_dual_py
    ACCELERATED = False
else:
    ACCELERATED = True


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` rows with the highest finite scores, highest first; ties in row order
    (the order of a stable sort of the negated scores)."""
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k == 1:
        return np.array([int(np.argmax(scores))])  # the first of equal maxima
    kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)[: k - above.size]
    rows = np.concatenate([above, tied])
    return rows[np.lexsort((rows, -scores[rows]))]


def dual_objective(alpha: np.ndarray, w: np.ndarray, cost: np.ndarray) -> float:
    """The dual objective (minimised) at ``alpha`` with ``w`` = Σ y_i α_i x̃_i."""
    return float(0.5 * w @ w + np.sum(alpha * alpha * (0.25 / cost)) - alpha.sum())


def primal_objective(w: np.ndarray, X: Any, y01: np.ndarray, cost: np.ndarray,
                     bias: float = 1.0) -> float:
    """The primal objective at feature weights and bias weight ``w`` (bias last)."""
    margins = np.asarray(X @ w[:-1]).ravel() + bias * w[-1]
    loss = np.maximum(0.0, 1.0 - np.where(y01 == 1, 1.0, -1.0) * margins)
    return float(0.5 * w @ w + np.sum(cost * loss * loss))


class WarmLinearSVM:
    """The ``svm`` ranker's model over a fixed matrix, refitted as labels are added.

    Rows are labelled with :meth:`add` (never unlabelled); :meth:`fit` continues
    coordinate descent from the previous solution; :meth:`top_unlabeled` gives the rows
    to screen next. Parameters mean what they mean for
    :class:`~screening.rank.rankers.LinearSVMRanker`; ``random_state`` seeds the order in
    which coordinates are visited (None: 0).

    Up to ``gram_rows`` labelled rows, it keeps their Gram matrix (8 × ``gram_rows``²
    bytes at most, 32 MiB by default) and the gradient of every row (:func:`gram_solve_py`);
    beyond, it continues with liblinear's passes over the sparse rows
    (:func:`solve_dual_py`), from the same α and w.
    """

    def __init__(self, X: Any, *, C: float = 0.11, ratio: float = 9.8, tol: float = 1e-3,
                 max_iter: int = 2000, random_state: int | None = None,
                 bias: float = 1.0, gram_rows: int = 2048) -> None:
        if not (C > 0 and ratio > 0 and tol > 0 and max_iter >= 1 and gram_rows >= 0):
            raise ValueError(f"C, ratio and tol must be positive, max_iter at least 1 and "
                             f"gram_rows at least 0 (got C={C}, ratio={ratio}, tol={tol}, "
                             f"max_iter={max_iter}, gram_rows={gram_rows})")
        X = sp.csr_matrix(X, dtype=np.float64)
        if not X.has_canonical_format:  # the C shortcut for Q needs sorted, unique indices
            X = X.copy()
            X.sum_duplicates()
        if X.nnz >= 2**31:
            raise ValueError(f"the matrix has too many non-zeros for 32-bit indices "
                             f"({X.nnz})")
        X.check_format(full_check=True)  # the C loops index w and rows without checks
        self.C, self.ratio, self.tol, self.max_iter = C, ratio, tol, max_iter
        self.bias = float(bias)
        self.n_rows, self.n_features = X.shape
        self._indptr = np.ascontiguousarray(X.indptr, dtype=np.int32)
        self._indices = np.ascontiguousarray(X.indices, dtype=np.int32)
        self._data = np.ascontiguousarray(X.data, dtype=np.float64)
        self._sqnorm = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        columns = X.tocsc()
        self._col_indptr = np.ascontiguousarray(columns.indptr, dtype=np.int32)
        self._col_indices = np.ascontiguousarray(columns.indices, dtype=np.int32)
        self._col_data = np.ascontiguousarray(columns.data, dtype=np.float64)
        self._acc = np.zeros(self.n_rows, dtype=np.float64)
        self._rows = np.empty(self.n_rows, dtype=np.int64)  # training rows, in order added
        self._y = np.empty(self.n_rows, dtype=np.float64)  # their labels, ±1
        self._alpha = np.zeros(self.n_rows, dtype=np.float64)  # their dual variables
        self._labeled = np.zeros(self.n_rows, dtype=bool)
        self._scores = np.empty(self.n_rows, dtype=np.float64)
        self._state = int(random_state or 0) & _MASK64
        self.gram_rows = gram_rows
        self._q = np.empty(0, dtype=np.float64)  # Q of the first _n_gram rows, _ld wide
        self._ld = self._n_gram = 0
        self._grad = np.empty(self.n_rows, dtype=np.float64)
        self._alpha_w = np.zeros(self.n_rows, dtype=np.float64)  # the alpha that w is of
        self._scratch = np.zeros(self.n_features + 1, dtype=np.float64)
        self.n_labeled = 0
        self.w_ = np.zeros(self.n_features + 1, dtype=np.float64)
        self.n_iter_ = 0

    @property
    def coef_(self) -> np.ndarray:
        return self.w_[:-1]

    @property
    def intercept_(self) -> float:
        return float(self.bias * self.w_[-1])

    @property
    def alpha_(self) -> np.ndarray:
        """The dual variables of the labelled rows, in the order they were added."""
        return self._alpha[: self.n_labeled]

    @property
    def rows_(self) -> np.ndarray:
        """The labelled rows, in the order they were added."""
        return self._rows[: self.n_labeled]

    def add(self, rows: Any, labels: Any) -> None:
        """Label ``rows`` (1 include, 0 exclude); they start with α = 0, which keeps w."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        labels = np.asarray(labels).ravel()
        if rows.size != labels.size:
            raise ValueError(f"{rows.size} rows but {labels.size} labels")
        if rows.size and (rows.min() < 0 or rows.max() >= self.n_rows):
            raise ValueError(f"rows must be between 0 and {self.n_rows - 1} "
                             f"(got {rows.min()} to {rows.max()})")
        if not ((labels == 0) | (labels == 1)).all():
            raise ValueError(f"labels must be 1 (include) or 0 (exclude); "
                             f"got {sorted(set(labels.tolist()) - {0, 1})}")
        again = sorted(set(rows[self._labeled[rows]].tolist()))
        if again:
            raise ValueError(f"row(s) already labelled: {again}")
        if len(set(rows.tolist())) != rows.size:
            raise ValueError(f"a row is given twice (got {rows.tolist()})")
        end = self.n_labeled + rows.size
        self._rows[self.n_labeled:end] = rows
        self._y[self.n_labeled:end] = np.where(labels == 1, 1.0, -1.0)
        self._alpha[self.n_labeled:end] = 0.0
        self._labeled[rows] = True
        self.n_labeled = end

    def sample_cost(self) -> np.ndarray:
        """C_i of each labelled row (in the order added): C × its sample weight."""
        y01 = (self._y[: self.n_labeled] > 0).astype(np.int64)
        n_in = int(y01.sum())
        if n_in < 1 or n_in == y01.size:
            raise ValueError(f"fitting needs at least one included and one excluded "
                             f"record; got {n_in} included and {y01.size - n_in} excluded")
        return self.C * _relevant_weighted(y01, self.ratio)

    def fit(self) -> WarmLinearSVM:
        """Continue coordinate descent on the labelled rows to the stopping rule."""
        l = self.n_labeled  # noqa: E741 (liblinear's name)
        common = (self._indptr, self._indices, self._data, self._rows[:l], self._y[:l],
                  self.sample_cost(), self._alpha[:l], self.w_)
        if l <= self.gram_rows:
            self._reserve_gram(l)
            self.n_iter_, self._state = gram_solve(
                *common, self._q, self._grad, self._alpha_w, self._scratch,
                self._col_indptr, self._col_indices, self._col_data, self._acc, self._ld,
                self._n_gram, self.bias, self.tol, self.max_iter, self._state)
            self._n_gram = l
        else:
            self._q = np.empty(0, dtype=np.float64)  # w is up to date; Q is not needed
            self.n_iter_, self._state = solve_dual(
                *common, self._sqnorm, self.bias, self.tol, self.max_iter, self._state)
        if self.n_iter_ >= self.max_iter:
            warnings.warn(f"The linear SVM did not converge in {self.max_iter} passes; "
                          f"increase max_iter.", ConvergenceWarning, stacklevel=2)
        return self

    def _reserve_gram(self, l: int) -> None:  # noqa: E741 (liblinear's name)
        """Room for the Gram matrix of ``l`` rows (grown by doubling, up to gram_rows)."""
        if l <= self._ld:
            return
        ld = min(max(2 * self._ld, l, 64), self.gram_rows)
        q = np.empty(ld * ld, dtype=np.float64)
        n = self._n_gram
        q.reshape(ld, ld)[:n, :n] = self._q.reshape(self._ld, self._ld)[:n, :n]
        self._q, self._ld = q, ld

    def scores(self) -> np.ndarray:
        """x·w + intercept for every unlabelled row, -inf for the labelled ones (a view
        that the next call overwrites)."""
        score_unlabeled(self._indptr, self._indices, self._data, self.w_, self._labeled,
                        self.intercept_, self._scores)
        return self._scores

    def top_unlabeled(self, k: int = 1) -> np.ndarray:
        """The ``k`` unlabelled rows to screen next: highest score first, ties in row
        order (as the stable sort of :func:`screening.rank.loop.rank_unlabeled`)."""
        return top_rows(self.scores(), k)
