"""Simulation on the invented fixture (tests/data/screening/invented_300.csv), metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from screening.errors import SchemaError
from screening.rank import simulate as simulation
from screening.rank.features import build_features
from screening.rank.loop import rank_unlabeled
from screening.rank.metrics import METRIC_KEYS, screening_metrics
from screening.rank.simulate import load_labeled, prior_records, simulate, simulate_seed

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "screening" / "invented_300.csv"


def test_metrics_by_hand() -> None:
    # 20 records, 3 relevant found at positions 1, 3 and 7.
    metrics = screening_metrics([1, 0, 1, 0, 0, 0, 1] + [0] * 13, 20)
    assert metrics["n_to_95"] == metrics["n_to_100"] == 7  # ceil(0.95 * 3) = 3
    assert metrics["wss_95"] == pytest.approx(13 / 20 - 0)
    assert metrics["recall_at_10pct"] == pytest.approx(1 / 3)  # after 2 records
    assert metrics["atd"] == pytest.approx((1 + 3 + 7) / 3 / 20)
    forty = screening_metrics([1] * 19 + [0] * 10 + [1], 100)
    assert forty["n_to_95"] == 19 and forty["n_to_100"] == 30
    assert forty["wss_95"] == pytest.approx(81 / 100 - (1 - 19 / 20))


def test_simulate_writes_metrics_and_plot(tmp_path: Path) -> None:
    summary = simulate(FIXTURE, tmp_path / "out", seeds=2, batch_size=2)
    written = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert set(METRIC_KEYS) <= set(written) and len(written["seeds"]) == 2
    n = written["run"]["n_records"]
    assert (n, written["run"]["n_included"]) == (300, 20)
    for seed in written["seeds"]:
        assert set(METRIC_KEYS) <= set(seed)
        assert 2 <= seed["n_to_95"] <= seed["n_to_100"] <= n
        assert 0 <= seed["recall_at_10pct"] <= 1 and 0 <= seed["recall_at_stop"] <= 1
        assert 0 < seed["atd"] < 1 and seed["wss_95"] <= 1 and seed["stop_at"] <= n
        assert seed["wss_95"] > 0.5  # the invented topic is easy to learn
    for key in METRIC_KEYS:
        assert written[key] == pytest.approx(np.mean([s[key] for s in written["seeds"]]))
    assert written["run"]["actor"].startswith("model:svm@")
    assert written["run"]["solver"] == "warm-started dual coordinate descent (C)"
    assert summary["wss_95"] == written["wss_95"]
    png = (tmp_path / "out" / "recall.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_simulate_is_reproducible(tmp_path: Path) -> None:
    one = simulate(FIXTURE, tmp_path / "a", seeds=1, model="nb", batch_size=5)
    two = simulate(FIXTURE, tmp_path / "b", seeds=1, model="nb", batch_size=5)
    for key in set(METRIC_KEYS) - {"seconds"}:
        assert one[key] == two[key]


@pytest.fixture(scope="module")
def fixture_features():
    texts, y = load_labeled(FIXTURE)
    return build_features(texts), y


def test_simulated_order_is_deterministic(fixture_features) -> None:
    features, y = fixture_features
    assert simulation.warm_started("svm") and not simulation.warm_started("nb")
    one = simulate_seed(features, y, seed=4)
    two = simulate_seed(features, y, seed=4)
    np.testing.assert_array_equal(one.order, two.order)
    assert one.order.size == np.unique(one.order).size
    assert y[one.order].sum() == y.sum() and y[one.order[-1]] == 1
    assert one.step_seconds.size == one.order.size - 2


@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("seed", [0, 3])
def test_warm_started_simulation_matches_refitting(fixture_features, batch_size: int,
                                                   seed: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-started solver (kept across steps) screens in the order that fitting
    LinearSVMRanker from scratch at every step gives, on this fixture."""
    features, y = fixture_features
    warm = simulate_seed(features, y, seed=seed, batch_size=batch_size)
    monkeypatch.setattr(simulation, "ACCELERATED", False)
    cold = simulate_seed(features, y, seed=seed, batch_size=batch_size)
    np.testing.assert_array_equal(warm.order, cold.order)
    labels = np.full(y.size, -1)
    priors = list(prior_records(y, seed))
    labels[priors] = y[priors]
    first = rank_unlabeled(features.X, labels, random_state=seed).order[:batch_size]
    np.testing.assert_array_equal(warm.order[2:2 + batch_size], first)


def test_bad_batch_size(fixture_features) -> None:
    features, y = fixture_features
    with pytest.raises(ValueError, match=r"^batch_size must be at least 1 \(got 0\)$"):
        simulate_seed(features, y, seed=0, batch_size=0)


@pytest.mark.parametrize(("text", "message"), [
    ("title,abstract\nA,B\n", r"missing column\(s\) label_included"),
    ("title,abstract,label_included\nA,B,1\nC,D,yes\n",
     r":3: label_included: must be 0 or 1 \(got 'yes'\); 1 bad row"),
    ("title,abstract,label_included\nA,B,0\nC,D,0\n",
     r"need at least one relevant \(1\) and one irrelevant \(0\) record \(got 0 of 2\)"),
], ids=["no-label", "bad-label", "one-class"])
def test_bad_dataset(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=message):
        load_labeled(path)
