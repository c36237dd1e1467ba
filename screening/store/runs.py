"""Runs (every flow or command run, with its parameters and summary) and reviewers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from screening.errors import StoreError
from screening.store._common import dumps, litsieve_version, loads, utcnow
from screening.store.engine import SQLITE_BEGIN
from screening.store.schema import reviewers, runs

__all__ = [
    "ReviewerInfo",
    "RunInfo",
    "add_reviewer",
    "begin_run",
    "finish_run",
    "get_run",
    "list_reviewers",
    "list_runs",
]

_END_STATUSES = ("ok", "failed")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A row of ``runs``: one flow or command run and its parameters."""

    run_id: str
    kind: str
    status: str
    parameters: dict[str, Any]
    summary: dict[str, Any] | None
    started_at: datetime
    finished_at: datetime | None
    litsieve_version: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RunInfo:
        summary = row["summary"]
        return cls(
            run_id=row["run_id"],
            kind=row["kind"],
            status=row["status"],
            parameters=loads(row["parameters"]),
            summary=None if summary is None else loads(summary),
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            litsieve_version=row["litsieve_version"],
        )


@dataclass(frozen=True, slots=True)
class ReviewerInfo:
    """A row of ``reviewers``."""

    reviewer_id: str
    name: str
    created_at: datetime


def _json(value: Mapping[str, Any], what: str) -> str:
    try:
        return dumps(dict(value))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{what} cannot be stored as JSON: {exc}") from exc


def _write(engine: Engine) -> sa.Connection:
    conn = engine.connect()
    conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    return conn


def begin_run(engine: Engine, kind: str, parameters: Mapping[str, Any]) -> str:
    """Insert a ``running`` run; returns its id (a uuid4 hex string)."""
    if not kind or not isinstance(kind, str):
        raise StoreError(f"a run needs a kind such as 'import' (got {kind!r})")
    run_id = uuid4().hex
    row = {
        "run_id": run_id,
        "kind": kind,
        "status": "running",
        "parameters": _json(parameters, f"the parameters of the {kind} run"),
        "started_at": utcnow(),
        "litsieve_version": litsieve_version(),
    }
    with _write(engine) as conn, conn.begin():
        conn.execute(runs.insert(), row)
    return run_id


def finish_run(
    engine: Engine, run_id: str, status: str, summary: Mapping[str, Any] | None
) -> None:
    """Mark a running run ``ok`` or ``failed`` with its summary and end time."""
    if status not in _END_STATUSES:
        raise StoreError(f"a run ends with status 'ok' or 'failed' (got {status!r})")
    values = {
        "status": status,
        "summary": _json(summary or {}, f"the summary of run {run_id}"),
        "finished_at": utcnow(),
    }
    with _write(engine) as conn, conn.begin():
        done = conn.execute(
            runs.update()
            .where(runs.c.run_id == run_id, runs.c.status == "running")
            .values(**values)
        )
        if done.rowcount == 1:
            return
        found = conn.execute(
            sa.select(runs.c.status).where(runs.c.run_id == run_id)
        ).scalar_one_or_none()
    if found is None:
        raise StoreError(f"unknown run {run_id!r}")
    raise StoreError(f"run {run_id} has already finished (status {found!r})")


def get_run(engine: Engine, run_id: str) -> RunInfo:
    """The run ``run_id``; StoreError when there is none."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(runs).where(runs.c.run_id == run_id)).first()
    if row is None:
        raise StoreError(f"unknown run {run_id!r}")
    return RunInfo.from_row(row._mapping)


def list_runs(engine: Engine, *, kind: str | None = None) -> list[RunInfo]:
    """Every run (of ``kind``), oldest first."""
    query = sa.select(runs).order_by(runs.c.started_at, runs.c.run_id)
    if kind is not None:
        query = query.where(runs.c.kind == kind)
    with engine.connect() as conn:
        return [RunInfo.from_row(row._mapping) for row in conn.execute(query)]


def add_reviewer(engine: Engine, reviewer_id: str, name: str) -> None:
    """Insert a reviewer; StoreError when the id is taken."""
    try:
        with _write(engine) as conn, conn.begin():
            conn.execute(
                reviewers.insert(),
                {"reviewer_id": reviewer_id, "name": name, "created_at": utcnow()},
            )
    except sa.exc.IntegrityError as exc:
        raise StoreError(f"reviewer {reviewer_id!r} already exists") from exc


def list_reviewers(engine: Engine) -> list[ReviewerInfo]:
    """Every reviewer, by id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(reviewers).order_by(reviewers.c.reviewer_id))
        return [ReviewerInfo(**row._mapping) for row in rows]
