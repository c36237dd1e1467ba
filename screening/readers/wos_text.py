"""Web of Science plain text (.txt, .ciw, .isi, "Other reference software").

The file starts with ``FN`` / ``VR`` header lines, each record starts at ``PT`` and ends
with a line ``ER``, and the file ends with ``EF``. A tag is two characters and one space;
a continuation line starts with three spaces and means "the next value" for name and
address tags (AU, AF, CR, C1 ...) but "the same value, wrapped" for everything else
(TI, SO, AB, DE, ID, FU, C3, EM ...). Records are cut out of the stream at ``ER`` lines
and their tags found by one regular expression per record, as in the MEDLINE reader.

Zoological Record, exported through Web of Science, uses the same layout with ``AN ZOOR…``
and ``UT ZOOREC:…``; such records get the database "Zoological Record".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers import fields as F
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.textio import encoding_problem, iter_blocks, iter_chunks

__all__ = ["WosTextReader", "parse_wos_record", "wos_record"]

# ER ends a record; the blank lines after it belong to the gap between records.
_END = re.compile(r"^ER[ \t]*(?:\n|\Z)(?:[ \t]*\n)*", re.M)
# File-level lines: header (FN, VR), end of file (EF) and blank lines.
_FILE_LINES = re.compile(r"\A(?:(?:[ \t]*|FN(?: [^\n]*)?|VR(?: [^\n]*)?|EF[ \t]*)(?:\n|\Z))*")
_PT = re.compile(r"^PT(?: |$)", re.M)
# A tag line and its continuation lines. One real file (metaknowledge) has "AUGilles, H"
# with the space after the tag missing; an author tag directly followed by a name is
# accepted as that tag.
_FIELD = re.compile(
    r"^(?:([A-Z][A-Z0-9])(?: |(?=\n|\Z))|(AU|AF)(?=[A-Z][^\n]*,))([^\n]*)((?:\n[ \t]+[^\n]*)*)",
    re.M,
)
# Continuation lines of these tags are further values, not wrapped text.
LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "CR", "C1", "ED"})
# Zoological Record appends the author's e-mail: "Stillman, Andrew N. (a.s@uconn.edu)".
_EMAIL = re.compile(r"\s*\([^()]*@[^()]*\)\s*$")


def parse_wos_record(text: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    """Tags of one record as ``tag -> values``, and untagged text as ``(line_offset, text)``."""
    raw: dict[str, list[str]] = {}
    stray: list[tuple[int, str]] = []
    pos = 0
    for match in _FIELD.finditer(text):
        start = match.start()
        if start > pos and text[pos:start].strip():
            gap = text[pos:start]
            offset = text.count("\n", 0, pos) + len(gap) - len(gap.lstrip("\n"))
            stray.append((offset, gap.strip().split("\n", 1)[0]))
        tag = match.group(1) or match.group(2)
        first, more = match.group(3).strip(), match.group(4)
        if more:
            rest = [line.strip() for line in more[1:].split("\n")]
            if tag in LIST_TAGS:
                values = [first, *(line for line in rest if line)]
            else:
                values = [" ".join([first, *rest]).strip()]
        else:
            values = [first]
        raw.setdefault(tag, []).extend(values)
        pos = match.end()
    if pos < len(text) and text[pos:].strip():
        gap = text[pos:]
        offset = text.count("\n", 0, pos) + len(gap) - len(gap.lstrip("\n"))
        stray.append((offset, gap.strip().split("\n", 1)[0]))
    return raw, stray


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(";") if part.strip()]


def _first(raw: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in raw.get(tag) or ():
            if value:
                return value
    return None


def _dated(raw: dict[str, list[str]], *tags: str) -> str | None:
    """The first of ``tags`` holding a year (``EA JAN`` alone has none: no year, no error)."""
    for tag in tags:
        value = _first(raw, tag)
        if value and F.parse_year(value):
            return value
    return None


def wos_database(raw: dict[str, list[str]]) -> str:
    """The database of a record: Zoological Record (ZOOREC ids) or Web of Science."""
    ut = _first(raw, "UT") or ""
    an = _first(raw, "AN") or ""
    if ut.upper().startswith("ZOOREC:") or an.upper().startswith("ZOOR"):
        return "Zoological Record"
    return "Web of Science"


def wos_record(raw: dict[str, list[str]], source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map Web of Science tags to a Record."""
    ut = _first(raw, "UT")
    an = _first(raw, "AN")
    other: dict[str, str] = {}
    native = ut
    if ut and ut.upper().startswith("WOS:"):
        other["wos"] = ut
    elif an and an.upper().startswith("ZOOR"):
        other["zoological_record"] = an
        native = an
    elif ut and ":" in ut:
        other[ut.split(":", 1)[0].lower()] = ut
    end = _first(raw, "EP")
    if end == "+":  # "BP 59 / EP +": the article continues on later, unnumbered pages
        end = None
    pages = _first(raw, "BP")
    if not pages:
        pages, end = _first(raw, "AR"), None  # article number; "UNSP" = unspecified page
        if pages and pages.upper().startswith("UNSP "):
            pages = pages[5:].strip()
    authors = [_EMAIL.sub("", a) for a in raw.get("AF") or raw.get("AU") or ()]
    return build_record(
        source,
        raw,
        native_id=native,
        title=_first(raw, "TI"),
        abstract=_first(raw, "AB"),
        authors=authors,
        group_authors=(raw.get("CA") or []) + (raw.get("GP") or []),
        year=_first(raw, "PY") or _dated(raw, "PD", "EA"),
        journal=_first(raw, "SO"),
        journal_abbrev=_first(raw, "JI", "J9"),
        volume=_first(raw, "VL"),
        issue=_first(raw, "IS"),
        pages=pages,
        end_page=end,
        dois=raw.get("DI") or (),
        pmid=_first(raw, "PM"),
        other_ids=other,
        issn=(raw.get("SN") or []) + (raw.get("EI") or []),
        language=_split(raw.get("LA")),
        publication_types=_split(raw.get("DT")),
        keywords=_split(raw.get("DE")),
    )


@register("wos_text")
class WosTextReader(Reader):
    """Web of Science plain text / "Other reference software" (also Zoological Record)."""

    label = "Web of Science plain text (.txt/.ciw/.isi)"
    database = "Web of Science"
    suffixes = (".txt", ".ciw", ".isi")

    def sniff(self, head: Head) -> float:
        lines = head.lines(6)
        if not lines:
            return 0.0
        if lines[0].startswith("FN ") and any(line.startswith("VR ") for line in lines[1:3]):
            return 0.95
        if re.match(r"PT [A-Z]\s*$", lines[0]) and any(
            re.match(r"(AU|AF|TI|SO) \S", line) for line in lines[1:]
        ):
            return 0.7
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        ordinal = 0
        seen_any = rejected = False
        for block in iter_blocks(iter_chunks(path, encoding=encoding), _END):
            seen_any = True
            text = block.text
            skip = _FILE_LINES.match(text).end()
            line = block.line_start + text.count("\n", 0, skip)
            text = text[skip:]
            if not text.strip():
                if block.terminated:  # "ER" with no record before it
                    rejected = True
                    yield Reject(name, line, line, "ER\n", (
                        Problem(name, line, "ER", "ER line without a record before it"),))
                continue
            found = _PT.search(text)
            start = found.start() if found else len(text)
            if text[:start].strip():
                # Text before PT (or a block without PT): outside any record.
                stray = text[:start]
                lead = len(stray) - len(stray.lstrip("\n"))
                first = line + lead
                last = line + stray.rstrip().count("\n")
                field = "PT" if found is None and block.terminated else "line"
                message = ("record does not start with a PT line (text outside records?)"
                           if field == "PT" else "text outside records")
                raw_text = stray + ("ER\n" if found is None and block.terminated else "")
                problems = [Problem(name, first, field, message, stray.strip().split("\n")[0])]
                rejected = True
                yield Reject(name, first, last + (1 if field == "PT" else 0),
                             raw_text, tuple(problems))
            if found is None:
                continue
            ordinal += 1
            line += text.count("\n", 0, start)
            body = text[start:]
            yield self._record(name, database, ordinal, line, body, block.terminated, encoding)
        if not seen_any:
            yield empty_file(name)
        elif ordinal == 0 and not rejected:
            yield Reject(name, 1, 1, "", (Problem(
                name, 1, "file", "no records: the file holds only the FN/VR/EF lines"),))

    def _record(
        self, name: str, database: str | None, ordinal: int, line: int, body: str,
        terminated: bool, encoding: str,
    ) -> Record | Reject:
        raw, stray = parse_wos_record(body)
        problems = [
            Problem(name, line + offset, "line", "not a Web of Science tag line", text)
            for offset, text in stray
        ]
        problem = encoding_problem(name, body, line, encoding)
        if problem is not None:
            problems.append(problem)
        if len(raw.get("PT", ())) > 1:
            second = [m.start() for m in _PT.finditer(body)][1]
            problems.append(Problem(name, line + body.count("\n", 0, second), "PT",
                                    "a second record starts before the ER line of the first",
                                    raw["PT"][1]))
        content_end = line + body.rstrip().count("\n")
        if terminated:
            line_end = content_end + 1
            body += "ER\n"
        else:
            line_end = content_end
            problems.append(Problem(name, content_end, "ER",
                                    "last record has no ER line: the file looks truncated",
                                    body.rstrip().rsplit("\n", 1)[-1].strip()))
        if not problems:
            db = database or wos_database(raw)
            source = SourceRef(name, line, line_end, db, self.name, ordinal)
            record, problems = wos_record(raw, source)
            if not problems:
                return record
        return Reject(name, line, line_end, body, tuple(problems))
