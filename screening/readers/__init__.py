"""Readers for database exports. Importing this package registers every built-in reader.

Reader names are matched without regard to case (``RIS``, ``Medline``): :func:`get_reader`
here is the registry's lookup after :func:`reader_name`.
"""

# One module per format family; importing each registers its readers.
from screening.readers import base as _base
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
    "reader_name",
    "register",
]


def reader_name(name: str) -> str:
    """The registered name of the reader ``name`` spells in any case ("RIS" -> "ris").

    An unknown name is returned as it is, for :func:`get_reader` to refuse with the list of
    the available ones."""
    wanted = name.strip().casefold()
    for known in available_readers():
        if known.casefold() == wanted:
            return known
    return name


def get_reader(name: str) -> Reader:
    """A reader instance by name, in any case; an unknown name lists the available ones
    (RegistryError)."""
    return _base.get_reader(reader_name(name))
