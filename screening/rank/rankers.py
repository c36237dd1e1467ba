"""Rankers: scikit-learn classifiers that score records for relevance.

Each follows the estimator contract (keyword params stored unchanged in ``__init__``,
``fit`` returns self, fitted attributes end in ``_``, ``random_state``) and is registered
by name with :func:`register`. All are binary (include = the second of ``classes_``) and
weight the classes, since included records are rare. ``decision_function`` gives the
ranking score (higher = more likely relevant); ``logistic``, ``nb`` and ``ensemble`` also
give ``predict_proba``. ``svm-emb`` ranks on TF-IDF and sentence embeddings together
(:mod:`screening.rank.fusion`); its class says so with ``needs_embeddings``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from screening.errors import RegistryError
from screening.rank.fusion import (
    block_coefficients,
    fused_scores,
    split_blocks,
    spread,
    spreads_of_the_rest,
)

__all__ = [
    "ComplementNBRanker",
    "EmbeddingFusionRanker",
    "EnsembleRanker",
    "LinearSVMRanker",
    "LogisticRanker",
    "available_rankers",
    "default_ranker",
    "get_ranker",
    "params_hash",
    "ranker_name",
    "ranker_version",
    "register",
    "relevance_scores",
]

_RANKERS: dict[str, type[BaseEstimator]] = {}


def register(name: str) -> Callable[[type[BaseEstimator]], type[BaseEstimator]]:
    """Class decorator adding a ranker to the registry under ``name``."""

    def decorate(cls: type[BaseEstimator]) -> type[BaseEstimator]:
        if name in _RANKERS and _RANKERS[name] is not cls:
            raise RegistryError(f"Ranker {name!r} is registered twice")
        _RANKERS[name] = cls
        return cls

    return decorate


def available_rankers() -> list[str]:
    """Names of every registered ranker, sorted."""
    return sorted(_RANKERS)


def default_ranker() -> str:
    """``svm-emb`` when the sentence-embedding model is installed, else ``svm``: the fused
    pair ranked better on 11 of the 12 benchmark reviews (mean WSS@95 0.641 against 0.614;
    see :mod:`screening.rank.fusion`)."""
    from screening.rank.embeddings import embeddings_available

    return "svm-emb" if embeddings_available() else "svm"


def ranker_name(name: str) -> str:
    """The registered name of the ranker ``name`` spells in any case ("SVM" -> "svm");
    an unknown name raises RegistryError listing the available ones."""
    wanted = name.strip().casefold()
    for known in available_rankers():
        if known.casefold() == wanted:
            return known
    raise RegistryError(f"Unknown ranker {name!r}. Available: {', '.join(available_rankers())}")


def get_ranker(name: str, **params: Any) -> BaseEstimator:
    """A new, unfitted ranker by name, in any case; an unknown name lists the available
    ones."""
    return _RANKERS[ranker_name(name)](**params)


@functools.cache
def ranker_version() -> str:
    """The litsieve version that ranks (the ``@<version>`` of a ``model:`` actor)."""
    try:
        return version("litsieve")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def params_hash(estimator: BaseEstimator, extra: dict[str, Any] | None = None) -> str:
    """A short, stable hash of a ranker's class, params and (optionally) feature settings."""
    payload = {"class": type(estimator).__name__,
               "params": estimator.get_params(deep=False), "extra": extra or {}}
    text = json.dumps(payload, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def relevance_scores(estimator: BaseEstimator, X: Any) -> np.ndarray:
    """One score per row, higher = more likely relevant."""
    return np.asarray(estimator.decision_function(X), dtype=np.float64).ravel()


class _BinaryRanker(ClassifierMixin, BaseEstimator):
    """Shared validation: sparse or dense X, exactly two classes."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags

    def _validate_fit(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) != 2:
            raise ValueError(
                f"Only binary classification is supported. {type(self).__name__} needs samples "
                f"of exactly 2 classes (include and exclude); got {len(self.classes_)} "
                f"class(es): {list(self.classes_)}")
        return X, (y == self.classes_[1]).astype(np.int64)

    def _validate_predict(self, X: Any) -> Any:
        check_is_fitted(self)
        return validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _proba(p1: np.ndarray) -> np.ndarray:
    return np.column_stack([1.0 - p1, p1])


@register("logistic")
class LogisticRanker(_BinaryRanker):
    """L2 logistic regression (liblinear), classes balanced."""

    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced",
                 max_iter: int = 1000, random_state: int | None = None) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> LogisticRanker:
        X, y01 = self._validate_fit(X, y)
        self.model_ = LogisticRegression(C=self.C, class_weight=self.class_weight,
                                         solver="liblinear", max_iter=self.max_iter,
                                         random_state=self.random_state).fit(X, y01)
        self.n_iter_ = self.model_.n_iter_
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        X = self._validate_predict(X)
        return self.model_.decision_function(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        return _proba(expit(self.decision_function(X)))


def _relevant_weighted(y01: np.ndarray, ratio: float) -> np.ndarray:
    """Sample weights under which the relevant records together weigh ``ratio`` times as
    much as the irrelevant ones (1 = balanced classes), scaled to a mean of 1 so that C
    keeps its meaning as the number of labels grows."""
    n_in, n_out = int(y01.sum()), int(y01.size - y01.sum())
    weights = np.where(y01 == 1, 1.0, n_in / (ratio * n_out))
    return weights * (y01.size / weights.sum())


@register("svm")
class LinearSVMRanker(_BinaryRanker):
    """Linear support vector machine (squared hinge, liblinear's dual coordinate descent);
    no probabilities. The default.

    The relevant records together weigh ``ratio`` times as much as the irrelevant ones;
    C 0.11 and ratio 9.8 are ASReview's tuned ELAS u4 values. Simulated on the 12 labelled
    reviews of benchmarks/ranking.py (5 seeds, title counted twice), ratio 3 had the higher
    mean WSS@95 (0.619 against 0.615) but fell 0.087 behind ASReview on one review (Sep
    2021), while 9.8 was never more than 0.024 behind it. Strong regularisation (small C)
    suits the few labels of screening and keeps each fit to a few passes over them; ``tol``
    1e-3 (scikit-learn's default is 1e-4) saves passes without changing the order (the top
    20 were the same in spot checks along two simulations).
    """

    def __init__(self, C: float = 0.11, ratio: float = 9.8, tol: float = 1e-3,
                 max_iter: int = 2000, random_state: int | None = None) -> None:
        self.C = C
        self.ratio = ratio
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> LinearSVMRanker:
        X, y01 = self._validate_fit(X, y)
        model = LinearSVC(C=self.C, tol=self.tol, max_iter=self.max_iter,
                          random_state=self.random_state)
        model.fit(X, y01, sample_weight=_relevant_weighted(y01, self.ratio))
        self.coef_, self.intercept_ = model.coef_.ravel(), float(model.intercept_[0])
        self.n_iter_ = model.n_iter_
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        X = self._validate_predict(X)
        return np.asarray(X @ self.coef_ + self.intercept_, dtype=np.float64).ravel()


@register("nb")
class ComplementNBRanker(_BinaryRanker):
    """Complement naive Bayes on non-negative features (TF-IDF), classes balanced by
    sample weights. Deterministic; ``random_state`` is accepted for a uniform interface."""

    def __init__(self, alpha: float = 1.0, balanced: bool = True,
                 random_state: int | None = None) -> None:
        self.alpha = alpha
        self.balanced = balanced
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X: Any, y: Any) -> ComplementNBRanker:
        X, y01 = self._validate_fit(X, y)
        weights = compute_sample_weight("balanced", y01) if self.balanced else None
        self.model_ = ComplementNB(alpha=self.alpha).fit(X, y01, sample_weight=weights)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        X = self._validate_predict(X)
        return self.model_.predict_proba(X)

    def decision_function(self, X: Any) -> np.ndarray:
        X = self._validate_predict(X)
        log_proba = self.model_.predict_log_proba(X)
        return log_proba[:, 1] - log_proba[:, 0]


@register("ensemble")
class EnsembleRanker(_BinaryRanker):
    """Mean probability of logistic regression, complement naive Bayes and a linear SVM
    (its margin squashed by a logistic function); the score is the logit of the mean."""

    def __init__(self, C: float = 1.0, alpha: float = 1.0,
                 random_state: int | None = None) -> None:
        self.C = C
        self.alpha = alpha
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X: Any, y: Any) -> EnsembleRanker:
        X, _ = self._validate_fit(X, y)
        self.estimators_ = [
            LogisticRanker(C=self.C, random_state=self.random_state).fit(X, y),
            ComplementNBRanker(alpha=self.alpha, random_state=self.random_state).fit(X, y),
            LinearSVMRanker(C=self.C / 2, random_state=self.random_state).fit(X, y),
        ]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        X = self._validate_predict(X)
        p1 = np.mean([expit(e.decision_function(X)) for e in self.estimators_], axis=0)
        return _proba(p1)

    def decision_function(self, X: Any) -> np.ndarray:
        p1 = np.clip(self.predict_proba(X)[:, 1], 1e-12, 1 - 1e-12)
        return logit(p1)


@register("svm-emb")
class EmbeddingFusionRanker(_BinaryRanker):
    """A linear SVM on the TF-IDF columns and one on the sentence-embedding columns (the
    last ``embedding_columns``), their scores each divided by its spread over the records
    to rank and added, the embedding score weighted ``embedding_weight``
    (:mod:`screening.rank.fusion` says why). The default when the embedding model is
    installed.

    ``fit(X, y, review=...)`` takes the whole review's matrix, of which the training rows
    ``X`` are a part; the spreads are measured over its other rows, the records to rank.
    Not over all of them: the labelled ones score far out on the model fitted to them and
    would swamp the spread (mean WSS@95 0.607 instead of 0.640). Without ``review`` the
    training rows give the spreads, which ranks worse. Once fitted, a record's score does
    not depend on the others scored with it.

    ``embedding_tol`` is looser than ``tol``: on 384 dense columns a pass of the solver
    costs more, and 1e-2 halved the embedding SVM's share of a simulated step on the
    largest benchmark review with the same mean WSS@95 (0.641 against 0.641 at 1e-3)."""

    needs_embeddings = True

    def __init__(self, embedding_columns: int = 384, C: float = 0.11,
                 C_embedding: float = 2.0, ratio: float = 9.8,
                 embedding_weight: float = 0.6, tol: float = 1e-3,
                 embedding_tol: float = 1e-2, max_iter: int = 2000,
                 random_state: int | None = None) -> None:
        self.embedding_columns = embedding_columns
        self.C = C
        self.C_embedding = C_embedding
        self.ratio = ratio
        self.embedding_weight = embedding_weight
        self.tol = tol
        self.embedding_tol = embedding_tol
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any, review: Any = None) -> EmbeddingFusionRanker:
        self._fit(X, y, review)
        return self

    def fit_rank(self, X: Any, y: Any, review: Any) -> np.ndarray:
        """``fit(X, y, review=review)``, then the score of every row of ``review``: what
        ``decision_function(review)`` gives, without a second pass over the review."""
        scores = self._fit(X, y, review)
        return fused_scores(scores[:, 0], scores[:, 1], self.text_spread_,
                            self.embedding_spread_, self.embedding_weight)

    def _fit(self, X: Any, y: Any, review: Any) -> np.ndarray | None:
        """Fit; return the review's block scores (None without a review)."""
        X, _ = self._validate_fit(X, y)
        text, embedding = split_blocks(X, self.embedding_columns)
        options = dict(ratio=self.ratio, max_iter=self.max_iter,
                       random_state=self.random_state)
        self.text_ = LinearSVMRanker(C=self.C, tol=self.tol, **options).fit(text, y)
        self.embedding_ = LinearSVMRanker(C=self.C_embedding, tol=self.embedding_tol,
                                          **options).fit(embedding, y)
        self.n_iter_ = max(self.text_.n_iter_, self.embedding_.n_iter_)
        self.block_coef_ = block_coefficients(self.text_.coef_, self.embedding_.coef_)
        self.block_intercept_ = np.array([self.text_.intercept_, self.embedding_.intercept_])
        training = self._block_scores(X)
        if review is None:
            self.text_spread_, self.embedding_spread_ = spread(training[:, 0]), \
                spread(training[:, 1])
            return None
        review = validate_data(self, review, accept_sparse="csr", dtype=np.float64,
                               reset=False)
        scores = self._block_scores(review)
        self.text_spread_, self.embedding_spread_ = spreads_of_the_rest(scores, training)
        return scores

    def _block_scores(self, X: Any) -> np.ndarray:
        """Each row's TF-IDF and embedding scores (two columns). Two matrix-vector
        products: scipy's product with a two-column matrix took 4 times as long."""
        return np.column_stack([X @ self.block_coef_[:, 0], X @ self.block_coef_[:, 1]]) \
            + self.block_intercept_

    def decision_function(self, X: Any) -> np.ndarray:
        X = self._validate_predict(X)
        scores = self._block_scores(X)
        return fused_scores(scores[:, 0], scores[:, 1], self.text_spread_,
                            self.embedding_spread_, self.embedding_weight)
