"""Cochrane Library CENTRAL CSV export (20 columns, starting ``CENTRAL ID,Author(s)``).

Cross-database ids carry a prefix (``PUBMED 21314913``, ``EMBASE 643589775``); the
Embase number is the accession without its ``L``. ``Pages`` use U+2010 HYPHEN, which the
page normaliser handles. The ``URL`` holds the CENTRAL record's own ``10.1002/central/CN-…``
DOI, which is not an article DOI and is ignored by the DOI normaliser.
"""

from __future__ import annotations

import re

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers.base import Head, build_record, register
from screening.readers.tables import (
    Columns,
    DelimitedReader,
    Fields,
    header_cells,
    split_list,
)

__all__ = ["CochraneCsvReader"]

_PREFIX = re.compile(r"^[A-Za-z]+\s+")
_OTHER_IDS = (("CTgov ID", "ctgov"), ("CINAHL ID", "cinahl"), ("ICTRP ID", "ictrp"))


def _strip_prefix(value: str | None) -> str | None:
    """``PUBMED 21314913`` -> ``21314913``."""
    if not value:
        return None
    return _PREFIX.sub("", value.strip()) or None


def _check_header(columns: Columns, path: str, line: int) -> list[Problem]:
    return columns.missing(path, line, "CENTRAL ID", "Title")


def cochrane_csv_record(fields: Fields, source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map one CENTRAL CSV row to a Record."""
    get = fields.get
    central = get("CENTRAL ID")
    embase = _strip_prefix(get("Embase ID"))
    if embase and embase.isdigit():
        embase = f"L{embase}"
    other: dict[str, str] = {}
    if central:
        other["cochrane_central"] = central
    for column, key in _OTHER_IDS:
        value = get(column)
        if value:
            other[key] = value
    return build_record(
        source,
        fields.raw(),
        native_id=central,
        title=get("Title"),
        abstract=get("Abstract"),
        authors=split_list(get("Author(s)"), ";"),
        year=get("Year"),
        journal=get("Source"),
        volume=get("Volume"),
        issue=get("Issue"),
        pages=get("Pages"),
        dois=(get("DOI"),),
        pmid=_strip_prefix(get("PubMed ID")),
        embase_id=embase,
        other_ids=other,
        publication_types=split_list(get("Publication Type"), ";"),
        # MeSH and Emtree terms mixed, "*" = major; a term may hold a comma.
        keywords=split_list(get("Keywords"), ";"),
    )


@register("cochrane_csv")
class CochraneCsvReader(DelimitedReader):
    """Cochrane Library CENTRAL CSV export."""

    label = "Cochrane CENTRAL CSV"
    database = "Cochrane CENTRAL"
    suffixes = (".csv",)

    def sniff(self, head: Head) -> float:
        cells = header_cells(head)
        if cells[:1] == ["CENTRAL ID"]:
            return 0.95
        if "CENTRAL ID" in cells and "Title" in cells:
            return 0.9
        return 0.0

    map_row = staticmethod(cochrane_csv_record)
    check_header = staticmethod(_check_header)
