"""Every real export under ../shared/data/exports reads to exactly its MANIFEST.md count."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.readers import detect_format
from tests.conftest import SHARED_EXPORTS
from tests.screening.readers.manifest_counts import MANIFEST_COUNTS

# Real files whose last record really is cut off: litsieve reports it as a Reject (with
# --quarantine it is counted as unparseable), so records + rejects = the MANIFEST count.
TRUNCATED = {
    # The last record's title stops mid-word ("...in the endometriu") and has no SO line.
    "pubmed_medline/metaknowledge__medline_test.medline": 1,
}


@pytest.mark.shared
@pytest.mark.parametrize("relpath", sorted(MANIFEST_COUNTS), ids=sorted(MANIFEST_COUNTS))
def test_every_export_reads_to_its_manifest_count(relpath: str, shared_exports: Path) -> None:
    path = shared_exports / relpath
    reader = detect_format(path)
    result = reader.read(path)
    expected_rejects = TRUNCATED.get(relpath, 0)
    for problem in result.problems:
        assert "truncated" in problem.message, str(problem)
    assert len(result.rejects) == expected_rejects, [str(p) for p in result.problems][:5]
    assert len(result.records) + len(result.rejects) == MANIFEST_COUNTS[relpath]


def test_manifest_table_is_complete() -> None:
    if not SHARED_EXPORTS.is_dir():
        pytest.skip(f"real exports not available: {SHARED_EXPORTS} is absent")
    on_disk = {
        str(p.relative_to(SHARED_EXPORTS))
        for p in SHARED_EXPORTS.rglob("*")
        if p.is_file() and p.parent.name != "eutils" and p.suffix not in {".md", ".json"}
    }
    assert on_disk == set(MANIFEST_COUNTS)
