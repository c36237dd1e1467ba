"""RIS reader: every flavour on the project's own (invented) fixtures, and every bad input."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from screening.readers import Reject, detect_format, get_reader
from screening.readers import ris as ris_module
from screening.readers.base import Head
from screening.readers.ris import RisReader, parse_ris_body
from screening.readers.textio import iter_chunks

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "exports" / "ris"


def _read(path: Path, **kwargs):
    return RisReader().read(path, **kwargs)


def _write(tmp_path: Path, data: bytes, name: str = "export.ris") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ every flavour
# (fixture, record index, expected fields). "n_authors" is len(authors); "other_ids" and
# "flags" are checked as subsets; everything else must be equal.
FIELDS = [
    ("generic.ris", 0, dict(
        title="Exercise therapy for knee osteoarthritis: a pragmatic trial",
        doi="10.5555/jir.2021.0042", pmid=None, year=2021, n_authors=3, database=None,
        native_id=None, line_start=1, line_end=20, pages="201-209",
        journal="Journal of Invented Rehabilitation", journal_abbrev="J Invent Rehabil",
        keywords=("osteoarthritis", "exercise"), publication_types=("Journal Article",))),
    ("generic.ris", 1, dict(
        title="Balance training in older adults", year=2019, n_authors=1, line_start=22,
        line_end=27, flags={"conference_abstract"})),
    ("embase_legacy.ris", 0, dict(
        title="Duplication cysts of the gut: diagnosis and management",
        doi="10.5555/ei.2014.152", pmid="25000001", year=2014, n_authors=2,
        database="Embase", native_id="L373000001", embase_id="L373000001",
        line_start=1, line_end=30, issn=("2226-7190",), keywords=(),
        emtree=("article", "duplication cyst", "endoscopic ultrasonography"),
        journal="Endoscopic Investigations", journal_abbrev="Endosc. Invest.")),
    ("embase_legacy.ris", 1, dict(
        title="Ureteric stents after lithotripsy", pmid=None, year=2019, n_authors=1,
        database="Embase", native_id="L624000002", line_start=32, line_end=45,
        flags={"in_press"})),
    ("embase_2024.ris", 0, dict(
        doi="10.5555/ic.2024.48400", pmid="38700003", year=2024, n_authors=3,
        database="Embase", native_id="L2029000003", line_start=1, line_end=23,
        abstract=None, issue="1 Supplement 2", flags={"conference_abstract"})),
    ("ovid_psycinfo.ris", 0, dict(
        title="Self-compassion and pain in an invented cohort.", doi="10.5555/cpp.0001",
        year=2019, n_authors=2, database="PsycINFO", native_id="2019-12345-001",
        other_ids={"psycinfo": "2019-12345-001"}, line_start=2, line_end=18, pages=None,
        publication_types=("Journal Article",))),
    ("ovid_psycinfo.ris", 1, dict(
        doi="10.5555/jnd.0002", year=2021, n_authors=1, database="PsycINFO",
        native_id="2021-54321-002", line_start=23, line_end=39,
        abstract=("Background: anxiety is common in young children. "
                  "Methods: parents were coached for ten weeks."),
        publication_types=("Journal; Peer Reviewed Journal",),
        keywords=("*Anxiety Management", "Parents"))),
    ("ovid_cab.ris", 0, dict(
        doi="10.5555/ojf.2020.101", year=2020, n_authors=2, database="CAB Abstracts",
        native_id="20203150001", other_ids={"cab": "20203150001"}, line_start=2,
        line_end=18, pages="110-123")),
    ("ovid_eric.ris", 0, dict(
        doi=None, year=1989, n_authors=1, database="ERIC", native_id="EJ389000",
        other_ids={"eric": "EJ389000"}, issn=("2196-7822",), line_start=2, line_end=20)),
    ("cochrane_endnote.ris", 0, dict(
        title="Group exercise for chronic neck pain: a randomised trial",
        doi="10.5555/trials.2024.0003", pmid="38400001", embase_id="L643500001", year=2024,
        n_authors=2, database="Cochrane CENTRAL", native_id="CN-01234567",
        other_ids={"cochrane_central": "CN-01234567"}, line_start=5, line_end=23,
        pages="1279-1297", start_page="1279", end_page="1297", journal="Trials")),
    # No DO: the CENTRAL record's own 10.1002/central/CN-... "DOI" in UR is not used.
    ("cochrane_endnote.ris", 1, dict(
        doi=None, pmid="37300002", embase_id=None, year=2022, n_authors=1,
        native_id="CN-07654321", line_start=30, line_end=40, pages="43-58")),
    ("cochrane_procite.ris", 0, dict(
        title="Classroom programme for social skills", doi="10.5555/ds.2011.39",
        pmid="21300004", year=2011, n_authors=2, database="Cochrane CENTRAL",
        native_id="CN-02000004", abstract="We describe a classroom programme.",
        line_start=5, line_end=19)),
    ("scopus_2019.ris", 0, dict(
        doi="10.5555/ipne.2019.104501", year=2020, n_authors=2, database="Scopus",
        native_id="2-s2.0-85074000001", other_ids={"scopus_eid": "2-s2.0-85074000001"},
        issn=("0306-4530",), pages="104501", line_start=1, line_end=26)),
    ("scopus_2019.ris", 1, dict(
        doi=None, year=2019, n_authors=1, database="Scopus", native_id="2-s2.0-85060000002",
        flags={"in_press"}, line_start=28, line_end=38)),
    ("scopus_2024.ris", 0, dict(
        title="Feeding traces on invented fossils", doi="10.5555/ip.15453", year=2024,
        n_authors=2, database="Scopus", native_id="2-s2.0-85198000003", pages="e15453",
        issn=("2167-8359",), line_start=1, line_end=19)),
    ("wos.ris", 0, dict(
        doi="10.5555/ivo.1999.134", year=1999, n_authors=2, database="Web of Science",
        native_id="WOS:000082000000006", other_ids={"wos": "WOS:000082000000006"},
        abstract=("Purpose: to compare the blood supply. Methods: eight dogs were studied. "
                  "Results: the supply differed."),
        journal_abbrev="Invent. Vet. Orthop.", line_start=1, line_end=29)),
    ("wos.ris", 1, dict(
        year=2013, database="Web of Science", native_id="WOS:000320000000015",
        line_start=31, line_end=38)),
    ("ebsco_cinahl.ris", 0, dict(
        doi="10.5555/journal.ione.0298242", year=2024, n_authors=2, database="CINAHL",
        native_id="176400001", other_ids={"ebsco_an": "176400001"}, issn=("1932-6203",),
        abstract="Growth rates were estimated from bone sections.", line_start=1,
        line_end=24)),
    ("ebsco_psycinfo.ris", 0, dict(
        year=2022, n_authors=1, database="PsycINFO", native_id="2022-96000-001",
        other_ids={"ebsco_an": "2022-96000-001", "psycinfo": "2022-96000-001"},
        publication_types=("Thesis",), line_start=1, line_end=13)),
    ("endnote.ris", 0, dict(
        doi="10.5555/ar.25520", year=2024, n_authors=2, database="Embase",
        native_id="L2030000005", embase_id="L2030000005", issn=("1932-0001", "1932-0002"),
        emtree=("article", "biostratigraphy", "Colorado"), flags={"in_press"},
        line_start=2, line_end=27)),
    ("endnote_pubmed.txt", 0, dict(
        doi="10.5555/cp.2011.50", pmid="21500006", year=2011, n_authors=2,
        database="PubMed", native_id="21500006", pages="349-369",
        keywords=("Animals", "Plant Extracts/*pharmacology", "Humans"), line_start=2,
        line_end=27)),
    ("zotero.ris", 0, dict(
        doi="10.5555/dc24-0703", pmid="39000007", year=2024, n_authors=3,
        database="MEDLINE", native_id="39000007", issue=None,
        issn=("1935-0000", "1935-0001"), line_start=1, line_end=16)),
    ("mendeley.ris", 0, dict(
        doi="10.5555/iee.02210", year=2024, n_authors=1, database="Embase",
        native_id="L643000008", line_start=1, line_end=13)),
    ("refworks.ris", 0, dict(
        doi="10.5555/ar.25520", year=2024, n_authors=2, database="Embase",
        native_id="L2030000005", issn=("1932-0001", "1932-0002"), line_start=2,
        line_end=18)),
    ("rayyan.ris", 0, dict(
        title="Medication reconciliation in invented hospitals", doi=None, pmid="24500009",
        year=2011, n_authors=0, database=None, native_id="rayyan-264500009",
        other_ids={"rayyan": "264500009"}, publication_types=("Case",),
        keywords=("Health Facility Administration", "Joint Commission", "Medication Errors"),
        line_start=1, line_end=17)),
    ("covidence.ris", 0, dict(
        doi="10.5555/ir.2023.6528", year=2023, n_authors=2, database="Embase",
        native_id="L643000010", pages="6528", line_start=1, line_end=18)),
    ("eppi.ris", 0, dict(
        doi="10.5555/ic.2024.48400", year=2024, n_authors=2, database="Embase",
        native_id="L2029000003", line_start=1, line_end=18)),
]


@pytest.mark.parametrize(
    ("fixture", "index", "expected"), FIELDS,
    ids=[f"{name}[{index}]" for name, index, _ in FIELDS],
)
def test_fields(fixture: str, index: int, expected: dict) -> None:
    result = _read(FIXTURES / fixture)
    assert result.rejects == []
    record = result.records[index]
    assert record.source.export_format == "ris"
    assert record.source.ordinal == index + 1
    for key, value in expected.items():
        if key == "n_authors":
            assert len(record.authors) == value, record.authors
        elif key == "database":
            assert record.source.database == value
        elif key in ("line_start", "line_end"):
            assert getattr(record.source, key) == value, key
        elif key in ("other_ids", "flags"):
            got = dict(record.other_ids) if key == "other_ids" else set(record.flags)
            assert got == value if key == "other_ids" else value <= got, (key, got)
        else:
            assert getattr(record, key) == value, key


COUNTS = {
    "generic.ris": 2, "embase_legacy.ris": 2, "embase_2024.ris": 1, "ovid_psycinfo.ris": 2,
    "ovid_cab.ris": 1, "ovid_eric.ris": 1, "cochrane_endnote.ris": 2,
    "cochrane_procite.ris": 1, "scopus_2019.ris": 2, "scopus_2024.ris": 1, "wos.ris": 2,
    "ebsco_cinahl.ris": 1, "ebsco_psycinfo.ris": 1, "endnote.ris": 1,
    "endnote_pubmed.txt": 1, "zotero.ris": 1, "mendeley.ris": 1, "refworks.ris": 1,
    "rayyan.ris": 1, "covidence.ris": 1, "eppi.ris": 1, "bom_midfile.ris": 2,
    "cr_only.ris": 2, "ketamine_embase.ris": 7,
}


@pytest.mark.parametrize(("fixture", "n"), sorted(COUNTS.items()))
def test_good_fixtures_are_detected_and_read_whole(fixture: str, n: int) -> None:
    path = FIXTURES / fixture
    assert detect_format(path).name == "ris"
    result = _read(path)
    assert [str(p) for p in result.problems] == []
    assert len(result.records) == n


# ------------------------------------------------------------------ raw tags
def test_raw_keeps_every_tag_and_value() -> None:
    first = _read(FIXTURES / "generic.ris").records[0]
    assert first.raw["ZZ"] == ["a vendor tag nobody documents"]  # unknown tag kept
    assert first.raw["EP"] == ["09"]
    assert first.raw["DO"] == ["https://doi.org/10.5555/JIR.2021.0042"]
    embase = _read(FIXTURES / "embase_legacy.ris").records[0]
    assert embase.raw["SN"] == ["2226-7190", "2226-7190"]  # repeated, identical: both kept
    assert embase.raw["DB"] == ["Embase", "Medline"]
    ovid = _read(FIXTURES / "ovid_psycinfo.ris").records[0]
    assert ovid.raw["DO"] == ["http://dx.doi.org/10.5555/cpp.0001"] * 2


def test_ovid_tag_after_er_and_link_line_belong_to_the_record_before() -> None:
    first, second = _read(FIXTURES / "ovid_psycinfo.ris").records
    assert first.raw["NL"] == ["Invent Psychol Psychother"]
    assert first.raw["_link"][0].startswith("Link to the Ovid Full Text or citation: ")
    assert "NL" not in second.raw and "_link" not in second.raw
    assert second.raw["N2"] == [
        "Background: anxiety is common in young children.\n"
        "Methods: parents were coached for ten weeks."
    ]


def test_endnote_continuation_lines_are_new_values_of_list_tags() -> None:
    record = _read(FIXTURES / "endnote.ris").records[0]
    assert record.raw["DB"] == ["Embase", "Medline"]
    assert record.raw["KW"] == ["article", "biostratigraphy", "Colorado"]
    assert record.raw["SN"] == ["1932-0001", "1932-0002"]
    assert record.raw["N1"] == ["L2030000005", "2024-06-24"]
    assert record.raw["AD"] == [
        "M. Wendt, Invented University of Health Sciences, Pomona, CA, United States",
        "Second Affiliation Line Institute, Example Town",
    ]
    rayyan = _read(FIXTURES / "rayyan.ris").records[0]
    assert rayyan.raw["KW"] == [
        "Health Facility Administration", "Joint Commission", "Medication Errors"
    ]


def test_scopus_and_wos_n1_continuations_and_wos_lone_cr() -> None:
    scopus = _read(FIXTURES / "scopus_2019.ris").records[0]
    assert scopus.raw["N1"][0] == "Export Date: 18 November 2019"
    assert len(scopus.raw["N1"]) == 5  # every reference line kept as its own value
    wos = _read(FIXTURES / "wos.ris").records[0]
    assert wos.raw["N1"] == [
        "Times Cited in Web of Science Core Collection:  13",
        "Total Times Cited:  14",
        "Cited Reference Count:  11",
    ]
    # A lone CR separates the two AD lines, and WE from AN.
    assert wos.raw["AD"] == [
        "Kansas Invented Univ, Coll Vet Med, Manhattan, KS USA",
        "Ohio Invented Univ, Dept Surg, Columbus, OH USA",
    ]
    assert wos.raw["AN"] == ["WOS:000082000000006"]
    assert wos.raw["AB"] == [
        "Purpose: to compare the blood supply.\nMethods: eight dogs were studied.\n"
        "Results: the supply differed."
    ]


def test_cochrane_two_space_tags_and_ebsco_copyright() -> None:
    record = _read(FIXTURES / "cochrane_endnote.ris").records[0]
    assert record.raw["TY"] == ["JOUR"]
    assert record.raw["SP"] == ["1279\u20101297"]
    cinahl = _read(FIXTURES / "ebsco_cinahl.ris").records[0]
    assert len(cinahl.raw["AB"]) == 2  # the copyright notice stays in raw, not in abstract


def test_database_argument_wins(tmp_path: Path) -> None:
    record = _read(FIXTURES / "scopus_2024.ris", database="Embase").records[0]
    assert record.source.database == "Embase"
    # The database decides the mapping: Embase's KW are Emtree terms.
    assert record.emtree == ("bite marks",) and record.keywords == ()
    generic = _read(FIXTURES / "generic.ris", database="Scopus").records[1]
    assert generic.source.database == "Scopus"


# ------------------------------------------------------------------ encodings, line ends
TEXT = (
    "TY  - JOUR\nTI  - First title\nAU  - Ng, A\nAU  - Ok, B\nPY  - 2020\n"
    "DO  - 10.5555/x.1\nER  - \n\n"
    "TY  - JOUR\nTI  - Second title\nPY  - 2021\nER  - \n"
)


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t,
        lambda t: "\ufeff" + t,
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("\n", "\r"),
        lambda t: t.rstrip("\n"),
        lambda t: t.rstrip("\n").rstrip(" "),
        lambda t: t.replace("\nTY", "\n\ufeffTY"),
        lambda t: "\n\n" + t.replace("\n\n", "\n\n\n\n"),
        lambda t: t.replace("ER  - ", "ER  -"),
        lambda t: t.replace("  - ", "  -  "),
        lambda t: t.replace("\n", " \n"),
    ],
    ids=["lf", "bom", "crlf", "cr-only", "no-final-newline", "bare-er-at-eof",
         "bom-mid-file", "extra-blank-lines", "er-without-space", "two-spaces",
         "trailing-spaces"],
)
def test_line_endings_bom_and_spacing(tmp_path: Path, transform) -> None:
    result = _read(_write(tmp_path, transform(TEXT).encode("utf-8")))
    assert [str(p) for p in result.problems] == []
    first, second = result.records
    assert first.title == "First title"
    assert first.authors == ("Ng, A", "Ok, B")
    assert first.raw["AU"] == ["Ng, A", "Ok, B"]
    assert first.doi == "10.5555/x.1"
    assert (first.year, second.year) == (2020, 2021)
    assert second.title == "Second title"


@pytest.mark.parametrize("fixture", sorted(COUNTS))
def test_python_path_gives_what_the_c_path_gives(fixture: str, monkeypatch) -> None:
    with_c = _read(FIXTURES / fixture)
    monkeypatch.setattr(ris_module, "SPEEDUPS", False)
    assert _read(FIXTURES / fixture) == with_c


def test_records_across_chunk_boundaries(tmp_path: Path, monkeypatch) -> None:
    path = FIXTURES / "ovid_psycinfo.ris"
    whole = _read(path)
    monkeypatch.setattr(ris_module, "iter_chunks", functools.partial(iter_chunks, size=7))
    small = _read(path)
    assert small.records == whole.records
    assert small.rejects == whole.rejects == []


# ------------------------------------------------------------------ bad input
def _messages(path: Path) -> list[str]:
    return [str(p) for p in _read(path).problems]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("empty.ris", ["{p}:1: file: no records: the file is empty"]),
        ("bad_truncated.ris", [
            "{p}:9: ER: the file ends before this record's ER line: the last record looks "
            "truncated (got 'AB  - The download stopped in the middle of this sent')",
        ]),
        ("bad_no_er.ris", [
            "{p}:5: ER: the record from line 1 has no ER line before this TY line "
            "(got 'TY  - JOUR')",
            "{p}:9: ER: the record from line 5 has no ER line before this TY line "
            "(got 'TY  - JOUR')",
            "{p}:11: ER: the file ends before this record's ER line: the last record looks "
            "truncated (got 'PY  - 2020')",
        ]),
        ("bad_outside.ris", [
            "{p}:6: text: text outside records (got 'This line was pasted between two "
            "records.')",
            "{p}:13: text: text outside records (got 'Trailing notes after the last record')",
        ]),
        ("bad_no_ty.ris", [
            "{p}:6: TY: record has no TY line (a record starts with TY) "
            "(got 'TI  - A record that lost its TY line')",
        ]),
        ("bad_latin1.ris", ["{p}:7: encoding: bytes that are not valid utf-8 (got '\\\\xe9')"]),
        ("bad_year.ris", []),  # a field warning: test_a_garbled_year_is_a_field_warning
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_problem_messages(fixture: str, expected: list[str]) -> None:
    path = FIXTURES / fixture
    assert _messages(path) == [message.format(p=path) for message in expected]


def test_a_garbled_year_is_a_field_warning() -> None:
    path = FIXTURES / "bad_year.ris"
    result = _read(path)
    assert [(str(w), w.level) for w in result.warnings] == [
        (f"{path}:1: year: not a year (got 'n.d.')", "field")]
    assert result.rejects == [] and result.records[0].year is None
    assert result.records[0].raw["PY"] == ["n.d."]


def test_bad_input_keeps_the_good_records_and_the_raw_text() -> None:
    result = _read(FIXTURES / "bad_outside.ris")
    assert [r.title for r in result.records] == ["First record", "Second record"]
    first, last = result.rejects
    assert (first.line_start, first.line_end) == (6, 7)
    assert first.raw_text == "This line was pasted between two records.\nAnd so was this one.\n"
    assert (last.line_start, last.line_end) == (13, 13)

    result = _read(FIXTURES / "bad_truncated.ris")
    assert [r.title for r in result.records] == ["A complete record"]
    (reject,) = result.rejects
    assert (reject.line_start, reject.line_end) == (6, 9)
    assert reject.raw_text.startswith("TY  - JOUR\nTI  - A record cut off in the middle\n")
    assert reject.raw_text.endswith("in the middle of this sent")

    result = _read(FIXTURES / "bad_no_ty.ris")
    assert [r.title for r in result.records] == ["First record", "Third record"]
    assert [r.source.ordinal for r in result.records] == [1, 3]
    (reject,) = result.rejects
    assert (reject.line_start, reject.line_end) == (6, 8)
    assert reject.raw_text == "TI  - A record that lost its TY line\nPY  - 2021\nER  -\n"

    result = _read(FIXTURES / "bad_no_er.ris")
    assert result.records == []
    assert [(r.line_start, r.line_end) for r in result.rejects] == [(1, 3), (5, 7), (9, 11)]
    assert "".join(r.raw_text for r in result.rejects) == (
        FIXTURES / "bad_no_er.ris").read_text()

    result = _read(FIXTURES / "bad_latin1.ris")
    assert [r.title for r in result.records] == ["A clean record"]
    assert result.rejects[0].line_start == 6


def test_blank_file_is_empty_and_harmless_text_only_has_no_records(tmp_path: Path) -> None:
    blank = _write(tmp_path, b"\n\n   \n", "blank.ris")
    assert _messages(blank) == [f"{blank}:1: file: no records: the file is empty"]
    numbers = _write(tmp_path, b"1.\n\nRecord #1 of 2\n", "numbers.ris")
    assert _messages(numbers) == [
        f"{numbers}:1: file: no records: the file has no RIS record (no TY line)"
    ]


def test_iter_read_streams_in_file_order() -> None:
    items = list(RisReader().iter_read(FIXTURES / "bad_no_ty.ris"))
    assert [type(i).__name__ for i in items] == ["Record", "Reject", "Record"]
    assert isinstance(items[1], Reject)


# ------------------------------------------------------------------ parsing and sniffing
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TY  - JOUR\nAU  - A\nAU  - B\nKW  - x", {"TY": ["JOUR"], "AU": ["A", "B"],
                                                   "KW": ["x"]}),
        ("TY  -  JOUR\nTI  -  Two spaces  ", {"TY": ["JOUR"], "TI": ["Two spaces"]}),
        ("TY  - JOUR\nKW  - a\nb\nc\nTI  - t", {"TY": ["JOUR"], "KW": ["a", "b", "c"],
                                                "TI": ["t"]}),
        ("TY  - JOUR\nAB  - one\n   two\n\nthree", {"TY": ["JOUR"],
                                                     "AB": ["one\ntwo\n\nthree"]}),
        ("TY  - JOUR\nN1  -\nx\nDB  -", {"TY": ["JOUR"], "N1": ["", "x"], "DB": [""]}),
        ("TY  - JOUR\nAB  -text without space", {"TY": ["JOUR"], "AB": ["text without space"]}),
    ],
    ids=["plain", "cochrane-two-spaces", "endnote-list", "wrapped-text", "empty-values",
         "no-space-after-dash"],
)
def test_parse_ris_body(text: str, expected: dict) -> None:
    assert parse_ris_body(text) == expected
    assert parse_ris_body(text + "\n") == expected


def _head(text: str) -> Head:
    return Head(data=text.encode("utf-8"), text=text, suffix=".ris")


@pytest.mark.parametrize(
    ("text", "claimed"),
    [
        ("TY  - JOUR\nTI  - x\nER  - \n", True),
        ("\n\nTY  - JOUR\n", True),
        ("1.\nTY  - JOUR\n", True),
        ("2. \nTY  - JOUR\n", True),
        ("Record #3 of 18\nProvider: John Wiley & Sons, Ltd.\nContent: text/plain\n\n"
         "TY  -  JOUR\n", True),
        ("A note someone typed\nTY  - JOUR\n", True),
        ("PMID- 12345\nOWN - NLM\nTI  - x\n", False),
        ("PMC - PMC123\nPMID- 12345\n", False),
        ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Doe, J\n", False),
        ("PT J\nAU Doe, J\nTI x\nER\n", False),
        ("<1. >\nVN  - Ovid Technologies\nDB  - Embase\nTY  - JOUR\n", False),
        ("Record #1 of 2\nID: CD009275\nTI: x\n", False),
        ("@article{key,\n title={x}\n}\n", False),
        ("PMID,Title,Authors\n1,x,y\n", False),
    ],
    ids=["plain", "leading-blank", "ovid-number", "ovid-number-space", "cochrane-preamble",
         "junk-first-line", "medline", "pmc-medline", "wos-plain", "wos-no-header",
         "ovid-tagged", "cochrane-text", "bibtex", "csv"],
)
def test_sniff(text: str, claimed: bool) -> None:
    score = RisReader().sniff(_head(text))
    assert (score > 0) is claimed, score


def test_reader_is_registered() -> None:
    assert isinstance(get_reader("ris"), RisReader)
