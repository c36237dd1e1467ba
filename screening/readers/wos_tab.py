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


def wos_tab_record(fields: Fields, source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map one tab-delimited row to a Record, as the plain-text reader maps a record."""
    raw = fields.raw()
    tags: dict[str, list[str]] = {}
    for tag, values in raw.items():
        if tag in _NAME_TAGS:
            tags[tag] = [part for value in values for part in split_list(value, ";")]
        else:
            tags[tag] = [value.strip() for value in values]
    if source.database is None:
        source = replace(source, database=wos_database(tags))
    record, problems = wos_record(tags, source)
    return replace(record, raw=MappingProxyType({k: tuple(v) for k, v in raw.items()})), problems


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
        return read_table(
            path,
            iter_delimited(path, encoding=encoding, delimiter="\t", quoting=csv.QUOTE_NONE),
            reader_name=self.name,
            # None: each row's UT says whether it is Web of Science or Zoological Record.
            database=database,
            map_row=wos_tab_record,
            check_header=_check_header,
            extra_empty_ok=True,
        )
