"""Web of Science plain text reader, on hand-written fixtures in tests/data/exports/wos_text."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader
from screening.readers.wos_text import parse_wos_record

READER = get_reader("wos_text")


@pytest.fixture(autouse=True)
def _in_fixture_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Problems name the path as given; reading relative names keeps the messages short.
    monkeypatch.chdir(data_dir / "exports" / "wos_text")


def read(name: str):
    return READER.read(Path(name))


GOOD_RECORDS = [
    # (file, index, field, expected)
    ("good.txt", 0, "native_id", "WOS:000612345600007"),
    ("good.txt", 0, "title",
     "Early mobilisation and delirium after cardiac surgery: a randomised controlled trial"),
    ("good.txt", 0, "authors", ("Nakamura, Kenji", "Osei, Abena B.", "Lindqvist, Maja")),
    ("good.txt", 0, "doi", "10.1016/j.jcn.2020.11.004"),
    ("good.txt", 0, "pmid", "33445566"),
    ("good.txt", 0, "year", 2021),
    ("good.txt", 0, "journal", "JOURNAL OF CARDIAC NURSING"),
    ("good.txt", 0, "journal_abbrev", "J. Card. Nurs."),
    ("good.txt", 0, "volume", "36"),
    ("good.txt", 0, "issue", "2"),
    ("good.txt", 0, "pages", "112-119"),
    ("good.txt", 0, "issn", ("1234-5678", "2345-6789")),
    ("good.txt", 0, "language", ("eng",)),
    ("good.txt", 0, "keywords",
     ("delirium", "early mobilisation", "cardiac surgery", "randomised trial")),
    ("good.txt", 0, "other_ids", {"wos": "WOS:000612345600007"}),
    ("good.txt", 0, "flags", frozenset()),
    ("good.txt", 1, "native_id", "WOS:000700000000001"),
    ("good.txt", 1, "group_authors", ("Sleep Study Group",)),
    ("good.txt", 1, "pages", "104512"),  # AR: article number, PG is a page count
    ("good.txt", 1, "year", 2022),  # from EA when there is no PY
    ("good.txt", 1, "publication_types", ("Correction", "Early Access")),
    ("good.txt", 1, "flags", frozenset({"erratum", "in_press"})),
    ("zoorec.txt", 0, "native_id", "ZOOR15600001234"),
    ("zoorec.txt", 0, "authors", ("Keller, Anna M.", "Rossi, Marco")),
    ("zoorec.txt", 0, "other_ids", {"zoological_record": "ZOOR15600001234"}),
    ("zoorec.txt", 0, "doi", None),
]


@pytest.mark.parametrize(("name", "index", "field", "expected"), GOOD_RECORDS)
def test_fields(name: str, index: int, field: str, expected: object) -> None:
    result = read(name)
    assert result.problems == []
    value = getattr(result.records[index], field)
    assert (dict(value) if field == "other_ids" else value) == expected


def test_entities_and_wrapped_text_are_cleaned() -> None:
    record = read("good.txt").records[0]
    assert record.abstract is not None
    assert "Schröder scale & the CAM-ICU" in record.abstract
    assert "  " not in record.abstract


def test_list_tags_split_and_text_tags_join() -> None:
    raw = read("good.txt").records[0].raw
    assert raw["C1"] == [
        "[Nakamura, Kenji] Univ Tokyo, Dept Nursing, Tokyo 1130033, Japan.",
        "[Osei, Abena B.; Lindqvist, Maja] Karolinska Inst, Stockholm, Sweden.",
    ]
    assert raw["CR"][1] == "Smith J, 2017, NEW ENGL J MED, V377, P1456"
    assert raw["C3"] == ["University of Tokyo; Karolinska Institutet"]
    assert raw["PG"] == ["8"]
    assert raw["ZZ"] == ["an unknown tag continued"]  # unknown tags are kept


@pytest.mark.parametrize(
    ("name", "database", "lines"),
    [
        ("good.txt", "Web of Science", [(3, 46), (48, 59)]),
        ("crlf.txt", "Web of Science", [(3, 46), (48, 59)]),
        ("cr.txt", "Web of Science", [(3, 46), (48, 59)]),
        ("bom.txt", "Web of Science", [(3, 8), (13, 18)]),  # BOM at start and mid-file
        ("zoorec.txt", "Zoological Record", [(3, 17)]),
    ],
)
def test_lines_and_database(name: str, database: str, lines: list[tuple[int, int]]) -> None:
    result = read(name)
    assert result.problems == []
    assert [(r.source.line_start, r.source.line_end) for r in result.records] == lines
    assert {r.source.database for r in result.records} == {database}
    assert [r.source.ordinal for r in result.records] == list(range(1, len(lines) + 1))


def test_line_endings_do_not_change_records() -> None:
    good = read("good.txt").records
    for name in ("crlf.txt", "cr.txt"):
        other = read(name).records
        assert [(r.title, r.abstract, r.authors, dict(r.raw)) for r in other] == [
            (r.title, r.abstract, r.authors, dict(r.raw)) for r in good
        ]


BAD = [
    # (file, records read, [problems], [(reject line_start, line_end)])
    ("empty.txt", 0, ["empty.txt:1: file: no records: the file is empty"], [(1, 1)]),
    ("header_only.txt", 0,
     ["header_only.txt:1: file: no records: the file holds only the FN/VR/EF lines"], [(1, 1)]),
    ("truncated.txt", 1,
     ["truncated.txt:13: ER: last record has no ER line: the file looks truncated "
      "(got 'randomised tri')"], [(10, 13)]),
    ("outside.txt", 2,
     ["outside.txt:10: line: text outside records "
      "(got 'Saved from Web of Science on 2024-02-01')",
      "outside.txt:19: line: text outside records (got 'trailing garbage')"],
     [(10, 10), (19, 19)]),
    ("latin1.txt", 1,
     ["latin1.txt:11: encoding: bytes that are not valid utf-8 (got '\\\\xfc')"], [(10, 15)]),
    ("badlines.txt", 1,  # the record with the year 'MMXXI' is read, with a field warning
     ["badlines.txt:6: line: not a Web of Science tag line (got 'this line has no tag')",
      "badlines.txt:15: PT: a second record starts before the ER line of the first (got 'J')"],
     [(3, 9), (11, 19)]),
]


@pytest.mark.parametrize(("name", "n_records", "problems", "rejects"), BAD,
                         ids=[row[0] for row in BAD])
def test_bad_input(
    name: str, n_records: int, problems: list[str], rejects: list[tuple[int, int]]
) -> None:
    result = read(name)
    assert len(result.records) == n_records
    assert [str(p) for p in result.problems] == problems
    assert {p.level for p in result.problems} <= {"record"}
    assert [(r.line_start, r.line_end) for r in result.rejects] == rejects


def test_a_garbled_year_is_a_field_warning() -> None:
    result = read("badlines.txt")
    assert [(str(w), w.level) for w in result.warnings] == [
        ("badlines.txt:20: year: not a year (got 'MMXXI')", "field")]
    assert result.records[0].source.line_start == 20 and result.records[0].year is None


def test_reject_keeps_raw_text() -> None:
    reject = read("truncated.txt").rejects[0]
    assert reject.raw_text.startswith("PT J\nAU Dubois, P\n")
    assert reject.raw_text.endswith("randomised tri\n")


def test_missing_space_after_author_tag_is_accepted() -> None:
    # A real file (metaknowledge) has "AUGilles, H": the author tag without its space.
    raw, stray = parse_wos_record("PT J\nAUGilles, H\n   Girard, S\nTI Title\n")
    assert stray == []
    assert raw["AU"] == ["Gilles, H", "Girard, S"]


@pytest.mark.parametrize("name", ["good.txt", "crlf.txt", "cr.txt", "bom.txt", "zoorec.txt"])
def test_detected_by_content(name: str) -> None:
    assert detect_format(Path(name)).name == "wos_text"
