"""Converting between :class:`~screening.model.Record` and rows of the ``records`` table.

Plain text fields are copied; tuple fields are JSON arrays (NULL when empty), ``other_ids``
and ``raw`` JSON objects (NULL when empty), ``flags`` a sorted JSON array; a record's field
warnings go to ``problems`` (which holds a quarantined reject's problems). Loading a row
gives back a Record equal to the one stored, with ``record_id`` set.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from screening.errors import FIELD, Problem, StoreError
from screening.model import Record, SourceRef
from screening.store._common import dumps, loads, printable, unstorable
from screening.store.schema import TEXT_COLUMNS, TUPLE_COLUMNS

if TYPE_CHECKING:  # importing screening.readers loads every reader
    from screening.readers.base import Reject

__all__ = [
    "INSERT_COLUMNS",
    "RECORD_COLUMNS",
    "RecordKey",
    "STATUS_OK",
    "STATUS_UNPARSEABLE",
    "make_record_id",
    "record_from_row",
    "record_to_row",
    "reject_to_row",
    "warnings_from_json",
    "warnings_json",
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
    "problems",
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class RecordKey(NamedTuple):
    """How a record is found: its id, native id, status and database (None when unknown)."""

    record_id: str
    native_id: str | None
    status: str
    database: str | None


def make_record_id(source_id: str, ordinal: int) -> str:
    """The stable id of a record in the store: ``"<source_id>:<ordinal>"``."""
    return f"{source_id}:{ordinal}"


#: The column order of the tuples :func:`record_to_row` and :func:`reject_to_row` return.
INSERT_COLUMNS = (
    "record_id",
    "source_id",
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
    "raw_text",
    "problems",
    "imported_at",
)
_CHECK_FROM = INSERT_COLUMNS.index("database")  # the text columns that come from a Record
_texts = attrgetter(*TEXT_COLUMNS)
_tuples = attrgetter(*TUPLE_COLUMNS)


def _storable(value: str) -> bool:
    """Whether ``value`` holds neither NUL nor a lone surrogate (checked in C, not by regex)."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def record_to_row(record: Record, *, source_id: str, imported_at: Any) -> tuple[Any, ...]:
    """The ``records`` row for ``record`` (status ``ok``), in :data:`INSERT_COLUMNS` order.

    ``imported_at`` is passed through as given (the caller binds it for its driver).
    Raises StoreError when a field holds NUL or an undecodable byte, which neither engine
    can store faithfully.
    """
    source = record.source
    other_ids, flags, raw = record.other_ids, record.flags, record.raw
    row = (
        make_record_id(source_id, source.ordinal),
        source_id,
        source.ordinal,
        source.line_start,
        source.line_end,
        source.database,
        source.export_format,
        STATUS_OK,
        *_texts(record),
        *[dumps(values) if values else None for values in _tuples(record)],
        record.year,
        dumps(dict(other_ids)) if other_ids else None,
        dumps(sorted(flags)) if flags else None,
        dumps(dict(raw)) if raw else None,
        None,
        warnings_json(record.warnings) if record.warnings else None,
        imported_at,
    )
    text = "\x1f".join([value for value in row[_CHECK_FROM:] if value.__class__ is str])
    if not _storable(text):
        _refuse(record, row)
    return row


def _refuse(record: Record, row: tuple[Any, ...]) -> None:
    source = record.source
    for name, value in zip(INSERT_COLUMNS, row, strict=True):
        if isinstance(value, str) and (shown := unstorable(value)) is not None:
            raise StoreError(
                f"{source.path}:{source.line_start}: {name}: the store cannot hold the "
                f"character {shown} (NUL or an undecodable byte); the reader should have "
                "rejected this record"
            )
    raise StoreError(f"{source.path}:{source.line_start}: a field holds unstorable text")


_NULL_FIELDS = (None,) * (len(TEXT_COLUMNS) + len(TUPLE_COLUMNS) + 4)


def reject_to_row(
    reject: Reject,
    *,
    ordinal: int,
    source_id: str,
    database: str | None,
    export_format: str,
    imported_at: Any,
) -> tuple[Any, ...]:
    """The ``records`` row keeping a quarantined reject (status ``unparseable``).

    ``raw_text`` is kept as read, except that undecodable bytes and NUL are written as
    ``\\xNN`` (as in the rejects file); ``problems`` is a JSON array of problem strings.
    """
    return (
        make_record_id(source_id, ordinal),
        source_id,
        ordinal,
        reject.line_start,
        reject.line_end,
        database,
        export_format,
        STATUS_UNPARSEABLE,
        *_NULL_FIELDS,
        printable(reject.raw_text),
        dumps([printable(str(problem)) for problem in reject.problems]),
        imported_at,
    )


def warnings_json(warnings: tuple[Problem, ...]) -> str:
    """A record's field warnings for the ``problems`` column of its ``ok`` row: a JSON
    array of ``[line, field, message, value]`` (a reject's row holds problem strings)."""
    return dumps([[w.line, w.field, printable(w.message),
                   None if w.value is None else printable(w.value)] for w in warnings])


def warnings_from_json(text: str | None, path: str) -> tuple[Problem, ...]:
    """The warnings :func:`warnings_json` stored, as field Problems of the file ``path``."""
    if not text:
        return ()
    return tuple(Problem(path, line, name, message, value, FIELD)
                 for line, name, message, value in loads(text))


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
        warnings=warnings_from_json(row["problems"], path) if row["status"] == STATUS_OK
        else (),
    )
