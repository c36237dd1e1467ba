"""Small helpers shared by the store modules: compact JSON, UTC time, version, safe text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePath
from typing import Any

__all__ = ["dumps", "litsieve_version", "loads", "printable", "unstorable", "utcnow"]


def _default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default)

#: Compact JSON text (no spaces, non-ASCII kept as is); tuples become arrays.
dumps = _ENCODER.encode
#: Parse JSON text.
loads = json.JSONDecoder().decode

#: Characters neither engine can hold in text: NUL (PostgreSQL) and lone surrogates, which
#: readers use for undecodable bytes (``surrogateescape``) and UTF-8 cannot encode.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as ``surrogateescape`` keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def unstorable(text: str) -> str | None:
    """The first character of ``text`` the store cannot hold, as an escape; None if none."""
    if text.isascii() and "\x00" not in text:
        return None
    match = _UNSTORABLE.search(text)
    return None if match is None else _escape(match)


def printable(text: str) -> str:
    """``text`` with undecodable bytes and NUL shown as ``\\xNN`` (as in the rejects file)."""
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub(_escape, text)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


@cache
def litsieve_version() -> str:
    """The installed litsieve version (``0+unknown`` when it is not installed)."""
    try:
        return version("litsieve")
    except PackageNotFoundError:
        return "0+unknown"
