"""The review store: the system of record for sources, records, decisions and runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from screening.errors import Problem, StoreError
from screening.model import Record
from screening.store import accounts as _accounts
from screening.store import runs as _runs
from screening.store._common import loads, utcnow
from screening.store.accounts import Account
from screening.store.decisions import (
    DecisionRow,
    latest_decisions_query,
    latest_per_record_query,
)
from screening.store.dedup_keys import load_keys, save_keys
from screening.store.engine import SQLITE_BEGIN, create_store_engine, display_url, ensure_schema
from screening.store.export import iter_export_rows
from screening.store.importing import (
    BATCH_SIZE,
    ImportWriter,
    SourceInfo,
    SourceSpec,
    open_import,
)
from screening.store.links import LinkRow, latest_links_query
from screening.store.records import (
    RECORD_COLUMNS,
    STATUS_OK,
    STATUS_UNPARSEABLE,
    RecordKey,
    record_from_row,
    warnings_from_json,
)
from screening.store.retractions import RetractionInfo, active_record, active_source, retract
from screening.store.runs import ReviewerInfo, RunInfo
from screening.store.schema import decisions, links, meta, records, retractions, runs, sources

__all__ = ["ReviewStore", "StoredReject"]


_REVIEW_ID = sa.select(meta.c.value).where(meta.c.key == "review_id")


@dataclass(frozen=True, slots=True)
class StoredReject:
    """A quarantined reject as kept in ``records`` (status ``unparseable``)."""

    record_id: str
    source_id: str
    path: str
    line_start: int
    line_end: int
    raw_text: str
    problems: tuple[str, ...]


def _check_status(status: str | None) -> None:
    if status not in (None, STATUS_OK, STATUS_UNPARSEABLE):
        raise StoreError(f"unknown record status {status!r}; one of: ok, unparseable")


class ReviewStore:
    """A connected review store (SQLite or PostgreSQL). Make one with :meth:`connect`.

    Usable as a context manager (closes on exit). Every method opens its own connection
    from the engine's pool, so one store may serve several threads.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- connection -------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        url: str | sa.URL,
        *,
        connect_args: Mapping[str, Any] | None = None,
        echo: bool = False,
    ) -> ReviewStore:
        """Open the store at ``url``, creating the schema if it is missing.

        ``url`` is ``sqlite:///<path>`` (see :func:`sqlite_url`) or ``postgresql://…``
        (rewritten to psycopg 3). ``connect_args`` go to the DB-API ``connect()``.
        """
        engine = create_store_engine(url, connect_args=connect_args, echo=echo)
        try:
            ensure_schema(engine)
        except sa.exc.OperationalError as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open the review store {display_url(engine.url)}: {exc.orig}"
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for queries the store has no method for)."""
        return self._engine

    @property
    def url(self) -> str:
        """The store's URL after normalisation, password hidden (safe to print or log).

        The full URL is ``store.engine.url``.
        """
        return display_url(self._engine.url)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReviewStore({display_url(self._engine.url)!r})"

    def _write(self) -> sa.Connection:
        conn = self._engine.connect()
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        return conn

    # -- the review it holds ----------------------------------------------------------

    def review_id(self) -> str | None:
        """The id of the review this store holds (None for a store made before ids)."""
        with self._engine.connect() as conn:
            return conn.execute(_REVIEW_ID).scalar_one_or_none()

    def claim_review_id(self, review_id: str, *, record: bool = True) -> None:
        """StoreError when this store holds another review than ``review_id``; ``record``
        writes the id into a store that holds none yet (``False``: only check, as opening
        a store writes nothing)."""
        with self._write() as conn, conn.begin():
            found = conn.execute(_REVIEW_ID).scalar_one_or_none()
            if found is None and record:
                conn.execute(meta.insert().values(key="review_id", value=review_id))
            elif found is not None and found != review_id:
                raise StoreError(f"the review store {self.url} holds review {found}, "
                                 f"not review {review_id}")

    # -- runs and reviewers -----------------------------------------------------------

    def begin_run(self, kind: str, parameters: Mapping[str, Any]) -> str:
        """Record the start of a run; returns its id (a uuid4 hex string)."""
        return _runs.begin_run(self._engine, kind, parameters)

    def finish_run(
        self, run_id: str, status: str, summary: Mapping[str, Any] | None = None
    ) -> None:
        """Record the end of a running run: ``status`` is ``"ok"`` or ``"failed"``."""
        _runs.finish_run(self._engine, run_id, status, summary)

    def run(self, run_id: str) -> RunInfo:
        """The run with id ``run_id``; StoreError when there is none."""
        return _runs.get_run(self._engine, run_id)

    def runs(self, *, kind: str | None = None) -> list[RunInfo]:
        """Every run (of ``kind``, if given), oldest first."""
        return _runs.list_runs(self._engine, kind=kind)

    def add_reviewer(self, reviewer_id: str, name: str) -> None:
        """Register a reviewer (their decisions use the actor ``human:<reviewer_id>``)."""
        _runs.add_reviewer(self._engine, reviewer_id, name)

    def reviewers(self) -> list[ReviewerInfo]:
        """Every reviewer, by id."""
        return _runs.list_reviewers(self._engine)

    # -- accounts (the web app's sign-in) -------------------------------------------------

    def add_account(self, reviewer_id: str, name: str, *, role: str, password: str) -> Account:
        """A reviewer who can sign in (``role``: lead or reviewer); StoreError if the id has
        an account already, or for a bad id, role or a password under 8 characters."""
        with self._write() as conn, conn.begin():
            return _accounts.add_account(conn, reviewer_id, name, role=role, password=password)

    def set_password(self, reviewer_id: str, password: str) -> None:
        """Replace an account's password."""
        with self._write() as conn, conn.begin():
            _accounts.set_password(conn, reviewer_id, password)

    def account(self, reviewer_id: str) -> Account | None:
        """The account of ``reviewer_id``, or None."""
        with self._engine.connect() as conn:
            found = _accounts.get_account(conn, reviewer_id)
        return None if found is None else found[0]

    def accounts(self) -> list[Account]:
        """Every account, by id."""
        with self._engine.connect() as conn:
            return _accounts.list_accounts(conn)

    def check_password(self, reviewer_id: str, password: str) -> Account | None:
        """The account when ``password`` is right, else None (unknown ids too)."""
        with self._engine.connect() as conn:
            found = _accounts.get_account(conn, reviewer_id)
        if found is None:
            _accounts.check_password(password, _accounts.hash_password("x" * 8))  # same time
            return None
        account, stored = found
        return account if _accounts.check_password(password, stored) else None

    def new_token(self, reviewer_id: str) -> str:
        """A new API token for ``reviewer_id`` (shown once; only its hash is stored)."""
        with self._write() as conn, conn.begin():
            return _accounts.new_token(conn, reviewer_id)

    def account_by_token(self, token: str) -> Account | None:
        """The account an API token belongs to, or None."""
        with self._engine.connect() as conn:
            return _accounts.account_by_token(conn, token)

    def record_login(self, reviewer_id: str, address: str, ok: bool) -> None:
        """Log a sign-in attempt (for rate limiting)."""
        with self._write() as conn, conn.begin():
            _accounts.record_login(conn, reviewer_id, address, ok)

    def failed_logins(self, *, since: Any, reviewer_id: str | None = None,
                      address: str | None = None) -> int:
        """Failed sign-in attempts since ``since`` (of an account and/or an address)."""
        with self._engine.connect() as conn:
            return _accounts.failed_logins(conn, since=since, reviewer_id=reviewer_id,
                                           address=address)

    def web_secret(self) -> bytes:
        """The secret that signs the web app's session cookies (shared by every worker)."""
        for _ in range(3):
            try:
                with self._write() as conn, conn.begin():
                    return _accounts.web_secret(conn)
            except sa.exc.IntegrityError:  # another worker made it first: read theirs
                continue
        raise StoreError("cannot create the web secret")

    # -- sources and records ----------------------------------------------------------

    def source_by_sha256(self, sha256: str) -> SourceInfo | None:
        """The imported file with this digest (not retracted), or None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(sources)
                .where(sources.c.sha256 == sha256.lower(), active_source(sources.c.source_id))
            ).first()
        return None if row is None else SourceInfo.from_row(row._mapping)

    def sources(self, *, retracted: bool | None = False) -> list[SourceInfo]:
        """The imported files, in import order: those in the review (default), the
        retracted ones (``retracted=True``) or all (``None``)."""
        query = sa.select(sources).order_by(sources.c.imported_at, sources.c.source_id)
        if retracted is not None:
            active = active_source(sources.c.source_id)
            query = query.where(sa.not_(active) if retracted else active)
        with self._engine.connect() as conn:
            return [SourceInfo.from_row(row._mapping) for row in conn.execute(query)]

    def count_imports(self, sha256: str) -> int:
        """How many times a file with this digest was imported, retracted imports too."""
        query = (sa.select(sa.func.count()).select_from(sources)
                 .where(sources.c.sha256 == sha256.lower()))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def retract_source(self, source_id: str, *, reason: str, actor: str,
                       run_id: str | None = None) -> RetractionInfo:
        """Take an import back (a new row; nothing is deleted): its records leave every
        count, queue and export, and the links and decisions about them stop counting.
        StoreError for an unknown or already retracted source, or an empty reason."""
        with self._write() as conn, conn.begin():
            return retract(conn, source_id, reason=reason, actor=actor, run_id=run_id)

    def retractions(self) -> list[RetractionInfo]:
        """Every retraction, oldest first."""
        query = sa.select(retractions).order_by(retractions.c.retracted_at)
        with self._engine.connect() as conn:
            return [RetractionInfo.from_row(row) for row in conn.execute(query).mappings()]

    def import_source(
        self, spec: SourceSpec, run_id: str | None, *, batch_size: int = BATCH_SIZE
    ) -> AbstractContextManager[ImportWriter]:
        """Import one file in one transaction: ``with store.import_source(spec, run) as w:``.

        The writer's ``add(record)`` and ``add_reject(reject, ordinal)`` buffer rows; a normal
        exit commits them and the counts, an exception rolls everything back. A file whose
        sha256 is already in the store raises StoreError and changes nothing. Do not write to
        the store by other means inside the block (on SQLite they would wait for it).
        """
        return open_import(self._engine, spec, run_id, batch_size=batch_size)

    def _record_filter(
        self, query: sa.Select[Any], source_id: str | None, status: str | None
    ) -> sa.Select[Any]:
        _check_status(status)
        query = query.where(active_source(records.c.source_id))
        if source_id is not None:
            query = query.where(records.c.source_id == source_id)
        if status is not None:
            query = query.where(records.c.status == status)
        return query

    def iter_records(
        self, *, source_id: str | None = None, status: str | None = STATUS_OK,
        raw: bool = True,
    ) -> Iterator[Record]:
        """Rebuild the stored Records (``record_id`` set), in import order.

        ``status`` is ``"ok"`` (default), ``"unparseable"`` (rejects: only their place) or
        None (all). ``raw=False`` leaves every Record's ``raw`` empty: reading the original
        tags is most of the time taken, and stages that use only the normalised fields
        (deduplication) do not need them. Rows are streamed, so a large store does not
        fill memory.
        """
        columns = [records.c[name] if raw or name != "raw" else sa.null().label("raw")
                   for name in RECORD_COLUMNS]
        query = self._record_filter(
            sa.select(*columns, sources.c.path)
            .join_from(records, sources, records.c.source_id == sources.c.source_id)
            .order_by(sources.c.imported_at, sources.c.source_id, records.c.ordinal),
            source_id,
            status,
        )
        with self._engine.connect() as conn:
            result = conn.execution_options(yield_per=BATCH_SIZE).execute(query)
            for row in result.mappings():
                yield record_from_row(row, row["path"])

    def records_by_id(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The stored Records (status ok, not retracted) with these ids."""
        wanted = list(dict.fromkeys(record_ids))
        found: dict[str, Record] = {}
        for start in range(0, len(wanted), 500):
            query = self._record_filter(
                sa.select(*(records.c[name] for name in RECORD_COLUMNS), sources.c.path)
                .join_from(records, sources, records.c.source_id == sources.c.source_id)
                .where(records.c.record_id.in_(wanted[start:start + 500])),
                None, STATUS_OK)
            with self._engine.connect() as conn:
                for row in conn.execute(query).mappings():
                    record = record_from_row(row, row["path"])
                    found[str(record.record_id)] = record
        return found

    def iter_rejects(self, *, source_id: str | None = None) -> Iterator[StoredReject]:
        """The quarantined rejects, in import order."""
        r = records.c
        query = self._record_filter(
            sa.select(
                r.record_id, r.source_id, sources.c.path, r.line_start, r.line_end,
                r.raw_text, r.problems,
            )
            .join_from(records, sources, r.source_id == sources.c.source_id)
            .order_by(sources.c.imported_at, r.source_id, r.ordinal),
            source_id,
            STATUS_UNPARSEABLE,
        )
        with self._engine.connect() as conn:
            for row in conn.execution_options(yield_per=BATCH_SIZE).execute(query):
                *place, raw_text, problems = row
                yield StoredReject(*place, raw_text or "", tuple(loads(problems or "[]")))

    def iter_warnings(self, *, source_id: str | None = None) -> Iterator[tuple[str, Problem]]:
        """``(source_id, warning)`` for every field problem of an imported record, in
        import order (the records themselves were imported; the field stayed empty)."""
        r = records.c
        query = self._record_filter(
            sa.select(r.source_id, sources.c.path, r.problems)
            .join_from(records, sources, r.source_id == sources.c.source_id)
            .where(r.problems.is_not(None))
            .order_by(sources.c.imported_at, r.source_id, r.ordinal),
            source_id,
            STATUS_OK,
        )
        with self._engine.connect() as conn:
            for found, path, text in conn.execution_options(yield_per=BATCH_SIZE).execute(query):
                for warning in warnings_from_json(text, path):
                    yield found, warning

    def count_records(
        self, *, source_id: str | None = None, status: str | None = STATUS_OK
    ) -> int:
        """How many records match (same filters as :meth:`iter_records`)."""
        query = self._record_filter(
            sa.select(sa.func.count()).select_from(records), source_id, status
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def record_counts_by_database(self, *, status: str | None = None) -> dict[str, int]:
        """Records per database (the record's, else its source's; ``"unknown"`` if neither).

        Counts every status by default: PRISMA's "identified" includes unparseable records.
        """
        database = sa.func.coalesce(records.c.database, sources.c.database, "unknown")
        query = self._record_filter(
            sa.select(database, sa.func.count())
            .join_from(records, sources, records.c.source_id == sources.c.source_id)
            .group_by(database)
            .order_by(database),
            None,
            status,
        )
        with self._engine.connect() as conn:
            return {name: int(count) for name, count in conn.execute(query)}

    def record_keys(self) -> list[RecordKey]:
        """Id, native id, status and database (the record's, else its source's) of every
        record, in import order: what PRISMA counts and decision imports look records up by."""
        r, s = records.c, sources.c
        query = (
            sa.select(r.record_id, r.native_id, r.status, sa.func.coalesce(r.database, s.database))
            .join_from(records, sources, r.source_id == s.source_id)
            .where(active_source(r.source_id))
            .order_by(s.imported_at, s.source_id, r.ordinal)
        )
        with self._engine.connect() as conn:
            return [RecordKey(*row) for row in conn.execute(query)]

    # -- deduplication keys (a cache) ---------------------------------------------------

    def dedup_keys(self, version: str) -> dict[str, dict[str, Any]]:
        """The cached normalised keys of every record, by normaliser ``version``."""
        with self.engine.connect() as conn:
            return load_keys(conn, version)

    def save_dedup_keys(self, version: str, keys: Mapping[str, Mapping[str, Any]], *,
                        replace_all: bool = False) -> int:
        """Cache records' normalised keys in one transaction; returns how many were saved."""
        with self._write() as conn, conn.begin():
            return save_keys(conn, version, keys, replace_all=replace_all)

    # -- decisions --------------------------------------------------------------------

    def add_links(self, rows: Iterable[LinkRow]) -> int:
        """Append deduplication links in one transaction; returns how many were added."""
        now = utcnow()
        batch = [row.to_row(now) for row in rows]
        try:
            with self._write() as conn, conn.begin():
                if batch:
                    conn.execute(links.insert(), batch)
        except sa.exc.IntegrityError as exc:
            raise StoreError(f"the store refused a link: {exc.orig}") from exc
        return len(batch)

    def latest_links(self, *, outcome: str | None = None,
                     record_ids: Iterable[str] | None = None) -> list[LinkRow]:
        """The current state of every linked pair (its latest link), oldest first; pairs
        with a record of a retracted source are left out. ``record_ids``: only the pairs
        holding one of these records."""
        query = latest_links_query(record_ids)
        with self.engine.connect() as conn:
            rows = [LinkRow.from_row(row) for row in conn.execute(query).mappings()]
        return [row for row in rows if outcome is None or row.outcome == outcome]

    def link(self, link_id: int) -> LinkRow:
        """One link by id; an unknown id raises StoreError."""
        with self.engine.connect() as conn:
            query = sa.select(links).where(links.c.link_id == link_id)
            row = conn.execute(query).mappings().first()
        if row is None:
            raise StoreError(f"no link {link_id} in this review")
        return LinkRow.from_row(row)

    def add_decisions(self, rows: Iterable[DecisionRow]) -> int:
        """Append decisions in one transaction; returns how many were added.

        A decision about a record or run that is not in the store raises StoreError and
        adds nothing.
        """
        now = utcnow()
        count = 0
        batch: list[dict[str, Any]] = []
        try:
            with self._write() as conn, conn.begin():
                for row in rows:
                    if not isinstance(row, DecisionRow):
                        raise StoreError(f"not a DecisionRow: {row!r}")
                    batch.append(row.to_row(now))
                    if len(batch) >= BATCH_SIZE:
                        conn.execute(decisions.insert(), batch)
                        count += len(batch)
                        batch = []
                if batch:
                    conn.execute(decisions.insert(), batch)
                    count += len(batch)
        except sa.exc.IntegrityError as exc:
            raise StoreError(self._explain_refused(batch, exc)) from exc
        return count

    def _explain_refused(self, batch: list[dict[str, Any]], exc: sa.exc.IntegrityError) -> str:
        wanted = {
            "record": (records, {row["record_id"] for row in batch} - {None}),
            "run": (runs, {row["run_id"] for row in batch} - {None}),
        }
        with self._engine.connect() as conn:
            for what, (table, ids) in wanted.items():
                key = table.c[f"{what}_id"]
                known = set(conn.execute(sa.select(key).where(key.in_(ids))).scalars())
                missing = sorted(ids - known)
                if missing:
                    shown = ", ".join(repr(m) for m in missing[:5])
                    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                    return f"decisions refer to {what}s not in the store: {shown}{more}"
        return f"the store refused the decisions: {exc.orig}"

    def decision_history(
        self, *, record_id: str | None = None, stage: str | None = None
    ) -> list[DecisionRow]:
        """Every decision row (of a record and/or stage), in the order added; decisions
        about records of a retracted source are left out."""
        query = (sa.select(decisions).where(active_record(decisions.c.record_id))
                 .order_by(decisions.c.decision_id))
        if record_id is not None:
            query = query.where(decisions.c.record_id == record_id)
        if stage is not None:
            query = query.where(decisions.c.stage == str(stage))
        with self._engine.connect() as conn:
            return [DecisionRow.from_row(row._mapping) for row in conn.execute(query)]

    def decision_counts(self) -> dict[tuple[str, str], int]:
        """How many decision rows there are per (stage, outcome), corrections included
        (records of retracted sources left out)."""
        d = decisions.c
        query = (
            sa.select(d.stage, d.outcome, sa.func.count())
            .where(active_record(d.record_id))
            .group_by(d.stage, d.outcome)
            .order_by(d.stage, d.outcome)
        )
        with self._engine.connect() as conn:
            return {(stage, outcome): int(n) for stage, outcome, n in conn.execute(query)}

    def latest_decisions(self, stage: str) -> list[DecisionRow]:
        """The latest decision per (record or cluster, actor) at ``stage``.

        Latest means the newest ``decided_at``; among equal times, the one added last.
        """
        query = latest_decisions_query(stage=stage)
        with self._engine.connect() as conn:
            return [DecisionRow.from_row(row._mapping) for row in conn.execute(query)]

    def latest_record_decisions(self, *, stage: str | None = None) -> list[DecisionRow]:
        """The latest decision about each record per stage, whoever took it.

        Across actors (unlike :meth:`latest_decisions`); decisions about clusters only are
        left out. Latest means the newest ``decided_at``; among equal times, the one added last.
        """
        query = latest_per_record_query(stage=stage)
        with self._engine.connect() as conn:
            return [DecisionRow.from_row(row._mapping) for row in conn.execute(query)]

    # -- export -----------------------------------------------------------------------

    def export_rows(
        self, *, warnings: bool = False, stage: str | None = None, outcome: str | None = None,
        no_duplicates: bool = False, reason_labels: Mapping[str, str] | None = None,
        notes: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """One dict per record for CSV/RIS export (keys: ``EXPORT_COLUMNS``; ``warnings``
        when asked: the record's field problems, one per line; ``notes`` when asked: its
        RIS notes). ``stage``/``outcome`` keep the records whose latest decision at that
        stage has that outcome; ``no_duplicates`` leaves out dedup's duplicates; reasons
        are shown with their ``reason_labels`` description. See ``iter_export_rows``."""
        return iter_export_rows(self._engine, warnings=warnings, stage=stage, outcome=outcome,
                                no_duplicates=no_duplicates, reason_labels=reason_labels,
                                notes=notes)
