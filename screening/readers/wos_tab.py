"""Web of Science tab-delimited export ("Tab delimited file", savedrecs.txt).

The header is the plain-text format's two-letter tags (``PT\\tAU\\tBA…``); every data row
has one field more than the header (a trailing tab), there is no quoting at all (a ``"`` is
an ordinary character), and multi-valued fields are joined with ``; ``. Seen with a UTF-8
BOM and CRLF. Rows are mapped exactly as plain-text records are (:func:`wos_record`), after
the joined name lists are split; ``raw`` keeps every column as exported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import MappingProxyType

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers.base import Head, Reader, Reject, register
from screening.readers.tables import Columns, Fields, iter_delimited, read_table, split_list
from screening.readers.wos_text import wos_database, wos_record

__all__ = ["WosTabReader"]

# Tags whose "; "-joined cell is a list of names (one value per continuation line in the
# plain-text format). Addresses (C1) hold "; " inside "[…]" groups and stay whole.
_NAME_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "ED"})


def _check_header(columns: Columns, path: str, line: int) -> list[Problem]:
    return columns.missing(path, line, "TI")


def wos_tab_record(
    fields: Fields, source: SourceRef, *, detect_database: bool = True
) -> tuple[Record, list[Problem]]:
    """Map one tab-delimited row to a Record, as the plain-text reader maps a record.

    With ``detect_database``, a Zoological Record row (``UT ZOOREC:…``) gets that database.
    """
    raw = fields.raw()
    tags = dict(raw)
    for tag in _NAME_TAGS.intersection(raw):
        tags[tag] = [part for value in raw[tag] for part in split_list(value, ";")]
    if detect_database:
        database = wos_database(tags)
        if database != source.database:
            source = replace(source, database=database)
    record, problems = wos_record(tags, source)
    return replace(record, raw=MappingProxyType(raw)), problems


@register("wos_tab")
class WosTabReader(Reader):
    """Web of Science tab-delimited export (also Zoological Record through WoS)."""

    label = "Web of Science tab-delimited"
    database = "Web of Science"
    suffixes = (".txt", ".tsv")

    def sniff(self, head: Head) -> float:
        lines = head.lines(1)
        if lines and lines[0].startswith("PT\tAU\t"):
            return 0.95
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        # Unless a database is given, each row's UT says whether it is Web of Science or
        # Zoological Record.
        map_row = partial(wos_tab_record, detect_database=database is None)
        return read_table(
            path,
            iter_delimited(path, encoding=encoding, delimiter="\t", quoting=csv.QUOTE_NONE),
            reader_name=self.name,
            database=database or self.database,
            map_row=map_row,
            check_header=_check_header,
            extra_empty_ok=True,
        )
