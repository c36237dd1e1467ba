"""Deduplication on the path a user runs: export files -> import -> store -> dedup.

Records read back from the store (year a nullable Int64, pages split into first and last)
must give the engine the same keys as the same records written as plain strings: a
difference once blanked every year and every last page on that path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import columns as C
from screening.columns import records_frame
from screening.dedup.normalize import NORMALIZED_COLUMNS, normalize_frame
from screening.dedup.service import run_dedup
from screening.ingest import import_file
from screening.readers import fields as F

# Two records of one article, one from Embase (RIS) and one from PubMed (MEDLINE), under
# titles worded apart and journal names written apart: only the authors, the year, the
# volume, the issue and the whole page range (543-553, the MEDLINE one abbreviated) tell
# that they are one item. A third article of the same issue, with other pages, is not.
RIS = """\
TY  - JOUR
AU  - Okafor, Chidi
AU  - Lindqvist, Maria
TI  - Liquid-based preparations compared for cervical screening smears
T2  - Cytology and Histology
PY  - 2004
VL  - 15
IS  - 4
SP  - 543
EP  - 553
ER  -

TY  - JOUR
AU  - Okafor, Chidi
AU  - Lindqvist, Maria
TI  - Observer agreement on atypical glandular cells in two laboratories
T2  - Cytology and Histology
PY  - 2004
VL  - 15
IS  - 4
SP  - 560
EP  - 566
ER  -
"""

MEDLINE = """\
PMID- 15000001
TI  - ThinPrep against SurePath slides: a comparison in a screening programme.
AU  - Okafor C
AU  - Lindqvist M
FAU - Okafor, Chidi
FAU - Lindqvist, Maria
DP  - 2004 Aug
JT  - Cytology & histology
VI  - 15
IP  - 4
PG  - 543-53
SO  - Cytol Histol. 2004 Aug;15(4):543-53.

"""


def _import(store, tmp_path: Path) -> dict[str, str]:
    """Import both files; the record ids by title's first word."""
    (tmp_path / "embase.ris").write_text(RIS, encoding="utf-8")
    (tmp_path / "pubmed.nbib").write_text(MEDLINE, encoding="utf-8")
    run = store.begin_run("import", {})
    import_file(store, tmp_path / "embase.ris", run_id=run, export_format="ris",
                database="Embase")
    import_file(store, tmp_path / "pubmed.nbib", run_id=run)
    store.finish_run(run, "ok", {})
    return {record.title.split()[0]: record.record_id for record in store.iter_records()}


def test_import_then_dedup_finds_the_pair_that_needs_year_and_last_page(
    store, tmp_path: Path
) -> None:
    ids = _import(store, tmp_path)
    run = store.begin_run("dedup", {})
    summary = run_dedup(store, run_id=run)
    store.finish_run(run, "ok", {})
    assert summary.n_records == 3
    links = {(link.record_a, link.record_b): link for link in store.latest_links()}
    pair = tuple(sorted((ids["Liquid-based"], ids["ThinPrep"])))
    assert links[pair].outcome == "duplicate", links[pair]
    assert links[pair].rule_id == "page_range_match"
    duplicates = [d for d in store.latest_record_decisions(stage="deduplication")
                  if d.outcome == "duplicate"]
    assert len(duplicates) == 1 and summary.n_duplicate_records == 1
    assert ids["Observer"] not in {d.record_id for d in duplicates}


def test_keys_from_the_store_equal_keys_from_plain_strings(store, tmp_path: Path) -> None:
    ids = _import(store, tmp_path)
    stored = normalize_frame(records_frame(store.iter_records()))
    strings = pd.DataFrame([
        {C.RECORD_ID: ids["Liquid-based"], C.TITLE: "Liquid-based preparations compared for "
         "cervical screening smears", C.AUTHORS: "Okafor, Chidi; Lindqvist, Maria",
         C.YEAR: "2004", C.JOURNAL: "Cytology and Histology", C.VOLUME: "15", C.ISSUE: "4",
         C.PAGES: "543-553", C.DATABASE: "Embase"},
        {C.RECORD_ID: ids["Observer"], C.TITLE: "Observer agreement on atypical glandular "
         "cells in two laboratories", C.AUTHORS: "Okafor, Chidi; Lindqvist, Maria",
         C.YEAR: "2004", C.JOURNAL: "Cytology and Histology", C.VOLUME: "15", C.ISSUE: "4",
         C.PAGES: "560-566", C.DATABASE: "Embase"},
        {C.RECORD_ID: ids["ThinPrep"], C.TITLE: "ThinPrep against SurePath slides: a "
         "comparison in a screening programme", C.AUTHORS: "Okafor, Chidi; Lindqvist, Maria",
         C.YEAR: "2004", C.JOURNAL: "Cytology & histology", C.VOLUME: "15", C.ISSUE: "4",
         C.PAGES: "543-53", C.PMID: "15000001", C.NATIVE_ID: "15000001",
         C.DATABASE: "PubMed"},
    ])
    plain = normalize_frame(strings)
    columns = list(NORMALIZED_COLUMNS)
    stored = stored.set_index(C.RECORD_ID).loc[strings[C.RECORD_ID], columns]
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), plain[columns])
    assert set(stored["n_year"]) == {"2004"}
    assert sorted(stored["n_page_last"]) == ["553", "553", "566"]


# Values as exports write them: years, issues equal to a year, months, abbreviated and
# single pages, article numbers, a page range split into first and last page.
YEARS = st.sampled_from([None, "2004", "1999", "1862", "219", "2004 Aug"])
ISSUES = st.sampled_from([None, "", "4", "1862", "May", "Suppl 2"])
PAGES = st.sampled_from([None, "", "543-53", "543-553", "543", "e98734", "S12-S14", "1-2",
                         "Sep-20", "1204-1210"])


@given(st.lists(st.tuples(YEARS, ISSUES, PAGES, st.sampled_from([None, "15", "2004"])),
                min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_keys_do_not_depend_on_how_the_fields_are_typed(rows: list[tuple]) -> None:
    """The same records as a CSV gives them (strings, the pages as one text) and as the
    store gives them (the year parsed to a nullable Int64, the pages split into first and
    last): identical normalised keys."""
    plain, typed = [], []
    for number, (year, issue, pages, volume) in enumerate(rows):
        base = {C.RECORD_ID: f"r{number}", C.TITLE: "A randomised trial of ketamine",
                C.AUTHORS: "Doe, Jane", C.VOLUME: volume, C.ISSUE: issue}
        plain.append({**base, C.YEAR: year, C.PAGES: pages})
        text, first, last = F.normalize_pages(pages)
        typed.append({**base, C.YEAR: F.parse_year(year), C.PAGES: text,
                      C.START_PAGE: first, C.END_PAGE: last})
    stored = pd.DataFrame(typed)
    stored[C.YEAR] = stored[C.YEAR].astype("Int64")
    columns = list(NORMALIZED_COLUMNS)
    expected = normalize_frame(pd.DataFrame(plain))[columns]
    pd.testing.assert_frame_equal(normalize_frame(stored)[columns], expected)


def test_a_title_beside_its_original_language_title_counts_as_translated() -> None:
    frame = pd.DataFrame({
        C.RECORD_ID: ["a", "b", "c"],
        C.TITLE: ["Acupuncture for depression in rats", "Acupuncture for depression in rats",
                  "Akupunktur bei Depression"],
        C.TITLE_ORIGINAL: ["Akupunktur bei Depression", None, "Akupunktur bei Depression"],
    })
    assert normalize_frame(frame)["n_translated"].tolist() == [True, False, False]
