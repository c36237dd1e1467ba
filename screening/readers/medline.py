"""PubMed MEDLINE / "PubMed format" text (.nbib, .txt, efetch ``rettype=medline``).

Why not Bio.Medline: it is correct on well-formed files but gives no line numbers, so no
problem could name its line, and it is a per-line Python loop. Here records are cut out
of the stream with ``str.split`` on empty lines, continuation lines are joined with
``str.replace``, and tag lines are grouped by ``tagged.group_tag_lines`` (C when built):
no Python code runs per line on well-formed input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, register
from screening.readers.tagged import group_tag_lines
from screening.readers.textio import Block, bad_bytes, iter_chunks

__all__ = ["MedlineReader", "iter_medline_blocks", "parse_medline_block"]

_CONTINUATION = re.compile(r"\n[ \t]+")
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,3}) *- ?(.*)")
_START = re.compile(r"^(?:PMID|PMC) *- ?\S", re.M)


def iter_medline_blocks(path: Path, encoding: str) -> Iterator[Block]:
    """Records of a MEDLINE file: text between empty lines, with their file lines.

    ``str.split`` on whole chunks finds the empty lines in C; a regular expression is
    several times slower here (measured), and this loop runs once per record.
    """
    carry = ""
    line = 1
    for first_line, chunk in iter_chunks(path, encoding=encoding):
        if carry:
            text = carry + chunk
        else:
            text = chunk
            line = first_line
        parts = text.split("\n\n")
        carry = parts.pop()  # the text after the last empty line continues in the next chunk
        for part in parts:
            if part[:1] == "\n":
                stripped = part.lstrip("\n")
                line += len(part) - len(stripped)
                part = stripped
            n_lines = part.count("\n")
            if part and not part.isspace():
                yield Block(line, line + n_lines, part, True)
            line += n_lines + 2
        if carry[:1] == "\n":
            stripped = carry.lstrip("\n")
            line += len(carry) - len(stripped)
            carry = stripped
    if carry and not carry.isspace():
        end = line + carry.count("\n") - (1 if carry.endswith("\n") else 0)
        yield Block(line, end, carry.rstrip("\n"), False)


def parse_medline_block(text: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    """Tags of one record as ``tag -> values``, and untagged text as ``(line_offset, text)``."""
    if " \n" in text:  # trailing spaces before a wrap (PubMed's .nbib writes them)
        text = text.replace(" \n", "\n")
    joined = text.replace("\n      ", " ").rstrip()  # six-space continuations, in C
    if "\n " in joined or "\n\t" in joined:  # any other indentation
        joined = _CONTINUATION.sub(" ", joined)
    # Standard layout: every line a tag left-justified in four characters, then "- ".
    raw = group_tag_lines(joined, 4, "- ")
    if raw is not None:
        return raw, []
    return _parse_irregular(text, joined)


def _parse_irregular(text: str, joined: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    raw: dict[str, list[str]] = {}
    stray: list[str] = []
    for line in joined.split("\n"):
        match = _TAG_LINE.fullmatch(line.rstrip())
        if match is None:
            if line.strip():
                stray.append(line.strip())
            continue
        raw.setdefault(match.group(1), []).append(match.group(2))
    lines = text.split("\n")
    located = []
    for item in stray:
        offset = next(
            (i for i, line in enumerate(lines) if line.strip() and item.startswith(line.strip())),
            0,
        )
        located.append((offset, item))
    return raw, located


def _tagged(values: list[str], label: str) -> list[str]:
    return [v[: -len(label)].strip() for v in values if v.endswith(label)]


_LINK_FLAGS = {
    "EFR": Flag.ERRATUM.value,
    "ROF": Flag.RETRACTION_NOTICE.value,
    "RIN": Flag.RETRACTED.value,
    "CON": Flag.COMMENT.value,
}


def medline_record(
    raw: dict[str, list[str]], source: SourceRef
) -> tuple[Record, list[Problem]]:
    """Map MEDLINE tags to a Record."""
    get = raw.get
    ids = (get("LID") or []) + (get("AID") or [])
    dois = _tagged(ids, "[doi]") or ids
    flags = {flag for tag, flag in _LINK_FLAGS.items() if tag in raw}
    if "aheadofprint" in (get("PST") or []):
        flags.add(Flag.AHEAD_OF_PRINT.value)
    pmid = (get("PMID") or [None])[0]
    pmc = (get("PMC") or [None])[0]
    other: dict[str, str] = {}
    if get("MID"):
        other["nihms"] = raw["MID"][0]
    return build_record(
        source,
        raw,
        native_id=pmid or pmc,
        title=(get("TI") or [None])[0],
        strip_title_period=True,
        title_original=(get("TT") or [None])[0],
        abstract=" ".join(v for v in get("AB") or [] if v) or None,
        authors=get("FAU") or get("AU"),
        group_authors=get("CN"),
        year=(get("DP") or get("DEP") or [None])[0],
        journal=(get("JT") or [None])[0],
        journal_abbrev=(get("TA") or [None])[0],
        volume=(get("VI") or [None])[0],
        issue=(get("IP") or [None])[0],
        pages=(get("PG") or [None])[0],
        dois=dois,
        pmid=pmid,
        pmcid=pmc,
        other_ids=other,
        issn=get("IS") or (),
        language=get("LA") or (),
        publication_types=get("PT"),
        keywords=get("OT"),
        mesh=get("MH"),
        flags=flags,
    )


@register("medline")
class MedlineReader(Reader):
    """PubMed MEDLINE tagged text (PubMed format, .nbib, efetch rettype=medline, PMC MEDLARS)."""

    label = "PubMed MEDLINE text (.nbib/.txt)"
    database = "PubMed"
    suffixes = (".nbib", ".txt", ".medline")

    def sniff(self, head: Head) -> float:
        lines = head.lines(5)
        if lines and _START.match(lines[0]):
            return 0.95
        if any(_START.match(line) for line in lines):
            return 0.6
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        db = database or self.database
        pending: tuple[int, int, str, dict[str, list[str]], list[Problem]] | None = None
        ordinal = 0
        seen_any = False
        for block in iter_medline_blocks(path, encoding):
            seen_any = True
            if pending is not None:
                yield self._finish(name, db, ordinal, *pending, last=False)
            ordinal += 1
            raw, stray = parse_medline_block(block.text)
            problems = [
                Problem(name, block.line_start + offset, "line", "not a MEDLINE tag line", text)
                for offset, text in stray
            ]
            found = bad_bytes(block.text)
            if found is not None:
                problems.append(
                    Problem(name, block.line_start + found[0], "encoding",
                            f"bytes that are not valid {encoding}", found[1])
                )
            if "PMID" not in raw and "PMC" not in raw:
                problems.append(
                    Problem(name, block.line_start, "PMID",
                            "record has no PMID line (text outside records?)",
                            block.text.strip().split("\n", 1)[0])
                )
            pending = (block.line_start, block.line_end, block.text, raw, problems)
        if pending is not None:
            yield self._finish(name, db, ordinal, *pending, last=True)
        elif not seen_any:
            yield Reject(name, 1, 1, "", (Problem(name, 1, "file", "no records: the file is empty"),))

    def _finish(
        self,
        name: str,
        db: str | None,
        ordinal: int,
        line_start: int,
        line_end: int,
        text: str,
        raw: dict[str, list[str]],
        problems: list[Problem],
        *,
        last: bool,
    ) -> Record | Reject:
        # Every record PubMed writes ends with its SO (source) line; a last record without
        # one was cut off (seen in a real file, where the title stops mid-word).
        if last and "SO" not in raw and ("PMID" in raw or "PMC" in raw):
            problems.append(
                Problem(name, line_end, "SO",
                        "last record ends without its SO line: the file looks truncated",
                        text.rstrip().rsplit("\n", 1)[-1].strip())
            )
        if not problems:
            source = SourceRef(name, line_start, line_end, db, self.name, ordinal)
            record, problems = medline_record(raw, source)
            if not problems:
                return record
        return Reject(name, line_start, line_end, text, tuple(problems))
