"""Shared machinery of the table readers (CSV, tab-delimited, XLSX): rows with their lines.

Why not pandas: it loses the file line of each row, and a problem must say where it is.
Rows are streamed with the ``csv`` module over a line iterator that we own, so each row
knows the 1-based file lines it spans (a quoted cell may hold newlines) and its raw text.
Files are opened with universal newlines and ``surrogateescape`` (:func:`open_text`), every
U+FEFF is removed (a BOM at the start, or mid-file where exports were concatenated), and
undecodable bytes become a Problem of the row that holds them.

:func:`read_table` is the loop every table reader shares: skip an Embase search-query
preamble, take the header, check the columns, and turn each row into a Record or a Reject.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import ClassVar

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers.base import EMPTY_FILE, Head, Reader, Reject, empty_file
from screening.readers.textio import encoding_problem, open_text

__all__ = [
    "Columns",
    "Fields",
    "Row",
    "header_cells",
    "is_xlsx_head",
    "iter_delimited",
    "iter_xlsx",
    "read_table",
    "split_list",
    "split_outside_parens",
]

#: Scopus cells reach 105 kB and the csv default limit is 128 kB; a 10 MB cell must work too.
FIELD_SIZE_LIMIT = 2**31 - 1
#: How many column names a "no column" message lists before it gives only the total.
LISTED_COLUMNS = 20

_UNCLOSED = "quoted cell is not closed before the end of the file: the file looks truncated"
_DASHES = re.compile(r"^\s*-{3,}\s*$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a table: 1-based first and last file line, cells, raw text, problems.

    For XLSX, lines are spreadsheet row numbers and the text is the cells joined by tabs.
    ``problems`` are reading problems (bad quoting, undecodable bytes); the row's cells
    are then not to be trusted.
    """

    line_start: int
    line_end: int
    cells: tuple[str, ...]
    text: str
    problems: tuple[Problem, ...] = ()
    fatal: bool = False  # the file cannot be read at all (an XLSX that is not a workbook)

    @property
    def blank(self) -> bool:
        return not self.problems and not any(cell.strip() for cell in self.cells)


class _Lines:
    """The lines of a text file, counted, BOM-free, kept until the csv reader has a row."""

    def __init__(self, handle: Iterable[str]) -> None:
        self._it, self.count, self.taken = iter(handle), 0, []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self.count += 1
        if "\ufeff" in line:
            line = line.replace("\ufeff", "")
        self.taken.append(line)
        return line

    def take(self) -> str:
        text = "".join(self.taken)
        self.taken.clear()
        return text


def iter_delimited(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
) -> Iterator[Row]:
    """Every row of a delimited text file, in order, blank lines included (as no cells)."""
    name = str(path)
    # A process-wide setting of the csv module; raised here, when a table is read, rather
    # than at import time. Raising it never breaks other users of csv.
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    with open_text(path, encoding) as handle:
        lines = _Lines(handle)
        # strict: a quote in the wrong place or a quoted cell still open at the end of the
        # file is an error, where the lenient default would silently glue lines together.
        reader = csv.reader(lines, delimiter=delimiter, quoting=quoting, strict=True)
        while True:
            start = lines.count + 1
            problems: list[Problem] = []
            try:
                cells: tuple[str, ...] = tuple(next(reader))
            except StopIteration:
                break
            except csv.Error as exc:
                cells = ()
                text = lines.take()
                if str(exc) == "unexpected end of data":
                    message = _UNCLOSED
                else:
                    message = f"not valid CSV: {exc}"
                first = text.split("\n", 1)[0].strip()
                problems.append(Problem(name, start, "row", message, first))
            else:
                text = lines.take()
            end = max(start, lines.count)
            problem = encoding_problem(name, text, start, encoding)
            if problem is not None:
                problems.append(problem)
            yield Row(start, end, cells, text, tuple(problems))


def is_xlsx_head(data: bytes) -> bool:
    """Whether file bytes start like an XLSX workbook (a zip holding ``xl/`` parts)."""
    return data.startswith(b"PK\x03\x04") and (b"xl/" in data or b"[Content_Types]" in data)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a PMID typed as a number must not read "38773066.0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def iter_xlsx(path: Path) -> Iterator[Row]:
    """Rows of the first sheet of an XLSX workbook, numbered as spreadsheet rows.

    Trailing empty cells are dropped (a spreadsheet does not store them). A file that is
    not an XLSX workbook gives one Row carrying the Problem.
    """
    name = str(path)
    with open(path, "rb") as handle:
        start = handle.read(512)
    if not start.startswith(b"PK\x03\x04"):
        preview = start.decode("utf-8", errors="replace").replace("\ufeff", "")
        preview = preview.strip().split("\n", 1)[0][:40]
        if not start:
            message = EMPTY_FILE
        elif start.startswith(b"\xd0\xcf\x11\xe0"):
            message = "an old Excel .xls workbook, not XLSX; save it as .xlsx or CSV"
            preview = ""
        elif preview and preview.isprintable():
            message = ("not an XLSX workbook (not a zip archive; the file starts with text); "
                       "if it is CSV, read it with a CSV format")
        else:
            message = "not an XLSX workbook (not a zip archive; the file starts with binary data)"
            preview = ""
        problem = Problem(name, 1, "file", message, preview or None)
        yield Row(1, 1, (), preview, (problem,), fatal=True)
        return
    # imported here: openpyxl is slow to import and only XLSX needs it
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: openpyxl refuses paths whose suffix is not .xlsx, and
    # the format comes from the content here, not from the file name.
    handle = open(path, "rb")  # noqa: SIM115  (closed in the finally below)
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
        # A zip that is not a workbook (a .docx, a damaged download): KeyError for a
        # missing part, BadZipFile for a broken archive.
        handle.close()
        message = f"not a readable XLSX workbook ({type(exc).__name__}: {exc})"
        yield Row(1, 1, (), "", (Problem(name, 1, "file", message),), fatal=True)
        return
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # do not trust the stored size: read every row there is
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            yield Row(number, number, tuple(cells), "\t".join(cells))
    finally:
        book.close()
        handle.close()


def _norm(name: str) -> str:
    return _SPACE.sub(" ", name.replace("\ufeff", "")).strip().casefold()


class Columns:
    """A header row: column names, looked up case- and space-insensitively."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(name.replace("\ufeff", "").strip() for name in names)
        self._index: dict[str, int] = {}
        for index, column in enumerate(self.names):
            self._index.setdefault(_norm(column), index)
        self.unique = len(set(self.names)) == len(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def index(self, *aliases: str) -> int | None:
        """Position of the first of ``aliases`` present in the header, or None."""
        for alias in aliases:
            found = self._index.get(_norm(alias))
            if found is not None:
                return found
        return None

    def listing(self) -> str:
        shown = ", ".join(self.names[:LISTED_COLUMNS])
        if len(self.names) > LISTED_COLUMNS:
            shown += f", ... ({len(self.names)} in all)"
        return shown

    def missing(self, path: str, line: int, *names: str) -> list[Problem]:
        """A Problem for each of ``names`` that is not a column."""
        return [
            Problem(path, line, "columns", f"no column {n!r} (columns are: {self.listing()})")
            for n in names
            if _norm(n) not in self._index
        ]


#: Cell values that mean "no value". R's write.csv writes NA (seen in a Scopus file
#: re-saved by bibliometrix); an "NA" PubMed ID must not be read as a bad PMID.
_MISSING = {"", "NA"}


class Fields:
    """The cells of one data row, by column name."""

    def __init__(self, columns: Columns, cells: Sequence[str]) -> None:
        self.columns = columns
        self.cells = cells

    def get(self, *aliases: str) -> str | None:
        """The stripped value of the first of ``aliases`` that has one, else None."""
        for alias in aliases:
            index = self.columns.index(alias)
            if index is not None and index < len(self.cells):
                value = self.cells[index].strip()
                if value not in _MISSING:
                    return value
        return None

    def at(self, index: int | None) -> str | None:
        if index is None or index >= len(self.cells):
            return None
        value = self.cells[index].strip()
        return None if value in _MISSING else value

    def raw(self) -> dict[str, list[str]]:
        """Every column (name -> [value]); a repeated column name keeps all its values."""
        pairs = zip(self.columns.names, self.cells, strict=False)
        if self.columns.unique:
            return {column: [value] for column, value in pairs}
        raw: dict[str, list[str]] = {}
        for column, value in pairs:
            raw.setdefault(column, []).append(value)
        return raw


def split_list(value: str | None, separator: str = ";") -> list[str]:
    """Parts of a joined list, stripped, empty parts dropped."""
    if not value:
        return []
    return [part.strip() for part in value.split(separator) if part.strip()]


def split_outside_parens(value: str | None, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside parentheses (Emtree: ``cyst (diagnosis, surgery), …``)."""
    if not value:
        return []
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in value:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _is_preamble(row: Row) -> bool:
    """Embase 2024: ``"SEARCH QUERY","…"`` rows and a line of dashes above the header."""
    first = row.cells[0].strip() if row.cells else ""
    return first.upper() == "SEARCH QUERY" or bool(_DASHES.match(first))


def header_cells(head: Head, delimiter: str = ",", *, skip_preamble: bool = False) -> list[str]:
    """The header cells of a table, from the first non-blank line(s) of its head."""
    if head.data.startswith(b"PK\x03\x04"):
        return []
    for line in head.lines(6):
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            return []
        if skip_preamble and _is_preamble(Row(1, 1, tuple(cells), line)):
            continue
        return [c.strip() for c in cells]
    return []


MapRow = Callable[[Fields, SourceRef], tuple[Record, list[Problem]]]
CheckHeader = Callable[[Columns, str, int], list[Problem]]


def read_table(
    path: Path,
    rows: Iterator[Row],
    *,
    reader_name: str,
    database: str | None,
    map_row: MapRow,
    check_header: CheckHeader,
    skip_preamble: bool = False,
    extra_empty_ok: bool = False,
    short_ok: bool = False,
) -> Iterator[Record | Reject]:
    """Turn table rows into Records and Rejects, in file order, in one pass.

    ``check_header(columns, path, line)`` returns the problems of the header (a missing
    column); then the header becomes a Reject and every data row a Reject too, so no row is
    dropped unseen. ``extra_empty_ok`` accepts one more field than the header when it is
    empty (Web of Science's trailing tab); ``short_ok`` pads short rows (XLSX does not store
    trailing empty cells).
    """
    name = str(path)
    header: Columns | None = None
    header_line, header_text = 0, ""
    header_ok = True
    ordinal = 0
    last_line = 0
    seen_text = False
    preamble: list[str] = []
    for row in rows:
        last_line = row.line_end
        # Rows that are entirely empty (blank lines, ",,,," rows a spreadsheet leaves) are
        # not records, so they are skipped: there is nothing in them to lose.
        if row.blank:
            continue
        seen_text = True
        if header is None:
            if row.problems:
                yield Reject(name, row.line_start, row.line_end, row.text, row.problems)
                if row.fatal:
                    return
                header_ok = False
                header = Columns(())
                header_line = row.line_start
                continue
            if skip_preamble and _is_preamble(row):
                preamble.append(row.text)
                continue
            header = Columns(row.cells)
            header_line, header_text = row.line_start, row.text
            problems = check_header(header, name, header_line)
            if problems:
                header_ok = False
                yield Reject(name, row.line_start, row.line_end, row.text, tuple(problems))
            continue
        ordinal += 1
        if not header_ok:
            problem = Problem(name, row.line_start, "row",
                              f"not read: the header at line {header_line} is unusable")
            yield Reject(name, row.line_start, row.line_end, row.text, (problem,))
            continue
        problems = list(row.problems)
        cells = row.cells
        if not problems:
            cells, ragged = _fit(row, len(header), name, extra_empty_ok, short_ok)
            problems.extend(ragged)
        if not problems:
            source = SourceRef(name, row.line_start, row.line_end, database, reader_name,
                               ordinal)
            record, problems = map_row(Fields(header, cells), source)
            if not problems:
                yield record
                continue
        yield Reject(name, row.line_start, row.line_end, row.text, tuple(problems))
    if not seen_text:
        yield empty_file(name)
    elif header is None:
        problem = Problem(name, last_line, "file",
                          "no records: no header row after the search-query preamble")
        yield Reject(name, 1, last_line, "\n".join(t.rstrip("\n") for t in preamble), (problem,))
    elif ordinal == 0 and header_ok:
        problem = Problem(name, header_line, "file",
                          "no records: the file has a header row but no data rows")
        yield Reject(name, header_line, header_line, header_text, (problem,))


def _fit(
    row: Row, width: int, name: str, extra_empty_ok: bool, short_ok: bool
) -> tuple[tuple[str, ...], list[Problem]]:
    cells = row.cells
    if len(cells) == width + 1 and extra_empty_ok and not cells[-1].strip():
        return cells[:-1], []
    if len(cells) < width and short_ok:
        return cells + ("",) * (width - len(cells)), []
    if len(cells) == width:
        return cells, []
    message = f"has {len(cells)} fields, the header has {width}"
    if len(cells) < width and row.text and not row.text.endswith("\n"):
        message += ": the file looks truncated"
    first = row.text.split("\n", 1)[0].strip()
    return cells, [Problem(name, row.line_start, "row", message, first)]


class DelimitedReader(Reader):
    """A reader of one vendor's CSV layout: a subclass names its row mapping and checks.

    ``map_row`` and ``check_header`` are plain functions (wrapped in ``staticmethod``).
    """

    map_row: ClassVar[MapRow]
    check_header: ClassVar[CheckHeader]
    skip_preamble: ClassVar[bool] = False

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        return read_table(
            path,
            iter_delimited(path, encoding=encoding),
            reader_name=self.name,
            database=database or self.database,
            map_row=self.map_row,
            check_header=self.check_header,
            skip_preamble=self.skip_preamble,
        )
