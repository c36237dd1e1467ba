"""Import export files into a review store: detect, read, check, write, in one pass.

One file is one transaction. By default any problem stops the import and nothing is
written; with ``quarantine=True`` bad records are written to a rejects file (raw text and
place) and stored as ``unparseable`` so that PRISMA's totals still add up. A file that
was imported before (same bytes) adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from screening.errors import EncodingError, InputFormatError, Problem, ReviewError
from screening.model import Record
from screening.readers import Reader, Reject, detect_format, get_reader
from screening.readers.textio import printable_raw
from screening.store import ReviewStore, SourceSpec

__all__ = ["ImportReport", "file_sha256", "import_file"]

_HASH_BLOCK = 1 << 20


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


class _DuplicateIds:
    """Finds the same native id or PMID twice in one file."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    def check(self, record: Record) -> Problem | None:
        for kind, value in (("native_id", record.native_id), ("pmid", record.pmid)):
            if not value:
                continue
            key = (kind, value)
            first = self._seen.get(key)
            if first is not None:
                label = "PMID" if kind == "pmid" else "id"
                return Problem(
                    record.source.path, record.source.line_start, kind,
                    f"{label} {value} appears twice in this file (first at line {first})",
                    value,
                )
            self._seen[key] = record.source.line_start
        return None


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
        return ImportReport(
            str(path), known.source_id, known.export_format, known.database,
            known.n_records, known.n_rejects, True, None, time.perf_counter() - started,
        )
    reader = _resolve_reader(path, export_format, encoding)
    spec = SourceSpec(
        path=str(path), name=path.name, sha256=sha256, size_bytes=path.stat().st_size,
        database=database or reader.database, export_format=reader.name, encoding=encoding,
    )
    rejects: list[Reject] = []
    databases: dict[str | None, int] = {}
    duplicates = _DuplicateIds()
    with store.import_source(spec, run_id) as writer:
        ordinal = 0
        for item in reader.iter_read(path, encoding=encoding, database=database):
            ordinal += 1
            if isinstance(item, Record):
                problem = duplicates.check(item)
                if problem is not None:
                    item = Reject(problem.path, item.source.line_start, item.source.line_end,
                                  _record_text(path, item, encoding), (problem,))
            if isinstance(item, Reject):
                rejects.append(item)
                if quarantine:
                    writer.add_reject(item, ordinal)
                continue
            if item.source.ordinal != ordinal:
                item = replace(item, source=replace(item.source, ordinal=ordinal))
            databases[item.source.database] = databases.get(item.source.database, 0) + 1
            if not rejects or quarantine:
                writer.add(item)
            if progress is not None and ordinal % 1000 == 0:
                progress(ordinal)
        if progress is not None:
            progress(ordinal)
        if rejects and not quarantine:
            problems = [p for r in rejects for p in r.problems]
            if all(p.field == "encoding" for p in problems):
                raise EncodingError(problems, path=str(path))
            raise InputFormatError(problems, path=str(path))
        source_id = writer.source_id
    rejects_path = None
    if rejects:
        rejects_path = _write_rejects(rejects, rejects_dir or path.parent, path, source_id)
    inferred = spec.database
    if database is None and databases:
        inferred = max(databases, key=lambda key: databases[key])
    return ImportReport(
        str(path), source_id, reader.name, inferred, ordinal - len(rejects), len(rejects), False,
        rejects_path, time.perf_counter() - started,
    )


def _record_text(path: Path, record: Record, encoding: str) -> str:
    """The lines of a record, re-read from the file (only for the rare duplicate-id case)."""
    from screening.readers.textio import iter_chunks

    wanted: list[str] = []
    for first, chunk in iter_chunks(path, encoding=encoding):
        lines = chunk.split("\n")
        for offset, line in enumerate(lines):
            number = first + offset
            if record.source.line_start <= number <= record.source.line_end:
                wanted.append(line)
        if first + len(lines) > record.source.line_end:
            break
    return "\n".join(wanted)


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
