"""EndNote XML reader, on fixtures in tests/data/exports/endnote_xml.

There is no real EndNote XML export among the shared samples; the fixtures follow the
layout EndNote writes (``<xml><records><record>``, text in ``<style>`` runs, ISSNs
separated by ``&#xD;`` in ``<isbn>``), one record per line and all on one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader, xml_stream

READER = get_reader("endnote_xml")


@pytest.fixture(autouse=True)
def _in_fixture_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir / "exports" / "endnote_xml")


def read(name: str):
    return READER.read(Path(name))


GOOD_RECORDS = [
    (0, "native_id", "33445566"),
    (0, "pmid", "33445566"),  # accession number of a PubMed record
    (0, "pmcid", "PMC8000001"),
    (0, "doi", "10.1016/j.jcn.2020.11.004"),
    (0, "title",
     "Early mobilisation and delirium after cardiac surgery: a randomised controlled trial"),
    (0, "abstract", "BACKGROUND: Delirium is frequent after cardiac surgery. METHODS: We "
                    "randomly assigned 212 adults."),
    (0, "authors", ("Nakamura, K.", "Osei, A. B.", "Lindqvist, M.")),
    (0, "year", 2021),
    (0, "journal", "Journal of Cardiac Nursing"),
    (0, "journal_abbrev", "J Card Nurs"),
    (0, "volume", "36"),
    (0, "issue", "2"),
    (0, "pages", "112-119"),
    (0, "issn", ("1234-5678", "2345-6789")),
    (0, "language", ("eng",)),
    (0, "keywords", ("Delirium/*prevention & control", "Early Ambulation", "Humans")),
    (0, "publication_types", ("Journal Article",)),
    (1, "embase_id", "L2012345999"),
    (1, "pmid", None),
    (1, "doi", "10.3399/bjgp20x712345"),  # from the dx.doi.org URL
    (1, "authors", ("Moreau, C.", "World Health Organization")),
    (1, "language", ("eng",)),
    (1, "flags", frozenset({"in_press"})),
    (2, "journal", "Respirology"),  # titles/secondary-title when there is no periodical
    (2, "flags", frozenset({"conference_abstract"})),
    (2, "publication_types", ("Conference Proceedings",)),
]


@pytest.mark.parametrize(("index", "field", "expected"), GOOD_RECORDS)
def test_fields(index: int, field: str, expected: object) -> None:
    result = read("good.xml")
    assert result.problems == []
    assert getattr(result.records[index], field) == expected


def test_raw_keeps_every_element_without_style_runs() -> None:
    raw = read("good.xml").records[0].raw
    assert raw["custom7"] == ["kept in raw"]
    assert raw["ref-type@name"] == ["Journal Article"]
    assert raw["contributors/authors/author"] == ["Nakamura, K.", "Osei, A. B.", "Lindqvist, M."]
    assert not any("style" in key for key in raw)


@pytest.mark.parametrize(
    ("name", "lines", "databases"),
    [
        ("good.xml", [(3, 3), (4, 4), (5, 5)], ["PubMed", "Embase", None]),
        ("oneline.xml", [(1, 1), (1, 1), (1, 1)], ["PubMed", "Embase", None]),
        ("crlf.xml", [(3, 3), (4, 4)], [None, None]),
        ("cr.xml", [(3, 3), (4, 4)], [None, None]),
        ("bom.xml", [(3, 3), (4, 4)], [None, None]),
    ],
)
def test_lines_and_database(
    name: str, lines: list[tuple[int, int]], databases: list[str | None]
) -> None:
    result = read(name)
    assert result.problems == []
    assert [(r.source.line_start, r.source.line_end) for r in result.records] == lines
    assert [r.source.database for r in result.records] == databases


BAD = [
    ("empty.xml", 0, ["empty.xml:1: file: no records: the file is empty"], [(1, 1)]),
    ("truncated.xml", 1,
     ["truncated.xml:4: xml: the XML ends early: the file looks truncated "
      "(got 'Specification mandates value for attribute font')"], [(4, 4)]),
    ("outside.xml", 2,
     ["outside.xml:4: line: text outside records (got 'stray text')",
      "outside.xml:5: note: unexpected element outside records (got '<note>')"],
     [(4, 5), (5, 5)]),
    ("badyear.xml", 1, [], []),  # a field warning, below
    ("latin1.xml", 1,
     ["latin1.xml:4: encoding: bytes that are not valid in the XML encoding "
      "(got 'Invalid bytes in character encoding')"], [(4, 5)]),
]


@pytest.mark.parametrize(("name", "n_records", "problems", "rejects"), BAD,
                         ids=[row[0] for row in BAD])
@pytest.mark.parametrize("feed_bytes", [16, xml_stream.FEED_BYTES])  # chunks end anywhere
def test_bad_input(
    name: str, n_records: int, problems: list[str], rejects: list[tuple[int, int]],
    feed_bytes: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xml_stream, "FEED_BYTES", feed_bytes)
    result = read(name)
    assert len(result.records) == n_records
    assert [str(p) for p in result.problems] == problems
    assert {p.level for p in result.problems} <= {"record"}
    assert [(r.line_start, r.line_end) for r in result.rejects] == rejects


def test_a_garbled_year_is_a_field_warning() -> None:
    result = read("badyear.xml")
    assert [(str(w), w.level) for w in result.warnings] == [
        ("badyear.xml:3: year: not a year (got '20l9')", "field")]
    assert result.records[0].year is None and result.records[0].title


def test_no_date_is_no_year(tmp_path: Path) -> None:
    path = tmp_path / "nd.xml"
    path.write_text("<xml><records><record><titles><title>T</title></titles>"
                    "<dates><year>n.d.</year></dates></record></records></xml>")
    result = READER.read(path)
    assert result.problems == []
    assert result.records[0].year is None
    assert result.records[0].raw["dates/year"] == ["n.d."]


@pytest.mark.parametrize("name", ["good.xml", "oneline.xml", "cr.xml", "bom.xml"])
def test_detected_by_content(name: str) -> None:
    assert detect_format(Path(name)).name == "endnote_xml"
