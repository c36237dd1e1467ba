"""RIS in every flavour seen: Embase, Ovid, Cochrane CENTRAL, Scopus, Web of Science,
EBSCOhost and reference-manager re-exports (Zotero, EndNote, Mendeley, RefWorks, Rayyan,
Covidence, EPPI-Reviewer). See docs/FORMATS.md sections 4-11.

Why not rispy: it keeps only the last value of tags it thinks are single-valued (so
repeated ``DO``/``SN``/``DB`` are lost), space-joins EndNote's untagged continuation
lines for some tags and splits them for others, gives no line numbers, and reads line by
line in Python. Here the file is cut into blocks at ``ER`` lines and every tag of a block
is found by one regular expression, continuation lines included, so the per-line work
happens in C; Python only touches one tuple per tag.

Between records, the known harmless lines are skipped: record numbers (``1.``, Ovid),
``Record #N of M`` / ``Provider:`` / ``Content:`` (Cochrane), blank lines. Ovid's
``Link to the Ovid Full Text…`` line is kept in the previous record's raw tags under
``_link`` (it holds the Ovid database code), and tags Ovid writes right after ``ER``
(``NL``) are added to the record they follow. Anything else outside a record is a
Problem, reported as a Reject with its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers.base import Head, Reader, Reject, register
from screening.readers.ris_fields import detect_database, ris_record
from screening.readers.textio import Block, bad_bytes, iter_blocks, iter_chunks

__all__ = ["MULTI_VALUED", "RisReader", "parse_ris_body"]

# The ER line ends a record: "ER  -", "ER  - " or "ER  -  "; the last one of a file may
# lack its newline.
_ER = re.compile(r"^ER  -[^\n]*(?:\n|\Z)", re.M)
_TY = re.compile(r"^TY  -", re.M)
# One tag and its value (one or two spaces after the dash, Cochrane writes two; trailing
# spaces dropped), then every following line that is not a tag line: continuation lines.
_FIELD = re.compile(
    r"^([A-Z][A-Z0-9])  -[ \t]*((?:[^\n]*\S)?)[ \t]*((?:\n(?![A-Z][A-Z0-9]  -)[^\n]*)*)", re.M
)
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9])  -[ \t]*(.*?)\s*$")
_HARMLESS = re.compile(r"\d+\.|Record #\d+ of \d+|Provider: .*|Content: .*")
_OVID_LINK = "Link to the Ovid Full Text"
_SURROGATE = re.compile("[\udc80-\udcff]")
_NOT_RIS = re.compile(r"(?:PMID|PMC) *- |FN |VR |PT |<\d+\. >")

#: Tags whose untagged continuation lines are further values (EndNote writes KW, DB, SN,
#: N1 ... as one tag line followed by one value per line); for every other tag they are
#: the wrapped text of one value and are joined with a newline.
MULTI_VALUED = frozenset(
    "AU A1 A2 A3 A4 AD KW SN DB N1 M1 UR L1 L2 L3 L4 LK C3 ID".split()
)


def parse_ris_body(text: str, pos: int = 0, end: int | None = None) -> dict[str, list[str]]:
    """Tags of one record (from its TY line to before its ER line) as ``tag -> values``.

    Parameters
    ----------
    text
        Text holding the record; only ``text[pos:end]`` is read.
    pos, end
        Where the record starts (its TY line) and ends.

    Returns
    -------
    dict
        Every tag, unknown ones too, with every value in file order. Untagged lines are
        new values of :data:`MULTI_VALUED` tags and otherwise joined to the value above.
    """
    if end is None:
        end = len(text)
    if end > pos and text[end - 1] == "\n":
        end -= 1  # so that the last tag has no (empty) continuation
    raw: dict[str, list[str]] = {}
    for tag, value, more in _FIELD.findall(text, pos, end):
        if more and more.strip():
            lines = [line.strip() for line in more.split("\n")]
            values = raw.setdefault(tag, [])
            if tag in MULTI_VALUED:
                values.append(value)
                values.extend(line for line in lines if line)
            else:
                values.append("\n".join([value, *lines]).strip())
            continue
        values = raw.get(tag)
        if values is None:
            raw[tag] = [value]
        else:
            values.append(value)
    return raw


class _Pending:
    """A record read but not yet yielded: tags after its ER may still belong to it."""

    __slots__ = ("line_end", "line_start", "ordinal", "problems", "raw", "text")

    def __init__(
        self, line_start: int, line_end: int, text: str, raw: dict[str, list[str]],
        problems: list[Problem], ordinal: int,
    ) -> None:
        self.line_start = line_start
        self.line_end = line_end
        self.text = text
        self.raw = raw
        self.problems = problems
        self.ordinal = ordinal


@register("ris")
class RisReader(Reader):
    """RIS from any database or reference manager (one reader for every flavour)."""

    label = "RIS (Embase, Ovid, Cochrane, Scopus, WoS, EBSCO, reference managers)"
    database = None
    suffixes = (".ris", ".txt")

    def sniff(self, head: Head) -> float:
        lines = head.lines(40)
        if not lines or _NOT_RIS.match(lines[0]):
            return 0.0
        for line in lines:
            if line.startswith("TY  -"):
                return 0.95
            if not _HARMLESS.fullmatch(line.strip()):
                break
        # A first line that is not RIS (junk before the first record) still reads as
        # RIS, with that line reported as text outside records.
        if any(line.startswith("TY  -") for line in lines):
            return 0.5
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        pending: _Pending | None = None
        ordinal = 0
        produced = False
        seen_text = False
        for block in iter_blocks(iter_chunks(path, encoding=encoding), _ER):
            seen_text = True
            text = block.text
            outside: list[Reject] = []
            orphan: _Pending | None = None
            if text.startswith("TY  -"):
                ty = 0
            else:
                match = _TY.search(text)
                ty = match.start() if match else -1
                if ty < 0 and block.terminated:
                    # Tags ended by ER but no TY: a record that lost its first line.
                    ordinal += 1
                    orphan = self._no_type(name, block, encoding, ordinal)
                else:
                    # May add tags found right after the ER line to the pending record.
                    head_text = text if ty < 0 else text[:ty]
                    outside = self._outside(name, head_text, block.line_start, pending, encoding)
            if pending is not None:
                yield self._finish(name, database, pending)
                produced = True
            pending = orphan
            if outside:
                produced = True
                yield from outside
            if ty < 0:
                continue
            ty_line = block.line_start + text.count("\n", 0, ty) if ty else block.line_start
            # A second TY line inside the block means records without their ER line.
            rejects, ty, ty_line, ordinal = self._split_unended(
                name, text, ty, ty_line, ordinal, encoding
            )
            if rejects:
                produced = True
                yield from rejects
            ordinal += 1
            pending = self._record(name, block, text, ty, ty_line, ordinal, encoding)
        if pending is not None:
            yield self._finish(name, database, pending)
        elif not produced:
            message = "no records: the file is empty" if not seen_text else (
                "no records: the file has no RIS record (no TY line)"
            )
            yield Reject(name, 1, 1, "", (Problem(name, 1, "file", message),))

    # -- records -------------------------------------------------------------------

    def _record(
        self, name: str, block: Block, text: str, ty: int, ty_line: int, ordinal: int,
        encoding: str,
    ) -> _Pending:
        raw = parse_ris_body(text, ty)
        problems: list[Problem] = []
        body = text[ty:] if ty else text
        found = bad_bytes(body)
        if found is not None:
            problems.append(
                Problem(name, ty_line + found[0], "encoding",
                        f"bytes that are not valid {encoding}", found[1])
            )
        if block.terminated:
            return _Pending(ty_line, block.line_end + 1, body + "ER  -\n", raw, problems, ordinal)
        problems.append(
            Problem(name, block.line_end, "ER",
                    "the file ends before this record's ER line: "
                    "the last record looks truncated",
                    _last_line(body))
        )
        return _Pending(ty_line, block.line_end, body, raw, problems, ordinal)

    def _split_unended(
        self, name: str, text: str, ty: int, ty_line: int, ordinal: int, encoding: str,
    ) -> tuple[list[Reject], int, int, int]:
        """Rejects for records that a later TY line starts before their ER line.

        Returns the rejects and the position, line and ordinal of the last record.
        """
        if text.find("\nTY  -", ty) < 0:
            return [], ty, ty_line, ordinal
        rejects: list[Reject] = []
        starts = [m.start() for m in _TY.finditer(text, ty)]
        for start, nxt in zip(starts, starts[1:], strict=False):
            ordinal += 1
            piece = text[start:nxt]
            next_line = ty_line + piece.count("\n")
            problems = [
                Problem(name, next_line, "ER",
                        f"the record from line {ty_line} has no ER line before this TY line",
                        _first_line(text[nxt:]))
            ]
            found = bad_bytes(piece)
            if found is not None:
                problems.append(
                    Problem(name, ty_line + found[0], "encoding",
                            f"bytes that are not valid {encoding}", found[1])
                )
            rejects.append(Reject(name, ty_line, next_line - 1, piece, tuple(problems)))
            ty, ty_line = nxt, next_line
        return rejects, ty, ty_line, ordinal

    def _no_type(self, name: str, block: Block, encoding: str, ordinal: int) -> _Pending:
        text = block.text
        offset = len(text) - len(text.lstrip("\n"))
        first = block.line_start + text.count("\n", 0, offset)
        body = text[offset:]
        problems = [
            Problem(name, first, "TY", "record has no TY line (a record starts with TY)",
                    _first_line(body))
        ]
        found = bad_bytes(body)
        if found is not None:
            problems.append(
                Problem(name, first + found[0], "encoding",
                        f"bytes that are not valid {encoding}", found[1])
            )
        return _Pending(first, block.line_end + 1, body + "ER  -\n", {}, problems, ordinal)

    def _finish(self, name: str, database: str | None, pending: _Pending) -> Record | Reject:
        problems = pending.problems
        if not problems:
            db = database or detect_database(pending.raw)
            source = SourceRef(
                name, pending.line_start, pending.line_end, db, self.name, pending.ordinal
            )
            record, problems = ris_record(pending.raw, source, db)
            if not problems:
                return record
        return Reject(name, pending.line_start, pending.line_end, pending.text, tuple(problems))

    # -- between records -----------------------------------------------------------

    def _outside(
        self, name: str, text: str, first_line: int, pending: _Pending | None, encoding: str,
    ) -> list[Reject]:
        """Check the text between two records; return Rejects for text that is not known.

        Tags right after an ER line (Ovid writes ``NL`` there) go to the record before,
        and so does Ovid's ``Link to the Ovid Full Text`` line.
        """
        rejects: list[Reject] = []
        run: list[str] = []
        run_start = 0
        attach = pending is not None  # only right after the ER line

        def close(last: int) -> None:
            if run:
                problems = [Problem(name, run_start, "text", "text outside records",
                                    run[0].strip())]
                found = bad_bytes("\n".join(run))
                if found is not None:
                    problems.append(Problem(name, run_start + found[0], "encoding",
                                            f"bytes that are not valid {encoding}", found[1]))
                rejects.append(Reject(name, run_start, last, "\n".join(run) + "\n",
                                      tuple(problems)))
                run.clear()

        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for index, line in enumerate(lines):
            number = first_line + index
            stripped = line.strip()
            clean = _SURROGATE.search(line) is None
            if attach and clean and pending is not None:
                match = _TAG_LINE.fullmatch(line)
                if match:
                    pending.raw.setdefault(match.group(1), []).append(match.group(2))
                    pending.text += line + "\n"
                    pending.line_end = number
                    continue
                attach = False
            if clean and (not stripped or _HARMLESS.fullmatch(stripped)):
                close(number - 1)
                continue
            if clean and stripped.startswith(_OVID_LINK) and pending is not None:
                close(number - 1)
                pending.raw.setdefault("_link", []).append(stripped)
                continue
            if not run:
                run_start = number
            run.append(line)
        close(first_line + len(lines) - 1)
        return rejects


def _first_line(text: str) -> str:
    return text.lstrip().split("\n", 1)[0].strip()


def _last_line(text: str) -> str:
    return text.rstrip().rsplit("\n", 1)[-1].strip()
