"""Writing one imported file: its ``sources`` row, its records and its quarantined rejects.

The whole import of a file is one transaction: an exception inside ``import_source`` leaves
no trace; a normal exit commits and records the counts on the source row. Rows are buffered
and written with executemany in batches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from screening.errors import StoreError
from screening.model import Actor, Outcome, Record, Stage
from screening.store._common import litsieve_version, printable, utcnow
from screening.store.decisions import DecisionRow
from screening.store.engine import SQLITE_BEGIN
from screening.store.records import (
    INSERT_COLUMNS,
    make_record_id,
    record_to_row,
    reject_to_row,
)
from screening.store.retractions import active_source
from screening.store.schema import decisions, records, runs, sources

if TYPE_CHECKING:  # importing screening.readers loads every reader
    from screening.readers.base import Reject

__all__ = [
    "BATCH_SIZE",
    "ImportWriter",
    "READER_ACTOR_NAME",
    "SourceInfo",
    "SourceSpec",
]

#: Rows written per executemany.
BATCH_SIZE = 2000
#: The actor of the ``unparseable`` decision logged for each quarantined reject.
READER_ACTOR_NAME = "litsieve-reader"

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A file about to be imported: where it is, what it is, its digest and size."""

    path: str | Path
    name: str
    sha256: str
    size_bytes: int
    database: str | None
    export_format: str
    encoding: str = "utf-8"
    #: 1 for the first import of these bytes; 2, 3... for imports after a retraction.
    generation: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", str(self.path))
        digest = str(self.sha256).lower()
        if _SHA256.fullmatch(digest) is None:
            raise StoreError(f"{self.name}: sha256 {self.sha256!r} is not 64 hex digits")
        object.__setattr__(self, "sha256", digest)

    @property
    def source_id(self) -> str:
        """The stable source id: the first 12 hex digits of the file's sha256, followed by
        ``-<generation>`` when the same bytes are imported again after a retraction."""
        stem = str(self.sha256)[:12]
        return stem if self.generation == 1 else f"{stem}-{self.generation}"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A row of ``sources``: one imported file."""

    source_id: str
    name: str
    path: str
    sha256: str
    size_bytes: int
    database: str | None
    export_format: str
    encoding: str
    n_records: int
    n_rejects: int
    imported_at: datetime
    run_id: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SourceInfo:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


class ImportWriter:
    """Adds the records and rejects of one file; made by ``ReviewStore.import_source``."""

    def __init__(
        self,
        conn: Connection,
        spec: SourceSpec,
        *,
        run_id: str | None,
        imported_at: datetime,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.spec = spec
        self.source_id = spec.source_id
        self.run_id = run_id
        self.n_records = 0
        self.n_rejects = 0
        self._conn: Connection | None = conn
        self._path = str(spec.path)
        self._imported_at = imported_at
        process = records.c.imported_at.type.bind_processor(conn.dialect)
        # Records go in through the driver's executemany with plain tuples (no per-row
        # SQLAlchemy processing), so bind the one timestamp for the driver here, once.
        self._bound_at = process(imported_at) if process else imported_at
        self._insert = _insert_records_sql(conn.dialect.paramstyle)
        self._batch_size = batch_size
        self._rows: list[tuple[Any, ...]] = []
        self._decisions: list[dict[str, Any]] = []
        self._ordinals: set[int] = set()
        self._actor = Actor.model(READER_ACTOR_NAME, litsieve_version())

    def _claim(self, path: str, ordinal: int, line: int) -> None:
        if self._conn is None:
            raise StoreError(f"{self.spec.name}: the import has ended; nothing more can be added")
        if path != self._path:
            raise StoreError(
                f"{path}:{line}: a record of {path!r} was added to the import of {self._path!r}"
            )
        if ordinal in self._ordinals:
            raise StoreError(
                f"{path}:{line}: ordinal {ordinal} was already added "
                f"(record {make_record_id(self.source_id, ordinal)})"
            )
        self._ordinals.add(ordinal)

    def add(self, record: Record) -> str:
        """Buffer ``record``; returns its record_id (``"<source_id>:<ordinal>"``)."""
        source = record.source
        self._claim(source.path, source.ordinal, source.line_start)
        row = record_to_row(record, source_id=self.source_id, imported_at=self._bound_at)
        self._rows.append(row)
        self.n_records += 1
        if len(self._rows) >= self._batch_size:
            self.flush()
        return row[0]

    def add_row(self, row: tuple[Any, ...]) -> str:
        """Buffer a row made by :func:`~screening.store.records.record_to_row`.

        For rows built elsewhere (another process reads while this one writes); the row
        must belong to this import's source.
        """
        if row[1] != self.source_id:
            raise StoreError(
                f"{self._path}:{row[3]}: a row of source {row[1]!r} was added to the import "
                f"of source {self.source_id!r}"
            )
        self._claim(self._path, row[2], row[3])
        self._rows.append(row)
        self.n_records += 1
        if len(self._rows) >= self._batch_size:
            self.flush()
        return row[0]

    @property
    def bound_imported_at(self) -> Any:
        """The import time as the driver binds it (what ``record_to_row`` needs)."""
        return self._bound_at

    def add_reject(self, reject: Reject, ordinal: int) -> str:
        """Keep a quarantined reject as an ``unparseable`` records row and log the decision."""
        self._claim(reject.path, ordinal, reject.line_start)
        row = reject_to_row(
            reject,
            ordinal=ordinal,
            source_id=self.source_id,
            database=self.spec.database,
            export_format=self.spec.export_format,
            imported_at=self._bound_at,
        )
        record_id = row[0]
        self._rows.append(row)
        note = None
        if reject.problems:
            note = printable(str(reject.problems[0]))
            if len(reject.problems) > 1:
                note += f" (and {len(reject.problems) - 1} more)"
        decision = DecisionRow(
            record_id=record_id,
            stage=Stage.IDENTIFICATION,
            outcome=Outcome.UNPARSEABLE,
            actor=self._actor,
            run_id=self.run_id,
            note=note,
        )
        self._decisions.append(decision.to_row(self._imported_at))
        self.n_rejects += 1
        if len(self._rows) >= self._batch_size:
            self.flush()
        return record_id

    def flush(self) -> None:
        """Write the buffered rows (records first, then the decisions that refer to them)."""
        if self._conn is None:
            return
        try:
            if self._rows:
                self._conn.exec_driver_sql(self._insert, self._rows)
            if self._decisions:
                self._conn.execute(decisions.insert(), self._decisions)
        except sa.exc.IntegrityError as exc:
            raise StoreError(f"{self.spec.name}: the store refused a record: {exc.orig}") from exc
        self._rows.clear()
        self._decisions.clear()

    def _finish(self) -> None:
        assert self._conn is not None
        self.flush()
        self._conn.execute(
            sources.update()
            .where(sources.c.source_id == self.source_id)
            .values(n_records=self.n_records, n_rejects=self.n_rejects)
        )
        self._conn = None

    def _abandon(self) -> None:
        self._conn = None
        self._rows.clear()
        self._decisions.clear()


def _insert_records_sql(paramstyle: str) -> str:
    mark = "?" if paramstyle == "qmark" else "%s"
    columns = ", ".join(f'"{name}"' for name in INSERT_COLUMNS)
    marks = ", ".join([mark] * len(INSERT_COLUMNS))
    return f"INSERT INTO records ({columns}) VALUES ({marks})"


def _check_new(conn: Connection, spec: SourceSpec, run_id: str | None) -> None:
    columns = (sources.c.source_id, sources.c.name, sources.c.sha256, sources.c.imported_at)
    imported = conn.execute(
        sa.select(*columns)
        .where(sources.c.sha256 == spec.sha256, active_source(sources.c.source_id))
    ).first()
    if imported is not None:
        raise StoreError(
            f"{spec.name}: already imported as source {imported.source_id} ({imported.name}, "
            f"{imported.imported_at:%Y-%m-%d %H:%M} UTC); nothing was changed"
        )
    taken = conn.execute(sa.select(*columns).where(sources.c.source_id == spec.source_id)).first()
    if taken is not None and taken.sha256 == spec.sha256:
        raise StoreError(
            f"{spec.name}: source id {spec.source_id} belongs to a retracted import of the "
            f"same file; import it as generation {spec.generation + 1} or later"
        )
    if taken is not None:
        raise StoreError(
            f"{spec.name}: its source id {spec.source_id} is taken by {taken.name}, a "
            "different file with the same first 12 sha256 digits"
        )
    if run_id is not None:
        known = conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == run_id)).first()
        if known is None:
            raise StoreError(f"unknown run {run_id!r}: start one with begin_run()")


@contextmanager
def open_import(
    engine: Engine, spec: SourceSpec, run_id: str | None, *, batch_size: int = BATCH_SIZE
) -> Iterator[ImportWriter]:
    """Insert the source row and yield a writer, all in one transaction (see module doc)."""
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            _check_new(conn, spec, run_id)
            imported_at = utcnow()
            conn.execute(
                sources.insert().values(
                    source_id=spec.source_id,
                    name=spec.name,
                    path=str(spec.path),
                    sha256=spec.sha256,
                    size_bytes=spec.size_bytes,
                    database=spec.database,
                    export_format=spec.export_format,
                    encoding=spec.encoding,
                    n_records=0,
                    n_rejects=0,
                    imported_at=imported_at,
                    run_id=run_id,
                )
            )
            writer = ImportWriter(
                conn, spec, run_id=run_id, imported_at=imported_at, batch_size=batch_size
            )
            try:
                yield writer
                writer._finish()
            except BaseException:
                writer._abandon()
                raise
