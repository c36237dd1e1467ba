"""Cochrane Library plain-text reader, on fixtures in tests/data/exports/cochrane_text."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader

READER = get_reader("cochrane_text")


@pytest.fixture(autouse=True)
def _in_fixture_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir / "exports" / "cochrane_text")


def read(name: str):
    return READER.read(Path(name))


GOOD_RECORDS = [
    ("good.txt", 0, "native_id", "CN-01634521"),
    ("good.txt", 0, "title",
     "Exercise training for fatigue in multiple sclerosis: a randomised trial"),
    ("good.txt", 0, "authors", ("Larsen M", "Chen Y", "O'Brien S")),
    ("good.txt", 0, "journal", "Multiple sclerosis journal"),
    ("good.txt", 0, "year", 2018),
    ("good.txt", 0, "volume", "24"),
    ("good.txt", 0, "issue", "6"),
    ("good.txt", 0, "pages", "812-820"),  # U+2010 hyphen in the file
    ("good.txt", 0, "doi", "10.1177/1352458517712345"),
    ("good.txt", 0, "pmid", "29112345"),
    ("good.txt", 0, "embase_id", "L620123456"),
    ("good.txt", 0, "publication_types", ("Journal Article", "Randomized Controlled Trial")),
    ("good.txt", 0, "keywords",
     ("Exercise Therapy", "Fatigue [*therapy]", "Humans", "Multiple Sclerosis [*rehabilitation]")),
    ("good.txt", 0, "other_ids", {"cochrane_central": "CN-01634521"}),
    ("good.txt", 1, "doi", None),  # 10.1002/central/CN-… is not an article DOI
    ("good.txt", 1, "pages", "801-809"),
    ("cdsr.txt", 0, "native_id", "CD012345"),
    ("cdsr.txt", 0, "doi", "10.1002/14651858.cd012345.pub2"),
    ("cdsr.txt", 0, "authors", ("Fischer Anna", "Nguyen Thi Lan")),
    ("cdsr.txt", 0, "year", 2020),
    ("cdsr.txt", 0, "issue", "5"),
    ("cdsr.txt", 0, "other_ids", {"cochrane_review": "CD012345"}),
]


@pytest.mark.parametrize(("name", "index", "field", "expected"), GOOD_RECORDS)
def test_fields(name: str, index: int, field: str, expected: object) -> None:
    result = read(name)
    assert result.problems == []
    value = getattr(result.records[index], field)
    assert (dict(value) if field == "other_ids" else value) == expected


def test_unknown_tags_kept_in_raw() -> None:
    raw = read("good.txt").records[0].raw
    assert raw["ZX"] == ["an unknown tag"]
    assert raw["US"] == [
        "https://www.cochranelibrary.com/central/doi/10.1002/central/CN-01634521/full"
    ]


@pytest.mark.parametrize(
    ("name", "lines", "databases"),
    [
        ("good.txt", [(1, 19), (22, 32)], ["Cochrane CENTRAL"] * 2),
        ("cr.txt", [(1, 19), (22, 32)], ["Cochrane CENTRAL"] * 2),
        ("crlf.txt", [(1, 19), (22, 32)], ["Cochrane CENTRAL"] * 2),
        ("cdsr.txt", [(1, 14)], ["Cochrane Library"]),
        # BOM at the start and before a second batch that starts again at "Record #1 of 1"
        ("bom.txt", [(1, 5), (8, 12), (15, 19)], ["Cochrane CENTRAL"] * 3),
    ],
)
def test_lines_and_database(name: str, lines: list[tuple[int, int]], databases: list[str]) -> None:
    result = read(name)
    assert result.problems == []
    assert [(r.source.line_start, r.source.line_end) for r in result.records] == lines
    assert [r.source.database for r in result.records] == databases


BAD = [
    ("empty.txt", 0, ["empty.txt:1: file: no records: the file is empty"], [(1, 1)]),
    ("truncated.txt", 1,
     ["truncated.txt:8: Record: the file ends after record 2 of 3: it looks truncated "
      "(got 'Record #2 of 3')"], [(8, 11)]),
    ("gap.txt", 2,
     ["gap.txt:13: Record: record number 4 follows 2 (line 7); expected 3 "
      "(got 'Record #4 of 4')"], [(13, 16)]),
    ("total.txt", 1,
     ["total.txt:7: Record: record count changes from 2 (line 1) to 3 (got 'Record #2 of 3')",
      "total.txt:7: Record: the file ends after record 2 of 3: it looks truncated "
      "(got 'Record #2 of 3')"], [(7, 10)]),
    ("outside.txt", 1,
     ["outside.txt:1: line: text outside records "
      "(got 'Cochrane Library export, 12 May 2021')",
      "outside.txt:6: line: not a Cochrane tag line (got 'this line has no tag')",
      "outside.txt:16: Record: record number 3 is outside 1..2 (got 'Record #3 of 2')",
      "outside.txt:16: ID: record has no ID line (got 'Record #3 of 2')"],
     [(1, 1), (3, 7), (16, 18)]),
    ("latin1.txt", 1,
     ["latin1.txt:10: encoding: bytes that are not valid utf-8 (got '\\\\xfc')"], [(8, 12)]),
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


def test_reject_keeps_raw_text() -> None:
    reject = read("gap.txt").rejects[0]
    assert reject.raw_text.startswith("Record #4 of 4\nID: CN-01000004\n")


@pytest.mark.parametrize("name", ["good.txt", "cr.txt", "bom.txt", "cdsr.txt", "outside.txt"])
def test_detected_by_content(name: str) -> None:
    assert detect_format(Path(name)).name == "cochrane_text"
