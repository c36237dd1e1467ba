"""Readers for database exports. Importing this package registers every built-in reader."""

# One module per format family; importing each registers its readers.
from screening.readers import (  # noqa: F401
    bibtex,
    cochrane_csv,
    cochrane_text,
    embase_csv,
    endnote_xml,
    generic_csv,
    medline,
    ovid_tagged,
    pubmed_csv,
    pubmed_xml,
    ris,
    scopus_csv,
    wos_tab,
    wos_text,
)
from screening.readers.base import (
    Head,
    Reader,
    ReadResult,
    Reject,
    available_readers,
    build_record,
    detect_format,
    get_reader,
    register,
)

__all__ = [
    "Head",
    "ReadResult",
    "Reader",
    "Reject",
    "available_readers",
    "build_record",
    "detect_format",
    "get_reader",
    "register",
]
