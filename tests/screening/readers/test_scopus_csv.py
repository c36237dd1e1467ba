"""Scopus CSV reader (2024 and ~2016 layouts)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from screening.readers import detect_format
from screening.readers.base import Head
from screening.readers.scopus_csv import ScopusCsvReader, scopus_authors
from screening.readers.textio import read_head

DATA = Path(__file__).resolve().parents[2] / "data" / "exports" / "scopus_csv"


def _head(path: Path) -> Head:
    data, text = read_head(path)
    return Head(data, text, path.suffix)


def _summary(records) -> list[tuple]:
    return [
        (r.source.line_start, r.source.line_end, r.native_id, r.pmid, r.doi, r.year, r.volume,
         r.pages, len(r.authors), set(r.flags))
        for r in records
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("scopus_2024.csv", [
            (2, 3, "2-s2.0-85160000001", "37230001", "10.1016/j.envres.2023.116190", 2023,
             "231", "116190", 3, set()),
            (4, 4, "2-s2.0-85190000005", None, "10.1080/07011784.2024.2300001", 2024, None,
             None, 1, {"in_press"}),
            # EID cell empty: taken from the Link; pages 112-19 expanded
            (5, 5, "2-s2.0-85120000008", None, None, 2022, "160", "112-119", 2, set()),
        ], id="2024-bom-46-columns"),
        pytest.param("scopus_2016.csv.scopus", [
            (2, 2, "2-s2.0-84940000009", None, "10.1016/j.microrel.2015.06.011", 2015, "55",
             "1873-1878", 3, set()),
            (3, 3, "2-s2.0-84950000010", None, None, 2016, None, None, 0, set()),
        ], id="2016-41-columns"),
    ],
)
def test_records(name: str, expected: list[tuple]) -> None:
    path = DATA / name
    assert detect_format(path).name == "scopus_csv"
    result = ScopusCsvReader().read(path)
    assert result.rejects == []
    assert _summary(result.records) == expected
    for record in result.records:
        assert record.source.database == "Scopus"
        assert record.other_ids == {"scopus_eid": record.native_id}


def test_2024_mapping() -> None:
    first, second, third = ScopusCsvReader().read(DATA / "scopus_2024.csv").records
    assert first.authors == ("Varga, Zsófia", "Mendoza-Ruiz, Elena", "Thorsen, Kari A.")
    assert first.title == "Groundwater nitrate and infant methaemoglobinaemia: a systematic review"
    assert first.journal == "Environmental Research"
    assert first.journal_abbrev == "Environ. Res."
    assert first.issn == ("0013-9351",)
    assert first.keywords == (
        "nitrate", "drinking water", "infants", "groundwater", "Humans", "Infant")
    assert first.publication_types == ("Review",)
    assert first.abstract.startswith("Nitrate in drinking water has been linked")
    assert len(first.raw) == 46
    assert second.abstract is None  # "[No abstract available]"
    assert third.language == ("eng", "swe")


def test_2016_authors_are_comma_separated() -> None:
    record = ScopusCsvReader().read(DATA / "scopus_2016.csv.scopus").records[0]
    assert record.authors == ("Yamamoto K.", "Ferreira L.A.", "Osei-Bonsu K.")
    assert record.issue == "9-10"


@pytest.mark.parametrize(
    ("short", "full", "expected"),
    [
        ("Wilson L.N.; Gardner J.D.", "Wilson, Lauren N. (58975547800); Gardner, J. (1)",
         ["Wilson, Lauren N.", "Gardner, J."]),
        ("Wilson L.N.; Gardner J.D.", None, ["Wilson L.N.", "Gardner J.D."]),
        ("Yagai T., Kimura Y.", None, ["Yagai T.", "Kimura Y."]),
        ("[No author name available]", None, []),
        (None, None, []),
    ],
)
def test_scopus_authors(short, full, expected) -> None:
    assert scopus_authors(short, full) == expected


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        pytest.param("scopus_ragged.csv", [
            "4: row: has 44 fields, the header has 46 "
            "(got '\"Oyelaran T.\",\"Oyelaran, Tunde (58000000004)\",\"5800000000...')",
        ], id="ragged-row"),
        pytest.param("scopus_latin1.csv", [
            "3: encoding: bytes that are not valid utf-8 (got '\\\\xfc')",
        ], id="latin-1-in-utf-8"),
        pytest.param("scopus_no_title.csv", [
            "1: columns: no column 'Title' (columns are: Authors, Author full names, "
            "Author(s) ID, Year, Source title, Volume, Issue, Art. No., Page start, Page end, "
            "Page count, Cited by, DOI, Link, Affiliations, Authors with affiliations, "
            "Abstract, Author Keywords, Index Keywords, Molecular Sequence Numbers, ... "
            "(45 in all))",
            "2: row: not read: the header at line 1 is unusable",
        ], id="missing-title-column"),
    ],
)
def test_problems(name: str, problems: list[str]) -> None:
    path = DATA / name
    result = ScopusCsvReader().read(path)
    assert [str(p) for p in result.problems] == [f"{path}:{p}" for p in problems]


def test_good_rows_around_a_bad_row_are_read() -> None:
    result = ScopusCsvReader().read(DATA / "scopus_ragged.csv")
    assert [r.source.line_start for r in result.records] == [2, 5]
    assert [(r.line_start, r.line_end) for r in result.rejects] == [(4, 4)]


def test_ten_megabyte_references_cell(tmp_path: Path) -> None:
    with open(DATA / "scopus_2024.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    refs = rows[0].index("References")
    rows[1][refs] = "Author A., A cited work, (2001) J X, 1, pp. 1-2; " * 210_000  # > 10 MB
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)
    result = ScopusCsvReader().read(path)
    assert result.rejects == []
    assert len(result.records[0].raw["References"][0]) > 10_000_000
    assert [r.source.line_start for r in result.records] == [2, 4, 5]


@pytest.mark.parametrize(
    ("name", "score"),
    [("scopus_2024.csv", 0.95), ("scopus_2016.csv.scopus", 0.95), ("scopus_ragged.csv", 0.95),
     ("scopus_no_title.csv", 0.95)],  # still Scopus: reading says what is missing
)
def test_sniff(name: str, score: float) -> None:
    assert ScopusCsvReader().sniff(_head(DATA / name)) == score
