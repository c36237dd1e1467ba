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

__all__ = ["fused_scores", "split_blocks", "spread"]


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
    value = float(np.std(scores)) if scores.size else 0.0
    return value if value > 0.0 else 1.0


def fused_scores(text: np.ndarray, embedding: np.ndarray, text_spread: float,
                 embedding_spread: float, embedding_weight: float) -> np.ndarray:
    """Both scores in units of their spread, the embedding one weighted."""
    return text / text_spread + embedding_weight * (embedding / embedding_spread)
