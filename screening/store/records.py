"""Converting between :class:`~screening.model.Record` and rows of the ``records`` table.

Plain text fields are copied; tuple fields are JSON arrays (NULL when empty), ``other_ids``
and ``raw`` JSON objects (NULL when empty), ``flags`` a sorted JSON array. Loading a row
gives back a Record equal to the one stored, with ``record_id`` set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from screening.errors import StoreError
from screening.model import Record, SourceRef
from screening.store._common import dumps, loads, printable, unstorable
from screening.store.schema import TEXT_COLUMNS, TUPLE_COLUMNS

if TYPE_CHECKING:  # importing screening.readers loads every reader
    from screening.readers.base import Reject

__all__ = [
    "RECORD_COLUMNS",
    "STATUS_OK",
    "STATUS_UNPARSEABLE",
    "make_record_id",
    "record_from_row",
    "record_to_row",
    "reject_to_row",
]

STATUS_OK = "ok"
STATUS_UNPARSEABLE = "unparseable"

#: Columns of ``records`` that :func:`record_from_row` reads (plus ``path`` from ``sources``).
RECORD_COLUMNS = (
    "record_id",
    "ordinal",
    "line_start",
    "line_end",
    "database",
    "export_format",
    "status",
    *TEXT_COLUMNS,
    *TUPLE_COLUMNS,
    "year",
    "other_ids",
    "flags",
    "raw",
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def make_record_id(source_id: str, ordinal: int) -> str:
    """The stable id of a record in the store: ``"<source_id>:<ordinal>"``."""
    return f"{source_id}:{ordinal}"


def _refuse(source: SourceRef, field: str, shown: str) -> StoreError:
    return StoreError(
        f"{source.path}:{source.line_start}: {field}: the store cannot hold the character "
        f"{shown} (NUL or an undecodable byte); the reader should have rejected this record"
    )


def _json_array(values: Sequence[str]) -> str | None:
    return dumps(values) if values else None


def record_to_row(
    record: Record, *, source_id: str, imported_at: datetime
) -> dict[str, Any]:
    """The ``records`` row for ``record`` (status ``ok``).

    Raises StoreError when a field holds NUL or an undecodable byte, which neither engine
    can store faithfully.
    """
    source = record.source
    row: dict[str, Any] = {
        "record_id": make_record_id(source_id, source.ordinal),
        "source_id": source_id,
        "ordinal": source.ordinal,
        "line_start": source.line_start,
        "line_end": source.line_end,
        "database": source.database,
        "export_format": source.export_format,
        "status": STATUS_OK,
        "year": record.year,
        "raw_text": None,
        "problems": None,
        "imported_at": imported_at,
    }
    for name in TEXT_COLUMNS:
        value = getattr(record, name)
        if value is not None and (bad := unstorable(value)) is not None:
            raise _refuse(source, name, bad)
        row[name] = value
    for name in TUPLE_COLUMNS:
        row[name] = _json_array(getattr(record, name))
    row["other_ids"] = dumps(dict(record.other_ids)) if record.other_ids else None
    row["flags"] = dumps(sorted(record.flags)) if record.flags else None
    row["raw"] = dumps(dict(record.raw)) if record.raw else None
    for name in (*TUPLE_COLUMNS, "other_ids", "flags", "raw", "database", "export_format"):
        value = row[name]
        if value is not None and (bad := unstorable(value)) is not None:
            raise _refuse(source, name, bad)
    return row


_NULL_FIELDS = dict.fromkeys(
    (*TEXT_COLUMNS, *TUPLE_COLUMNS, "year", "other_ids", "flags", "raw")
)


def reject_to_row(
    reject: Reject,
    *,
    ordinal: int,
    source_id: str,
    database: str | None,
    export_format: str,
    imported_at: datetime,
) -> dict[str, Any]:
    """The ``records`` row keeping a quarantined reject (status ``unparseable``).

    ``raw_text`` is kept as read, except that undecodable bytes and NUL are written as
    ``\\xNN`` (as in the rejects file); ``problems`` is a JSON array of problem strings.
    """
    return {
        **_NULL_FIELDS,
        "record_id": make_record_id(source_id, ordinal),
        "source_id": source_id,
        "ordinal": ordinal,
        "line_start": reject.line_start,
        "line_end": reject.line_end,
        "database": database,
        "export_format": export_format,
        "status": STATUS_UNPARSEABLE,
        "raw_text": printable(reject.raw_text),
        "problems": dumps([printable(str(problem)) for problem in reject.problems]),
        "imported_at": imported_at,
    }


def _tuple(text: str | None) -> tuple[str, ...]:
    return tuple(loads(text)) if text else ()


def record_from_row(row: Mapping[str, Any], path: str) -> Record:
    """Rebuild the Record of a ``records`` row (``path`` is its source's path)."""
    source = SourceRef(
        path,
        row["line_start"],
        row["line_end"],
        row["database"],
        row["export_format"],
        row["ordinal"],
    )
    other_ids = row["other_ids"]
    flags = row["flags"]
    raw = row["raw"]
    return Record(
        source=source,
        record_id=row["record_id"],
        native_id=row["native_id"],
        title=row["title"],
        title_original=row["title_original"],
        abstract=row["abstract"],
        authors=_tuple(row["authors"]),
        group_authors=_tuple(row["group_authors"]),
        year=row["year"],
        journal=row["journal"],
        journal_abbrev=row["journal_abbrev"],
        volume=row["volume"],
        issue=row["issue"],
        pages=row["pages"],
        start_page=row["start_page"],
        end_page=row["end_page"],
        doi=row["doi"],
        pmid=row["pmid"],
        pmcid=row["pmcid"],
        embase_id=row["embase_id"],
        other_ids=MappingProxyType(loads(other_ids)) if other_ids else _EMPTY,
        issn=_tuple(row["issn"]),
        language=_tuple(row["language"]),
        publication_types=_tuple(row["publication_types"]),
        keywords=_tuple(row["keywords"]),
        mesh=_tuple(row["mesh"]),
        emtree=_tuple(row["emtree"]),
        flags=frozenset(loads(flags)) if flags else frozenset(),
        raw=MappingProxyType(loads(raw)) if raw else _EMPTY,  # values: lists, as readers give
    )
