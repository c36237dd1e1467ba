"""Cutting MEDLINE text into records and their tags.

``medline_records`` runs in C when the optional extension was built (see _speedups.c)
and in Python otherwise; both follow the rules below, and a property test checks that
they agree.

* Records are separated by empty lines; a record of blanks only is not a record.
* A tag line is a tag (``[A-Z][A-Z0-9]{1,3}``) left-justified in four characters, then
  ``-`` and a space (or the end of the line): ``PMID- 1``, ``TI  - …``, ``AB  -``.
* A line starting with a space or tab continues the value before it: its text, trimmed,
  is appended with one space. Trailing blanks of every value are removed.
* Any other line makes the record irregular: its tags are None, and the reader reports
  the line.
"""

from __future__ import annotations

import re

__all__ = ["SPEEDUPS", "medline_records", "medline_records_py", "record_tags_py"]

Record = tuple[int, int, int, int, dict[str, list[str]] | None]

_KEY = re.compile(r"[A-Z][A-Z0-9]{1,3} *")


def record_tags_py(block: str) -> dict[str, list[str]] | None:
    """Tags of one record (no empty lines in it), or None when a line is irregular."""
    result: dict[str, list[str]] = {}
    key: str | None = None
    pieces: list[str] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t"):
            text = line.strip(" \t\r")
            if text:
                if key is None:
                    return None
                pieces.append(text)
            continue
        if len(line) >= 5 and line[4] == "-" and (len(line) == 5 or line[5] == " ") \
                and _KEY.fullmatch(line, 0, 4):
            if key is not None:
                result.setdefault(key, []).append(" ".join(pieces))
            key = line[:4].rstrip(" ")
            pieces = [line[6:].rstrip(" \t\r")]
        elif line:
            return None
    if key is not None:
        result.setdefault(key, []).append(" ".join(pieces))
    return result


def medline_records_py(text: str, final: bool) -> tuple[list[Record], int, int]:
    """Python version of the C ``medline_records``.

    Returns ``(records, consumed_chars, consumed_lines)``; each record is ``(start, end,
    first_line, last_line, tags)`` with offsets into ``text`` and 0-based line offsets.
    Without ``final``, the text after the last empty line is left for the next chunk.
    """
    records: list[Record] = []
    n = len(text)
    pos = line = 0
    while pos < n:
        while pos < n and text[pos] == "\n":
            pos += 1
            line += 1
        if pos >= n:
            break
        sep = text.find("\n\n", pos)
        if sep == -1:
            if not final:
                break
            end = n - 1 if text.endswith("\n") else n
        else:
            end = sep
        lines = text.count("\n", pos, end)
        block = text[pos:end]
        if block.strip(" \t\r\n"):
            records.append((pos, end, line, line + lines, record_tags_py(block)))
        line += lines
        pos = end
        if pos < n:
            pos += 1
            line += 1
    return records, pos, line


try:
    from screening.readers._speedups import medline_records
except ImportError:  # built without a C compiler
    medline_records = medline_records_py
    SPEEDUPS = False
else:
    SPEEDUPS = True
