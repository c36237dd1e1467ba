"""Write records as RIS, readable by reference managers and by litsieve itself.

rispy writes the file; this module only maps a Record to rispy's field names. The
record's litsieve id goes in ``ID`` and its source (file, line, database) in ``N1`` so an
exported record can be traced back to the export it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import rispy

from screening.model import Flag, Record

__all__ = ["record_to_ris", "write_ris"]


def record_to_ris(record: Record) -> dict:
    """A rispy entry (dict keyed by rispy's field names) for one record."""
    kind = "CONF" if Flag.CONFERENCE_ABSTRACT.value in record.flags else "JOUR"
    entry: dict = {"type_of_reference": kind}

    def put(key: str, value) -> None:
        if value:
            entry[key] = value

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
    notes = [f"litsieve source: {record.source.path}:{record.source.line_start}"]
    if record.pmid:
        notes.append(f"PMID: {record.pmid}")
    entry["notes"] = notes
    return entry


def write_ris(records: Iterable[Record], output: Path) -> int:
    """Write ``records`` to ``output`` as RIS; returns how many were written."""
    entries = [record_to_ris(record) for record in records]
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        rispy.dump(entries, handle)
    return len(entries)
