"""Full texts of the records sought for retrieval: an uploaded PDF or a link.

An upload is checked before anything is written: its size (``[screening]
max_upload_mb``), that it is a PDF (``%PDF-`` at the start, ``%%EOF`` near the end), and
that the name it came with is a plain file name (no directory part, no ``..``). The file
is stored under the review directory as ``fulltext/<record>-<sha256[:12]>.pdf``: a name of
our own, never the uploader's. Writing goes to a temporary file renamed into place, and
the row in ``documents`` is written after the file, so a failure leaves neither.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa

from screening.model import Outcome, Stage
from screening.store import ReviewStore
from screening.store import votes as sql
from screening.store._common import utcnow
from screening.store.schema import documents
from screening.votes.service import VoteError

__all__ = ["FULLTEXT_DIR", "Document", "add_link", "add_pdf", "documents_of"]

FULLTEXT_DIR = "fulltext"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class Document:
    document_id: int
    record_id: str
    kind: str
    path: str | None
    url: str | None
    sha256: str | None
    size_bytes: int | None
    reviewer_id: str
    added_at: datetime


def _sought(store: ReviewStore, record_id: str) -> None:
    with store.engine.connect() as conn:
        ta = sql.effective_decisions(conn, Stage.TITLE_ABSTRACT, [record_id]).get(record_id)
    if ta is None or str(ta.outcome) not in (Outcome.INCLUDE.value, Outcome.MAYBE.value):
        raise VoteError(f"record {record_id} is not sought for retrieval (its title/abstract "
                        f"decision is {'missing' if ta is None else ta.outcome})")


def _check_name(filename: str | None) -> None:
    name = filename or ""
    if not name or "/" in name or "\\" in name or name in (".", "..") or ".." in name \
            or name.startswith("~") or "\x00" in name:
        raise VoteError(f"the upload's file name {name!r} must be a plain file name "
                        "(no directory part)")


def add_pdf(store: ReviewStore, review_dir: Path, reviewer_id: str, record_id: str,
            data: bytes, *, filename: str | None, max_bytes: int) -> Document:
    """Keep an uploaded PDF of ``record_id``'s full text (see the module docstring)."""
    _check_name(filename)
    if len(data) > max_bytes:
        raise VoteError(f"the upload is {len(data) / 1e6:.1f} MB; the limit is "
                        f"{max_bytes / 1e6:.0f} MB", 413)
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise VoteError(f"{filename} is not a PDF (a PDF starts with %PDF- and ends with "
                        "%%EOF)", 415)
    _sought(store, record_id)
    digest = hashlib.sha256(data).hexdigest()
    folder = review_dir / FULLTEXT_DIR
    folder.mkdir(exist_ok=True)
    relative = f"{FULLTEXT_DIR}/{_SAFE.sub('_', record_id)}-{digest[:12]}.pdf"
    target = review_dir / relative
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return _add(store, record_id, reviewer_id, kind="pdf", path=relative, sha256=digest,
                size_bytes=len(data))


def add_link(store: ReviewStore, reviewer_id: str, record_id: str, url: str) -> Document:
    """Keep a link to ``record_id``'s full text (http or https only)."""
    parsed = urlparse((url or "").strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise VoteError(f"a full-text link must be an http(s) address (got {url!r})")
    _sought(store, record_id)
    return _add(store, record_id, reviewer_id, kind="link", url=parsed.geturl())


def _add(store: ReviewStore, record_id: str, reviewer_id: str, **values) -> Document:
    row = {"record_id": record_id, "reviewer_id": reviewer_id, "added_at": utcnow(), **values}
    with sql.locked(store.engine, "documents") as conn:
        result = conn.execute(documents.insert().values(**row))
        document_id = int(result.inserted_primary_key[0])
    return documents_by_id(store, document_id)


def documents_by_id(store: ReviewStore, document_id: int) -> Document:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(documents)
                           .where(documents.c.document_id == document_id)).mappings().one()
    return Document(**row)


def documents_of(store: ReviewStore, record_id: str) -> list[Document]:
    """The full texts found for a record, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(documents).where(documents.c.record_id == record_id)
                            .order_by(documents.c.document_id)).mappings().all()
    return [Document(**row) for row in rows]
