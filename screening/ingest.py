"""Import export files into a review store: detect, read, check, write, in one pass.

One file is one transaction. By default a record problem stops the import and nothing is
written; with ``quarantine=True`` bad records are written to a rejects file (raw text and
place) and stored as ``unparseable`` so that PRISMA's totals still add up. Field problems
(a garbled year, an id twice in the file) never stop an import: the record is imported and
the problem is a warning, stored with it. A file that was imported before (same bytes)
adds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from screening.errors import EncodingError, InputFormatError, Problem, ReviewError
from screening.read_ahead import iter_items, read_ahead
from screening.readers import Reader, Reject, detect_format, get_reader
from screening.readers.textio import printable_raw
from screening.store import INSERT_COLUMNS, ReviewStore, SourceSpec
from screening.store.records import warnings_from_json

__all__ = ["ImportReport", "file_sha256", "import_file"]

_HASH_BLOCK = 1 << 20
#: Files from this size on are read in a second process while this one writes.
PARALLEL_MIN_BYTES = 8 << 20
ROW_DATABASE = INSERT_COLUMNS.index("database")
ROW_WARNINGS = INSERT_COLUMNS.index("problems")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What importing one file did."""

    path: str
    source_id: str
    export_format: str
    database: str | None
    n_records: int
    n_rejects: int
    already_imported: bool
    rejects_path: Path | None
    seconds: float
    #: Field problems of imported records (each record was imported; the field is empty).
    warnings: tuple[Problem, ...] = ()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the identity of an import)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _resolve_reader(path: Path, export_format: str | None, encoding: str) -> Reader:
    if export_format:
        return get_reader(export_format)
    return detect_format(path, encoding=encoding)


def import_file(
    store: ReviewStore,
    path: Path,
    *,
    run_id: str,
    export_format: str | None = None,
    database: str | None = None,
    encoding: str = "utf-8",
    quarantine: bool = False,
    rejects_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import one export file into ``store``.

    Parameters
    ----------
    store : the open review store.
    path : the export file.
    run_id : the run this import belongs to (``store.begin_run``).
    export_format : a reader name; detected from the content when None.
    database : the database the records came from; inferred by the reader when None.
    encoding : the file's text encoding (UTF-8 with or without BOM by default).
    quarantine : keep going past bad records, writing them to ``rejects_dir``.
    progress : called with the number of records read so far, every 1000 records.
    parallel : read in a second process while writing (default: for files of 8 MB or more).

    Raises
    ------
    InputFormatError : the file has problems and ``quarantine`` is False; nothing is written.
    UnknownFormatError : the format cannot be told from the content.
    """
    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    sha256 = file_sha256(path)
    known = store.source_by_sha256(sha256)
    if known is not None:
        _check_same_labels(path, known, database, export_format)
        return ImportReport(
            str(path), known.source_id, known.export_format, known.database,
            known.n_records, known.n_rejects, True, None, time.perf_counter() - started,
        )
    reader = _resolve_reader(path, export_format, encoding)
    spec = SourceSpec(
        path=str(path), name=path.name, sha256=sha256, size_bytes=path.stat().st_size,
        database=database or reader.database, export_format=reader.name, encoding=encoding,
        generation=store.count_imports(sha256) + 1,  # earlier imports were all retracted
    )
    rejects: list[Reject] = []
    warnings: list[Problem] = []
    databases: dict[str | None, int] = {}
    ordinal = 0
    with store.import_source(spec, run_id) as writer:
        if parallel is None:
            parallel = spec.size_bytes >= PARALLEL_MIN_BYTES
        if parallel:
            items = read_ahead(path, reader.name, encoding=encoding, database=database,
                               source_id=spec.source_id, imported_at=writer.bound_imported_at)
        else:
            items = iter_items(path, reader.name, encoding=encoding, database=database)
        for kind, ordinal, item in _closing(items):
            if kind == "reject":
                rejects.append(item)
                if quarantine:
                    writer.add_reject(item, ordinal)
                continue
            if kind == "row":
                db = item[ROW_DATABASE]
                if item[ROW_WARNINGS] is not None:
                    warnings += warnings_from_json(item[ROW_WARNINGS], str(path))
            else:
                db = item.source.database
                warnings += item.warnings
            databases[db] = databases.get(db, 0) + 1
            if rejects and not quarantine:
                continue  # the import will be rolled back: read on only to list problems
            if kind == "row":
                writer.add_row(item)
            else:
                writer.add(item)
            if progress is not None and ordinal % 1000 == 0:
                progress(ordinal)
        if progress is not None:
            progress(ordinal)
        if rejects and not quarantine:
            problems = [p for r in rejects for p in r.problems]
            if all(p.field == "encoding" for p in problems):
                raise EncodingError(problems, path=str(path))
            raise InputFormatError(problems, path=str(path),
                                   hint=_format_hint(path, reader, export_format, encoding))
        if rejects and ordinal == len(rejects):
            hint = _format_hint(path, reader, export_format, encoding)
            if hint is not None:  # a forced reader that reads nothing of this file
                raise InputFormatError([p for r in rejects for p in r.problems],
                                       path=str(path), hint=hint)
        source_id = writer.source_id
    rejects_path = None
    if rejects:
        rejects_path = _write_rejects(rejects, rejects_dir or path.parent, path, source_id)
    inferred = spec.database
    if database is None and databases:
        inferred = max(databases, key=lambda key: databases[key])
    return ImportReport(
        str(path), source_id, reader.name, inferred, ordinal - len(rejects), len(rejects), False,
        rejects_path, time.perf_counter() - started, tuple(warnings),
    )


def _check_same_labels(path: Path, known, database: str | None,
                       export_format: str | None) -> None:
    """ReviewError when the same bytes are imported again under another label: they are
    in the review under the first one, and only a retraction lets them in again."""
    asked = []
    if database and (known.database or "").casefold() != database.casefold():
        asked.append(f"--database {database} (imported as {known.database or 'unknown'})")
    if export_format and known.export_format.casefold() != export_format.casefold():
        asked.append(f"--format {export_format} (imported as {known.export_format})")
    if asked:
        raise ReviewError(
            f"{path}: these bytes are already imported as source {known.source_id} "
            f"({known.name}, {known.imported_at:%Y-%m-%d %H:%M} UTC) and the labels differ: "
            f"{'; '.join(asked)}. Nothing was changed; to import the file again with other "
            f"options, take the first import back: litsieve source retract DIR "
            f"{known.source_id} --reason TEXT"
        )


def _format_hint(path: Path, reader: Reader, export_format: str | None,
                 encoding: str) -> str | None:
    """When a forced ``--format`` fails on content that looks like another format, the
    advice to give instead of --quarantine (which would keep nothing but rejects)."""
    if not export_format:
        return None
    try:
        looks_like = detect_format(path, encoding=encoding)
    except ReviewError:
        return None
    if looks_like.name == reader.name:
        return None
    label = (looks_like.label or looks_like.name).split(" (")[0]
    return (f"nothing was imported; the content looks like {label}: "
            f"try --format {looks_like.name}")


def _closing(items):
    """Iterate ``items`` and close the generator (stopping a reading child) on any exit."""
    with contextlib.closing(items):
        yield from items


def _write_rejects(rejects: list[Reject], directory: Path, path: Path, source_id: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{path.name}.{source_id}.rejects.jsonl"
    with open(target, "w", encoding="utf-8") as handle:
        for reject in rejects:
            row = {
                "file": reject.path,
                "line_start": reject.line_start,
                "line_end": reject.line_end,
                "problems": [str(p) for p in reject.problems],
                "raw_text": printable_raw(reject.raw_text),
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return target
