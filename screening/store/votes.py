"""The web app's tables in SQL: votes, claims, rankings and their queue (functions over one
connection, so that the screening service runs each request in one transaction)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from screening.model import Outcome
from screening.store._common import utcnow
from screening.store.decisions import DecisionRow, latest_per_record_query
from screening.store.engine import SQLITE_BEGIN
from screening.store.retractions import active_record
from screening.store.schema import claims, decisions, queue, rankings, votes

__all__ = [
    "VOTE_COLUMNS",
    "add_decision",
    "add_decisions",
    "claim",
    "claims_of",
    "create_ranking",
    "current_ranking",
    "effective_decisions",
    "insert_vote",
    "locked",
    "mark_done",
    "mark_many_done",
    "queue_candidates",
    "vote_rows",
]

#: The columns :func:`vote_rows` returns, in order (see screening.votes.consensus).
VOTE_COLUMNS = ("vote_id", "reviewer_id", "kind", "outcome", "reason", "note", "params_hash",
                "voted_at")


@contextmanager
def locked(engine: Engine, name: str) -> Iterator[Connection]:
    """A write transaction serialised with every other holder of ``name``: SQLite's write
    lock (BEGIN IMMEDIATE), or a PostgreSQL advisory transaction lock on ``name`` in the
    review's schema. Everything written inside commits together or not at all."""
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if engine.dialect.name != "sqlite":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(current_schema() "
                                     "|| :name))"), {"name": name})
            yield conn


def insert_vote(conn: Connection, *, record_id: str, stage: str, reviewer_id: str, kind: str,
                outcome: str, reason: str | None = None, note: str | None = None,
                params_hash: str | None = None, at: datetime | None = None) -> int:
    result = conn.execute(votes.insert().values(
        record_id=record_id, stage=stage, reviewer_id=reviewer_id, kind=kind, outcome=outcome,
        reason=reason, note=note, params_hash=params_hash, voted_at=at or utcnow()))
    return int(result.inserted_primary_key[0])


def vote_rows(conn: Connection, stage: str | None, record_ids: Iterable[str] | None = None,
              *, reviewer_id: str | None = None) -> dict[tuple[str, str], list[tuple]]:
    """(record_id, stage) -> vote rows (``VOTE_COLUMNS``) in vote order."""
    v = votes.c
    query = sa.select(v.record_id, v.stage, *(v[c] for c in VOTE_COLUMNS)).order_by(v.vote_id)
    if stage is not None:
        query = query.where(v.stage == stage)
    if record_ids is not None:
        query = query.where(v.record_id.in_(list(record_ids)))
    if reviewer_id is not None:
        query = query.where(v.reviewer_id == reviewer_id)
    found: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for record_id, row_stage, *rest in conn.execute(query):
        found[(record_id, row_stage)].append(tuple(rest))
    return found


def effective_decisions(conn: Connection, stage: str,
                        record_ids: Sequence[str] | None = None) -> dict[str, DecisionRow]:
    """The latest decision per record at ``stage`` (withdrawn ones mean none).

    For a few records (``record_ids``) the rows are read through the (record_id, stage)
    index and the latest picked here: the window query over the whole table would be read
    in full on SQLite, which does not push the filter into it.
    """
    if record_ids is None:
        latest = latest_per_record_query(stage=stage).order_by(None).subquery("latest")
        return {row.record_id: DecisionRow.from_row(row._mapping)
                for row in conn.execute(sa.select(latest))}
    d = decisions.c
    found: dict[str, Any] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        query = (sa.select(decisions)
                 .where(d.stage == str(stage), d.record_id.in_(ids[start:start + 500]),
                        active_record(d.record_id)))
        for row in conn.execute(query).mappings():
            key = (row["decided_at"], row["decision_id"])
            seen = found.get(row["record_id"])
            if seen is None or key > (seen["decided_at"], seen["decision_id"]):
                found[row["record_id"]] = row
    return {record_id: DecisionRow.from_row(row) for record_id, row in found.items()
            if row["outcome"] != Outcome.WITHDRAWN.value}


def add_decisions(conn: Connection, rows: Sequence[DecisionRow]) -> None:
    now = utcnow()
    batch = [row.to_row(now) for row in rows]
    for start in range(0, len(batch), 2000):
        conn.execute(decisions.insert(), batch[start:start + 2000])


def add_decision(conn: Connection, row: DecisionRow) -> int:
    result = conn.execute(decisions.insert().values(**row.to_row(utcnow())))
    return int(result.inserted_primary_key[0])


# -- claims -----------------------------------------------------------------------------

def expire_claims(conn: Connection, before: datetime) -> None:
    conn.execute(claims.delete().where(claims.c.claimed_at < before))


def claims_of(conn: Connection, stage: str) -> dict[str, str]:
    """reviewer_id -> the record they are screening at ``stage``."""
    query = sa.select(claims.c.reviewer_id, claims.c.record_id).where(claims.c.stage == stage)
    return dict(conn.execute(query).all())


def claim(conn: Connection, stage: str, reviewer_id: str, record_id: str | None) -> None:
    """Make ``record_id`` the reviewer's current record at ``stage`` (None: none)."""
    conn.execute(claims.delete().where(claims.c.stage == stage,
                                       claims.c.reviewer_id == reviewer_id))
    if record_id is not None:
        conn.execute(claims.insert().values(stage=stage, reviewer_id=reviewer_id,
                                            record_id=record_id, claimed_at=utcnow()))


# -- rankings and the queue ---------------------------------------------------------------

def current_ranking(conn: Connection, stage: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(rankings).where(rankings.c.stage == stage)
                       .order_by(rankings.c.ranking_id.desc()).limit(1)).mappings().first()
    return None if row is None else dict(row)


def create_ranking(conn: Connection, *, stage: str, actor: str, params_hash: str,
                   n_included: int, n_excluded: int,
                   rows: Sequence[tuple[str, float | None, bool]]) -> int:
    """A new current ranking of ``rows`` (record_id, score, done) in screening order."""
    result = conn.execute(rankings.insert().values(
        stage=stage, actor=actor, params_hash=params_hash, n_included=n_included,
        n_excluded=n_excluded, n_records=len(rows), created_at=utcnow()))
    ranking_id = int(result.inserted_primary_key[0])
    batch = [{"ranking_id": ranking_id, "position": position, "record_id": record_id,
              "score": score, "done": done}
             for position, (record_id, score, done) in enumerate(rows, 1)]
    for start in range(0, len(batch), 5000):
        conn.execute(queue.insert(), batch[start:start + 5000])
    return ranking_id


def queue_candidates(conn: Connection, ranking_id: int, *, after: int = 0,
                     limit: int = 200) -> list[tuple[int, str]]:
    """(position, record_id) of the next records not done, after ``after``."""
    q = queue.c
    query = (sa.select(q.position, q.record_id)
             .where(q.ranking_id == ranking_id, q.done.is_(False), q.position > after)
             .order_by(q.position).limit(limit))
    return [(int(p), r) for p, r in conn.execute(query)]


def queue_counts(conn: Connection, ranking_id: int) -> tuple[int, int]:
    """(records done, records not done) in a ranking."""
    q = queue.c
    query = sa.select(q.done, sa.func.count()).where(q.ranking_id == ranking_id).group_by(q.done)
    counts = {bool(done): int(n) for done, n in conn.execute(query)}
    return counts.get(True, 0), counts.get(False, 0)


def queue_remaining(conn: Connection, ranking_id: int) -> int:
    """Records not done in a ranking (read from the (ranking_id, done, position) index)."""
    q = queue.c
    return int(conn.execute(sa.select(sa.func.count()).select_from(queue).where(
        q.ranking_id == ranking_id, q.done.is_(False))).scalar_one())


def queued_records(conn: Connection, ranking_id: int) -> set[str]:
    return set(conn.execute(sa.select(queue.c.record_id)
                            .where(queue.c.ranking_id == ranking_id)).scalars())


def mark_done(conn: Connection, stage: str, record_id: str, done: bool) -> None:
    """Mark a record decided (or open again) in the stage's current ranking."""
    current = current_ranking(conn, stage)
    if current is not None:
        conn.execute(queue.update()
                     .where(queue.c.ranking_id == current["ranking_id"],
                            queue.c.record_id == record_id)
                     .values(done=done))


def mark_many_done(conn: Connection, ranking_id: int, record_ids: Sequence[str]) -> None:
    """Mark records decided in one ranking (in batches)."""
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        conn.execute(queue.update()
                     .where(queue.c.ranking_id == ranking_id,
                            queue.c.record_id.in_(ids[start:start + 500]))
                     .values(done=True))
