"""RIS in every flavour seen: Embase, Ovid, Cochrane CENTRAL, Scopus, Web of Science,
EBSCOhost and reference-manager re-exports (Zotero, EndNote, Mendeley, RefWorks, Rayyan,
Covidence, EPPI-Reviewer). See docs/FORMATS.md sections 4-11.

Why not rispy: it keeps only the last value of tags it thinks are single-valued (so
repeated ``DO``/``SN``/``DB`` are lost), space-joins EndNote's untagged continuation
lines for some tags and splits them for others, gives no line numbers, and reads line by
line in Python with a regular expression per line. Here the file is cut into blocks at
``ER`` lines (one regular expression over the whole chunk, in C); a record whose lines are
all ``XX  - value`` (nearly all) is grouped into ``tag -> values`` in one call to the C
``group_tag_lines`` (screening/readers/tagged.py; a position-based Python loop when the
extension is not built); only records with untagged lines (EndNote, Scopus ``N1``, WoS
abstracts) or Cochrane's two spaces take the slower path of one regular expression per tag.

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
from screening.model import Record
from screening.readers.base import EMPTY_FILE, Head, Reader, Reject, register
from screening.readers.construct import new_source
from screening.readers.ris_fields import detect_database, ris_record
from screening.readers.tagged import SPEEDUPS, group_tag_lines
from screening.readers.textio import Block, bad_bytes, encoding_problem, iter_blocks, iter_chunks

__all__ = ["MULTI_VALUED", "RisReader", "parse_ris_body"]

# The ER line ends a record: "ER  -", "ER  - " or "ER  -  "; the last one of a file may
# lack its newline.
_ER = re.compile(r"ER  -(?<![^\n]ER  -)[^\n]*(?:\n|\Z)")  # "^" would disable the
# literal-prefix search of the re module and cost a quarter of the reading time.
_TY = re.compile(r"TY  -(?<![^\n]TY  -)")  # at a line start; no "^": it is 6x slower
# One tag and its value (one or two spaces after the dash, Cochrane writes two; trailing
# spaces dropped), then every following line that is not a tag line: continuation lines.
_FIELD = re.compile(
    r"^([A-Z][A-Z0-9])  -[ \t]*((?:[^\n]*\S)?)[ \t]*((?:\n(?![A-Z][A-Z0-9]  -)[^\n]*)*)", re.M
)
# A line that does not start with a tag and "  - " (or is not "XX  -" alone).
_NOT_PLAIN = re.compile(r"\n(?![A-Z][A-Z0-9]  -(?: |\n|$))", re.M)
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9])  -[ \t]*(.*?)\s*$")
_HARMLESS = re.compile(r"\d+\.|Record #\d+ of \d+|Provider: .*|Content: .*")
_OVID_LINK = "Link to the Ovid Full Text"
_SURROGATE = re.compile("[\udc80-\udcff]")
_NOT_RIS = re.compile(r"(?:PMID|PMC) *- |FN |VR |PT |<\d+\. >")

#: Tags whose untagged continuation lines are further values (EndNote writes KW, DB, SN,
#: N1 ... as one tag line followed by one value per line; rispy splits KW and N1 but
#: space-joins DB and SN into "Embase Medline"); for every other tag they are the wrapped
#: text of one value and are joined with a newline.
MULTI_VALUED = frozenset(
    "AU A1 A2 A3 A4 AD KW SN DB N1 M1 UR L1 L2 L3 L4 LK C3".split()
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
        new values of :data:`MULTI_VALUED` tags and otherwise joined to the value above
        with a newline.
    """
    if end is None:
        end = len(text)
    if end > pos and text[end - 1] == "\n":
        end -= 1  # so that the last tag has no (empty) continuation
    if SPEEDUPS and text.find("  -  ", pos, end) < 0:
        # Fast path in C (nearly every record): every line is "XX  - value"; None when a
        # line is not (continuation lines), or two spaces follow the dash (Cochrane),
        # which the C grouping would keep as a leading space.
        grouped = group_tag_lines(text[pos:end], 2, "  - ")
        if grouped is not None:
            return grouped
    raw: dict[str, list[str]] = {}
    if _NOT_PLAIN.search(text, pos, end) is None:
        # Fast path in Python: every line is "XX  -" and a space or nothing more, so a
        # line is its tag and value by position; no regex per line.
        for line in text[pos:end].split("\n"):
            values = raw.get(line[:2])
            if values is None:
                raw[line[:2]] = [line[6:].strip()]
            else:
                values.append(line[6:].strip())
        return raw
    for tag, value, more in _FIELD.findall(text, pos, end):
        if more and not more.isspace():
            lines = [line.strip() for line in more.split("\n")[1:]]
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
    """A record read but not yet yielded: tags after its ER line may still belong to it.

    Its raw text is ``text[start:] + tail``; it is built only for a Reject.
    """

    __slots__ = ("line_end", "line_start", "ordinal", "problems", "raw", "start", "tail",
                 "text")

    def __init__(
        self, line_start: int, line_end: int, text: str, start: int, tail: str,
        raw: dict[str, list[str]], problems: list[Problem] | None, ordinal: int,
    ) -> None:
        self.line_start = line_start
        self.line_end = line_end
        self.text = text
        self.start = start
        self.tail = tail
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
        """0.95 when the first line that is not a record number or a Cochrane preamble
        line is a TY line; 0.5 when a TY line comes later; 0 for MEDLINE, WoS plain text
        and Ovid's tagged format (which share the ``XX  - `` syntax but have no TY)."""
        lines = head.lines(40)
        if not lines or _NOT_RIS.match(lines[0]):
            return 0.0
        for line in lines:
            if line.startswith("TY  -"):
                return 0.95
            if not _HARMLESS.fullmatch(line.strip()):
                break
        # Junk before the first record still reads as RIS, the junk reported as text
        # outside records.
        if any(line.startswith("TY  -") for line in lines):
            return 0.5
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        """Yield records and rejects in file order; see the module docstring."""
        name = str(path)
        finish = self._finish
        pending: _Pending | None = None
        ordinal = 0
        produced = False
        empty = True
        for block in iter_blocks(iter_chunks(path, encoding=encoding), _ER):
            empty = False
            text = block.text
            if text.startswith("TY  -"):
                ty, ty_line = 0, block.line_start
            elif text.startswith("\nTY  -"):
                ty, ty_line = 1, block.line_start + 1  # the blank line between records
            else:
                # Something before the TY line (Ovid and Cochrane always): check it. This
                # may add tags found right after the ER line to the pending record.
                match = _TY.search(text)
                if match is None and block.terminated:
                    # Tags ended by an ER line but no TY: a record that lost its TY line.
                    if pending is not None:
                        yield finish(name, database, pending)
                    ordinal += 1
                    pending = self._no_type(name, block, encoding, ordinal)
                    produced = True
                    continue
                ty = len(text) if match is None else match.start()
                outside = self._outside(name, text[:ty], block.line_start, pending, encoding)
                if pending is not None:
                    yield finish(name, database, pending)
                    pending = None
                    produced = True
                if outside:
                    yield from outside
                    produced = True
                if match is None:
                    continue
                ty_line = block.line_start + text.count("\n", 0, ty)
            if pending is not None:
                yield finish(name, database, pending)
                produced = True
            if text.find("\nTY  -", ty) >= 0:
                # A second TY line before the ER line: records that lost their ER line.
                rejects, ty, ty_line, ordinal = self._split_unended(
                    name, text, ty, ty_line, ordinal, encoding
                )
                yield from rejects
            ordinal += 1
            problems: list[Problem] | None = None
            # Checked on the whole block first (no copy when clean); bad bytes in the
            # preamble before TY were reported with it.
            if bad_bytes(text) is not None:
                problem = encoding_problem(name, text[ty:], ty_line, encoding)
                problems = [problem] if problem is not None else None
            raw = parse_ris_body(text, ty)
            if block.terminated:
                pending = _Pending(ty_line, block.line_end + 1, text, ty, "ER  -\n", raw,
                                   problems, ordinal)
            else:
                problems = problems or []
                problems.append(Problem(
                    name, block.line_end, "ER",
                    "the file ends before this record's ER line: the last record looks "
                    "truncated", _last_line(text)))
                pending = _Pending(ty_line, block.line_end, text, ty, "", raw, problems,
                                   ordinal)
        if pending is not None:
            yield finish(name, database, pending)
        elif not produced:
            message = EMPTY_FILE if empty else (
                "no records: the file has no RIS record (no TY line)"
            )
            yield Reject(name, 1, 1, "", (Problem(name, 1, "file", message),))

    # -- records -------------------------------------------------------------------

    def _finish(self, name: str, database: str | None, pending: _Pending) -> Record | Reject:
        problems = pending.problems
        if not problems:
            db = database or detect_database(pending.raw)
            source = new_source(
                name, pending.line_start, pending.line_end, db, self.name, pending.ordinal
            )
            record, problems = ris_record(pending.raw, source, db)
            if not problems:
                return record
        text = pending.text[pending.start:] + pending.tail
        return Reject(name, pending.line_start, pending.line_end, text, tuple(problems))

    def _split_unended(
        self, name: str, text: str, ty: int, ty_line: int, ordinal: int, encoding: str,
    ) -> tuple[list[Reject], int, int, int]:
        """Rejects for records that a later TY line starts before their ER line.

        Returns the rejects and the position, line and ordinal of the last record.
        """
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
            problem = encoding_problem(name, piece, ty_line, encoding)
            if problem is not None:
                problems.append(problem)
            last_line = ty_line + piece.rstrip().count("\n")  # blank lines are not its
            rejects.append(Reject(name, ty_line, last_line, piece, tuple(problems)))
            ty, ty_line = nxt, next_line
        return rejects, ty, ty_line, ordinal

    def _no_type(self, name: str, block: Block, encoding: str, ordinal: int) -> _Pending:
        text = block.text
        start = len(text) - len(text.lstrip())
        first = block.line_start + text.count("\n", 0, start)
        problems = [
            Problem(name, first, "TY", "record has no TY line (a record starts with TY)",
                    _first_line(text))
        ]
        problem = encoding_problem(name, text, block.line_start, encoding)
        if problem is not None:
            problems.append(problem)
        return _Pending(first, block.line_end + 1, text, start, "ER  -\n", {}, problems,
                        ordinal)

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
                problem = encoding_problem(name, "\n".join(run), run_start, encoding)
                if problem is not None:
                    problems.append(problem)
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
                    pending.tail += line + "\n"
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
