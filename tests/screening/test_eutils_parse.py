"""Reading E-utilities bodies: our own fixtures and Biopython's real recorded responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.eutils import EutilsError, write_nbib
from screening.eutils.parse import (
    Invalid,
    error_text,
    is_rate_limit_body,
    parse_esearch,
    parse_medline_batch,
)
from screening.readers.medline import MedlineReader

DATA = Path(__file__).resolve().parent.parent / "data" / "eutils"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "exports" / "eutils"


def _real(name: str) -> bytes:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real E-utilities responses not available: {path} is absent")
    return path.read_bytes()


def test_esearch_with_history() -> None:
    result = parse_esearch((DATA / "esearch_history.xml").read_bytes(), term="asthma[tiab]")
    assert result.count == 3
    assert result.ids == ("31000003", "31000002", "31000001")
    assert (result.webenv, result.query_key) == ("MCID_0123456789abcdef01234567", "1")
    assert result.query_translation == "asthma[tiab]"
    assert result.window == "all dates"


@pytest.mark.shared
def test_real_esearch_history_response() -> None:
    result = parse_esearch(_real("biopython__esearch2_pubmed_history.xml"), term="cancer")
    assert result.count == 42249
    assert len(result.ids) == 100
    assert result.webenv is not None and result.webenv.startswith("MCID_")
    assert result.query_key == "1"


@pytest.mark.shared
def test_real_no_hits_response_keeps_its_error_list() -> None:
    result = parse_esearch(_real("biopython__esearch8_notfound.xml"), term="abcXYZ")
    assert result.count == 0 and result.ids == ()
    assert result.errors == ("PhraseNotFound: abcXYZ",)
    assert result.warnings == ("OutputMessage: No items found.",)


@pytest.mark.shared
def test_real_error_bodies_give_every_error_message() -> None:
    assert error_text(_real("biopython__epost3_error.xml")) == (
        "Empty ID list; Nothing to store; Some IDs have invalid value and were omitted. "
        "Maximum ID value 18446744073709551615")


def test_esearch_error_element_is_an_eutils_error() -> None:
    with pytest.raises(EutilsError, match=r"esearch refused '': Empty term and query_key"):
        parse_esearch((DATA / "esearch_error.xml").read_bytes(), term="")


def test_esearch_json_error_with_a_raw_newline_is_read() -> None:
    body = (DATA / "esearch_retstart_cap.json").read_bytes()
    with pytest.raises(EutilsError, match=r"Search Backend failed: Exception: 'retstart' "
                                          r"cannot be larger than 9998"):
        parse_esearch(body, term="cancer")


@pytest.mark.parametrize(("body", "message"), [
    (b"", r"empty body with HTTP 200"),
    (b"<html><body>down_bethesda</body></html>", r"not <eSearchResult>"),
    (b"<eSearchResult><Count>12", r"not XML"),
    (b"<eSearchResult><RetMax>0</RetMax></eSearchResult>", r"no Count \(got None\)"),
], ids=["empty", "html", "cut", "no-count"])
def test_unusable_esearch_bodies_are_invalid(body: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_esearch(body, term="x")


def test_rate_limit_body_is_recognised() -> None:
    assert is_rate_limit_body((DATA / "rate_limit.json").read_bytes())
    assert is_rate_limit_body(b'{"error":"API rate limit exceeded","count":"11"}')
    assert is_rate_limit_body(b"<eFetchResult><ERROR>API rate limit exceeded</ERROR>"
                              b"</eFetchResult>")
    assert not is_rate_limit_body((DATA / "efetch_medline_3.txt").read_bytes())
    assert not is_rate_limit_body(b"\nPMID- 1\nAB  - error: API rate limit exceeded\n")


def test_medline_batch_checks_the_pmids_asked() -> None:
    body = (DATA / "efetch_medline_3.txt").read_bytes()
    batch = parse_medline_batch(body, ["31000003", "31000001", "31000002"], retstart=500)
    assert batch.pmids == ("31000001", "31000002", "31000003")
    assert batch.retstart == 500 and len(batch) == 3
    assert batch.text.startswith("PMID- 31000001\n") and batch.text.endswith("2021.\n")
    with pytest.raises(Invalid, match=r"PMIDs differ from those asked: missing \['31000004'\], "
                                      r"unexpected \['31000003'\]"):
        parse_medline_batch(body, ["31000001", "31000002", "31000004"], retstart=0)


@pytest.mark.parametrize(("name", "expected", "message"), [
    ("efetch_medline_truncated.txt", 3,
     r"record 2 \(PMID 31000002\) has no SO line: the batch looks truncated"),
    ("efetch_medline_3.txt", 4, r"3 records where 4 were expected"),
    ("efetch_medline_unavailable.txt", 1,
     r"record 1 does not start with a PMID line \(got 'id: 31000009 Error occurred"),
], ids=["truncated", "count-mismatch", "unavailable-pmid"])
def test_bad_medline_batches_are_invalid(name: str, expected: int, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_medline_batch((DATA / name).read_bytes(), expected, retstart=0)


@pytest.mark.parametrize(("body", "message"), [
    (b"  \n", r"empty body with HTTP 200"),
    (b"<eFetchResult><ERROR>Cannot retrieve history data</ERROR></eFetchResult>",
     r"not MEDLINE text: 'Cannot retrieve history data'"),
    (b"\nPMID- 1\nTI  - caf\xe9\nSO  - x\n", r"not UTF-8 at byte 18"),
], ids=["blank", "xml-error", "latin-1"])
def test_non_medline_bodies_are_invalid(body: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_medline_batch(body, 1, retstart=0)


def test_written_nbib_is_read_by_the_medline_reader(tmp_path: Path) -> None:
    body = (DATA / "efetch_medline_3.txt").read_bytes()
    first = parse_medline_batch(body, 3, retstart=0)
    second = parse_medline_batch(body.replace(b"3100000", b"3200000"), 3, retstart=3)
    path = tmp_path / "update.nbib"
    assert write_nbib([first, second], path) == 6
    result = MedlineReader().read(path)
    assert result.problems == []
    assert [r.pmid for r in result.records] == [
        "31000001", "31000002", "31000003", "32000001", "32000002", "32000003"]
    assert result.records[0].title.startswith("A trial of something in adults with asthma")


def test_nbib_is_not_written_when_a_batch_fails(tmp_path: Path) -> None:
    good = parse_medline_batch((DATA / "efetch_medline_3.txt").read_bytes(), 3, retstart=0)

    def batches():
        yield good
        raise EutilsError("efetch batch retstart=3: gave up")

    path = tmp_path / "update.nbib"
    with pytest.raises(EutilsError, match=r"efetch batch retstart=3: gave up"):
        write_nbib(batches(), path)
    assert list(tmp_path.iterdir()) == []
