"""Write records as standard RIS, readable by reference managers, rispy and litsieve itself.

rispy formats the lines; this module maps a Record to rispy's field names. Every record
starts with its ``TY  - `` line (no reference number before it) and ends with ``ER  - ``.
The record's litsieve id goes in ``ID``, its source (file, line) and what the review
decided about it (its place in a duplicate cluster, the latest decision per stage: see
``screening.store.export``) in ``N1`` notes, one per line, each starting ``litsieve:``.
Values are written on one line each (line breaks become spaces), so no text can be read
as a tag of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import rispy

from screening.model import Flag, Record

__all__ = ["record_to_ris", "write_ris"]

_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")


class _RisWriter(rispy.RisWriter):
    """rispy's RIS writer without the reference number (``1.``) it writes before ``TY``."""

    def set_header(self, count: int) -> str:
        return ""


def _one_line(value):
    if isinstance(value, str):
        return _LINE_BREAK.sub(" ", value).strip()
    if isinstance(value, list):
        return [_one_line(item) for item in value]
    return value


def record_to_ris(record: Record, notes: Sequence[str] = ()) -> dict:
    """A rispy entry (dict keyed by rispy's field names) for one record; ``notes`` are
    added to its ``N1`` notes after its source."""
    kind = "CONF" if Flag.CONFERENCE_ABSTRACT.value in record.flags else "JOUR"
    entry: dict = {"type_of_reference": kind}

    def put(key: str, value) -> None:
        if value:
            entry[key] = _one_line(value)

    put("id", record.record_id)
    put("title", record.title)
    put("authors", list(record.authors))
    put("year", str(record.year) if record.year else None)
    put("secondary_title", record.journal)
    put("alternate_title1", record.journal_abbrev)
    put("volume", record.volume)
    put("number", record.issue)
    put("start_page", record.start_page)
    put("end_page", record.end_page)
    put("doi", record.doi)
    put("abstract", record.abstract)
    put("keywords", list(record.keywords) + list(record.mesh) + list(record.emtree))
    put("issn", "; ".join(record.issn))
    put("language", "; ".join(record.language))
    put("accession_number", record.native_id)
    put("name_of_database", record.source.database)
    entry_notes = [f"litsieve source: {record.source.path}:{record.source.line_start}"]
    if record.pmid:
        entry_notes.append(f"PMID: {record.pmid}")
    entry_notes.extend(notes)
    put("notes", entry_notes)
    return entry


def write_ris(
    records: Iterable[Record], output: Path, *, notes: Mapping[str, Sequence[str]] | None = None
) -> int:
    """Write ``records`` to ``output`` as RIS, streamed; returns how many were written.

    ``notes``: more ``N1`` notes per record id (e.g. ``export_rows(notes=True)``'s).
    """
    writer = _RisWriter()
    notes = notes or {}
    n = 0
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            if n:
                handle.write("\n")
            writer.format_lines(handle, [record_to_ris(record, notes.get(record.record_id, ()))])
            n += 1
    return n
