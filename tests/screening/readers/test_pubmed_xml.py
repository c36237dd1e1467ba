"""PubMed XML reader, on fixtures in tests/data/exports/pubmed_xml."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader, xml_stream
from screening.readers.xml_stream import iter_xml

READER = get_reader("pubmed_xml")


@pytest.fixture(autouse=True)
def _in_fixture_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir / "exports" / "pubmed_xml")


def read(name: str):
    return READER.read(Path(name))


GOOD_RECORDS = [
    (0, "native_id", "33445566"),
    (0, "pmid", "33445566"),  # not the 23992774 of the ReferenceList
    (0, "pmcid", "PMC8000001"),
    (0, "doi", "10.1016/j.jcn.2020.11.004"),
    (0, "title", "Early mobilisation and delirium after cardiac surgery: a randomised trial"),
    (0, "abstract", "BACKGROUND: Delirium is frequent after cardiac surgery. METHODS: We "
                    "randomly assigned 212 adults; the CAM-ICU scoremax was recorded."),
    (0, "authors", ("Nakamura, Kenji", "Osei, Abena B")),
    (0, "group_authors", ("Cardiac Delirium Study Group",)),
    (0, "year", 2021),
    (0, "journal", "Journal of cardiac nursing"),
    (0, "journal_abbrev", "J Card Nurs"),
    (0, "volume", "36"),
    (0, "issue", "2"),
    (0, "pages", "112-119"),
    (0, "issn", ("2345-6789", "1234-5678")),
    (0, "language", ("eng",)),
    (0, "mesh", ("*Delirium/prevention & control",)),
    (0, "publication_types", ("Randomized Controlled Trial",)),
    (0, "flags", frozenset()),  # CommentIn is not a flag; CommentOn would be
    (1, "doi", "10.9999/rsi.2019.045"),  # only in PubmedData/ArticleIdList
    (1, "year", 2019),  # MedlineDate "2019 Nov-Dec"
    (1, "pages", "45-46"),  # StartPage/EndPage
    (1, "title", "Erratum: Night-shift work and sleep quality in nurses"),
    (1, "title_original", "Erratum : travail de nuit et qualité du sommeil des infirmières."),
    (1, "flags", frozenset({"erratum", "translated_title"})),
    (1, "authors", ()),
    (2, "pmid", "20301999"),  # PubmedBookArticle
    (2, "title", "Familial Mediterranean Fever"),
    (2, "journal", "GeneReviews"),
    (2, "year", 1993),
    (2, "authors", ("Shohat, Mordechai",)),
]


@pytest.mark.parametrize(("index", "field", "expected"), GOOD_RECORDS)
def test_fields(index: int, field: str, expected: object) -> None:
    result = read("good.xml")
    assert result.problems == []
    assert getattr(result.records[index], field) == expected


def test_raw_keeps_every_element() -> None:
    raw = read("good.xml").records[0].raw
    assert raw["MedlineCitation/LocalNote"] == ["an element this reader does not know"]
    assert raw["MedlineCitation/Article/ArticleTitle"] == [
        "Early mobilisation and delirium after cardiac surgery: a randomised trial."
    ]
    assert raw["PubmedData/ReferenceList/Reference/ArticleIdList/ArticleId"][0] == "23992774"
    assert raw["MedlineCitation@Status"] == ["MEDLINE"]


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("good.xml", [(4, 85), (86, 124), (125, 158)]),
        ("crlf.xml", [(4, 25), (26, 47)]),
        ("cr.xml", [(4, 25), (26, 47)]),  # libxml2 counts LF only: CR is translated first
        ("bom.xml", [(4, 25), (26, 47)]),  # BOM at the start and between two records
    ],
)
def test_lines(name: str, lines: list[tuple[int, int]]) -> None:
    result = read(name)
    assert result.problems == []
    assert [(r.source.line_start, r.source.line_end) for r in result.records] == lines
    assert {r.source.database for r in result.records} == {"PubMed"}


BAD = [
    ("empty.xml", 0, ["empty.xml:1: file: no records: the file is empty"], [(1, 1)]),
    ("truncated.xml", 1,
     ["truncated.xml:38: xml: the XML ends early: the file looks truncated "
      "(got 'Premature end of data in tag ArticleTitle line 38')"], [(26, 38)]),
    ("malformed.xml", 1,
     ["malformed.xml:36: xml: the XML is not well-formed "
      "(got 'Opening and ending tag mismatch: Title line 36 and Titel')"], [(26, 48)]),
    ("latin1.xml", 1,
     ["latin1.xml:41: encoding: bytes that are not valid in the XML encoding "
      "(got 'Invalid bytes in character encoding')"], [(26, 48)]),
    ("outside.xml", 2,
     ["outside.xml:26: line: text outside records (got 'stray text between records')",
      "outside.xml:27: Note: unexpected element outside records (got '<Note>')"],
     [(26, 27), (27, 27)]),
    ("noarticles.xml", 0,
     ["noarticles.xml:3: file: no records: the file holds no PubmedArticle"], [(3, 3)]),
    ("nopmid.xml", 0, ["nopmid.xml:4: PMID: record has no PMID"], [(4, 24)]),
    ("error.xml", 0,
     ["error.xml:4: ERROR: E-utilities error response, not records "
      "(got 'Empty id list - nothing todo')"], [(1, 5)]),
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
    assert [(r.line_start, r.line_end) for r in result.rejects] == rejects


def test_broken_part_is_kept_as_raw_text() -> None:
    reject = read("truncated.xml").rejects[0]
    assert reject.raw_text.startswith("  <PubmedArticle>\n")
    assert reject.raw_text.endswith("<ArticleTitle>Antibiotic stewa")


ARTICLE = ("<PubmedArticle><MedlineCitation><PMID>{0}</PMID><Article><ArticleTitle>T{0}"
           "</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n")


def test_records_before_an_error_far_into_the_file_are_read(tmp_path: Path) -> None:
    path = tmp_path / "long.xml"
    good = "".join(ARTICLE.format(i) for i in range(1, 3001))  # ~370 kB: many chunks
    broken = ARTICLE.format(3001).replace("</ArticleTitle>", "</Title>")
    path.write_text("<PubmedArticleSet>\n" + good + broken + ARTICLE.format(3002)
                    + "</PubmedArticleSet>\n")
    result = READER.read(path)
    assert [r.pmid for r in result.records] == [str(i) for i in range(1, 3001)]
    assert [(r.line_start, r.line_end) for r in result.rejects] == [(3002, 3004)]
    assert [str(p) for p in result.problems] == [
        f"{path}:3002: xml: the XML is not well-formed "
        "(got 'Opening and ending tag mismatch: ArticleTitle line 3002 a...')"
    ]
    assert result.rejects[0].raw_text.startswith(broken)


def test_a_record_ending_on_the_error_line_goes_to_the_reject(tmp_path: Path) -> None:
    path = tmp_path / "oneline.xml"
    path.write_text("<PubmedArticleSet>\n" + ARTICLE.format(1)
                    + ARTICLE.format(2).rstrip() + "<Bad></PubmedArticleSet>\n")
    result = READER.read(path)
    assert [r.pmid for r in result.records] == ["1"]
    assert [(r.line_start, r.line_end) for r in result.rejects] == [(3, 3)]
    assert "<PMID>2</PMID>" in result.rejects[0].raw_text


def test_not_pubmed_xml(tmp_path: Path) -> None:
    path = tmp_path / "search.xml"
    path.write_text('<?xml version="1.0"?>\n<eSearchResult><Count>0</Count></eSearchResult>\n')
    result = READER.read(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:2: file: not PubMed XML: the root element is <eSearchResult>, "
        "not <PubmedArticleSet>"
    ]


def test_finished_records_are_cleared_while_streaming(tmp_path: Path) -> None:
    article = ("<PubmedArticle><MedlineCitation><PMID>{0}</PMID><Article><ArticleTitle>T{0}"
               "</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n")
    path = tmp_path / "many.xml"
    path.write_text("<PubmedArticleSet>\n" + "".join(article.format(i) for i in range(1, 3001))
                    + "</PubmedArticleSet>\n")
    seen = [(r.pmid, r.source.line_start, r.source.line_end) for r in READER.iter_read(path)]
    assert seen[0] == ("1", 2, 2) and seen[-1] == ("3000", 3001, 3001)
    elements = [item for kind, item, _, _ in iter_xml(
        path, ("PubmedArticleSet",), frozenset({"PubmedArticle"}), None) if kind == "record"]
    assert all(len(element) == 0 for element in elements)  # children freed
    assert len(elements[-1].getparent()) == 1  # earlier records removed from the tree


@pytest.mark.parametrize("name", ["good.xml", "crlf.xml", "cr.xml", "bom.xml", "error.xml"])
def test_detected_by_content(name: str) -> None:
    assert detect_format(Path(name)).name == "pubmed_xml"
