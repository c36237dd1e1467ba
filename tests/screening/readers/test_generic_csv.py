"""Generic CSV/TSV reader: column aliases, config mapping, and sniffing below the vendors."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.errors import ConfigError
from screening.readers import detect_format, get_reader
from screening.readers.base import Head
from screening.readers.generic_csv import GenericCsvReader, split_names
from screening.readers.textio import read_head

EXPORTS = Path(__file__).resolve().parents[2] / "data" / "exports"
DATA = EXPORTS / "csv"


def _head(path: Path) -> Head:
    data, text = read_head(path)
    return Head(data, text, path.suffix)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("generic.csv", [
            (2, 2, "r1", "33500001", "10.1016/j.jadohealth.2021.01.001", 2021, 2),
            (3, 3, "r2", None, None, 2019, 2),
            (4, 5, "r3", None, "10.1016/j.invent.2020.100300", 2020, 1),
        ], id="csv-aliases-multiline-cell"),
        pytest.param("generic.tsv", [
            (2, 2, "a-17", None, "10.1002/da.22700", 2018, 2),
            (3, 3, "a-18", None, None, 2020, 1),
        ], id="tsv-sniffed-delimiter"),
        pytest.param("generic_mid_bom.csv", [
            (2, 2, "r1", "33500001", "10.1016/j.jadohealth.2021.01.001", 2021, 2),
            (3, 3, "r2", None, None, 2019, 2),
        ], id="bom-mid-file"),
    ],
)
def test_records(name: str, expected: list[tuple]) -> None:
    path = DATA / name
    assert detect_format(path).name == "csv"
    result = GenericCsvReader().read(path)
    assert result.rejects == []
    assert [
        (r.source.line_start, r.source.line_end, r.native_id, r.pmid, r.doi, r.year,
         len(r.authors))
        for r in result.records
    ] == expected
    assert {r.source.database for r in result.records} == {None}
    assert {r.source.export_format for r in result.records} == {"csv"}


def test_mapping_by_alias() -> None:
    first, second, third = GenericCsvReader().read(DATA / "generic.csv").records
    assert first.title == "Mindfulness apps for adolescent anxiety"
    assert first.authors == ("Ahmed, S", "Kowalski, P")
    assert first.journal == "J Adolesc Health"
    assert first.keywords == ("mindfulness", "apps", "anxiety")
    assert first.raw["included"] == ["1"]  # unknown columns are kept
    assert second.authors == ("Brandt M.", "Osei K.")
    assert second.title == "School counselling, revisited"
    assert third.authors == ("Chen, Li",)
    assert third.keywords == ("peer support", "online")
    assert third.abstract == "Line one of the abstract. Line two."


def test_mapping_from_config() -> None:
    reader = GenericCsvReader(columns={
        "title": "Paper", "id": "Ref No", "abstract": "Summary", "authors": "Writers",
        "year": "Yr"})
    (record,) = reader.read(DATA / "generic_mapped.csv").records
    assert (record.native_id, record.title, record.abstract, record.authors, record.year) == (
        "E-001", "Screen time and sleep in toddlers", "We followed 300 toddlers.",
        ("Ito S", "Dube N"), 2022)


@pytest.mark.parametrize(
    ("name", "columns", "problems"),
    [
        pytest.param("generic_mapped.csv", {"title": "Paper", "doi": "DOI"}, [
            "1: columns: no column 'DOI' (columns are: Ref No, Paper, Summary, Writers, Yr)",
            "2: row: not read: the header at line 1 is unusable",
        ], id="mapped-column-missing"),
        pytest.param("generic_no_title.csv", None, [
            "1: columns: no title column: none of title, article title, primary_title, "
            "primary title, document title, paper title (columns are: Name, Year, Notes); "
            "map one in the config",
            "2: row: not read: the header at line 1 is unusable",
        ], id="no-title-column"),
    ],
)
def test_column_problems(name: str, columns: dict | None, problems: list[str]) -> None:
    path = DATA / name
    result = GenericCsvReader(columns=columns).read(path)
    assert result.records == []
    assert [str(p) for p in result.problems] == [f"{path}:{p}" for p in problems]


def test_unknown_field_in_config() -> None:
    with pytest.raises(ConfigError) as caught:
        GenericCsvReader(columns={"titel": "Paper"})
    assert str(caught.value) == (
        "columns: unknown record field 'titel' (fields are: abstract, authors, doi, id, "
        "issn, issue, journal, journal_abbrev, keywords, language, native_id, pages, pmcid, "
        "pmid, publication_types, title, volume, year)"
    )


def test_registry_gives_the_default_reader() -> None:
    assert isinstance(get_reader("csv"), GenericCsvReader)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ahmed, S; Kowalski, P", ["Ahmed, S", "Kowalski, P"]),
        ("Griffin DK, Larkin DM", ["Griffin DK", "Larkin DM"]),
        ("Liu R., Adler D.G.", ["Liu R.", "Adler D.G."]),
        ("Smith, John", ["Smith, John"]),
        ("A | B", ["A", "B"]),
        ("  ", []),
        (None, []),
    ],
)
def test_split_names(value: str | None, expected: list[str]) -> None:
    assert split_names(value) == expected


# Every vendor fixture: the vendor's reader must win clearly over the generic one.
VENDOR_FILES = [
    ("pubmed_csv/pubmed_bom.csv", "pubmed_csv"),
    ("pubmed_csv/pubmed_crlf_quoted.csv", "pubmed_csv"),
    ("embase_csv/embase_legacy.csv", "embase_csv"),
    ("embase_csv/embase_2024.csv", "embase_csv"),
    ("embase_csv/embase_really_csv.xlsx", "embase_csv"),
    ("scopus_csv/scopus_2024.csv", "scopus_csv"),
    ("scopus_csv/scopus_2016.csv.scopus", "scopus_csv"),
    ("cochrane_csv/central.csv", "cochrane_csv"),
    ("wos_tab/savedrecs_tab.txt", "wos_tab"),
]


@pytest.mark.parametrize(("relpath", "vendor"), VENDOR_FILES)
def test_generic_sniff_scores_below_vendors(relpath: str, vendor: str) -> None:
    path = EXPORTS / relpath
    head = _head(path)
    generic = GenericCsvReader().sniff(head)
    assert 0 <= generic <= 0.3
    assert get_reader(vendor).sniff(head) - generic > 0.5
    assert detect_format(path).name == vendor


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Title,Abstract\n", 0.3),
        ("id\tprimary_title\n", 0.3),
        ("Name,Year,Notes\n", 0.1),
        ("TY  - JOUR\n", 0.0),
        ("PMID- 123\n", 0.0),
        ("@article{key,\n", 0.0),
    ],
)
def test_generic_sniff(text: str, score: float) -> None:
    assert GenericCsvReader().sniff(Head(text.encode(), text, ".txt")) == score
