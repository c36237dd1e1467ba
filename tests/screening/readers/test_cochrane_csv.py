"""Cochrane CENTRAL CSV reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.errors import UnknownFormatError
from screening.readers import detect_format
from screening.readers.base import Head
from screening.readers.cochrane_csv import CochraneCsvReader
from screening.readers.textio import read_head

DATA = Path(__file__).resolve().parents[2] / "data" / "exports" / "cochrane_csv"


def test_records() -> None:
    path = DATA / "central.csv"
    assert detect_format(path).name == "cochrane_csv"
    result = CochraneCsvReader().read(path)
    assert result.rejects == []
    assert [
        (r.source.line_start, r.source.line_end, r.native_id, r.pmid, r.embase_id, r.doi,
         r.year, r.pages, len(r.authors), r.source.database)
        for r in result.records
    ] == [
        (2, 3, "CN-02100001", "32100001", "L631000001", "10.1200/jco.19.01234", 2020,
         "1701-1710", 3, "Cochrane CENTRAL"),
        # the URL's 10.1002/central/CN-… is not an article DOI
        (4, 4, "CN-02200002", None, None, None, 2021, None, 1, "Cochrane CENTRAL"),
    ]


def test_mapping() -> None:
    first, second = CochraneCsvReader().read(DATA / "central.csv").records
    assert first.authors == ("Petersen, LM", "Okonkwo, A", "Sato, Y")
    assert first.title == (
        "Exercise during chemotherapy for breast cancer: a randomised controlled trial")
    assert first.journal == "Journal of clinical oncology"
    assert (first.volume, first.issue, first.start_page, first.end_page) == (
        "38", "15", "1701", "1710")
    assert first.keywords == (
        "*Exercise Therapy", "Breast Neoplasms [drug therapy, *rehabilitation]", "Fatigue",
        "Humans")
    assert first.other_ids == {"cochrane_central": "CN-02100001", "ctgov": "CTG NCT02000001"}
    assert first.abstract == "BACKGROUND: Fatigue is common. METHODS: 120 women were randomised."
    assert first.raw["Pages"] == ["1701\u20101710"]
    assert len(first.raw) == 20
    assert second.other_ids == {
        "cochrane_central": "CN-02200002", "ctgov": "CTG NCT04800002",
        "ictrp": "ICTRP NCT04800002"}
    assert second.publication_types == ("Trial registry record",)


def test_empty_file() -> None:
    path = DATA / "central_empty.csv"
    with pytest.raises(UnknownFormatError) as caught:
        detect_format(path)
    assert str(caught.value) == f"{path}:1: file: the file is empty"
    result = CochraneCsvReader().read(path)
    assert result.records == []
    assert [str(p) for p in result.problems] == [f"{path}:1: file: no records: the file is empty"]


def test_sniff() -> None:
    data, text = read_head(DATA / "central.csv")
    assert CochraneCsvReader().sniff(Head(data, text, ".csv")) == 0.95
    assert CochraneCsvReader().sniff(Head(b"Title,Year\n", "Title,Year\n", ".csv")) == 0.0
