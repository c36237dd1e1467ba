"""One step of active learning: retrain on the labels known so far, rank the rest.

The feature matrix is built once per review (:mod:`screening.rank.features`); each step
only fits the ranker on the labelled rows and scores the unlabelled ones. Labels are an
integer array over the matrix rows: 1 include, 0 exclude, -1 not yet screened.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn import config_context

from screening.errors import ReviewError
from screening.rank.rankers import get_ranker, params_hash, ranker_version, relevance_scores

__all__ = ["UNLABELED", "NotEnoughLabelsError", "Ranking", "rank_unlabeled"]

#: The label of a record not screened yet.
UNLABELED = -1


class NotEnoughLabelsError(ReviewError):
    """Ranking needs at least one included and one excluded record."""


@dataclass(frozen=True)
class Ranking:
    """The unscreened records in the order to screen them, and the model that ranked them."""

    #: Row indices of the unscreened records, first to screen first.
    order: np.ndarray
    #: The model's score for each row in ``order`` (higher = more likely relevant).
    scores: np.ndarray
    #: Whether each row in ``order`` was put there by random choice (exploration).
    random_pick: np.ndarray
    model: str
    params: dict[str, Any] = field(repr=False)
    params_hash: str = ""
    version: str = ""
    n_included: int = 0
    n_excluded: int = 0
    seconds: float = 0.0

    @property
    def actor(self) -> str:
        """The actor a decision taken from this ranking is recorded with."""
        return f"model:{self.model}@{self.version}"


def _check_labels(labels: np.ndarray, n_rows: int) -> tuple[int, int]:
    if labels.shape != (n_rows,):
        raise ValueError(f"labels must have one entry per record ({n_rows}); "
                         f"got shape {labels.shape}")
    unknown = set(np.unique(labels).tolist()) - {UNLABELED, 0, 1}
    if unknown:
        raise ValueError(f"labels must be 1 (include), 0 (exclude) or -1 (not screened); "
                         f"got {sorted(unknown)}")
    n_in, n_out = int((labels == 1).sum()), int((labels == 0).sum())
    if n_in < 1 or n_out < 1:
        raise NotEnoughLabelsError(
            f"ranking needs at least one included and one excluded record; "
            f"got {n_in} included and {n_out} excluded")
    return n_in, n_out


def rank_unlabeled(
    X: Any,
    labels: np.ndarray,
    *,
    model: str = "svm",
    params: Mapping[str, Any] | None = None,
    random_share: float = 0.0,
    random_state: int | None = 0,
    feature_settings: Mapping[str, Any] | None = None,
) -> Ranking:
    """Fit ``model`` on the labelled rows of ``X`` and order the unlabelled ones.

    The query strategy is "most likely relevant first". With ``random_share`` > 0, each
    place in the queue is instead given to a record drawn at random from those not yet
    placed with that probability (exploration against a blinkered model); the draw is fixed
    by ``random_state``, which also seeds the ranker.
    """
    started = time.perf_counter()
    labels = np.asarray(labels, dtype=np.int64)
    n_in, n_out = _check_labels(labels, X.shape[0])
    if not 0.0 <= random_share <= 1.0:
        raise ValueError(f"random_share must be between 0 and 1 (got {random_share})")
    options = {"random_state": random_state, **(params or {})}
    estimator = get_ranker(model, **options)
    known = np.flatnonzero(labels != UNLABELED)
    unknown = np.flatnonzero(labels == UNLABELED)
    # TF-IDF features are finite by construction; scanning every entry for NaN at each fit
    # and each scoring would cost as much as a small fit.
    with config_context(assume_finite=True):
        if hasattr(estimator, "fit_rank"):
            # A ranker that scales its scores by their spread over the records to rank
            # (svm-emb) is given the whole review, and scores it in the same pass.
            scores = estimator.fit_rank(X[known], labels[known], X)[unknown]
        else:
            estimator.fit(X[known], labels[known])
            # Scoring every row in one product is cheaper than copying out the unlabelled
            # ones.
            scores = relevance_scores(estimator, X)[unknown] if unknown.size else np.empty(0)
    by_score = np.argsort(-scores, kind="stable")
    placed, is_random = _mix(by_score, random_share, np.random.default_rng(random_state))
    return Ranking(
        order=unknown[placed], scores=scores[placed], random_pick=is_random, model=model,
        params=estimator.get_params(deep=False),
        params_hash=params_hash(estimator, dict(feature_settings or {})),
        version=ranker_version(), n_included=n_in, n_excluded=n_out,
        seconds=time.perf_counter() - started)


def _mix(by_score: np.ndarray, share: float, rng: np.random.Generator
         ) -> tuple[np.ndarray, np.ndarray]:
    """Interleave random picks into the score order (positions into the unlabeled rows)."""
    n = by_score.size
    if share == 0.0 or n == 0:
        return by_score, np.zeros(n, dtype=bool)
    random_order = rng.permutation(n)
    take_random = rng.random(n) < share
    used = np.zeros(n, dtype=bool)
    placed = np.empty(n, dtype=np.int64)
    top = rand = 0
    for slot in range(n):
        source, cursor = (random_order, rand) if take_random[slot] else (by_score, top)
        while used[source[cursor]]:
            cursor += 1
        placed[slot] = source[cursor]
        used[source[cursor]] = True
        if take_random[slot]:
            rand = cursor + 1
        else:
            top = cursor + 1
    return placed, take_random
