"""BibTeX reader, on fixtures in tests/data/exports/bibtex."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader
from screening.readers.bibtex import EntryError, latex_to_text, parse_entry

READER = get_reader("bibtex")


@pytest.fixture(autouse=True)
def _in_fixture_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir / "exports" / "bibtex")


def read(name: str):
    return READER.read(Path(name))


GOOD_RECORDS = [
    (0, "native_id", "2-s2.0-85099990001"),
    (0, "title", "Early mobilisation and delirium after cardiac surgery: A randomised controlled "
                 "trial"),
    (0, "authors", ("Nakamura, K.", "Osei, A.B.", "Lindqvist, M.")),
    (0, "doi", "10.1016/j.jcn.2020.11.004"),
    (0, "pmid", "33445566"),
    (0, "year", 2021),
    (0, "journal", "Journal of Cardiac Nursing"),
    (0, "journal_abbrev", "J. Card. Nurs."),
    (0, "volume", "36"),
    (0, "issue", "2"),
    (0, "pages", "112-119"),
    (0, "issn", ("1234-5678",)),
    (0, "language", ("eng",)),
    (0, "keywords", ("delirium", "early mobilisation", "cardiac surgery", "aged", "human")),
    (0, "publication_types", ("Article",)),
    (0, "other_ids", {"scopus_eid": "2-s2.0-85099990001"}),
    (0, "flags", frozenset()),
    (1, "authors", ("Müller, H.", "García, J.", "Østergaard, L.")),
    (1, "journal", "Journal of Nursing Management"),  # from an @STRING macro
    (1, "pages", "1001-1009"),
    (1, "native_id", None),
    (1, "flags", frozenset({"in_press"})),  # publication_stage={Article in Press}
    (2, "native_id", "WOS:000700000000001"),
    (2, "authors", ("Brandt, Lena",)),
    (2, "group_authors", ("World Health Organization",)),
    (2, "title", "Sleep hygiene education in adolescents"),
    (2, "year", 2022),
    (2, "pages", "10-18"),
]


@pytest.mark.parametrize(("index", "field", "expected"), GOOD_RECORDS)
def test_fields(index: int, field: str, expected: object) -> None:
    result = read("good.bib")
    assert result.problems == []
    value = getattr(result.records[index], field)
    assert (dict(value) if field == "other_ids" else value) == expected


def test_raw_keeps_every_field_as_written() -> None:
    records = read("good.bib").records
    raw = records[0].raw
    assert raw["ENTRYTYPE"] == ["ARTICLE"] and raw["ID"] == ["Nakamura2021"]
    assert raw["funding_details"] == ["Japan Society for the Promotion of Science, JSPS",
                                      "Karolinska Institutet, KI"]
    assert raw["funding_text 1"] == ["This work was supported by {JSPS} grant 19K10000."]
    assert records[1].raw["journal"] == ["jnm"]
    assert records[2].raw["Custom-Field"] == ["kept in raw"]
    assert records[2].raw["Month"] == ["jan"]


@pytest.mark.parametrize(
    ("name", "lines", "databases"),
    [
        ("good.bib", [(5, 29), (31, 44), (48, 60)], ["Scopus", "Scopus", "Web of Science"]),
        ("crlf.bib", [(5, 29), (31, 44), (48, 60)], ["Scopus", "Scopus", "Web of Science"]),
        ("cr.bib", [(5, 29), (31, 44), (48, 60)], ["Scopus", "Scopus", "Web of Science"]),
        ("bom.bib", [(1, 6), (8, 13)], ["Scopus", "Scopus"]),
    ],
)
def test_lines_and_database(name: str, lines: list[tuple[int, int]], databases: list[str]) -> None:
    result = read(name)
    assert result.problems == []
    assert [(r.source.line_start, r.source.line_end) for r in result.records] == lines
    assert [r.source.database for r in result.records] == databases


BAD = [
    ("empty.bib", 0, ["empty.bib:1: file: no records: the file is empty"], [(1, 1)]),
    ("no_entries.bib", 0,
     ["no_entries.bib:1: file: no records: the file holds no entries, only comments"],
     [(1, 1)]),
    ("truncated.bib", 1,
     ["truncated.bib:8: entry: entry is not closed: the file looks truncated "
      "(got '@ARTICLE{Dubois2020,')"], [(8, 10)]),
    ("outside.bib", 2,  # the entry with the year 'twenty-one' is read: see below
     ["outside.bib:1: line: text outside entries (got 'Scopus export 2024-02-01')",
      "outside.bib:8: line: text outside entries (got 'this text sits between entries')",
      "outside.bib:10: entry: entry is not closed before the next entry starts "
      "(got '@ARTICLE{Dubois2020,')",
      "outside.bib:20: year: expected ',' or the end of the entry (got 'source={Scopus},')"],
     [(1, 1), (8, 8), (10, 15), (16, 21)]),
    ("latin1.bib", 1,
     ["latin1.bib:9: encoding: bytes that are not valid utf-8 (got '\\\\xfc')"], [(8, 13)]),
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


def test_a_garbled_year_is_a_field_warning_on_a_record_that_is_read() -> None:
    result = read("outside.bib")
    assert [(str(w), w.level) for w in result.warnings] == [
        ("outside.bib:23: year: not a year (got 'twenty-one')", "field")]
    (record,) = [r for r in result.records if r.warnings]
    assert record.source.line_start == 23 and record.year is None
    assert record.raw["year"] == ["twenty-one"]  # the raw value is kept


def test_reject_keeps_raw_text() -> None:
    reject = read("truncated.bib").rejects[0]
    assert reject.raw_text == (
        "@ARTICLE{Dubois2020,\nauthor={Dubois, P.},\n"
        "title={Antibiotic stewardship in long-term care: a {cluster randomised tri"
    )


LATEX = [
    ('M{\\"u}ller', "Müller"),
    ('M\\"{u}ller', "Müller"),
    ("Garc{\\'\\i}a", "García"),
    ("{\\O}stergaard", "Østergaard"),
    ("Stra{\\ss}e", "Straße"),
    ("\\c{C}elik", "Çelik"),
    ("\\v{S}koda", "Škoda"),
    ("Smith \\& Jones, 50\\%", "Smith & Jones, 50%"),
    ("The {DNA} of \\emph{E. coli}", "The DNA of E. coli"),
]


@pytest.mark.parametrize(("latex", "text"), LATEX)
def test_latex_to_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


ENTRY_ERRORS = [
    ("@article{k, title {x}}", "title", "expected '=' after the field name"),
    ("@article{k, title = }", "title", "field has no value"),
    ('@article{k, title = "x}', "title", "unterminated quoted value"),
    ("@article{k, title = {x} year = 1}", "title", "expected ',' or the end of the entry"),
    ("@article{k, title = {x}} extra", "entry", "text after the end of the entry"),
]


@pytest.mark.parametrize(("text", "field", "message"), ENTRY_ERRORS)
def test_entry_errors(text: str, field: str, message: str) -> None:
    with pytest.raises(EntryError) as caught:
        parse_entry(text, {})
    assert (caught.value.field, caught.value.message) == (field, message)


def test_concatenation_and_macros() -> None:
    macros: dict[str, str] = {}
    parse_entry('@string{pre = "Proceedings of "}', macros)
    kind, key, fields = parse_entry('@inproceedings(k1, booktitle = pre # {ICML} # " 2020")',
                                    macros)
    assert (kind, key) == ("inproceedings", "k1")
    assert fields == [("booktitle", 'pre # {ICML} # " 2020"', "Proceedings of ICML 2020")]


@pytest.mark.parametrize("name", ["good.bib", "crlf.bib", "cr.bib", "bom.bib", "outside.bib"])
def test_detected_by_content(name: str) -> None:
    assert detect_format(Path(name)).name == "bibtex"
