"""The active-learning step: features built once, retrain, rank, and its errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screening.errors import RegistryError, ReviewError
from screening.rank.features import build_features, record_texts
from screening.rank.loop import NotEnoughLabelsError, rank_unlabeled

TEXTS = ["ketamine infusion chronic pain trial", "dogs and cats at home",
         "ketamine chronic pain randomised", "walking dogs in parks", "ketamine pain infusion",
         "cats sleeping at home", "chronic pain ketamine placebo", "parks and dogs"]


def test_features_once_and_texts() -> None:
    features = build_features(TEXTS)
    assert features.n_records == 8 and features.X.format == "csr"
    assert features.settings["min_df"] == 1 and features.settings["max_df"] == 0.95
    assert record_texts(["A title", None], ["An abstract", float("nan")]) == [
        "A title. A title. An abstract", ""]
    assert record_texts(["A title"], ["An abstract"], title_weight=1) == [
        "A title. An abstract"]
    assert record_texts([pd.NA, " Padded "], [None, pd.NA]) == ["", "Padded. Padded"]
    with pytest.raises(ValueError, match=r"title_weight must be at least 1 \(got 0\)"):
        record_texts(["A title"], ["An abstract"], title_weight=0)
    with pytest.raises(ValueError, match="no terms in any record"):
        build_features(["", " "])


def test_rank_puts_likely_relevant_first() -> None:
    X = build_features(TEXTS).X
    labels = np.array([1, 0, -1, -1, -1, -1, -1, -1])
    ranking = rank_unlabeled(X, labels)
    assert sorted(ranking.order.tolist()) == [2, 3, 4, 5, 6, 7]
    assert set(ranking.order[:3].tolist()) == {2, 4, 6}
    assert np.all(np.diff(ranking.scores) <= 0)
    assert ranking.actor.startswith("model:svm@") and len(ranking.params_hash) == 16
    assert (ranking.n_included, ranking.n_excluded) == (1, 1)


def test_random_share_mixes_and_is_reproducible() -> None:
    X = build_features(TEXTS).X
    labels = np.array([1, 0, -1, -1, -1, -1, -1, -1])
    one = rank_unlabeled(X, labels, random_share=0.5, random_state=1)
    two = rank_unlabeled(X, labels, random_share=0.5, random_state=1)
    np.testing.assert_array_equal(one.order, two.order)
    assert sorted(one.order.tolist()) == [2, 3, 4, 5, 6, 7]
    assert 0 < one.random_pick.sum() < 6


@pytest.mark.parametrize(("labels", "message"), [
    ([1, 1, -1, -1, -1, -1, -1, -1], "got 2 included and 0 excluded"),
    ([0, -1, -1, -1, -1, -1, -1, -1], "got 0 included and 1 excluded"),
    ([-1] * 8, "got 0 included and 0 excluded"),
], ids=["no-exclude", "no-include", "nothing"])
def test_needs_an_include_and_an_exclude(labels, message) -> None:
    X = build_features(TEXTS).X
    with pytest.raises(NotEnoughLabelsError,
                       match=r"ranking needs at least one included and one excluded record; "
                             + message):
        rank_unlabeled(X, np.array(labels))
    assert issubclass(NotEnoughLabelsError, ReviewError)


def test_bad_labels_and_model() -> None:
    X = build_features(TEXTS).X
    with pytest.raises(ValueError, match=r"labels must be 1 \(include\), 0 \(exclude\) or -1"):
        rank_unlabeled(X, np.array([1, 0, 2, -1, -1, -1, -1, -1]))
    with pytest.raises(ValueError, match=r"one entry per record \(8\); got shape \(3,\)"):
        rank_unlabeled(X, np.array([1, 0, -1]))
    with pytest.raises(ValueError, match=r"random_share must be between 0 and 1 \(got 2\)"):
        rank_unlabeled(X, np.array([1, 0] + [-1] * 6), random_share=2)
    with pytest.raises(RegistryError, match="Unknown ranker 'forest'"):
        rank_unlabeled(X, np.array([1, 0] + [-1] * 6), model="forest")
