"""Small helpers shared by the store modules: compact JSON, UTC time, version, safe text."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
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
# JSONEncoder.encode builds a new C encoder on every call; the import writes ~10 JSON
# values per record, so build it once (the same call json.encoder makes internally).
try:
    _C_ENCODE = c_make_encoder(
        None, _default, encode_basestring, None, ":", ",", False, False, True
    )
except TypeError:  # pragma: no cover - absent or changed in another Python
    _C_ENCODE = None


def dumps(value: Any) -> str:
    """Compact JSON text (no spaces, non-ASCII kept as is); tuples become arrays."""
    if _C_ENCODE is None:  # pragma: no cover - CPython always has the C encoder
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))

_DECODER = json.JSONDecoder()
_SCAN = _DECODER.scan_once  # the C scanner, without decode()'s whitespace handling


def loads(text: str) -> Any:
    """Parse JSON text (fast path for the compact text :func:`dumps` writes)."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        return _DECODER.decode(text)  # other spacing, or invalid: decode() says where
    return value

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
