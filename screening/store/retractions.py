"""Imports taken back: a retracted source and the filters that leave it out of the review.

A retraction is a row of ``retractions`` (append-only); nothing of the source is deleted.
Every query of the store that counts, queues or exports records, links or decisions adds
one of the filters below, so a retracted source's records, the links that touch them and
the decisions about them stop counting everywhere at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from screening.errors import StoreError
from screening.store._common import utcnow
from screening.store.schema import records, retractions, runs, sources

__all__ = [
    "RetractionInfo",
    "active_record",
    "active_source",
    "retract",
]


@dataclass(frozen=True, slots=True)
class RetractionInfo:
    """A row of ``retractions``: which import was taken back, why, by whom and when."""

    source_id: str
    reason: str
    actor: str
    run_id: str | None
    retracted_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RetractionInfo:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def active_source(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """True where ``column`` (a source id) names a source that was not retracted."""
    return column.not_in(sa.select(retractions.c.source_id))


def active_record(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """True where ``column`` (a record id, possibly NULL) is not a record of a retracted
    source; NULL stays true (a decision about a cluster only)."""
    retracted = sa.select(records.c.record_id).where(
        records.c.source_id.in_(sa.select(retractions.c.source_id))
    )
    return sa.or_(column.is_(None), column.not_in(retracted))


def retract(conn: Connection, source_id: str, *, reason: str, actor: str,
            run_id: str | None) -> RetractionInfo:
    """Record that ``source_id`` is taken back; StoreError for an unknown or already
    retracted source or an empty reason."""
    reason = (reason or "").strip()
    if not reason:
        raise StoreError("a retraction needs a reason (--reason TEXT)")
    found = conn.execute(
        sa.select(sources.c.source_id).where(sources.c.source_id == source_id)
    ).first()
    if found is None:
        known = conn.execute(
            sa.select(sources.c.source_id, sources.c.name)
            .where(active_source(sources.c.source_id))
            .order_by(sources.c.imported_at)
        ).all()
        listed = ", ".join(f"{row.source_id} ({row.name})" for row in known) or "none"
        raise StoreError(f"no source {source_id!r} in this review; its sources: {listed}")
    earlier = conn.execute(
        sa.select(retractions).where(retractions.c.source_id == source_id)
    ).mappings().first()
    if earlier is not None:
        raise StoreError(
            f"source {source_id} was already retracted on "
            f"{earlier['retracted_at']:%Y-%m-%d %H:%M} UTC by {earlier['actor']} "
            f"({earlier['reason']})"
        )
    if run_id is not None and conn.execute(
        sa.select(runs.c.run_id).where(runs.c.run_id == run_id)
    ).first() is None:
        raise StoreError(f"unknown run {run_id!r}: start one with begin_run()")
    row = {"source_id": source_id, "reason": reason, "actor": actor, "run_id": run_id,
           "retracted_at": utcnow()}
    try:
        conn.execute(retractions.insert().values(**row))
    except sa.exc.IntegrityError as exc:
        raise StoreError(f"the store refused the retraction: {exc.orig}") from exc
    return RetractionInfo(**row)
