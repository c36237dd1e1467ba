"""When screening may stop, and the lead's approval of excluding the rest by automation.

The stopping rule only applies to records screened in the order a litsieve ranking gave
them: the title/abstract decisions that carry a ranking's params hash (taken from the web
app's ranked queue), in the order they were taken. Decisions imported from another tool
carry none, and give no stopping claim.

When the rule says the recall target is met, the lead may approve excluding the records
still in the queue: each becomes a title/abstract decision ``excluded_automation`` whose
actor is the ranking's model, with the rule, its statistics, the approving lead and the
time in the note (JSON), so PRISMA reports them as excluded by automation tools. Records
that a reviewer has voted to include (or maybe) are left for people.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from screening.model import Outcome, Stage
from screening.store import DecisionRow, ReviewStore
from screening.store import votes as sql
from screening.store._common import utcnow
from screening.votes.consensus import live_votes
from screening.votes.ranking import IMPORT_ORDER
from screening.votes.service import VoteError

__all__ = ["StoppingVerdict", "approve_automation", "stopping_verdict"]

TA = Stage.TITLE_ABSTRACT.value
_RELEVANT = (Outcome.INCLUDE.value, Outcome.MAYBE.value)
_SCREENED = (*_RELEVANT, Outcome.EXCLUDE.value)


@dataclass(frozen=True, slots=True)
class StoppingVerdict:
    """What the stopping rule says about the review now (JSON-ready with ``as_dict``)."""

    applies: bool
    stop: bool
    reason: str
    method: str
    target: float
    n_ranked: int
    n_total: int
    p_value: float | None = None
    remaining: float | None = None
    remaining_low: int | None = None
    remaining_high: int | None = None
    parameters: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        if not self.applies:
            return f"No stopping claim: {self.reason}"
        verdict = "the recall target is met: screening may stop" if self.stop else (
            "keep screening")
        return (f"{self.method}, recall target {self.target:.0%}: p = {self.p_value:.3g}, "
                f"{verdict}. Relevant records still unscreened: about {self.remaining:.1f} "
                f"(95% interval {self.remaining_low}-{self.remaining_high}).")


def _ranked_sequence(store: ReviewStore) -> tuple[list[int], int, int]:
    """(labels in ranked screening order, records screened without a ranking, records to
    screen in all)."""
    decided = [d for d in store.latest_record_decisions(stage=TA)
               if str(d.outcome) in _SCREENED]
    ranked = sorted((d for d in decided if d.params_hash and d.params_hash != IMPORT_ORDER),
                    key=lambda d: (d.decided_at, d.decision_id or 0))
    with store.engine.connect() as conn:
        current = sql.current_ranking(conn, TA)
    n_total = current["n_records"] if current else len(decided)
    return ([1 if str(d.outcome) in _RELEVANT else 0 for d in ranked],
            len(decided) - len(ranked), n_total)


def stopping_verdict(store: ReviewStore, *, target: float = 0.95) -> StoppingVerdict:
    """The stopping rule on the records screened in ranked order so far."""
    from screening.rank.stopping import ranked_stop_test

    labels, unranked, n_total = _ranked_sequence(store)
    method = "hypergeometric test on the ranked screening (bias 1)"
    params = {"bias": 1.0, "alpha": 0.05}
    if not labels:
        why = ("no title/abstract decision was taken from a litsieve ranking yet"
               + (f" ({unranked} were taken without one)" if unranked else ""))
        return StoppingVerdict(False, False, why, method, target, 0, n_total,
                               parameters=params)
    test = ranked_stop_test(labels, max(n_total - unranked, len(labels)), target=target,
                            bias=1.0)
    return StoppingVerdict(True, test.stop, "", method, target, len(labels), n_total,
                           test.p_value, test.remaining, test.remaining_low,
                           test.remaining_high, params)


def approve_automation(store: ReviewStore, lead_id: str, *, target: float = 0.95) -> int:
    """Exclude the records left in the title/abstract queue by automation, when the
    stopping rule says the target is met; returns how many. VoteError (409) otherwise."""
    verdict = stopping_verdict(store, target=target)
    if not (verdict.applies and verdict.stop):
        raise VoteError("the stopping rule does not support stopping now: " + (
            verdict.reason if not verdict.applies else verdict.text()), 409)
    with sql.locked(store.engine, f"queue:{TA}") as conn:
        ranking = sql.current_ranking(conn, TA)
        if ranking is None or ranking["actor"] == IMPORT_ORDER:
            raise VoteError("the queue is in import order: nothing was ranked", 409)
        open_ids = [r for _, r in sql.queue_candidates(conn, ranking["ranking_id"],
                                                        limit=10**9)]
        decided = sql.effective_decisions(conn, TA, open_ids)
        votes = sql.vote_rows(conn, TA, open_ids)
        note = json.dumps({"rule": verdict.as_dict(), "approved_by": f"human:{lead_id}",
                           "approved_at": utcnow().isoformat()}, sort_keys=True)
        excluded = [r for r in open_ids if r not in decided and not any(
            v.outcome in _RELEVANT for v in live_votes(votes.get((r, TA), [])))]
        sql.add_decisions(conn, [DecisionRow(
            record_id=record_id, stage=TA, outcome=Outcome.EXCLUDED_AUTOMATION,
            actor=ranking["actor"], params_hash=ranking["params_hash"], note=note)
            for record_id in excluded])
        sql.mark_many_done(conn, ranking["ranking_id"], excluded)
    return len(excluded)
