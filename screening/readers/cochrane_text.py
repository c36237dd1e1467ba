"""Cochrane Library plain text export (CDSR reviews and CENTRAL trials).

Each record starts with a header ``Record #N of M``, followed by ``TAG: value`` lines
(``ID``, ``AU`` repeated, ``TI``, ``SO``, ``YR``, ``VL``, ``NO``, ``PG``, ``KY``, ``DOI``,
``AB``, ``US`` ...). Real files have CR-only line endings and a BOM in the middle where
several export batches were concatenated; textio deals with both.

The headers are the only count the file carries, so they are checked: within a batch the
numbers run 1..M without a gap and with the same M; a new batch may start again at 1 once
the previous one is complete; the file must not end before record M.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.textio import encoding_problem, iter_blocks, iter_chunks

__all__ = ["CochraneTextReader", "cochrane_record", "parse_cochrane_block"]

_HEADER = re.compile(r"Record #(\d+) of (\d+)[ \t]*$")
_SPLIT = re.compile(r"^(?=Record #\d+ of \d+[ \t]*$)", re.M)
_FIELD = re.compile(r"^([A-Z][A-Z0-9]{1,3}):(?: ([^\n]*)|[ \t]*$)", re.M)
_XREF = re.compile(r"\b(PUBMED|EMBASE|CINAHL|CTG|ICTRP)\s+(\S+)", re.I)


def parse_cochrane_block(text: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    """Tags of one record (header excluded) and untagged lines as ``(line_offset, text)``."""
    raw: dict[str, list[str]] = {}
    stray: list[tuple[int, str]] = []
    pos = 0
    for match in _FIELD.finditer(text):
        gap = text[pos:match.start()]
        if gap.strip():
            base = text.count("\n", 0, pos)
            for index, line in enumerate(gap.split("\n")):
                if line.strip():
                    stray.append((base + index, line.strip()))
        raw.setdefault(match.group(1), []).append((match.group(2) or "").strip())
        pos = match.end()
    gap = text[pos:]
    if gap.strip():
        base = text.count("\n", 0, pos)
        for index, line in enumerate(gap.split("\n")):
            if line.strip():
                stray.append((base + index, line.strip()))
    return raw, stray


def _first(raw: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in raw.get(tag) or ():
            if value:
                return value
    return None


def cochrane_database(native_id: str | None) -> str | None:
    """The database of a record: Cochrane CENTRAL for ``CN-`` ids, else Cochrane Library."""
    if not native_id:
        return None
    if native_id.upper().startswith("CN-"):
        return "Cochrane CENTRAL"
    return "Cochrane Library"


def cochrane_record(raw: dict[str, list[str]], source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map Cochrane plain-text tags to a Record."""
    native = _first(raw, "ID")
    other: dict[str, str] = {}
    if native and native.upper().startswith("CN-"):
        other["cochrane_central"] = native
    elif native:
        other["cochrane_review"] = native
    pmid = embase = None
    for value in (raw.get("PM") or []) + (raw.get("XR") or []) + (raw.get("EM") or []):
        for kind, ident in _XREF.findall(value):
            kind = kind.upper()
            if kind == "PUBMED" and pmid is None:
                pmid = ident
            elif kind == "EMBASE" and embase is None:
                embase = ident if ident.upper().startswith("L") else f"L{ident}"
            else:
                other.setdefault(kind.lower(), ident)
    pm = _first(raw, "PM")
    if pmid is None and pm and pm.isdigit():
        pmid = pm
    keywords = [part.strip() for value in raw.get("KY") or () for part in value.split(";")]
    return build_record(
        source,
        raw,
        native_id=native,
        title=_first(raw, "TI"),
        abstract=_first(raw, "AB"),
        authors=raw.get("AU"),
        year=_first(raw, "YR"),
        journal=_first(raw, "SO"),
        volume=_first(raw, "VL"),
        issue=_first(raw, "NO"),
        pages=_first(raw, "PG"),
        dois=raw.get("DOI") or (),
        pmid=pmid,
        embase_id=embase,
        other_ids=other,
        issn=raw.get("IS") or raw.get("SN") or (),
        language=raw.get("LA") or (),
        publication_types=[t.strip() for v in raw.get("PT") or () for t in v.split(";")],
        keywords=[k for k in keywords if k],
    )


@register("cochrane_text")
class CochraneTextReader(Reader):
    """Cochrane Library plain text (``Record #N of M`` / ``ID:`` / ``AU:`` …)."""

    label = "Cochrane Library plain text"
    database = None
    suffixes = (".txt",)

    def sniff(self, head: Head) -> float:
        lines = head.lines(12)
        for index, line in enumerate(lines[:-1]):
            if _HEADER.match(line):
                # The RIS flavour has "Provider:" / "Content:" after its headers instead.
                if lines[index + 1].startswith("ID: "):
                    return 0.95 if index == 0 else 0.8
                return 0.0
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        ordinal = 0
        seen_any = False
        previous: tuple[int, int, int] | None = None  # (N, M, line) of the last header
        pending: tuple[int, int, str, dict[str, list[str]], list[Problem]] | None = None
        for block in iter_blocks(iter_chunks(path, encoding=encoding), _SPLIT):
            seen_any = True
            text = block.text
            lead = len(text) - len(text.lstrip("\n"))
            first = block.line_start + text.count("\n", 0, lead)
            last = first + text.strip().count("\n")
            head, _, body = text[lead:].partition("\n")
            header = _HEADER.match(head)
            if header is None:
                yield Reject(name, first, last, text, (
                    Problem(name, first, "line", "text outside records", head.strip()),))
                continue
            if pending is not None:
                yield self._finish(name, database, ordinal, *pending)
            ordinal += 1
            number, total = int(header.group(1)), int(header.group(2))
            problems = self._check_header(name, first, number, total, previous)
            previous = (number, total, first)
            raw, stray = parse_cochrane_block(body)
            problems += [
                Problem(name, first + 1 + offset, "line", "not a Cochrane tag line", value)
                for offset, value in stray
            ]
            problem = encoding_problem(name, text, block.line_start, encoding)
            if problem is not None:
                problems.append(problem)
            if "ID" not in raw:
                problems.append(Problem(name, first, "ID", "record has no ID line", head.strip()))
            pending = (first, last, text, raw, problems)
        if pending is not None and previous is not None:
            number, total, line = previous
            if number < total:
                pending[4].append(Problem(
                    name, line, "Record",
                    f"the file ends after record {number} of {total}: it looks truncated",
                    f"Record #{number} of {total}"))
            yield self._finish(name, database, ordinal, *pending)
        elif not seen_any:
            yield empty_file(name)

    @staticmethod
    def _check_header(
        name: str, line: int, number: int, total: int, previous: tuple[int, int, int] | None
    ) -> list[Problem]:
        shown = f"Record #{number} of {total}"
        if number > total or number < 1:
            return [Problem(name, line, "Record",
                            f"record number {number} is outside 1..{total}", shown)]
        if previous is None or (number == 1 and previous[0] == previous[1]):
            if number != 1:
                return [Problem(name, line, "Record",
                                f"the first record is numbered {number}, not 1", shown)]
            return []
        before, before_total, before_line = previous
        problems = []
        if total != before_total:
            problems.append(Problem(
                name, line, "Record",
                f"record count changes from {before_total} (line {before_line}) to {total}",
                shown))
        if number != before + 1:
            problems.append(Problem(
                name, line, "Record",
                f"record number {number} follows {before} (line {before_line}); "
                f"expected {before + 1}", shown))
        return problems

    def _finish(
        self, name: str, database: str | None, ordinal: int, line_start: int, line_end: int,
        text: str, raw: dict[str, list[str]], problems: list[Problem],
    ) -> Record | Reject:
        if not problems:
            db = database or cochrane_database(_first(raw, "ID"))
            source = SourceRef(name, line_start, line_end, db, self.name, ordinal)
            record, problems = cochrane_record(raw, source)
            if not problems:
                return record
        return Reject(name, line_start, line_end, text, tuple(problems))
