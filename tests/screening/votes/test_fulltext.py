"""Full texts: an upload is checked before anything is written; links are http(s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.votes.fulltext import FULLTEXT_DIR, add_link, add_pdf, documents_of
from screening.votes.service import VoteError
from tests.screening.votes.test_service import TA, service

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def sought(store, tmp_path: Path):
    svc = service(store, votes=1)
    item = svc.next_record("ann", TA)
    svc.vote("ann", item.record_id, TA, "include")
    other = svc.next_record("ann", TA)
    svc.vote("ann", other.record_id, TA, "exclude")
    return store, item.record_id, other.record_id


def test_a_pdf_is_kept_under_the_review_directory(sought, tmp_path: Path) -> None:
    store, record, _ = sought
    doc = add_pdf(store, tmp_path, "ann", record, PDF, filename="Smith 2019.pdf",
                  max_bytes=1000)
    assert doc.kind == "pdf" and doc.size_bytes == len(PDF)
    assert doc.path.startswith(f"{FULLTEXT_DIR}/") and "Smith" not in doc.path
    assert (tmp_path / doc.path).read_bytes() == PDF
    assert [d.document_id for d in documents_of(store, record)] == [doc.document_id]


@pytest.mark.parametrize(("data", "name", "status", "message"), [
    (b"<html>not a pdf</html>", "x.pdf", 415, "x.pdf is not a PDF"),
    (PDF + b"x" * 2000, "big.pdf", 413, "the limit is"),
    (PDF, "../../etc/passwd", 422, "must be a plain file name"),
    (PDF, "sub/x.pdf", 422, "must be a plain file name"),
    (PDF, "", 422, "must be a plain file name"),
], ids=["not-pdf", "too-large", "dotdot", "directory", "no-name"])
def test_a_bad_upload_writes_nothing(sought, tmp_path: Path, data, name, status,
                                     message) -> None:
    store, record, _ = sought
    with pytest.raises(VoteError, match=message) as caught:
        add_pdf(store, tmp_path, "ann", record, data, filename=name, max_bytes=1000)
    assert caught.value.status == status
    assert not (tmp_path / FULLTEXT_DIR).exists() or not any((tmp_path / FULLTEXT_DIR).iterdir())
    assert documents_of(store, record) == []


def test_only_records_sought_for_retrieval_take_a_full_text(sought, tmp_path: Path) -> None:
    store, _, excluded = sought
    with pytest.raises(VoteError, match=f"record {excluded} is not sought for retrieval"):
        add_pdf(store, tmp_path, "ann", excluded, PDF, filename="a.pdf", max_bytes=1000)
    assert not (tmp_path / FULLTEXT_DIR).exists()


def test_links_are_http_only(sought) -> None:
    store, record, _ = sought
    doc = add_link(store, "bob", record, "https://doi.org/10.1000/x")
    assert (doc.kind, doc.url) == ("link", "https://doi.org/10.1000/x")
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "doi.org/x"):
        with pytest.raises(VoteError, match="must be an http\\(s\\) address"):
            add_link(store, "bob", record, bad)
