"""Scopus CSV exports: the 2024 layout (BOM, 46 columns) and the ~2016 one (41 columns).

2024: ``Authors`` is ``;``-separated (``Wilson L.N.; Gardner J.D.``) and ``Author full
names`` adds given names and Scopus author ids (``Wilson, Lauren N. (58975547800)``).
~2016 (``*.csv.scopus``): no ``Author full names``; ``Authors`` is comma-separated
(``Yagai T., Kimura Y.``). Cells reach 105 kB (References); tables.py raises the csv limit.
"""

from __future__ import annotations

import re

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import Head, build_record, register
from screening.readers.tables import (
    Columns,
    DelimitedReader,
    Fields,
    header_cells,
    split_list,
)

__all__ = ["ScopusCsvReader", "scopus_authors"]

_AUTHOR_ID = re.compile(r"\s*\(\d+\)\s*$")
_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_NO_AUTHOR = "[no author name available]"
_NO_ABSTRACT = "[no abstract available]"


def scopus_authors(short: str | None, full: str | None) -> list[str]:
    """Authors, from ``Author full names`` (ids dropped) when present, else ``Authors``."""
    if full:
        names = [_AUTHOR_ID.sub("", name) for name in split_list(full, ";")]
        if names:
            return names
    if not short or short.strip().lower() == _NO_AUTHOR:
        return []
    # 2024 separates authors with ";", older exports with "," (names hold no comma then).
    return split_list(short, ";" if ";" in short else ",")


def _check_header(columns: Columns, path: str, line: int) -> list[Problem]:
    return columns.missing(path, line, "Title")


def scopus_record(fields: Fields, source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map one Scopus CSV row to a Record."""
    get = fields.get
    eid = get("EID")
    if not eid:
        found = _EID.search(get("Link") or "")
        eid = found.group(1) if found else None
    abstract = get("Abstract")
    if abstract and abstract.lower() == _NO_ABSTRACT:
        abstract = None
    first_page = get("Page start")
    flags = set()
    stage = get("Publication Stage")
    if stage and stage.lower() == "article in press":
        flags.add(Flag.IN_PRESS.value)
    keywords = split_list(get("Author Keywords"), ";") + split_list(get("Index Keywords"), ";")
    return build_record(
        source,
        fields.raw(),
        native_id=eid,
        title=get("Title"),
        abstract=abstract,
        authors=scopus_authors(get("Authors"), get("Author full names")),
        year=get("Year"),
        journal=get("Source title"),
        journal_abbrev=get("Abbreviated Source Title"),
        volume=get("Volume"),
        issue=get("Issue"),
        pages=first_page if first_page else get("Art. No."),
        end_page=get("Page end") if first_page else None,
        dois=(get("DOI"),),
        pmid=get("PubMed ID"),
        other_ids={"scopus_eid": eid} if eid else None,
        issn=split_list(get("ISSN"), ";"),
        language=split_list(get("Language of Original Document"), ";"),
        publication_types=[t for t in (get("Document Type"),) if t],
        keywords=list(dict.fromkeys(keywords)),
        flags=flags,
    )


@register("scopus_csv")
class ScopusCsvReader(DelimitedReader):
    """Scopus CSV export (2024 and ~2016 layouts; ``*.csv`` and ``*.csv.scopus``)."""

    label = "Scopus CSV"
    database = "Scopus"
    suffixes = (".csv", ".scopus")

    def sniff(self, head: Head) -> float:
        cells = header_cells(head)
        if cells[:2] == ["Authors", "Author full names"] or cells[:3] == [
            "Authors", "Title", "Year"
        ]:
            return 0.95
        if {"Authors", "Title", "Source title", "EID"} <= set(cells):
            return 0.9
        return 0.0

    map_row = staticmethod(scopus_record)
    check_header = staticmethod(_check_header)
