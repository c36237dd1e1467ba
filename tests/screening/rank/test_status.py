"""The stopping status: a claim only where the rule applies, its reasons, no NaN."""

from __future__ import annotations

import json

import numpy as np
import pytest

from screening.rank.status import MIN_RANKED, ranked_history, stopping_status
from screening.rank.stopping import StopRule


def _json(status) -> dict:
    text = json.dumps(status.to_dict(), allow_nan=False)  # fails on NaN or infinity
    assert "nan" not in status.summary().lower()
    return json.loads(text)


def test_imported_decisions_give_no_claim() -> None:
    # 51 decisions from a spreadsheet, 16 included, none from a ranking.
    status = stopping_status([], 1000, n_other=51, r_other=16)
    assert not status.claim and status.stop is None and status.p_value is None
    assert status.reason == (
        "the 51 title/abstract decisions were imported, not taken from a litsieve ranking; "
        f"the stopping rule needs at least {MIN_RANKED} records screened in ranked order "
        "(screen from the litsieve ranking's queue)")
    assert status.summary().startswith(
        "Stopping rule (hypergeometric, ranking bias estimated from the screening history, "
        "recall target 95%, 95% confidence): no claim: the 51 title/abstract decisions")
    data = _json(status)
    assert data["claim"] is False and data["n_other"] == 51 and data["r_other"] == 16
    assert data["remaining"] is None


@pytest.mark.parametrize(("ranked", "other", "unscreened", "reason"), [
    ([1, 0, 0], 51, 100, "only 3 decisions were taken from a litsieve ranking (51 others "
                         "were imported); the stopping rule needs at least 10"),
    ([], 0, 100, "no record is screened yet"),
    ([1] + [0] * 20, 0, 0, "every record is screened (or marked maybe): there is nothing "
                           "left to stop"),
], ids=["too-few", "nothing", "all-screened"])
def test_no_claim_reasons(ranked: list[int], other: int, unscreened: int, reason: str
                          ) -> None:
    n_total = len(ranked) + other + unscreened
    status = stopping_status(ranked, n_total, n_other=other, r_other=min(other, 5))
    assert not status.claim and status.reason.startswith(reason)
    _json(status)


def test_ranked_decisions_give_a_claim_with_its_statistics() -> None:
    rng = np.random.default_rng(0)
    ranked = np.r_[np.ones(20, dtype=np.int64), rng.random(200) < 0.1, np.zeros(300)]
    status = stopping_status(ranked.astype(int), 1500, n_other=51, r_other=16)
    assert status.claim and status.reason is None
    assert status.n_ranked == 520 and status.n_unscreened == 1500 - 520 - 51
    assert 0 <= status.p_value <= 1 and status.stop == (status.p_value < 0.04)
    assert 1 <= status.bias <= status.parameters["cap"]
    assert 0 < status.bias_window_n <= status.parameters["window"]
    assert status.remaining_low <= status.remaining <= status.remaining_high
    data = _json(status)
    assert data["method"] == "hypergeometric, ranking bias estimated from the screening history"
    assert set(data["parameters"]) == {"target", "alpha", "window", "cap", "bias_alpha"}
    for key in ("p_value", "bias", "bias_estimate", "bias_lower", "remaining",
                "remaining_low", "remaining_high", "k_target", "n_sample"):
        assert data[key] is not None, key
    text = status.summary()
    assert "Relevant records still unscreened: about" in text
    assert "51 other title/abstract decisions (16 relevant) were not taken from a ranking" \
        in text
    assert "Assumes the records were screened in the order a litsieve ranking gave" in text


def test_fixed_bias_status() -> None:
    status = stopping_status([1] * 5 + [0] * 400, 600, rule=StopRule(bias=1.0))
    assert status.claim and status.bias == 1.0 and status.bias_window_n is None
    assert status.method == "hypergeometric, ranking bias 1"
    assert "Ranking bias assumed: 1 (fixed)." in status.summary()
    _json(status)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="ranked must be a sequence of 0 and 1"):
        stopping_status([2, 0], 10)
    with pytest.raises(ValueError, match="12 records screened but only 10 in the review"):
        stopping_status([0, 0], 10, n_other=10)


def test_ranked_history_splits_by_the_first_decision() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    start = datetime(2026, 3, 1, tzinfo=UTC)

    def row(record: str, outcome: str, minute: int, ranked: bool, number: int):
        return SimpleNamespace(record_id=record, outcome=outcome, decision_id=number,
                               decided_at=start + timedelta(minutes=minute),
                               params_hash="abc" if ranked else None)

    history = [row("a", "include", 0, False, 1),  # imported
               row("b", "exclude", 5, True, 2),  # ranked, then corrected by an import
               row("c", "include", 3, True, 3),
               row("d", "exclude", 9, True, 4),
               row("b", "include", 20, False, 5)]
    latest = [history[0], history[4], history[2], history[3]]
    # Ranked records in the order first decided (c at 3, b at 5, d at 9), latest labels.
    assert ranked_history(history, latest) == ([1, 1, 0], 1, 1)
