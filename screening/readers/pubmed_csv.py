"""PubMed web "Save → CSV" (``PMID,Title,Authors,Citation,First Author,Journal/Book,…``).

The CSV has no abstract and no volume/issue/pages columns: those live only inside
``Citation`` (``Eur J Med Genet. 2020 Feb;63(2):103640. doi: …``), which is parsed here.
Screening needs abstracts, so a PubMed CSV is "PMID list + partial metadata"; the full
records can be fetched by PMID.
"""

from __future__ import annotations

import re

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import Head, build_record, register
from screening.readers.tables import Columns, DelimitedReader, Fields, header_cells

__all__ = ["PubmedCsvReader", "parse_citation"]

_HEADER_START = ["pmid", "title", "authors", "citation"]
# "Eur J Med Genet. 2020 Feb;63(2):103640. doi: …": journal, then ". " and the year.
_JOURNAL_DATE = re.compile(r"^(?P<journal>.+?)\.\s+(?P<year>\d{4})\b(?P<rest>.*)$", re.S)
# ";63(2):103640." / ";11:e80092." / ";27(1):19-25." after the date.
_VOLUME_PAGES = re.compile(
    r";\s*(?P<volume>[^;:()]*?)\s*(?:\((?P<issue>[^)]*)\))?\s*:\s*(?P<pages>.+?)\.(?:\s|$)"
)
_VOLUME_ONLY = re.compile(r";\s*(?P<volume>[^;:().]+?)\s*(?:\((?P<issue>[^)]*)\))?\s*\.")


def parse_citation(citation: str | None) -> dict[str, str]:
    """Journal, year, volume, issue and pages from PubMed's ``Citation`` string.

    Parts that are not there are left out; an unparseable citation gives ``{}``.
    """
    if not citation:
        return {}
    match = _JOURNAL_DATE.match(citation.strip())
    if match is None:
        return {}
    out = {"journal": match.group("journal").strip(), "year": match.group("year")}
    rest = match.group("rest")
    found = _VOLUME_PAGES.search(rest) or _VOLUME_ONLY.search(rest)
    if found is not None:
        for key, value in found.groupdict().items():
            if value and value.strip():
                out[key] = value.strip()
    return out


def split_authors(value: str | None) -> list[str]:
    """``Griffin DK, Larkin DM, O'Connor RE.`` -> three names, without the final period."""
    if not value:
        return []
    text = value.strip()
    if text.endswith("."):
        text = text[:-1]
    return [name.strip() for name in text.split(",") if name.strip()]


def _check_header(columns: Columns, path: str, line: int) -> list[Problem]:
    return columns.missing(path, line, "PMID", "Title")


def pubmed_csv_record(fields: Fields, source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map one PubMed CSV row to a Record."""
    get = fields.get
    citation = get("Citation")
    cited = parse_citation(citation)
    pmid = get("PMID")
    journal = get("Journal/Book") or cited.get("journal")
    flags = set()
    if citation and "ahead of print" in citation.lower():
        flags.add(Flag.AHEAD_OF_PRINT.value)
    other: dict[str, str] = {}
    if get("NIHMS ID"):
        other["nihms"] = get("NIHMS ID") or ""
    return build_record(
        source,
        fields.raw(),
        native_id=pmid,
        title=get("Title"),
        strip_title_period=True,
        authors=split_authors(get("Authors")),
        year=get("Publication Year") or cited.get("year"),
        # The CSV gives only the abbreviated journal title; it is the journal name we have.
        journal=journal,
        journal_abbrev=journal,
        volume=cited.get("volume"),
        issue=cited.get("issue"),
        pages=cited.get("pages"),
        dois=(get("DOI"), citation),
        pmid=pmid,
        pmcid=get("PMCID"),
        other_ids=other,
        flags=flags,
    )


@register("pubmed_csv")
class PubmedCsvReader(DelimitedReader):
    """PubMed web CSV export (Save → CSV)."""

    label = "PubMed CSV (Save → CSV)"
    database = "PubMed"
    suffixes = (".csv",)

    def sniff(self, head: Head) -> float:
        cells = [c.casefold() for c in header_cells(head)]
        if cells[:4] == _HEADER_START:
            return 0.95
        if {"pmid", "title", "citation", "journal/book"} <= set(cells):
            return 0.9
        return 0.0

    map_row = staticmethod(pubmed_csv_record)
    check_header = staticmethod(_check_header)
