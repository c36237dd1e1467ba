"""Simulation on the invented fixture (tests/data/screening/invented_300.csv), metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from screening.errors import SchemaError
from screening.rank.metrics import METRIC_KEYS, screening_metrics
from screening.rank.simulate import load_labeled, simulate

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
    assert summary["wss_95"] == written["wss_95"]
    png = (tmp_path / "out" / "recall.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_simulate_is_reproducible(tmp_path: Path) -> None:
    one = simulate(FIXTURE, tmp_path / "a", seeds=1, model="nb", batch_size=5)
    two = simulate(FIXTURE, tmp_path / "b", seeds=1, model="nb", batch_size=5)
    for key in set(METRIC_KEYS) - {"seconds"}:
        assert one[key] == two[key]


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
