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

from screening.model import Outcome, Stage
from screening.rank.status import StoppingStatus, ranked_history, stopping_status
from screening.rank.stopping import StopRule
from screening.store import DecisionRow, ReviewStore
from screening.store import votes as sql
from screening.store._common import utcnow
from screening.votes.consensus import live_votes
from screening.votes.ranking import IMPORT_ORDER
from screening.votes.service import VoteError

__all__ = ["approve_automation", "stopping_verdict"]

TA = Stage.TITLE_ABSTRACT.value
_RELEVANT = (Outcome.INCLUDE.value, Outcome.MAYBE.value)
#: What the stopping rule counts as screened (maybe is not: as in ``rank --status``).
_SCREENED = (Outcome.INCLUDE.value, Outcome.EXCLUDE.value)


def stopping_verdict(store: ReviewStore, *, target: float = 0.95) -> StoppingStatus:
    """The review's stopping status: the rule ``litsieve rank --status`` applies (the
    default :class:`StopRule`, bias estimated from the screening history), over the
    title/abstract decisions, the ranked ones forming its sample."""
    latest = [d for d in store.latest_record_decisions(stage=TA)
              if str(d.outcome) in _SCREENED]
    ranked, n_other, r_other = ranked_history(store.decision_history(stage=TA), latest)
    duplicates = sum(1 for d in store.latest_record_decisions(stage=Stage.DEDUPLICATION)
                     if d.outcome == Outcome.DUPLICATE)
    n_total = max(store.count_records() - duplicates, len(latest))
    return stopping_status(ranked, n_total, n_other=n_other, r_other=r_other,
                           rule=StopRule(target=target))


def approve_automation(store: ReviewStore, lead_id: str, *, target: float = 0.95) -> int:
    """Exclude the records left in the title/abstract queue by automation, when the
    stopping rule says the target is met; returns how many. VoteError (409) otherwise."""
    verdict = stopping_verdict(store, target=target)
    if not (verdict.claim and verdict.stop):
        raise VoteError("the stopping rule does not support stopping now: " + (
            verdict.reason if not verdict.claim else verdict.summary()), 409)
    with sql.locked(store.engine, f"queue:{TA}") as conn:
        ranking = sql.current_ranking(conn, TA)
        if ranking is None or ranking["actor"] == IMPORT_ORDER:
            raise VoteError("the queue is in import order: nothing was ranked", 409)
        open_ids = [r for _, r in sql.queue_candidates(conn, ranking["ranking_id"],
                                                        limit=10**9)]
        decided = sql.effective_decisions(conn, TA, open_ids)
        votes = sql.vote_rows(conn, TA, open_ids)
        note = json.dumps({"rule": verdict.to_dict(), "approved_by": f"human:{lead_id}",
                           "approved_at": utcnow().isoformat()}, sort_keys=True)
        excluded = [r for r in open_ids if r not in decided and not any(
            v.outcome in _RELEVANT for v in live_votes(votes.get((r, TA), [])))]
        sql.add_decisions(conn, [DecisionRow(
            record_id=record_id, stage=TA, outcome=Outcome.EXCLUDED_AUTOMATION,
            actor=ranking["actor"], params_hash=ranking["params_hash"], note=note)
            for record_id in excluded])
        sql.mark_many_done(conn, ranking["ranking_id"], excluded)
    return len(excluded)
