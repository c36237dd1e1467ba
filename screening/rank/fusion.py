"""Two linear SVMs fused: one on the TF-IDF block, one on the sentence-embedding block.

The feature matrix of the ``svm-emb`` ranker holds the TF-IDF columns followed by the
embedding columns (:func:`screening.rank.features.with_embeddings`). Each block gets its
own SVM, regularised for it (C 0.11 for thousands of sparse word columns, 2 for 384 dense
ones), and the two scores are put on one scale, each divided by its spread (standard
deviation) over the records not screened yet, then added with the embedding score weighted
0.6.

Why fused and not one SVM over both blocks side by side: simulated on the 12 labelled
reviews of benchmarks/ranking.py (5 seeds), the side-by-side SVM beat TF-IDF alone only
with the embedding block weighted 0.25 (mean WSS@95 0.622 against 0.614) and lost up to
0.3 on Chou 2004 at higher weights; the fused pair reached 0.640, better than TF-IDF alone
on 11 of the 12 reviews, and flat around its optimum (0.637-0.642 for weights 0.5-1 and
embedding C 0.3-3). The spread must be taken over the records to rank: over all the
records, the labelled ones (which score far out on the model fitted to them) swamp it and
the mean fell to 0.607; divided by the spread of the training rows' scores, or by the norm
of the weights, to 0.573-0.576.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["block_coefficients", "fused_scores", "split_blocks", "spread",
           "spreads_of_the_rest"]


def split_blocks(X: Any, embedding_columns: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The TF-IDF columns and the last ``embedding_columns`` columns, as two CSR matrices."""
    n_features = X.shape[1]
    if embedding_columns < 1 or n_features <= embedding_columns:
        raise ValueError(
            f"the fused ranker needs TF-IDF columns followed by {embedding_columns} embedding "
            f"columns; got {n_features} feature(s) (build the features with "
            f"screening.rank.features.with_embeddings)")
    X = sp.csr_matrix(X)
    cut = n_features - embedding_columns
    return X[:, :cut].tocsr(), X[:, cut:].tocsr()


def spread(scores: np.ndarray) -> float:
    """The standard deviation of ``scores``, or 1 when they are all equal (nothing to
    scale)."""
    return _or_one(float(np.std(scores)) if scores.size else 0.0)


def _or_one(deviation: float) -> float:
    """A standard deviation to divide by: 1 when it is 0 (the scores are all equal)."""
    return deviation if deviation > 0.0 else 1.0


def fused_scores(text: np.ndarray, embedding: np.ndarray, text_spread: float,
                 embedding_spread: float, embedding_weight: float) -> np.ndarray:
    """Both scores in units of their spread, the embedding one weighted."""
    return text / text_spread + embedding_weight * (embedding / embedding_spread)


def block_coefficients(text_coef: np.ndarray, embedding_coef: np.ndarray) -> np.ndarray:
    """Both SVMs' weights as the two columns of one matrix over all the features (each
    zero on the other's block), so that ``X @ W[:, i]`` scores a block with no copy of it:
    splitting a 50,000-record matrix cost more than the fits."""
    n_text = text_coef.size
    weights = np.zeros((n_text + embedding_coef.size, 2), order="F")  # columns contiguous
    weights[:n_text, 0] = text_coef
    weights[n_text:, 1] = embedding_coef
    return weights


def spreads_of_the_rest(review_scores: np.ndarray, training_scores: np.ndarray
                        ) -> tuple[float, float]:
    """The spread of each column of ``review_scores`` over the rows that are not training
    rows, from the review's sums less the training rows' (the training rows are rows of the
    review): no copy of the unscreened rows is needed. With no other row, 1 each."""
    rest = review_scores.shape[0] - training_scores.shape[0]
    if rest <= 0:
        return 1.0, 1.0
    mean = (review_scores.sum(axis=0) - training_scores.sum(axis=0)) / rest
    square = ((review_scores ** 2).sum(axis=0) - (training_scores ** 2).sum(axis=0)) / rest
    text, embedding = np.sqrt(np.maximum(square - mean ** 2, 0.0))
    return _or_one(float(text)), _or_one(float(embedding))
