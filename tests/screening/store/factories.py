"""Builders of SourceSpecs and Records for the store tests."""

from __future__ import annotations

import hashlib
import uuid
from types import MappingProxyType
from typing import Any

from screening.model import Record, SourceRef
from screening.store import SourceSpec


def make_spec(
    name: str = "search.nbib",
    *,
    content: str | None = None,
    path: str | None = None,
    database: str | None = "pubmed",
    export_format: str = "medline",
) -> SourceSpec:
    """A SourceSpec whose sha256 is that of ``content`` (unique by default)."""
    data = (content if content is not None else uuid.uuid4().hex).encode()
    return SourceSpec(
        path=path if path is not None else name,
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        database=database,
        export_format=export_format,
        encoding="utf-8",
    )


def make_record(ordinal: int, path: str = "search.nbib", **fields: Any) -> Record:
    """A plausible MEDLINE record at ``ordinal`` (fields override the defaults)."""
    line = 1 + (ordinal - 1) * 12
    values: dict[str, Any] = {
        "native_id": str(30000000 + ordinal),
        "title": f"Effect of intervention {ordinal} on outcome: a randomised trial",
        "abstract": "Background: something. Methods: counted. Results: numbers.",
        "authors": ("Smith J", "Doe A"),
        "year": 2020 + ordinal % 5,
        "journal": "BMJ",
        "doi": f"10.1136/bmj.{ordinal}",
        "pmid": str(30000000 + ordinal),
        "raw": MappingProxyType(
            {
                "PMID": [str(30000000 + ordinal)],
                "TI": [f"Effect of intervention {ordinal} on outcome: a randomised trial"],
                "AU": ["Smith J", "Doe A"],
            }
        ),
    }
    values.update(fields)
    source = SourceRef(path, line, line + 10, "pubmed", "medline", ordinal)
    return Record(source=source, **values)
