"""Column names of the records frame, defined once, and its conversion from Records.

Stage functions take and return frames with these columns (``f(df, *, options) -> df``)
and never change their input.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from screening.errors import SchemaError
from screening.model import Record

__all__ = [
    "ABSTRACT",
    "AUTHORS",
    "DATABASE",
    "DOI",
    "END_PAGE",
    "FLAGS",
    "ISSUE",
    "JOURNAL",
    "NATIVE_ID",
    "PAGES",
    "PMID",
    "PUBLICATION_TYPES",
    "RECORD_COLUMNS",
    "RECORD_ID",
    "START_PAGE",
    "TITLE",
    "TITLE_ORIGINAL",
    "VOLUME",
    "YEAR",
    "records_frame",
    "validate_frame",
]

RECORD_ID = "record_id"
TITLE = "title"
ABSTRACT = "abstract"
AUTHORS = "authors"  # "; "-joined "Family, Given" names
YEAR = "year"
JOURNAL = "journal"
VOLUME = "volume"
ISSUE = "issue"
PAGES = "pages"
START_PAGE = "start_page"
END_PAGE = "end_page"
DOI = "doi"
PMID = "pmid"
NATIVE_ID = "native_id"
DATABASE = "database"
FLAGS = "flags"  # " "-joined Flag values
PUBLICATION_TYPES = "publication_types"  # "; "-joined
TITLE_ORIGINAL = "title_original"  # the title in the original language, beside a translation

RECORD_COLUMNS = (
    RECORD_ID, TITLE, ABSTRACT, AUTHORS, YEAR, JOURNAL, VOLUME, ISSUE, PAGES, START_PAGE,
    END_PAGE, DOI, PMID, NATIVE_ID, DATABASE, FLAGS, PUBLICATION_TYPES, TITLE_ORIGINAL,
)


def records_frame(records: Iterable[Record]) -> pd.DataFrame:
    """A records frame (one row per record, RECORD_COLUMNS) from stored Records."""
    rows = [
        (
            r.record_id, r.title, r.abstract, "; ".join(r.authors) or None, r.year, r.journal,
            r.volume, r.issue, r.pages, r.start_page, r.end_page, r.doi, r.pmid, r.native_id,
            r.source.database, " ".join(sorted(r.flags)) or None,
            "; ".join(r.publication_types) or None, r.title_original,
        )
        for r in records
    ]
    frame = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    frame[YEAR] = frame[YEAR].astype("Int64")
    return frame


def validate_frame(frame: pd.DataFrame, required: Iterable[str] = (RECORD_ID, TITLE)) -> None:
    """Raise SchemaError when a required column is missing or record ids repeat."""
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise SchemaError(
            f"records frame lacks column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}"
        )
    if RECORD_ID in frame.columns and frame[RECORD_ID].duplicated().any():
        repeated = frame.loc[frame[RECORD_ID].duplicated(), RECORD_ID].iloc[0]
        raise SchemaError(f"records frame has record_id {repeated!r} more than once")
