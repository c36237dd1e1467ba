"""The shared table machinery: rows with file lines, BOMs, quoting, XLSX, headers."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from screening.errors import Problem
from screening.model import SourceRef
from screening.readers.base import Reject, build_record
from screening.readers.tables import (
    FIELD_SIZE_LIMIT,
    Columns,
    Fields,
    iter_delimited,
    iter_xlsx,
    read_table,
    split_list,
    split_outside_parens,
)


def _write(tmp_path: Path, data: bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rows(path: Path, **kwargs) -> list[tuple[int, int, tuple[str, ...], list[str]]]:
    return [
        (row.line_start, row.line_end, row.cells, [str(p) for p in row.problems])
        for row in iter_delimited(path, **kwargs)
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b'a,b\n1,"x\ny"\n2,z\n',
            [(1, 1, ("a", "b")), (2, 3, ("1", "x\ny")), (4, 4, ("2", "z"))],
            id="multi-line-cell",
        ),
        pytest.param(
            b'a,b\r\n1,"x\r\ny"\r\n2,z\r\n',
            [(1, 1, ("a", "b")), (2, 3, ("1", "x\ny")), (4, 4, ("2", "z"))],
            id="crlf",
        ),
        pytest.param(
            b"\xef\xbb\xbfa,b\n1,2\n\xef\xbb\xbf3,4\n",
            [(1, 1, ("a", "b")), (2, 2, ("1", "2")), (3, 3, ("3", "4"))],
            id="bom-start-and-mid-file",
        ),
        pytest.param(
            b"a,b\r1,2\r3,4",
            [(1, 1, ("a", "b")), (2, 2, ("1", "2")), (3, 3, ("3", "4"))],
            id="cr-only-no-final-newline",
        ),
        pytest.param(
            b"a,b\n\n1,2\n",
            [(1, 1, ("a", "b")), (2, 2, ()), (3, 3, ("1", "2"))],
            id="blank-line-is-an-empty-row",
        ),
    ],
)
def test_rows_know_their_file_lines(tmp_path: Path, data: bytes, expected: list) -> None:
    rows = _rows(_write(tmp_path, data))
    assert [(s, e, c) for s, e, c, _ in rows] == expected
    assert all(not problems for *_, problems in rows)


def test_row_text_is_the_raw_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, b'a,b\r\n1,"x\r\ny"\r\n')
    assert [row.text for row in iter_delimited(path)] == ["a,b\n", '1,"x\ny"\n']


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(
            b'a,b\n1,2\n3,"never closed\nmore text\n',
            3,
            "row: quoted cell is not closed before the end of the file: the file looks "
            "truncated (got '3,\"never closed')",
            id="unterminated-quote-at-eof",
        ),
        pytest.param(
            b'a,b\n1,"x"y\n2,3\n',
            2,
            "row: not valid CSV: ',' expected after '\"' (got '1,\"x\"y')",
            id="text-after-closing-quote",
        ),
        pytest.param(
            b"a,b\n1,M\xfcller\n",
            2,
            "encoding: bytes that are not valid utf-8 (got '\\\\xfc')",
            id="latin-1-byte-in-utf-8",
        ),
    ],
)
def test_reading_problems_carry_the_line(
    tmp_path: Path, data: bytes, line: int, message: str
) -> None:
    path = _write(tmp_path, data)
    bad = [row for row in iter_delimited(path) if row.problems]
    assert len(bad) == 1
    assert bad[0].line_start == line
    assert [str(p) for p in bad[0].problems] == [f"{path}:{line}: {message}"]


def test_a_row_after_a_quoting_error_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, b'a,b\n1,"x"y\n2,3\n')
    assert [row.cells for row in iter_delimited(path)][-1] == ("2", "3")


def test_ten_megabyte_cell_and_line(tmp_path: Path) -> None:
    big = "word " * 2_000_000  # 10 MB in one quoted cell, on one line
    path = _write(tmp_path, f'id,text\n1,"{big}"\n2,short\n'.encode())
    rows = list(iter_delimited(path))
    assert [len(r.cells[1]) for r in rows] == [4, len(big), 5]
    assert [(r.line_start, r.line_end) for r in rows] == [(1, 1), (2, 2), (3, 3)]
    assert csv.field_size_limit() >= FIELD_SIZE_LIMIT


def test_tab_delimited_without_quoting(tmp_path: Path) -> None:
    path = _write(tmp_path, b'PT\tTI\r\nJ\tA "quoted" word\t\r\n', "t.txt")
    rows = list(iter_delimited(path, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[1].cells == ("J", 'A "quoted" word', "")


def test_columns_are_found_ignoring_case_and_spaces() -> None:
    columns = Columns(["\ufeffPMID", "Article  Title", "DOI", "DOI"])
    assert columns.names == ("PMID", "Article  Title", "DOI", "DOI")
    assert columns.index("pmid") == 0
    assert columns.index("nope", "article title") == 1
    assert columns.index("doi") == 2
    assert columns.index("missing") is None
    assert [str(p) for p in columns.missing("f.csv", 4, "PMID", "Abstract")] == [
        "f.csv:4: columns: no column 'Abstract' (columns are: PMID, Article  Title, DOI, DOI)"
    ]


def test_long_column_listing_is_cut() -> None:
    columns = Columns([f"c{i}" for i in range(25)])
    assert columns.listing().endswith("c19, ... (25 in all)")


def test_fields_get_and_raw() -> None:
    fields = Fields(Columns(["A", "B", "A", "C"]), [" x ", "NA", "y", ""])
    assert fields.get("a") == "x"
    assert fields.get("B") is None  # R writes NA for a missing value
    assert fields.get("C", "A") == "x"
    assert fields.raw() == {"A": [" x ", "y"], "B": ["NA"], "C": [""]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cyst (diagnosis, surgery), colonoscopy", ["cyst (diagnosis, surgery)", "colonoscopy"]),
        ("a,b,,c ", ["a", "b", "c"]),
        ("Transfer [physiology, x]", ["Transfer [physiology, x]"]),
        ("", []),
        (None, []),
    ],
)
def test_split_outside_parens(value: str | None, expected: list[str]) -> None:
    assert split_outside_parens(value) == expected


def test_split_list() -> None:
    assert split_list("a; b;;c ", ";") == ["a", "b", "c"]


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "PMID", "Date", "Stamp", "Flag"])
    sheet.append(["First", 38773066.0, date(2024, 5, 1), datetime(2024, 5, 1, 13, 30), True])
    sheet.cell(row=4, column=1, value="After a gap")  # row 3 stays empty
    book.save(path)
    return path


def test_xlsx_rows_are_numbered_as_in_the_sheet(tmp_path: Path) -> None:
    rows = list(iter_xlsx(_workbook(tmp_path / "book.bin")))  # the suffix does not matter
    assert [(r.line_start, r.cells) for r in rows] == [
        (1, ("Title", "PMID", "Date", "Stamp", "Flag")),
        (2, ("First", "38773066", "2024-05-01", "2024-05-01T13:30:00", "TRUE")),
        (3, ()),
        (4, ("After a gap",)),
    ]
    assert rows[1].text == "First\t38773066\t2024-05-01\t2024-05-01T13:30:00\tTRUE"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda p: p.write_bytes(b"Title,Author Names\nA,B\n"),
            "file: not an XLSX workbook (not a zip archive; the file starts with text); "
            "if it is CSV, read it with a CSV format (got 'Title,Author Names')",
            id="csv-named-xlsx",
        ),
        pytest.param(
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
            "file: an old Excel .xls workbook, not XLSX; save it as .xlsx or CSV",
            id="old-xls",
        ),
        pytest.param(
            lambda p: p.write_bytes(b"\x00\x01\x02binary"),
            "file: not an XLSX workbook (not a zip archive; the file starts with binary data)",
            id="binary",
        ),
        pytest.param(
            lambda p: p.write_bytes(b""),
            "file: no records: the file is empty",
            id="empty",
        ),
        pytest.param(
            lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "hi"),
            "file: not a readable XLSX workbook (KeyError: \"There is no item named "
            "'[Content_Types].xml' in the archive\")",
            id="zip-that-is-not-a-workbook",
        ),
    ],
)
def test_not_a_workbook(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "x.xlsx"
    make(path)
    rows = list(iter_xlsx(path))
    assert len(rows) == 1 and rows[0].fatal
    assert [str(p) for p in rows[0].problems] == [f"{path}:1: {message}"]


def _title_only(fields: Fields, source: SourceRef):
    return build_record(source, fields.raw(), title=fields.get("Title"))


def _read(path: Path, **kwargs) -> list:
    return list(read_table(
        path, iter_delimited(path), reader_name="test", database=None,
        map_row=_title_only,
        check_header=lambda columns, name, line: columns.missing(name, line, "Title"),
        **kwargs,
    ))


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", 1, "file: no records: the file is empty"),
        (b"\n\n \n", 1, "file: no records: the file is empty"),
        (b"Title,Year\n", 1, "file: no records: the file has a header row but no data rows"),
        (b'"SEARCH QUERY","x"\n-----\n\n', 3,
         "file: no records: no header row after the search-query preamble"),
    ],
)
def test_files_without_records(tmp_path: Path, data: bytes, line: int, message: str) -> None:
    path = _write(tmp_path, data)
    items = _read(path, skip_preamble=True)
    assert len(items) == 1 and isinstance(items[0], Reject)
    assert [str(p) for p in items[0].problems] == [f"{path}:{line}: {message}"]


def test_rows_entirely_empty_are_not_records(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Title,Year\n,\n\nA,2020\n , \n")
    items = _read(path)
    assert [(i.title, i.source.line_start, i.source.ordinal) for i in items] == [("A", 4, 1)]


def test_a_bad_header_rejects_every_row(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Name,Year\nA,2020\nB,2021\n")
    items = _read(path)
    assert all(isinstance(i, Reject) for i in items)
    assert [str(p) for i in items for p in i.problems] == [
        f"{path}:1: columns: no column 'Title' (columns are: Name, Year)",
        f"{path}:2: row: not read: the header at line 1 is unusable",
        f"{path}:3: row: not read: the header at line 1 is unusable",
    ]


@pytest.mark.parametrize(
    ("data", "kwargs", "problems"),
    [
        (b"Title,Year\nA,2020,\n", {"extra_empty_ok": True}, []),
        (b"Title,Year\nA,2020,x\n", {"extra_empty_ok": True},
         ["2: row: has 3 fields, the header has 2 (got 'A,2020,x')"]),
        (b"Title,Year\nA\n", {}, ["2: row: has 1 fields, the header has 2 (got 'A')"]),
        (b"Title,Year\nA", {},
         ["2: row: has 1 fields, the header has 2: the file looks truncated (got 'A')"]),
        (b"Title,Year\nA\n", {"short_ok": True}, []),
    ],
)
def test_ragged_rows(tmp_path: Path, data: bytes, kwargs: dict, problems: list[str]) -> None:
    path = _write(tmp_path, data)
    found = [str(p) for i in _read(path, **kwargs) if isinstance(i, Reject) for p in i.problems]
    assert found == [f"{path}:{p}" for p in problems]


def test_record_problem_from_mapping_makes_a_reject(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Title,Year\nA,soon\n")
    problem = Problem(str(path), 2, "Title", "a record problem of the mapping", "A")

    def refused(fields: Fields, source: SourceRef):
        record, _ = build_record(source, fields.raw(), title=fields.get("Title"))
        return record, [problem]

    items = list(read_table(path, iter_delimited(path), reader_name="t", database=None,
                            map_row=refused, check_header=lambda *a: []))
    assert isinstance(items[0], Reject)
    assert items[0].raw_text == "A,soon\n"
    assert items[0].problems == (problem,)


def test_field_problem_from_mapping_is_a_warning_on_the_record(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Title,Year\nA,soon\n")

    def with_year(fields: Fields, source: SourceRef):
        return build_record(source, fields.raw(), title=fields.get("Title"),
                            year=fields.get("Year"))

    (record,) = read_table(path, iter_delimited(path), reader_name="t", database=None,
                           map_row=with_year, check_header=lambda *a: [])
    assert record.year is None and record.title == "A"
    assert record.warnings == (Problem(str(path), 2, "year", "not a year", "soon", "field"),)
