"""Embase.com CSV (legacy and 2024) and XLSX readers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from screening.readers import detect_format
from screening.readers.base import Head
from screening.readers.embase_csv import EmbaseCsvReader, EmbaseXlsxReader, parse_embase_source
from screening.readers.textio import read_head

DATA = Path(__file__).resolve().parents[2] / "data" / "exports" / "embase_csv"


def _head(path: Path) -> Head:
    data, text = read_head(path)
    return Head(data, text, path.suffix)


def _summary(records) -> list[tuple]:
    return [
        (r.source.line_start, r.source.line_end, r.native_id, r.embase_id, r.pmid, r.doi,
         r.year, r.journal, r.volume, r.issue, r.pages, len(r.authors), set(r.flags))
        for r in records
    ]


LEGACY = [
    (2, 5, None, None, None, "10.1111/den.12580", 2016, "Digestive Endoscopy", "28", "4",
     "402-409", 3, set()),
    (6, 6, None, None, None, "10.1016/j.epsc.2018.01.009", 2018,
     "Journal of Pediatric Surgery Case Reports", "31", None, "45-49", 2, set()),
]
MODERN = [
    (5, 5, "L2025550001", "L2025550001", "37700001", "10.1093/ageing/afad171", 2023,
     "Age and Ageing", "52", "9", "afad171", 3, set()),
    (6, 6, "L644400002", "L644400002", None, None, 2024, "European Journal of Heart Failure",
     "26", "Supplement 2", None, 1, {"conference_abstract"}),
    (7, 7, "L2031110003", "L2031110003", None, "10.1007/s40266-024-01111-1", 2024,
     "Drugs and Aging", None, None, None, 2, {"in_press"}),
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("embase_legacy.csv", LEGACY, id="legacy-20-columns-multiline-cell"),
        pytest.param("embase_2024.csv", MODERN, id="2024-preamble-49-columns"),
    ],
)
def test_csv_records(name: str, expected: list[tuple]) -> None:
    path = DATA / name
    assert detect_format(path).name == "embase_csv"
    result = EmbaseCsvReader().read(path)
    assert result.rejects == []
    assert _summary(result.records) == expected
    assert {r.source.database for r in result.records} == {"Embase"}


def test_legacy_mapping() -> None:
    record = EmbaseCsvReader().read(DATA / "embase_legacy.csv").records[0]
    assert record.title == "Gastric varices: endoscopic cyanoacrylate injection in 84 patients"
    assert record.authors == ("Marchetti P.", "Oduya B.K.", "Lindgren S.")
    assert record.abstract == (
        "Background: Cyanoacrylate injection is used for bleeding gastric varices. "
        "Methods: We reviewed 84 consecutive patients. Results: Haemostasis was achieved in 79."
    )
    assert record.raw["Abstract"][0].count("\n") == 3  # raw keeps the cell as exported
    assert record.issn == ("0915-1249",)  # from the OpenURL link
    assert record.emtree == (
        "*enbucrilate (drug therapy)",
        "*gastric varices (therapy)",
        "*variceal bleeding (drug therapy, therapy)",
        "adult", "aged", "article", "endoscopy", "female", "human", "male",
    )
    assert len(record.raw) == 20


def test_2024_mapping() -> None:
    first = EmbaseCsvReader().read(DATA / "embase_2024.csv").records[0]
    assert first.keywords == ("falls", "vitamin D", "care homes")
    assert first.emtree[0] == "*colecalciferol (drug therapy, oral drug administration)"
    assert first.issn == ("1468-2834", "0002-0729")
    assert first.language == ("eng",)
    assert first.publication_types == ("Article",)
    assert first.other_ids == {"pui": "L2025550001"}
    assert len(first.raw) == 49
    third = EmbaseCsvReader().read(DATA / "embase_2024.csv").records[2]
    assert third.language == ("eng", "fre")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014",
         {"journal": "Endoscopic Ultrasound", "year": "2014", "volume": "3", "issue": "3",
          "pages": "152-160", "date": "2014"}),
        ("International Journal of Surgery Case Reports (2019) 54 (83-86). "
         "Date of Publication: 1 Jan 2019",
         {"journal": "International Journal of Surgery Case Reports", "year": "2019",
          "volume": "54", "pages": "83-86", "date": "1 Jan 2019"}),
        ("PLoS ONE (2024) 19:1 January Article Number: e0292318. Date of Publication: 2024",
         {"journal": "PLoS ONE", "year": "2024", "volume": "19", "issue": "1 January",
          "article": "e0292318", "pages": "e0292318", "date": "2024"}),
        ("Anatomical Record (2024). Date of Publication: 2024",
         {"journal": "Anatomical Record", "year": "2024", "date": "2024"}),
        ("no year here", {}),
        (None, {}),
    ],
)
def test_parse_source(source: str | None, expected: dict[str, str]) -> None:
    assert parse_embase_source(source) == expected


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        pytest.param("embase_truncated.csv", [
            "3: row: quoted cell is not closed before the end of the file: the file looks "
            "truncated (got '\"Cholangioscopy-guided lithotripsy for difficult bile duc...')",
        ], id="unterminated-quote-at-eof"),
        pytest.param("embase_preamble_only.csv", [
            "3: file: no records: no header row after the search-query preamble",
        ], id="preamble-only"),
    ],
)
def test_csv_problems(name: str, problems: list[str]) -> None:
    path = DATA / name
    result = EmbaseCsvReader().read(path)
    assert [str(p) for p in result.problems] == [f"{path}:{p}" for p in problems]


def test_truncated_file_keeps_the_good_record_and_the_cut_text() -> None:
    result = EmbaseCsvReader().read(DATA / "embase_truncated.csv")
    assert [r.title for r in result.records] == [
        "Paediatric button battery ingestion: a case series"]
    (reject,) = result.rejects
    assert (reject.line_start, reject.line_end) == (3, 4)
    assert reject.raw_text.endswith("Forty-one pati")


def _embase_header() -> list[str]:
    with open(DATA / "embase_2024.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[3]


def _xlsx(path: Path, header: list[str], rows: list[dict[str, object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["SEARCH QUERY", "'falls'/exp"])
    sheet.append(["-------------------------------------"])
    sheet.append([""])
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(column, "") for column in header])
    book.save(path)
    return path


XLSX_ROWS: list[dict[str, object]] = [
    {"Title": "Hip protectors in nursing homes", "Author Names": "Ito S., Dube N.",
     "Source title": "Osteoporosis International", "Publication Year": 2022, "Volume": 33,
     "Issue": 4, "First Page": 801, "Last Page": 809, "Publication Type": "Article",
     "Medline PMID": 35000001, "PUI": "L2016000001", "DOI": "10.1007/S00198-021-06200-1",
     "Article Language": "English"},
    {"Title": "Balance training by video call", "Author Names": "Novak J.",
     "Publication Year": 2023.0, "Publication Type": "Conference Abstract",
     "Medline PMID": 36000002.0},
]


def test_xlsx(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "export.xlsx", _embase_header(), XLSX_ROWS)
    assert detect_format(path).name == "embase_xlsx"
    result = EmbaseXlsxReader().read(path)
    assert result.rejects == []
    assert [
        (r.source.line_start, r.source.line_end, r.native_id, r.pmid, r.doi, r.year, r.pages,
         len(r.authors), set(r.flags))
        for r in result.records
    ] == [
        (5, 5, "L2016000001", "35000001", "10.1007/s00198-021-06200-1", 2022, "801-809", 2,
         set()),
        (6, 6, None, "36000002", None, 2023, None, 1, {"conference_abstract"}),
    ]
    assert result.records[0].source.export_format == "embase_xlsx"
    assert result.records[0].raw["Volume"] == ["33"]
    assert len(result.records[1].raw) == 49  # trailing empty cells padded


def test_xlsx_without_embase_columns(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "other.xlsx", ["Title", "Authors", "Year"],
                 [{"Title": "T", "Authors": "A", "Year": 2020}])
    result = EmbaseXlsxReader().read(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:4: columns: no column 'Author Names' (columns are: Title, Authors, Year)",
        f"{path}:5: row: not read: the header at line 4 is unusable",
    ]


def test_xlsx_named_file_with_csv_content() -> None:
    path = DATA / "embase_really_csv.xlsx"
    assert EmbaseXlsxReader().sniff(_head(path)) == 0.0
    assert detect_format(path).name == "embase_csv"  # the format comes from the content
    assert [r.pmid for r in EmbaseCsvReader().read(path).records] == ["37700001"]
    result = EmbaseXlsxReader().read(path)
    assert result.records == []
    assert [str(p) for p in result.problems] == [
        f"{path}:1: file: not an XLSX workbook (not a zip archive; the file starts with "
        "text); if it is CSV, read it with a CSV format "
        "(got '\"SEARCH QUERY\",\"(\\'falls\\'/exp OR \\'depresc')"
    ]


@pytest.mark.parametrize(
    ("name", "csv_score"),
    [("embase_legacy.csv", 0.95), ("embase_2024.csv", 0.95), ("embase_truncated.csv", 0.95)],
)
def test_sniff(name: str, csv_score: float) -> None:
    head = _head(DATA / name)
    assert EmbaseCsvReader().sniff(head) == csv_score
    assert EmbaseXlsxReader().sniff(head) == 0.0
