"""Ovid "direct export" tagged text (.cgi, .ovd; Ovid's EndNote and Citavi options).

Not RIS: a record starts with a line ``<N. >``, then ``XX  - value`` lines. Indented
(six-space) continuation lines are further values of institution and name tags and
wrapped text elsewhere. The EndNote variant writes the sections of a structured abstract
on untagged, unindented lines after ``AB``; those are joined to the abstract. There is no
end-of-record marker, so records are cut at their ``<N. >`` headers.

The citation (journal, volume, issue, pages, year) is only in the free-text ``SO``, which
:func:`parse_source` takes apart for the Embase, MEDLINE and PsycINFO styles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers import fields as F
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.textio import encoding_problem, iter_blocks, iter_chunks

__all__ = ["OvidTaggedReader", "ovid_record", "parse_ovid_block", "parse_source"]

_HEADER = re.compile(r"<(\d+)\. >[ \t]*$")
# Zero-width: each block starts with its own header line.
_SPLIT = re.compile(r"^(?=<\d+\. >[ \t]*$)", re.M)
_FIELD = re.compile(r"^([A-Z][A-Z0-9])  - ?([^\n]*)((?:\n(?![A-Z][A-Z0-9]  -)[^\n]*)*)", re.M)
# Indented continuation lines of these tags are further values.
LIST_TAGS = frozenset({"IN", "AU", "ED", "AD"})
# Untagged, unindented lines are accepted after these free-text tags (EndNote variant).
PARAGRAPH_TAGS = frozenset({"AB", "TI", "TT", "SO", "CR", "OA"})

_SO_EMBASE = re.compile(
    r"^(?P<journal>.+?)\.\s+(?P<volume>[^().]*?)\s*(?:\((?P<issue>[^()]*)\)\s*)?"
    r"\((?:pp\.?\s*(?P<pages>[^()]*)|no pagination)\)\s*,\s*(?P<year>\d{4})"
)
_SO_MEDLINE = re.compile(
    r"^(?P<journal>.+?)\.\s+(?P<volume>[^().:,]*?)\s*(?:\((?P<issue>[^()]*)\))?\s*:"
    r"\s*(?P<pages>[^,]*),\s*(?P<year>\d{4})"
)
_SO_PSYCINFO = re.compile(
    r"^(?P<journal>.+?)\.\s+Vol\.?\s*(?P<volume>[^(),]*?)\s*(?:\((?P<issue>[^()]*)\))?,"
    r"[^,]*?(?P<year>\d{4})[^,]*(?:,\s*pp\.?\s*(?P<pages>[^.,]*))?"
)
_DATE_OF_PUBLICATION = re.compile(r"Date of Publication:\s*([^.]*)")


def parse_source(so: str | None) -> dict[str, str | None]:
    """Journal, volume, issue, pages and year from an Ovid ``SO`` citation string.

    ``BMC Proceedings. Conference: …. Spain. 12 (Supplement 3) (no pagination), 2018.
    Date of Publication: 2018.`` -> journal ``BMC Proceedings``, volume ``12``, issue
    ``Supplement 3``, no pages, year ``2018``.
    """
    out: dict[str, str | None] = dict.fromkeys(("journal", "volume", "issue", "pages", "year"))
    if not so:
        return out
    text = so.strip()
    for pattern in (_SO_EMBASE, _SO_PSYCINFO, _SO_MEDLINE):
        match = pattern.match(text)
        if match:
            out.update({k: (v or "").strip() or None for k, v in match.groupdict().items()})
            break
    else:
        out["journal"] = text.split(". ", 1)[0].rstrip(".")
    journal = out["journal"]
    if journal and ". Conference:" in journal:
        out["journal"] = journal.split(". Conference:", 1)[0]
    if not out["year"]:
        dated = _DATE_OF_PUBLICATION.search(text)
        out["year"] = dated.group(1) if dated and F.parse_year(dated.group(1)) else None
    return out


def parse_ovid_block(text: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    """Tags of one record (header line excluded) and stray text as ``(line_offset, text)``."""
    raw: dict[str, list[str]] = {}
    stray: list[tuple[int, str]] = []
    pos = 0
    for match in _FIELD.finditer(text):
        if match.start() > pos and text[pos:match.start()].strip():
            gap = text[pos:match.start()]
            offset = text.count("\n", 0, pos) + len(gap) - len(gap.lstrip("\n"))
            stray.append((offset, gap.strip().split("\n", 1)[0]))
        tag, value, more = match.group(1), match.group(2).strip(), match.group(3)
        values = [value]
        if more:
            base = text.count("\n", 0, match.start())
            for index, line in enumerate(more[1:].split("\n"), start=1):
                if not line.strip():
                    continue
                if line[0] in " \t":
                    if tag in LIST_TAGS:
                        values.append(line.strip())
                    else:
                        values[-1] = f"{values[-1]} {line.strip()}".strip()
                elif tag in PARAGRAPH_TAGS:
                    values[-1] = f"{values[-1]}\n{line.strip()}".strip()
                else:
                    stray.append((base + index, line.strip()))
        raw.setdefault(tag, []).extend(values)
        pos = match.end()
    if text[pos:].strip():
        gap = text[pos:]
        offset = text.count("\n", 0, pos) + len(gap) - len(gap.lstrip("\n"))
        stray.append((offset, gap.strip().split("\n", 1)[0]))
    return raw, stray


def ovid_database(raw: dict[str, list[str]]) -> str | None:
    """The database a record comes from, from its ``DB`` tag."""
    db = " ".join(raw.get("DB") or ()).lower()
    if "embase" in db:
        return "Embase"
    if "medline" in db or "pubmed" in db:
        return "PubMed"
    return None


def _first(raw: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in raw.get(tag) or ():
            if value:
                return value
    return None


def ovid_record(
    raw: dict[str, list[str]], source: SourceRef, database: str | None
) -> tuple[Record, list[Problem]]:
    """Map Ovid tags to a Record; ``database`` decides what ``UI`` and ``MH`` are."""
    so = parse_source(_first(raw, "SO"))
    ui = _first(raw, "UI", "AN")
    pmid = _first(raw, "PM")
    embase_id = None
    if database == "Embase" and ui:
        embase_id = ui if ui.upper().startswith("L") else f"L{ui}"
    elif database == "PubMed" and ui and ui.isdigit():
        pmid = pmid or ui
    status = raw.get("ST") or []
    flags = F.flags_from_types(status)
    if any("conference" in s.lower() for s in status + (raw.get("PT") or [])):
        flags.add(Flag.CONFERENCE_ABSTRACT.value)
    mh = raw.get("MH")
    return build_record(
        source,
        raw,
        native_id=ui,
        title=_first(raw, "TI"),
        strip_title_period=True,
        title_original=_first(raw, "TT"),
        abstract=_first(raw, "AB"),
        authors=raw.get("AU"),
        year=_first(raw, "YR") or so["year"] or _first(raw, "DP"),
        journal=_first(raw, "JN", "JT") or so["journal"],
        journal_abbrev=_first(raw, "JA"),
        volume=_first(raw, "VO", "VI") or so["volume"],
        issue=_first(raw, "IP") or so["issue"],
        pages=_first(raw, "PG") or so["pages"],
        dois=raw.get("DO") or raw.get("DI") or (),
        pmid=pmid,
        embase_id=embase_id,
        issn=raw.get("IS") or (),
        language=raw.get("LG") or raw.get("LA") or (),
        publication_types=raw.get("PT"),
        keywords=raw.get("KW"),
        mesh=mh if database == "PubMed" else None,
        emtree=mh if database == "Embase" else None,
        flags=flags,
    )


@register("ovid_tagged")
class OvidTaggedReader(Reader):
    """Ovid direct-export tagged text (Embase, MEDLINE, PsycINFO via Ovid)."""

    label = "Ovid tagged text (.cgi/.ovd)"
    database = None
    suffixes = (".cgi", ".ovd", ".txt")

    def sniff(self, head: Head) -> float:
        lines = head.lines(12)
        for index, line in enumerate(lines):
            if _HEADER.match(line):
                tagged = index + 1 < len(lines) and _FIELD.match(lines[index + 1])
                if index == 0:
                    return 0.95 if tagged else 0.7
                return 0.8 if tagged else 0.0  # a mail header or search summary first
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        ordinal = 0
        seen_any = False
        for block in iter_blocks(iter_chunks(path, encoding=encoding), _SPLIT):
            seen_any = True
            text = block.text
            lead = len(text) - len(text.lstrip("\n"))
            first = block.line_start + text.count("\n", 0, lead)
            last = first + text.strip().count("\n")
            head, _, body = text[lead:].partition("\n")
            if not _HEADER.match(head):
                yield Reject(name, first, last, text, (
                    Problem(name, first, "line", "text outside records", head.strip()),))
                continue
            ordinal += 1
            raw, stray = parse_ovid_block(body)
            problems = [
                Problem(name, first + 1 + offset, "line", "not an Ovid tag line", value)
                for offset, value in stray
            ]
            problem = encoding_problem(name, text, block.line_start, encoding)
            if problem is not None:
                problems.append(problem)
            if not raw:
                problems.append(Problem(name, first, "record", "record has no tag lines",
                                        head.strip()))
            elif not block.terminated and not text.endswith("\n"):
                # Ovid ends every record with a line break and an empty line; a last line
                # without its line break was cut off.
                problems.append(Problem(name, last, "line",
                                        "last record ends mid-line: the file looks truncated",
                                        text.rsplit("\n", 1)[-1].strip()))
            if not problems:
                db = database or ovid_database(raw)
                source = SourceRef(name, first, last, db, self.name, ordinal)
                record, problems = ovid_record(raw, source, db)
                if not problems:
                    yield record
                    continue
            yield Reject(name, first, last, text, tuple(problems))
        if not seen_any:
            yield empty_file(name)
