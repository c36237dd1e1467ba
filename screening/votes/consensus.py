"""When reviewers' votes decide a record: the rule of single and dual screening.

Each reviewer's latest vote on a record at a stage counts (a withdrawn vote counts as
none). With ``required`` votes per record (1 or 2): fewer live votes than that is
*pending*; that many that agree on the outcome is *decided* (the reason of the latest
exclusion vote is kept); votes that disagree are a *conflict*, which only the lead's
resolution ends. Reasons do not have to agree: two exclusions are an agreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["CONFLICT", "DECIDED", "PENDING", "Consensus", "LiveVote", "consensus", "live_votes"]

PENDING = "pending"
DECIDED = "decided"
CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class LiveVote:
    """A reviewer's current vote on a record at a stage."""

    vote_id: int
    reviewer_id: str
    outcome: str
    reason: str | None
    note: str | None
    params_hash: str | None
    voted_at: datetime


@dataclass(frozen=True, slots=True)
class Consensus:
    state: str
    votes: tuple[LiveVote, ...]
    outcome: str | None = None
    reason: str | None = None

    @property
    def deciding(self) -> LiveVote | None:
        """The vote that completed the decision (the latest), when decided."""
        return max(self.votes, key=lambda v: v.vote_id) if self.state == DECIDED else None


def live_votes(rows: Iterable[tuple]) -> list[LiveVote]:
    """Each reviewer's latest vote from ``rows`` of (vote_id, reviewer_id, kind, outcome,
    reason, note, params_hash, voted_at), in vote order; withdrawn ones left out."""
    latest: dict[str, tuple] = {}
    for row in sorted(rows, key=lambda r: r[0]):
        latest[row[1]] = row
    return [LiveVote(r[0], r[1], r[3], r[4], r[5], r[6], r[7])
            for r in sorted(latest.values(), key=lambda r: r[0]) if r[2] == "vote"]


def consensus(votes: Sequence[LiveVote], required: int) -> Consensus:
    """The state of a record from its live ``votes`` when ``required`` votes decide it."""
    votes = tuple(votes)
    if len(votes) < required:
        return Consensus(PENDING, votes)
    outcomes = {v.outcome for v in votes}
    if len(outcomes) > 1:
        return Consensus(CONFLICT, votes)
    reasons = [v.reason for v in sorted(votes, key=lambda v: v.vote_id) if v.reason]
    return Consensus(DECIDED, votes, votes[0].outcome, reasons[-1] if reasons else None)
