"""PubMed "Save → CSV" reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format
from screening.readers.base import Head
from screening.readers.pubmed_csv import PubmedCsvReader, parse_citation, split_authors
from screening.readers.textio import read_head

DATA = Path(__file__).resolve().parents[2] / "data" / "exports" / "pubmed_csv"


def _head(path: Path) -> Head:
    data, text = read_head(path)
    return Head(data, text, path.suffix)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("pubmed_bom.csv", [
            # line_start, line_end, pmid, doi, year, volume, issue, pages, n_authors, flags
            (2, 2, "31000001", "10.1002/jor.24301", 2019, "37", "6", "1312-1320", 3, set()),
            (3, 3, "35500002", "10.1186/s12891-022-05190-x", 2022, "23", None, "245", 2, set()),
            (4, 4, "38800003", "10.1080/09593985.2024.2345678", 2024, None, None, None, 4,
             {"ahead_of_print"}),
        ], id="bom-lf"),
        pytest.param("pubmed_crlf_quoted.csv", [
            (2, 2, "31000001", "10.1002/jor.24301", 2019, "37", "6", "1312-1320", 3, set()),
            (3, 3, "35500002", "10.1186/s12891-022-05190-x", 2022, "23", None, "245", 2, set()),
        ], id="crlf-all-quoted"),
    ],
)
def test_records(name: str, expected: list[tuple]) -> None:
    path = DATA / name
    assert detect_format(path).name == "pubmed_csv"
    result = PubmedCsvReader().read(path)
    assert result.rejects == []
    got = [
        (r.source.line_start, r.source.line_end, r.pmid, r.doi, r.year, r.volume, r.issue,
         r.pages, len(r.authors), set(r.flags))
        for r in result.records
    ]
    assert got == expected
    for record in result.records:
        assert record.native_id == record.pmid
        assert record.source.database == "PubMed"
        assert record.source.export_format == "pubmed_csv"


def test_field_mapping() -> None:
    first, second = PubmedCsvReader().read(DATA / "pubmed_bom.csv").records[:2]
    assert first.title == "Sleep duration and recovery after knee arthroplasty: a cohort study"
    assert first.authors == ("Haldane KM", "Oyelaran T", "Brix-Nielsen P")
    assert first.pmcid == "PMC6612345"
    assert first.journal == first.journal_abbrev == "J Orthop Res"
    assert first.raw["Create Date"] == ["2019/04/03"]
    assert first.raw["NIHMS ID"] == [""]
    assert len(first.raw) == 11
    assert second.title.startswith('Tele-rehabilitation versus clinic visits: "real world"')
    assert second.pmcid is None


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("pubmed_header_only.csv",
         ["1: file: no records: the file has a header row but no data rows"]),
        ("pubmed_no_pmid_column.csv",
         ["1: columns: no column 'PMID' (columns are: Title, Authors, Citation, First Author, "
          "Journal/Book, Publication Year, Create Date, PMCID, NIHMS ID, DOI)",
          "2: row: not read: the header at line 1 is unusable"]),
        ("pubmed_bad_values.csv", []),  # a field warning: see below
    ],
)
def test_problems(name: str, problems: list[str]) -> None:
    path = DATA / name
    result = PubmedCsvReader().read(path)
    assert [str(p) for p in result.problems] == [f"{path}:{p}" for p in problems]


def test_a_pmid_without_digits_is_a_field_warning() -> None:
    path = DATA / "pubmed_bad_values.csv"
    result = PubmedCsvReader().read(path)
    assert [r.pmid for r in result.records] == [None, "35500002"]
    assert result.rejects == []
    assert [(str(w), w.level) for w in result.warnings] == [
        (f"{path}:2: pmid: not a PMID (got 'pending')", "field")]
    assert result.records[0].title.startswith("Sleep duration")


@pytest.mark.parametrize(
    ("citation", "expected"),
    [
        ("Eur J Med Genet. 2020 Feb;63(2):103640. doi: 10.1016/j.ejmg.2019.03.004. Epub 2019.",
         {"journal": "Eur J Med Genet", "year": "2020", "volume": "63", "issue": "2",
          "pages": "103640"}),
        ("Elife. 2022 Nov 30;11:e80092. doi: 10.7554/eLife.80092.",
         {"journal": "Elife", "year": "2022", "volume": "11", "pages": "e80092"}),
        ("Prof Case Manag. 2022 Jan-Feb 01;27(1):19-25. doi: 10.1097/NCM.0000000000000504.",
         {"journal": "Prof Case Manag", "year": "2022", "volume": "27", "issue": "1",
          "pages": "19-25"}),
        ("Cell. 2020;181(2):281-292.e6. doi: 10.1016/j.cell.2020.02.052.",
         {"journal": "Cell", "year": "2020", "volume": "181", "issue": "2",
          "pages": "281-292.e6"}),
        ("Physiother Theory Pract. 2024 May 2:1-14. Online ahead of print.",
         {"journal": "Physiother Theory Pract", "year": "2024"}),
        ("not a citation", {}),
        ("", {}),
    ],
)
def test_parse_citation(citation: str, expected: dict[str, str]) -> None:
    assert parse_citation(citation) == expected


def test_split_authors() -> None:
    assert split_authors("Griffin DK, Larkin DM, O'Connor RE.") == [
        "Griffin DK", "Larkin DM", "O'Connor RE"]
    assert split_authors("") == []


@pytest.mark.parametrize(
    ("name", "score"),
    [("pubmed_bom.csv", 0.95), ("pubmed_crlf_quoted.csv", 0.95),
     ("pubmed_no_pmid_column.csv", 0.0)],
)
def test_sniff(name: str, score: float) -> None:
    assert PubmedCsvReader().sniff(_head(DATA / name)) == score
