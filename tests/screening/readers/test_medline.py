"""MEDLINE reader: the project's own fixtures and every bad-input case."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.errors import UnknownFormatError
from screening.readers import detect_format, get_reader
from screening.readers.medline import MedlineReader

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "exports" / "medline"
FIXTURE = FIXTURE / "ketamine_pubmed.nbib"

RECORD_A = (
    "PMID- 111\nOWN - NLM\nDP  - 2019 Sep\nTI  - Ketamine for pain: a trial with a long title\n"
    "      that wraps.\nLID - 10.5555/ABC.1 [doi]\nAB  - First line\n      second line.\n"
    "FAU - Smith, Anna\nAU  - Smith A\nFAU - Jones, Bo\nAU  - Jones B\nXYZ - an unknown tag\n"
    "PG  - 466-75\nSO  - J Test. 2019;1:466-75.\n"
)
RECORD_B = "PMID- 222\nDP  - 2020\nTI  - Second record.\nSO  - J Test. 2020.\n"


def _write(tmp_path: Path, data: bytes, name: str = "export.nbib") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read(path: Path):
    return MedlineReader().read(path)


def test_fixture_fields() -> None:
    result = _read(FIXTURE)
    assert result.rejects == []
    assert len(result.records) == 10
    first = result.records[0]
    assert first.pmid == "31002418" == first.native_id
    assert first.doi == "10.5555/pm.2019.0412"
    assert first.year == 2019
    assert first.title.startswith("Intravenous ketamine infusion for refractory chronic low back")
    assert not first.title.endswith(".")
    assert first.authors == ("Almeida, Rita S", "Okafor, Chidi", "Lindqvist, Per")
    assert first.pages == "712-721"
    assert first.source.database == "PubMed"
    assert first.source.line_start == 2  # the file starts with an empty line, as efetch writes
    assert "Randomized Controlled Trial" in first.publication_types
    assert "*Ketamine/administration & dosage" in first.mesh
    translated = result.records[8]
    assert translated.title.startswith("Ketamine in the treatment of chronic headache")
    assert "translated_title" in translated.flags
    assert translated.title_original.startswith("Ketamin in der Behandlung")
    assert translated.language == ("ger",)
    assert "erratum" in result.records[9].flags


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t,
        lambda t: "\ufeff" + t,
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("\n", "\r"),
        lambda t: t.rstrip("\n"),
        lambda t: "\n\n" + t.replace("\n\n", "\n\n\n\n"),
    ],
    ids=["lf", "bom", "crlf", "cr-only", "no-final-newline", "extra-blank-lines"],
)
def test_line_endings_and_bom(tmp_path: Path, transform) -> None:
    text = transform(RECORD_A + "\n" + RECORD_B)
    result = _read(_write(tmp_path, text.encode("utf-8")))
    assert result.rejects == []
    a, b = result.records
    assert a.title == "Ketamine for pain: a trial with a long title that wraps"
    assert a.abstract == "First line second line."
    assert a.doi == "10.5555/abc.1"
    assert a.authors == ("Smith, Anna", "Jones, Bo")
    assert a.raw["XYZ"] == ["an unknown tag"]
    assert a.raw["AU"] == ["Smith A", "Jones B"]
    assert a.pages == "466-475"
    assert b.pmid == "222" and b.year == 2020


def test_line_numbers(tmp_path: Path) -> None:
    result = _read(_write(tmp_path, ("\n" + RECORD_A + "\n\n" + RECORD_B).encode()))
    a, b = result.records
    assert (a.source.line_start, a.source.line_end) == (2, 16)
    assert (b.source.line_start, b.source.line_end) == (19, 22)
    assert (a.source.ordinal, b.source.ordinal) == (1, 2)


def test_bom_in_mid_file(tmp_path: Path) -> None:
    result = _read(_write(tmp_path, (RECORD_A + "\n\ufeff" + RECORD_B).encode()))
    assert [r.pmid for r in result.records] == ["111", "222"]


def test_truncated_last_record(tmp_path: Path) -> None:
    text = RECORD_A + "\n" + "PMID- 333\nTI  - A title that stops in the midd"
    path = _write(tmp_path, text.encode())
    result = _read(path)
    assert [r.pmid for r in result.records] == ["111"]
    (reject,) = result.rejects
    assert [str(p) for p in reject.problems] == [
        f"{path}:18: SO: last record ends without its SO line: the file looks truncated "
        "(got 'TI  - A title that stops in the midd')"
    ]
    assert reject.raw_text.startswith("PMID- 333")
    assert (reject.line_start, reject.line_end) == (17, 18)


def test_text_outside_records(tmp_path: Path) -> None:
    text = "Search results exported 2024\n\n" + RECORD_A + "not a tag line\n\n" + RECORD_B
    path = _write(tmp_path, text.encode())
    result = _read(path)
    assert [r.pmid for r in result.records] == ["222"]
    messages = [str(p) for p in result.problems]
    assert messages == [
        f"{path}:1: line: not a MEDLINE tag line (got 'Search results exported 2024')",
        f"{path}:1: PMID: record has no PMID line (text outside records?) "
        "(got 'Search results exported 2024')",
        f"{path}:18: line: not a MEDLINE tag line (got 'not a tag line')",
    ]


def test_latin1_bytes_in_utf8_file(tmp_path: Path) -> None:
    data = RECORD_A.encode() + b"\n" + RECORD_B.replace("Second", "Caf\xe9").encode("latin-1")
    path = _write(tmp_path, data)
    result = _read(path)
    assert [r.pmid for r in result.records] == ["111"]
    (problem,) = result.problems
    assert str(problem) == f"{path}:19: encoding: bytes that are not valid utf-8 (got '\\\\xe9')"


def test_latin1_file_read_with_configured_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, RECORD_B.replace("Second", "Caf\xe9").encode("latin-1"))
    (record,) = MedlineReader().read(path, encoding="latin-1").records
    assert record.title == "Café record"


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"")
    result = _read(path)
    assert result.records == []
    assert [str(p) for p in result.problems] == [f"{path}:1: file: no records: the file is empty"]
    with pytest.raises(UnknownFormatError, match=r"export\.nbib:1: file: the file is empty"):
        detect_format(path)


def test_ten_megabyte_line(tmp_path: Path) -> None:
    long_abstract = "word " * 2_000_000
    text = RECORD_B.replace("DP  - 2020\n", f"DP  - 2020\nAB  - {long_abstract}\n")
    (record,) = _read(_write(tmp_path, text.encode())).records
    assert len(record.abstract) == len(long_abstract.strip())


def test_detection_and_registry(tmp_path: Path) -> None:
    path = _write(tmp_path, RECORD_A.encode(), name="looks_like.ris")
    assert detect_format(path).name == "medline"
    assert get_reader("medline").name == "medline"


def test_binary_file_is_unknown_format(tmp_path: Path) -> None:
    path = _write(tmp_path, bytes(range(256)) * 4, name="image.bin")
    with pytest.raises(UnknownFormatError, match=r"image\.bin:1: format: not a known export format "
                       r"\(the file starts with binary data"):
        detect_format(path)
