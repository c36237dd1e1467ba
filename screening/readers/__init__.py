"""Readers for database exports. Importing this package registers every built-in reader."""

from screening.readers import medline  # noqa: F401
from screening.readers.base import (
    Head,
    ReadResult,
    Reader,
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
