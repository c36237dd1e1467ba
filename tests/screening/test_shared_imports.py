"""Every real export under ../shared/data imports as a user imports it, without --quarantine.

Only a file with a record problem (a record cut off) is refused; garbled fields are
warnings on imported records.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.errors import InputFormatError
from screening.ingest import import_file
from screening.store import ReviewStore, sqlite_url
from tests.screening.readers.manifest_counts import MANIFEST_COUNTS

# The one file with a record problem: its last record is cut off mid-word.
REFUSED = {"pubmed_medline/metaknowledge__medline_test.medline":
           "the file looks truncated"}
# Files whose records carry field warnings, and how many.
WARNINGS = {
    # Two records of PMID 18026466 (lines 362 and 415): both imported, dedup links them.
    "wos/metaknowledge__testFile.isi": ["pmid: PMID 18026466 appears twice in this file "
                                        "(first at line 362) (got '18026466')"],
}


@pytest.mark.shared
@pytest.mark.parametrize("relpath", sorted(MANIFEST_COUNTS), ids=sorted(MANIFEST_COUNTS))
def test_every_export_imports_without_quarantine(
    relpath: str, shared_exports: Path, tmp_path: Path
) -> None:
    path = shared_exports / relpath
    with ReviewStore.connect(sqlite_url(tmp_path)) as store:
        run = store.begin_run("import", {})
        if relpath in REFUSED:
            with pytest.raises(InputFormatError, match=REFUSED[relpath]):
                import_file(store, path, run_id=run)
            return
        report = import_file(store, path, run_id=run)
        assert (report.n_records, report.n_rejects) == (MANIFEST_COUNTS[relpath], 0)
        assert [str(w).split(": ", 1)[1] for w in report.warnings] == WARNINGS.get(relpath, [])
