"""Decisions: one append-only row per decision; corrections are new rows.

The latest row per (record or cluster, stage, actor) wins: the newest ``decided_at``, and
among equal times the one added last.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from screening.errors import StoreError
from screening.model import Outcome, Stage
from screening.store.retractions import active_record
from screening.store.schema import decisions

__all__ = ["DecisionRow", "latest_decisions_query", "latest_per_record_query"]

_ACTOR = re.compile(r"(human:.+|model:[^@]+@.+)", re.S)


def _enum(kind: type[Stage] | type[Outcome], value: str, label: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise StoreError(f"unknown {label} {value!r}; one of: {choices}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRow:
    """One row of ``decisions``. ``decision_id`` is set by the store.

    About a record (``record_id``) or a dedup cluster (``cluster_id``), at least one.
    ``actor`` is ``human:<id>`` or ``model:<name>@<version>``; ``decided_at`` must be
    timezone-aware (None: the time it is added). Invalid values raise StoreError.
    """

    stage: Stage | str  # normalised to Stage
    outcome: Outcome | str  # normalised to Outcome
    actor: str
    record_id: str | None = None
    cluster_id: str | None = None
    reason: str | None = None
    params_hash: str | None = None
    run_id: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    duplicate_of: str | None = None
    decision_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "stage", _enum(Stage, self.stage, "stage"))
        object.__setattr__(self, "outcome", _enum(Outcome, self.outcome, "outcome"))
        if not isinstance(self.actor, str) or _ACTOR.fullmatch(self.actor) is None:
            raise StoreError(
                f"actor {self.actor!r} is neither 'human:<id>' nor 'model:<name>@<version>'"
            )
        if self.record_id is None and self.cluster_id is None:
            raise StoreError("a decision needs a record_id or a cluster_id")
        when = self.decided_at
        if when is not None and (when.tzinfo is None or when.utcoffset() is None):
            raise StoreError(f"decided_at {when.isoformat()} has no time zone; give UTC")

    def to_row(self, default_time: datetime) -> dict[str, Any]:
        """The column values to insert (``decided_at`` defaults to ``default_time``)."""
        return {
            "record_id": self.record_id,
            "cluster_id": self.cluster_id,
            "stage": str(self.stage),
            "outcome": str(self.outcome),
            "reason": self.reason,
            "actor": self.actor,
            "params_hash": self.params_hash,
            "run_id": self.run_id,
            "decided_at": self.decided_at or default_time,
            "note": self.note,
            "duplicate_of": self.duplicate_of,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DecisionRow:
        """A DecisionRow from a ``decisions`` row."""
        return cls(**{name: row[name] for name in _FIELDS})


_FIELDS = (
    "decision_id",
    "record_id",
    "cluster_id",
    "stage",
    "outcome",
    "reason",
    "actor",
    "params_hash",
    "run_id",
    "decided_at",
    "note",
    "duplicate_of",
)


def latest_decisions_query(*, stage: str | None = None) -> sa.Select[Any]:
    """The latest decision per (record, cluster, stage, actor), ordered by decision_id
    (decisions about records of a retracted source left out; a latest decision that is a
    withdrawal means none)."""
    d = decisions.c
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(d.record_id, d.cluster_id, d.stage, d.actor),
            order_by=(d.decided_at.desc(), d.decision_id.desc()),
        )
        .label("rank")
    )
    inner = sa.select(decisions, rank).where(active_record(d.record_id))
    if stage is not None:
        inner = inner.where(d.stage == _enum(Stage, stage, "stage").value)
    ranked = inner.subquery("ranked")
    columns = [ranked.c[name] for name in _FIELDS]
    return (sa.select(*columns)
            .where(ranked.c.rank == 1, ranked.c.outcome != Outcome.WITHDRAWN.value)
            .order_by(ranked.c.decision_id))


def latest_per_record_query(*, stage: str | None = None) -> sa.Select[Any]:
    """The latest decision about each record per stage, across actors (record-level rows only).

    Latest means the newest ``decided_at``, then the one added last; ordered by decision_id.
    A latest decision that is a withdrawal (``Outcome.WITHDRAWN``) means none.
    """
    d = decisions.c
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(d.record_id, d.stage),
            order_by=(d.decided_at.desc(), d.decision_id.desc()),
        )
        .label("rank")
    )
    inner = sa.select(decisions, rank).where(d.record_id.is_not(None),
                                             active_record(d.record_id))
    if stage is not None:
        inner = inner.where(d.stage == _enum(Stage, stage, "stage").value)
    ranked = inner.subquery("ranked")
    columns = [ranked.c[name] for name in _FIELDS]
    return (sa.select(*columns)
            .where(ranked.c.rank == 1, ranked.c.outcome != Outcome.WITHDRAWN.value)
            .order_by(ranked.c.decision_id))
