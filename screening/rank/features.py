"""Features for ranking: TF-IDF over title + abstract, built once per review.

The vectorizer is fitted once on every record of the review (the vocabulary needs no
labels) and the sparse matrix is reused for every retrain and ranking of the active-learning
loop: retraining never re-tokenises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["FeatureMatrix", "build_features", "record_texts"]


@dataclass(frozen=True)
class FeatureMatrix:
    """The review's records as rows of a CSR matrix, with the fitted vectorizers."""

    X: sp.csr_matrix
    vectorizers: tuple[TfidfVectorizer, ...]
    settings: dict[str, Any]

    @property
    def n_records(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


def record_texts(titles: Sequence[Any], abstracts: Sequence[Any]) -> list[str]:
    """Title and abstract joined per record; missing values (None, NaN) count as empty."""
    if len(titles) != len(abstracts):
        raise ValueError(f"{len(titles)} titles but {len(abstracts)} abstracts")
    return [f"{_text(t)}. {_text(a)}".strip(". ") for t, a in zip(titles, abstracts, strict=True)]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def build_features(
    texts: Sequence[str],
    *,
    ngram_range: tuple[int, int] = (1, 2),
    min_df: int = 2,
    char_ngrams: bool = False,
    max_features: int | None = None,
) -> FeatureMatrix:
    """Fit TF-IDF (word 1-2 grams, sublinear tf, English stop words) on every record once.

    ``min_df`` falls back to 1 when the corpus is too small to keep any term.
    ``char_ngrams`` adds character 3-5 grams within word boundaries (``char_wb``), which
    helps with spelling variants; the two blocks are stacked side by side.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("no records to build features from")
    settings = {"ngram_range": list(ngram_range), "min_df": min_df, "char_ngrams": char_ngrams,
                "max_features": max_features}
    word = _fit(texts, dict(analyzer="word", ngram_range=tuple(ngram_range),
                            stop_words="english", max_features=max_features), min_df)
    blocks = [word]
    if char_ngrams:
        blocks.append(_fit(texts, dict(analyzer="char_wb", ngram_range=(3, 5),
                                       max_features=max_features), min_df))
    vectorizers = tuple(v for v, _ in blocks)
    matrices = [m for _, m in blocks]
    X = matrices[0] if len(matrices) == 1 else sp.hstack(matrices, format="csr")
    return FeatureMatrix(X=sp.csr_matrix(X, dtype=np.float64), vectorizers=vectorizers,
                         settings=settings)


def _fit(texts: list[str], options: dict[str, Any], min_df: int):
    for df in dict.fromkeys((min(min_df, len(texts)), 1)):
        vectorizer = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode",
                                     lowercase=True, min_df=df, dtype=np.float64, **options)
        try:
            return vectorizer, vectorizer.fit_transform(texts)
        except ValueError:  # "empty vocabulary" / "no terms remain": try a looser min_df
            continue
    raise ValueError("no terms in any record: titles and abstracts are empty")
