"""Reading and writing the tables extraction works with: CSV (UTF-8, BOM allowed) and XLSX.

Every data row keeps its 1-based row number in the file (the header is row 1; for CSV a
row number is the file line the record starts on), so problems can say ``file:row``.
Fully blank rows are skipped. XLSX: the sheet named ``extraction`` if there is one, else
the first sheet; cells are read as values (numbers stay numbers).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extraction.errors import ExtractionInputError, Problem

__all__ = ["Row", "Table", "read_table", "write_table"]

SHEET = "extraction"


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, Any]

    def get(self, column: str) -> Any:
        value = self.values.get(column)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value


@dataclass(frozen=True)
class Table:
    path: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def _blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _header(path: str, raw: Sequence[Any]) -> tuple[str, ...]:
    columns = tuple(str(c).strip().lower() if c is not None else "" for c in raw)
    problems = []
    seen: set[str] = set()
    for i, name in enumerate(columns, start=1):
        if not name:
            problems.append(Problem(path, 1, f"column {i}", "empty column name"))
        elif name in seen:
            problems.append(Problem(path, 1, name, "column appears twice"))
        seen.add(name)
    if problems:
        raise ExtractionInputError(problems, path=path)
    return columns


def _read_csv(path: Path) -> Table:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionInputError(
            [Problem(name, 1, "file", f"not UTF-8 text ({exc.reason} at byte {exc.start})")],
            path=name,
        ) from exc
    reader = csv.reader(text.splitlines(keepends=True))
    rows: list[Row] = []
    columns: tuple[str, ...] | None = None
    start = 1
    for record in reader:
        if columns is None:
            if not _blank(record):
                columns = _header(name, record)
        elif not _blank(record):
            if len(record) > len(columns):
                raise ExtractionInputError([Problem(
                    name, start, "row", f"{len(record)} cells but {len(columns)} columns")],
                    path=name)
            rows.append(Row(start, dict(zip(columns, record, strict=False))))
        start = reader.line_num + 1
    if columns is None:
        raise ExtractionInputError([Problem(name, 1, "file", "empty file (no header row)")],
                                   path=name)
    return Table(name, columns, tuple(rows))


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    name = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ExtractionInputError(
            [Problem(name, 1, "file", f"not a readable .xlsx workbook ({exc})")], path=name
        ) from exc
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        columns: tuple[str, ...] | None = None
        rows: list[Row] = []
        for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            if columns is None:
                if not _blank(record):
                    columns = _header(name, record)
                continue
            if not _blank(record):
                rows.append(Row(number, dict(zip(columns, record, strict=False))))
    finally:
        book.close()
    if columns is None:
        raise ExtractionInputError([Problem(name, 1, "file", "empty sheet (no header row)")],
                                   path=name)
    return Table(name, columns, tuple(rows))


def read_table(path: Path | str) -> Table:
    """Read a CSV or XLSX table (by suffix); a missing file or other suffix is an error."""
    path = Path(path)
    if not path.is_file():
        raise ExtractionInputError([Problem(str(path), 1, "file", "file not found")],
                                   path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise ExtractionInputError(
        [Problem(str(path), 1, "file", "unsupported file type (use .csv or .xlsx)", suffix)],
        path=str(path),
    )


def write_table(
    path: Path | str, columns: Sequence[str], rows: Sequence[dict[str, Any]], *,
    notes: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write rows as CSV or XLSX (by suffix). XLSX gets a second sheet ``notes``
    (column, description) when ``notes`` are given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
        return path
    if suffix != ".xlsx":
        raise ExtractionInputError(
            [Problem(str(path), 1, "file", "unsupported file type (use .csv or .xlsx)", suffix)],
            path=str(path),
        )
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    sheet.freeze_panes = "A2"
    if notes:
        info = book.create_sheet("notes")
        info.append(["column", "description"])
        for item in notes:
            info.append(list(item))
    book.save(path)
    return path
