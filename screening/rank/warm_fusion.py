"""The fused pair of SVMs (:mod:`screening.rank.fusion`) for the simulation, kept between
steps: each block's solver continues from its last solution (:mod:`screening.rank.linsvm`).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from screening.rank.fusion import fused_scores, split_blocks, spread
from screening.rank.linsvm import WarmLinearSVM, top_rows

__all__ = ["WarmFusedSVM"]


class WarmFusedSVM:
    """The fused pair for the simulation: two :class:`WarmLinearSVM` kept between steps.

    Gives the order of :class:`screening.rank.rankers.EmbeddingFusionRanker` fitted from
    scratch, up to the solvers' tolerance (both solve the same two problems)."""

    def __init__(self, X: Any, *, embedding_columns: int = 384, C: float = 0.11,
                 C_embedding: float = 2.0, ratio: float = 9.8, embedding_weight: float = 0.6,
                 tol: float = 1e-3, embedding_tol: float = 1e-2, max_iter: int = 2000,
                 random_state: int | None = None) -> None:
        text, embedding = split_blocks(X, embedding_columns)
        self.embedding_weight = embedding_weight
        options = dict(ratio=ratio, tol=tol, max_iter=max_iter, random_state=random_state)
        self.text = WarmLinearSVM(text, C=C, **options)
        self.embedding = WarmLinearSVM(embedding, C=C_embedding,
                                       **{**options, "tol": embedding_tol})
        self._embedding = np.ascontiguousarray(embedding.toarray())
        self._labeled = np.zeros(X.shape[0], dtype=bool)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-fused")
        self._pending: Future[np.ndarray] | None = None
        self._last: np.ndarray | None = None  # the embedding scores of the last fit

    def add(self, rows: Any, labels: Any) -> None:
        """Add newly labelled rows (1 relevant, 0 irrelevant) to both problems."""
        self._wait()  # a fit still running must finish first
        self.text.add(rows, labels)
        self.embedding.add(rows, labels)
        self._labeled[np.asarray(rows, dtype=np.int64)] = True

    def fit(self) -> WarmFusedSVM:
        """Fit both: the embedding SVM (and its scores) in a second thread while this one
        fits the TF-IDF SVM. The C solver and BLAS release the GIL, so the two overlap:
        on the larger benchmark reviews a step took about the time of the longer half."""
        self._wait()
        self._pending = self._worker.submit(self._fit_embedding)
        self.text.fit()
        return self

    def _fit_embedding(self) -> np.ndarray:
        self.embedding.fit()
        # The embedding block is dense: one BLAS product beats the sparse row loop.
        return self._embedding @ self.embedding.coef_ + self.embedding.intercept_

    def _wait(self) -> None:
        if self._pending is not None:
            self._last, self._pending = self._pending.result(), None

    def _embedding_scores(self) -> np.ndarray:
        self._wait()
        if self._last is None:
            self._last = self._fit_embedding()
        return self._last

    def scores(self) -> np.ndarray:
        """The fused score of every row, -inf for the labelled ones."""
        text = self.text.scores()  # -inf when labelled
        pool = np.flatnonzero(~self._labeled)
        text = text[pool]
        embedding = self._embedding_scores()[pool]
        fused = np.full(self._labeled.size, -np.inf)
        fused[pool] = fused_scores(text, embedding, spread(text), spread(embedding),
                                   self.embedding_weight)
        return fused

    def top_unlabeled(self, k: int = 1) -> np.ndarray:
        """The ``k`` unlabelled rows to screen next, highest fused score first."""
        return top_rows(self.scores(), k)
