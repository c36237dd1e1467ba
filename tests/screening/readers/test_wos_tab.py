"""Web of Science tab-delimited reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format
from screening.readers.base import Head
from screening.readers.textio import read_head
from screening.readers.wos_tab import WosTabReader

DATA = Path(__file__).resolve().parents[2] / "data" / "exports" / "wos_tab"


def test_records() -> None:
    path = DATA / "savedrecs_tab.txt"  # BOM, CRLF, a trailing tab on every row
    assert detect_format(path).name == "wos_tab"
    result = WosTabReader().read(path)
    assert result.rejects == []
    assert [
        (r.source.line_start, r.source.line_end, r.native_id, r.pmid, r.doi, r.year, r.pages,
         len(r.authors), set(r.flags), r.source.database)
        for r in result.records
    ] == [
        (2, 2, "WOS:000750000000001", None, "10.1016/j.ecss.2021.107745", 2022, "107745", 3,
         set(), "Web of Science"),
        # early access: no PY, the year comes from EA
        (3, 3, "WOS:001100000000002", "37900002", "10.1016/j.marpolbul.2023.115001", 2023,
         None, 1, {"in_press"}, "Web of Science"),
        (4, 4, "WOS:000640000000003", None, None, 2021, "880-881", 1, {"erratum"},
         "Web of Science"),
    ]


def test_mapping() -> None:
    first, second, _ = WosTabReader().read(DATA / "savedrecs_tab.txt").records
    assert first.title == 'Seagrass loss and "blue carbon" accounting in temperate estuaries'
    assert first.authors == ("Okafor, Chidi N.", "Lindgren, Sofia", "Ruiz, Marta")
    assert first.abstract == (
        "Seagrass meadows store carbon. We surveyed 14 estuaries & modelled losses.")
    assert first.keywords == ("seagrass", "blue carbon", "estuaries")
    assert first.issn == ("0272-7714", "1096-0015")
    assert first.journal == "ESTUARINE COASTAL AND SHELF SCIENCE"
    assert first.journal_abbrev == "Estuar. Coast. Shelf Sci."
    assert first.other_ids == {"wos": "WOS:000750000000001"}
    # raw keeps every column as exported: joined lists are not split there
    assert first.raw["AU"] == ["Okafor, CN; Lindgren, S; Ruiz, M"]
    assert first.raw["C1"][0].startswith("[Okafor, Chidi N.; Ruiz, Marta] Univ Exeter")
    assert first.raw["PG"] == ["11"]  # a page count, not pages
    assert len(first.raw) == 67
    assert second.group_authors == ("Coastal Monitoring Consortium",)
    assert second.publication_types == ("Article", "Early Access")


def test_truncated_last_row() -> None:
    path = DATA / "savedrecs_truncated.txt"
    result = WosTabReader().read(path)
    assert len(result.records) == 2
    assert [str(p) for p in result.problems] == [
        f"{path}:4: row: has 20 fields, the header has 67: the file looks truncated "
        "(got 'J\\tMoreau, P\\t\\t\\t\\tMoreau, Pierre\\t\\t\\tCorrection to: Salt marsh...')"
    ]


def test_sniff() -> None:
    data, text = read_head(DATA / "savedrecs_tab.txt")
    assert WosTabReader().sniff(Head(data, text, ".txt")) == 0.95
    assert WosTabReader().sniff(Head(b"FN Clarivate\nVR 1.0\n", "FN Clarivate\nVR 1.0\n",
                                     ".txt")) == 0.0


def _one_row(tmp_path: Path, ut: str) -> Path:
    header = ["PT", "AU", "TI", "PY", "UT"]
    row = ["J", "Stillman, AN", "Bird counts in hedgerows", "2019", ut, ""]
    path = tmp_path / "zr.txt"
    path.write_text("\t".join(header) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("ut", "database", "expected"),
    [
        ("ZOOREC:ZOOR15500012345", None, "Zoological Record"),
        ("WOS:000450000000001", None, "Web of Science"),
        ("ZOOREC:ZOOR15500012345", "My database", "My database"),
    ],
)
def test_database_from_the_row(tmp_path: Path, ut: str, database, expected: str) -> None:
    (record,) = WosTabReader().read(_one_row(tmp_path, ut), database=database).records
    assert record.source.database == expected
    assert record.native_id == ut
