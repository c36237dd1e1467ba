"""Ovid direct-export tagged reader, on fixtures in tests/data/exports/ovid_tagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader
from screening.readers.ovid_tagged import parse_source

READER = get_reader("ovid_tagged")


@pytest.fixture(autouse=True)
def _in_fixture_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir / "exports" / "ovid_tagged")


def read(name: str):
    return READER.read(Path(name))


GOOD_RECORDS = [
    (0, "native_id", "2012345678"),
    (0, "embase_id", "L2012345678"),
    (0, "pmid", None),
    (0, "title", "Inhaled budesonide in mild asthma: a pragmatic trial"),
    (0, "authors", ("Tanaka H.", "Fernandes R.", "Abbott K.L.")),
    (0, "journal", "Respirology"),
    (0, "volume", "24"),
    (0, "issue", "Supplement 2"),
    (0, "pages", "145-146"),
    (0, "year", 2019),
    (0, "doi", "10.1111/resp.13700"),
    (0, "issn", ("1440-1843",)),
    (0, "language", ("eng",)),
    (0, "emtree", ("*asthma", "adult", "budesonide")),
    (0, "mesh", ()),
    (0, "flags", frozenset({"conference_abstract"})),
    (1, "journal", "British Journal of General Practice"),
    (1, "pages", "e612-e620"),
    (1, "issue", "698"),
    (1, "doi", "10.3399/bjgp20x712345"),
    (1, "issn", ("0960-1643", "1478-5242")),
    (1, "flags", frozenset()),
    (2, "pmid", "31234567"),  # Ovid MEDLINE: UI is the PMID
    (2, "embase_id", None),
    (2, "journal", "Journal of the American Geriatrics Society"),
    (2, "volume", "67"),
    (2, "issue", "9"),
    (2, "pages", "1850-1857"),
    (2, "year", 2019),  # from SO: this record has no YR
    (2, "mesh", ("*Accidental Falls/pc [Prevention & Control]", "Aged")),
]


@pytest.mark.parametrize(("index", "field", "expected"), GOOD_RECORDS)
def test_fields(index: int, field: str, expected: object) -> None:
    result = read("good.cgi")
    assert result.problems == []
    assert getattr(result.records[index], field) == expected


def test_untagged_abstract_lines_and_institutions() -> None:
    record = read("good.cgi").records[0]
    assert record.raw["AB"] == [
        "Background: Inhaled corticosteroids are underused in mild asthma.\n"
        "Method(s): We enrolled 310 adults in 12 practices.\n"
        "Result(s): Severe exacerbations fell by 40%.\n"
        "Conclusion(s): As-needed budesonide was effective."
    ]
    assert record.abstract is not None and record.abstract.endswith(
        "Conclusion(s): As-needed budesonide was effective.")
    assert record.raw["IN"] == [
        "(Tanaka) Department of Respiratory Medicine, Osaka University, Osaka, Japan",
        "(Fernandes, Abbott) Woolcock Institute of Medical Research, Sydney, Australia",
    ]
    assert record.raw["XZ"] == ["a tag this reader does not know"]


@pytest.mark.parametrize(
    ("name", "lines", "databases"),
    [
        ("good.cgi", [(1, 25), (27, 40), (42, 55)], ["Embase", "Embase", "PubMed"]),
        ("crlf.cgi", [(1, 25), (27, 40), (42, 55)], ["Embase", "Embase", "PubMed"]),
        ("cr.cgi", [(1, 25), (27, 40), (42, 55)], ["Embase", "Embase", "PubMed"]),
        ("bom.cgi", [(1, 6), (8, 13)], ["Embase", "Embase"]),
    ],
)
def test_lines_and_database(name: str, lines: list[tuple[int, int]], databases: list[str]) -> None:
    result = read(name)
    assert result.problems == []
    assert [(r.source.line_start, r.source.line_end) for r in result.records] == lines
    assert [r.source.database for r in result.records] == databases


BAD = [
    ("empty.cgi", 0, ["empty.cgi:1: file: no records: the file is empty"], [(1, 1)]),
    ("truncated.cgi", 1,
     ["truncated.cgi:12: line: last record ends mid-line: the file looks truncated "
      "(got 'TI  - Sleep hygiene educa')"], [(8, 12)]),
    ("outside.cgi", 1,
     ["outside.cgi:1: line: text outside records "
      "(got 'Results of your search: budesonide.mp.')",
      "outside.cgi:11: line: not an Ovid tag line (got 'a stray line after the ISSN')",
      "outside.cgi:22: record: record has no tag lines (got '<3. >')"],
     [(1, 2), (4, 12), (22, 22)]),
    ("latin1.cgi", 1,
     ["latin1.cgi:12: encoding: bytes that are not valid utf-8 (got '\\\\xfc')"], [(8, 14)]),
]


@pytest.mark.parametrize(("name", "n_records", "problems", "rejects"), BAD,
                         ids=[row[0] for row in BAD])
def test_bad_input(
    name: str, n_records: int, problems: list[str], rejects: list[tuple[int, int]]
) -> None:
    result = read(name)
    assert len(result.records) == n_records
    assert [str(p) for p in result.problems] == problems
    assert [(r.line_start, r.line_end) for r in result.rejects] == rejects


SOURCES = [
    ("BMC Proceedings. Conference: 2nd Meeting. Part 2. Spain. 12 (Supplement 3) "
     "(no pagination), 2018. Date of Publication: 2018.",
     {"journal": "BMC Proceedings", "volume": "12", "issue": "Supplement 3", "pages": None,
      "year": "2018"}),
    ("Lancet. 391 (10131) (pp 1234-1245), 2018. Date of Publication: 28 Apr 2018.",
     {"journal": "Lancet", "volume": "391", "issue": "10131", "pages": "1234-1245",
      "year": "2018"}),
    ("Journal of Pediatrics. 200:123-130, 2018 Sep.",
     {"journal": "Journal of Pediatrics", "volume": "200", "issue": None, "pages": "123-130",
      "year": "2018"}),
    ("Journal of Abnormal Psychology. Vol.128(5), 2019, pp. 412-423.",
     {"journal": "Journal of Abnormal Psychology", "volume": "128", "issue": "5",
      "pages": "412-423", "year": "2019"}),
    ("Some Bulletin. Date of Publication: March 2021.",
     {"journal": "Some Bulletin", "volume": None, "issue": None, "pages": None,
      "year": "March 2021"}),
    (None, {"journal": None, "volume": None, "issue": None, "pages": None, "year": None}),
]


@pytest.mark.parametrize(("so", "expected"), SOURCES)
def test_parse_source(so: str | None, expected: dict[str, str | None]) -> None:
    assert parse_source(so) == expected


@pytest.mark.parametrize("name", ["good.cgi", "crlf.cgi", "cr.cgi", "bom.cgi", "outside.cgi"])
def test_detected_by_content(name: str) -> None:
    assert detect_format(Path(name)).name == "ovid_tagged"
