"""Embase.com CSV and XLSX exports.

Two CSV layouts are read by one mapping:

* legacy (about 2019-2021): 20 columns and no DOI, year, PMID or accession column; the
  journal, year, volume, issue and pages are only inside ``Source`` =
  ``Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014``, and the DOI
  only inside the ``Open URL Link`` (``…&id=doi:10.4103%2F2303-9027.138783&…``);
* 2024: a 3-line preamble (``"SEARCH QUERY","…"``, a line of dashes, a blank line) before
  a 49-column header with ``Embase Accession ID``, ``Medline PMID``, ``PUI``, ``DOI`` ….
  In the observed files ``Embase Accession ID`` is empty and ``PUI`` holds the accession
  (``L2029880245``, the RIS ``U2`` of the same records).

The XLSX export has the same 49 columns and the same preamble rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, register
from screening.readers.tables import (
    Columns,
    DelimitedReader,
    Fields,
    header_cells,
    is_xlsx_head,
    iter_xlsx,
    read_table,
    split_outside_parens,
)

__all__ = ["EmbaseCsvReader", "EmbaseXlsxReader", "parse_embase_source"]

_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s*\((?P<year>\d{4})\)"
    r"(?:\s+(?P<volume>[^\s:()]+)(?::(?P<issue>[^()]+?))?)?"
    r"(?:\s*\((?P<pages>[^()]*)\))?"
    r"(?:\s*Article Number:\s*(?P<article>[^\s]+?))?"
    r"\.?\s*(?:Date of Publication:\s*(?P<date>.*?))?\s*$",
    re.S,
)
_ACCESSION = re.compile(r"^L\d+$")
_LINK_ID = re.compile(r"[?&]id=(L\d+)")
_EMTREE = (
    ("Emtree Drug Index Terms (Major Focus)", True),
    ("Emtree Drug Index Terms", False),
    ("Emtree Medical Index Terms (Major Focus)", True),
    ("Emtree Medical Index Terms", False),
)


def parse_embase_source(source: str | None) -> dict[str, str]:
    """Journal, year, volume, issue, pages (or article number) and date from ``Source``."""
    if not source:
        return {}
    match = _SOURCE.match(source.strip())
    if match is None:
        return {}
    out = {k: v.strip() for k, v in match.groupdict().items() if v and v.strip()}
    if "article" in out and "pages" not in out:
        out["pages"] = out["article"]
    return out


def _open_url(value: str | None) -> dict[str, str]:
    """The DOI and ISSN inside an OpenURL link (``…&issn=22267190&id=doi:10.4103%2F…``)."""
    if not value:
        return {}
    query = parse_qs(urlsplit(value).query)
    out: dict[str, str] = {}
    for item in query.get("id", []):
        if item.lower().startswith("doi:"):
            out["doi"] = item[4:]
    if query.get("issn"):
        out["issn"] = query["issn"][0]
    return out


def _accession(fields: Fields) -> str | None:
    for value in (fields.get("Embase Accession ID"), fields.get("PUI")):
        if value and _ACCESSION.match(value):
            return value
    link = fields.get("Embase Link") or ""
    found = _LINK_ID.search(link)
    return found.group(1) if found else None


def _check_header(columns: Columns, path: str, line: int) -> list[Problem]:
    return columns.missing(path, line, "Title", "Author Names")


def embase_record(fields: Fields, source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map one Embase CSV/XLSX row (legacy or 2024 layout) to a Record."""
    get = fields.get
    cited = parse_embase_source(get("Source"))
    url = _open_url(get("Open URL Link"))
    accession = _accession(fields)
    emtree: list[str] = []
    for column, major in _EMTREE:
        for term in split_outside_parens(get(column)):
            emtree.append(f"*{term}" if major else term)
    other: dict[str, str] = {}
    if get("PUI"):
        other["pui"] = get("PUI") or ""
    first_page = get("First Page")
    return build_record(
        source,
        fields.raw(),
        native_id=accession,
        title=get("Title"),
        title_original=get("Original Title"),
        abstract=get("Abstract"),
        authors=split_outside_parens(get("Author Names")),
        year=get("Publication Year") or cited.get("year") or cited.get("date"),
        journal=get("Source title") or cited.get("journal"),
        volume=get("Volume") or cited.get("volume"),
        issue=get("Issue") or cited.get("issue"),
        pages=first_page if first_page else cited.get("pages"),
        end_page=get("Last Page") if first_page else None,
        dois=(get("DOI"), get("Full Text Link"), url.get("doi")),
        pmid=get("Medline PMID"),
        embase_id=accession,
        other_ids=other,
        issn=[v for v in (get("ISSN"), url.get("issn")) if v],
        language=[get("Article Language") or ""],
        publication_types=[t for t in (get("Publication Type"),) if t],
        keywords=split_outside_parens(get("Author Keywords")),
        emtree=emtree,
    )


@register("embase_csv")
class EmbaseCsvReader(DelimitedReader):
    """Embase.com CSV export (legacy 20-column layout and the 2024 49-column layout)."""

    label = "Embase CSV"
    database = "Embase"
    suffixes = (".csv",)

    def sniff(self, head: Head) -> float:
        lines = head.lines(1)
        if lines and lines[0].lstrip('"').upper().startswith("SEARCH QUERY"):
            return 0.95
        cells = set(header_cells(head, skip_preamble=True))
        if {"Title", "Original Title", "Author Names"} <= cells:
            return 0.95
        if "Author Names" in cells and ("Embase Accession ID" in cells or "PUI" in cells):
            return 0.9
        return 0.0

    map_row = staticmethod(embase_record)
    check_header = staticmethod(_check_header)
    skip_preamble = True


@register("embase_xlsx")
class EmbaseXlsxReader(Reader):
    """Embase.com Excel export (the 2024 49 columns, with the search-query preamble rows)."""

    label = "Embase XLSX"
    database = "Embase"
    suffixes = (".xlsx",)

    def sniff(self, head: Head) -> float:
        # Only the zip signature and part names can be seen in the head; the columns are
        # checked when the workbook is read. Embase is the only XLSX export we read.
        return 0.8 if is_xlsx_head(head.data) else 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        return read_table(
            path,
            iter_xlsx(path),
            reader_name=self.name,
            database=database or self.database,
            map_row=embase_record,
            check_header=_check_header,
            skip_preamble=True,
            short_ok=True,
        )
