"""Spot checks of the table readers on the real exports under ../shared/data/exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format

pytestmark = pytest.mark.shared


def _read(shared_exports: Path, relpath: str, reader: str):
    path = shared_exports / relpath
    found = detect_format(path)
    assert found.name == reader
    result = found.read(path)
    assert result.rejects == [], [str(p) for p in result.problems][:5]
    return result.records


def test_pubmed_csv(shared_exports: Path) -> None:
    records = _read(shared_exports, "pubmed_csv/cff___baseline_pubmed.csv", "pubmed_csv")
    first = records[0]
    assert (first.pmid, first.native_id, first.doi, first.year) == (
        "30922926", "30922926", "10.1016/j.ejmg.2019.03.004", 2020)
    assert (first.volume, first.issue, first.pages) == ("63", "2", "103640")
    assert first.authors == ("Griffin DK", "Larkin DM", "O'Connor RE")
    assert first.title == "Time lapse: A glimpse into prehistoric genomics"
    assert (first.source.line_start, first.source.database) == (2, "PubMed")
    assert len(records[1].authors) == 11


def test_pubmed_csv_all_quoted(shared_exports: Path) -> None:
    records = _read(shared_exports, "pubmed_csv/colrev__pubmed-chatbot.csv", "pubmed_csv")
    assert [r.pmid for r in records][:2] == ["35227408", "34847056"]
    assert records[2].pages == "19-25"


def test_embase_legacy_csv_with_newlines(shared_exports: Path) -> None:
    records = _read(shared_exports, "embase/asreview__embase_newpage.csv", "embase_csv")
    assert [(r.source.line_start, r.source.line_end) for r in records][:3] == [
        (2, 4), (5, 7), (8, 10)]
    first = records[0]
    assert (first.journal, first.year, first.volume, first.issue, first.pages) == (
        "Endoscopic Ultrasound", 2014, "3", "3", "152-160")
    assert first.doi == "10.4103/2303-9027.138783"
    assert first.authors == ("Liu R.", "Adler D.G.")


def test_embase_2024_csv_and_xlsx_agree(shared_exports: Path) -> None:
    from_csv = _read(shared_exports, "embase/cff___baseline_embase.csv", "embase_csv")
    from_xlsx = _read(shared_exports, "embase/cff___baseline_embase.xlsx", "embase_xlsx")
    assert len(from_csv) == len(from_xlsx) == 10
    for a, b in zip(from_csv, from_xlsx, strict=True):
        assert (a.native_id, a.pmid, a.doi, a.year, a.title, a.authors, a.pages, a.flags) == (
            b.native_id, b.pmid, b.doi, b.year, b.title, b.authors, b.pages, b.flags)
        assert a.source.line_start == b.source.line_start  # CSV line = spreadsheet row here
    first = from_csv[0]
    assert (first.embase_id, first.pmid, first.doi) == (
        "L2029880245", "38773066", "10.1038/s41467-024-48400-3")
    assert first.source.line_start == 5  # after the 3-line preamble and the header
    assert [r.flags for r in from_csv if r.flags] == [
        frozenset({"erratum"}), frozenset({"erratum"}), frozenset({"in_press"})]


def test_scopus_2024(shared_exports: Path) -> None:
    records = _read(shared_exports, "scopus/cff___baseline_scopus.csv", "scopus_csv")
    first = records[0]
    assert (first.native_id, first.pmid, first.doi, first.year, first.pages) == (
        "2-s2.0-85189760133", "38580657", "10.1038/s41467-024-46843-2", 2024, "2864")
    assert len(first.authors) == 8 and first.authors[0] == "Wilson, Lauren N."
    assert first.other_ids == {"scopus_eid": "2-s2.0-85189760133"}


def test_scopus_with_na_cells(shared_exports: Path) -> None:
    records = _read(shared_exports, "scopus/bibliometrix__scopus_sample.csv", "scopus_csv")
    assert records[0].pmid is None  # "NA"
    assert records[1].pmid == "41494690"


def test_scopus_2016_huge_line(shared_exports: Path) -> None:
    records = _read(shared_exports, "scopus/metaknowledge__scopus_testing.csv.scopus",
                    "scopus_csv")
    assert len(records) == 220
    first = records[0]
    assert first.authors[:2] == ("Yagai T.", "Kimura Y.") and len(first.authors) == 11
    assert (first.doi, first.pages) == ("10.1109/tasc.2016.2541670", "7433444")
    assert max(len(r.raw["References"][0]) for r in records) > 95_000  # a 105 kB line


def test_cochrane_csv(shared_exports: Path) -> None:
    records = _read(shared_exports, "cochrane/cff___baseline_cochrane.csv", "cochrane_csv")
    second = records[1]
    assert (second.native_id, second.pmid, second.embase_id, second.doi, second.pages) == (
        "CN-02677909", "38407106", "L643589775", "10.1037/dev0001710", "1279-1297")
    assert len(second.authors) == 7
    assert second.source.database == "Cochrane CENTRAL"


def test_wos_tab(shared_exports: Path) -> None:
    records = _read(shared_exports, "wos/TimothyStaples__savedrecs_tab.txt", "wos_tab")
    assert len(records) == 212
    first = records[0]
    assert (first.native_id, first.doi, first.year, first.pages, len(first.authors)) == (
        "WOS:000717496600001", "10.1007/s00227-021-03984-y", 2021, "177", 12)
    assert first.source.line_start == 2
    assert sum(1 for r in records if r.pmid) > 0
    assert records[-1].source.line_end == 213
