"""A generic CSV or TSV of records, with columns found by common names or mapped by config.

For tables that are no known vendor export: reference-manager spreadsheets, ASReview or
Rayyan CSVs, a colleague's hand-made list. The delimiter (comma, tab, semicolon or bar) is
the one that splits the header line into the most columns. Each Record field is taken
from the first matching column name (case-insensitive) in :data:`ALIASES`, or from the
column a config names::

    GenericCsvReader(columns={"title": "Paper", "native_id": "Ref No"})

A mapped column that the header lacks is a Problem, and so is a table without a title
column. The sniff scores low (0.3), below every vendor reader on the vendor's own files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path

from screening.errors import ConfigError, Problem
from screening.model import Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, register
from screening.readers.tables import (
    Columns,
    Fields,
    header_cells,
    iter_delimited,
    read_table,
    split_list,
)
from screening.readers.textio import read_head

__all__ = ["ALIASES", "GenericCsvReader", "split_names"]

#: Record field -> column names that hold it, most specific first (matched ignoring case).
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "primary_title", "primary title", "document title",
              "paper title"),
    "abstract": ("abstract", "abstract note", "abstract_note", "notes_abstract"),
    "authors": ("authors", "author", "author(s)", "author names", "author_names",
                "author full names"),
    "year": ("year", "publication year", "publication_year", "pubyear", "publication date",
             "date"),
    "journal": ("journal", "source title", "journal/book", "publication title",
                "secondary_title", "journal title", "source"),
    "journal_abbrev": ("journal abbreviation", "journal_abbrev", "abbreviated source title"),
    "volume": ("volume",),
    "issue": ("issue",),
    "pages": ("pages", "page", "page range"),
    "doi": ("doi",),
    "pmid": ("pmid", "pubmed id", "pubmed_id", "pubmed"),
    "pmcid": ("pmcid", "pmc id", "pmc"),
    "native_id": ("record_id", "record id", "id", "key", "accession number", "accession"),
    "issn": ("issn",),
    "language": ("language", "lang"),
    "publication_types": ("publication type", "publication_type", "document type", "type",
                          "item type"),
    "keywords": ("keywords", "author keywords", "keyword", "manual tags", "tags"),
}
#: ``columns=`` keys that are other names of a field.
_FIELD_NAMES = {"id": "native_id"}
_DELIMITERS = (",", "\t", ";", "|")


def split_names(value: str | None) -> list[str]:
    """Authors from one cell: ``;``-separated, else ``,``-separated when each part is a
    whole name (``Griffin DK, Larkin DM``), else one name (``Smith, John``)."""
    if not value or not value.strip():
        return []
    for separator in (";", "|"):
        if separator in value:
            return split_list(value, separator)
    parts = split_list(value, ",")
    if len(parts) > 1 and all(" " in p or "." in p for p in parts):
        return parts
    return [value.strip()]


def _sniff_delimiter(line: str) -> str:
    best, width = ",", 1
    for delimiter in _DELIMITERS:
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if len(cells) > width:
            best, width = delimiter, len(cells)
    return best


@register("csv")
class GenericCsvReader(Reader):
    """A CSV/TSV with mappable columns (title, abstract, authors, year, doi, pmid, id …)."""

    label = "Generic CSV/TSV (columns by name or mapped in config)"
    database = None
    suffixes = (".csv", ".tsv", ".txt")

    def __init__(self, columns: Mapping[str, str] | None = None, *,
                 delimiter: str | None = None) -> None:
        mapping: dict[str, str] = {}
        for key, column in (columns or {}).items():
            field = _FIELD_NAMES.get(key, key)
            if field not in ALIASES:
                raise ConfigError(
                    f"columns: unknown record field {key!r} (fields are: "
                    f"{', '.join(sorted([*ALIASES, *_FIELD_NAMES]))})"
                )
            mapping[field] = column
        self.columns = mapping
        self.delimiter = delimiter

    def sniff(self, head: Head) -> float:
        lines = head.lines(1)
        if not lines or head.data.startswith(b"PK\x03\x04"):
            return 0.0
        cells = [c.casefold() for c in header_cells(head, _sniff_delimiter(lines[0]))]
        if len(cells) < 2:
            return 0.0
        if any(c in ALIASES["title"] for c in cells):
            return 0.3
        if len(cells) >= 3 and all(0 < len(c) <= 60 for c in cells):
            return 0.1  # a table, but without a title column: reading says what is missing
        return 0.0

    def _resolve(self, header: Columns) -> dict[str, int | None]:
        """Column position of every field: the mapped column, else the first alias found."""
        found: dict[str, int | None] = {}
        for field, aliases in ALIASES.items():
            if field in self.columns:
                found[field] = header.index(self.columns[field])
            else:
                found[field] = header.index(*aliases)
        return found

    def _check_header(self, header: Columns, path: str, line: int) -> list[Problem]:
        problems = header.missing(path, line, *self.columns.values())
        if "title" not in self.columns and header.index(*ALIASES["title"]) is None:
            problems.append(Problem(
                path, line, "columns",
                f"no title column: none of {', '.join(ALIASES['title'])} "
                f"(columns are: {header.listing()}); map one in the config",
            ))
        return problems

    def _record(
        self, fields: Fields, source: SourceRef, positions: dict[str, int | None]
    ) -> tuple[Record, list[Problem]]:
        at = {field: fields.at(index) for field, index in positions.items()}
        keywords = at["keywords"]
        separator = ";" if keywords and ";" in keywords else ","
        return build_record(
            source,
            fields.raw(),
            native_id=at["native_id"],
            title=at["title"],
            abstract=at["abstract"],
            authors=split_names(at["authors"]),
            year=at["year"],
            journal=at["journal"],
            journal_abbrev=at["journal_abbrev"],
            volume=at["volume"],
            issue=at["issue"],
            pages=at["pages"],
            dois=(at["doi"],),
            pmid=at["pmid"],
            pmcid=at["pmcid"],
            issn=[at["issn"] or ""],
            language=[at["language"] or ""],
            publication_types=split_list(at["publication_types"], ";"),
            keywords=split_list(keywords, separator),
        )

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        delimiter = self.delimiter
        if delimiter is None:
            _, text = read_head(Path(path), encoding=encoding)
            first = next((line for line in text.split("\n") if line.strip()), "")
            delimiter = _sniff_delimiter(first)
        resolved: dict[int, dict[str, int | None]] = {}  # one header per file: found once

        def map_row(fields: Fields, source: SourceRef) -> tuple[Record, list[Problem]]:
            positions = resolved.get(id(fields.columns))
            if positions is None:
                positions = resolved[id(fields.columns)] = self._resolve(fields.columns)
            return self._record(fields, source, positions)

        return read_table(
            path,
            iter_delimited(path, encoding=encoding, delimiter=delimiter),
            reader_name=self.name,
            database=database or self.database,
            map_row=map_row,
            check_header=self._check_header,
            extra_empty_ok=True,
        )
