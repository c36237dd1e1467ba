"""PubMed MEDLINE / "PubMed format" text (.nbib, .txt, efetch ``rettype=medline``).

Why not Bio.Medline: it is correct on well-formed files but gives no line numbers, so no
problem could name its line, and it is a per-line Python loop. Here each chunk of the
file is cut into records and tags by ``medline_split.medline_records`` (in C when built),
so no Python code runs per line on well-formed input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.construct import new_source
from screening.readers.medline_split import medline_records
from screening.readers.textio import CHUNK_CHARS, encoding_problem, iter_texts

__all__ = ["MedlineReader", "iter_medline_records", "stray_lines"]

_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,3}) *-(?: |$)")
_START = re.compile(r"^(?:PMID|PMC) *- ?\S", re.M)


def iter_medline_records(
    path: Path, encoding: str, *, chunk_chars: int = CHUNK_CHARS
) -> Iterator[tuple[int, int, str, int, int, dict[str, list[str]] | None, bool]]:
    """``(first_line, last_line, text, start, end, tags, clean)`` of every record, streamed.

    The record is ``text[start:end]`` (``text`` is the chunk that holds it: most records
    never need their text, so it is not copied); ``tags`` is None for an irregular record
    (see medline_split); ``clean`` is False when the chunk may hold undecodable bytes; file
    lines are 1-based.
    """
    carry, carry_clean = "", True
    line = 1  # of the start of text: the splitter counts the lines it consumes
    for chunk, clean in iter_texts(path, encoding=encoding, size=chunk_chars):
        if carry:
            text, clean = carry + chunk, clean and carry_clean
        else:
            text = chunk
        found, consumed, consumed_lines = medline_records(text, False)
        for start, end, first, last, tags in found:
            yield line + first, line + last, text, start, end, tags, clean
        carry, carry_clean = text[consumed:], clean
        line += consumed_lines
    if carry:
        found, _, _ = medline_records(carry, True)
        for start, end, first, last, tags in found:
            yield line + first, line + last, carry, start, end, tags, carry_clean


def stray_lines(text: str) -> list[tuple[int, str]]:
    """Lines of an irregular record that are neither tag lines nor continuations."""
    stray = []
    seen_tag = False
    for offset, line in enumerate(text.split("\n")):
        if line[:1] in (" ", "\t"):
            if line.strip() and not seen_tag:
                stray.append((offset, line.strip()))
            continue
        if _TAG_LINE.match(line) and len(line) >= 5 and line[4] == "-":
            seen_tag = True
        elif line.strip():
            stray.append((offset, line.strip()))
    return stray


_LINK_FLAGS = (
    ("EFR", Flag.ERRATUM.value),
    ("ROF", Flag.RETRACTION_NOTICE.value),
    ("RIN", Flag.RETRACTED.value),
    ("CON", Flag.COMMENT.value),
)
_DOI = "[doi]"
_NONE = (None,)
_EMPTY: tuple[str, ...] = ()


def medline_record(
    raw: dict[str, list[str]], source: SourceRef
) -> tuple[Record, list[Problem]]:
    """Map MEDLINE tags to a Record."""
    get = raw.get
    ids = (get("LID") or []) + (get("AID") or [])
    dois = [v[: -len(_DOI)].strip() for v in ids if v.endswith(_DOI)] or ids
    flags = [flag for tag, flag in _LINK_FLAGS if tag in raw]
    if "aheadofprint" in (get("PST") or _EMPTY):
        flags.append(Flag.AHEAD_OF_PRINT.value)
    pmid = (get("PMID") or _NONE)[0]
    pmc = (get("PMC") or _NONE)[0]
    abstract = get("AB")
    if abstract and len(abstract) > 1:
        abstract = [" ".join(v for v in abstract if v)]
    return build_record(
        source,
        raw,
        native_id=pmid or pmc,
        title=(get("TI") or _NONE)[0],
        strip_title_period=True,
        title_original=(get("TT") or _NONE)[0],
        abstract=(abstract or _NONE)[0] or None,
        authors=get("FAU") or get("AU"),
        group_authors=get("CN"),
        year=(get("DP") or get("DEP") or _NONE)[0],
        journal=(get("JT") or _NONE)[0],
        journal_abbrev=(get("TA") or _NONE)[0],
        volume=(get("VI") or _NONE)[0],
        issue=(get("IP") or _NONE)[0],
        pages=(get("PG") or _NONE)[0],
        dois=dois,
        pmid=pmid,
        pmcid=pmc,
        other_ids={"nihms": raw["MID"][0]} if get("MID") else None,
        issn=get("IS") or _EMPTY,
        language=get("LA") or _EMPTY,
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
        pending: tuple[int, int, str, int, int, dict[str, list[str]], list[Problem]] | None = None
        ordinal = 0
        for line_start, line_end, chunk, start, end, tags, clean in iter_medline_records(
            path, encoding
        ):
            if pending is not None:
                yield self._finish(name, db, ordinal, *pending, last=False)
            ordinal += 1
            problems: list[Problem] = []
            # A record's text is sliced from its chunk only when it has to be checked or
            # rejected: copying every record's text cost 2 of the 25 us per record.
            held, held_start, held_end = chunk, start, end
            if tags is None or not clean or ("PMID" not in tags and "PMC" not in tags):
                held, held_start, held_end = chunk[start:end], 0, end - start
                tags = self._check(name, held, line_start, tags, encoding, problems)
            pending = (line_start, line_end, held, held_start, held_end, tags, problems)
        if pending is not None:
            yield self._finish(name, db, ordinal, *pending, last=True)
        else:
            yield empty_file(name)

    def _check(
        self, name: str, text: str, line_start: int, tags: dict[str, list[str]] | None,
        encoding: str, problems: list[Problem],
    ) -> dict[str, list[str]]:
        """Problems of a record that is irregular, has bad bytes or lacks its PMID; its tags."""
        if tags is None:
            tags = {}
            problems += [
                Problem(name, line_start + offset, "line", "not a MEDLINE tag line", stray)
                for offset, stray in stray_lines(text)
            ]
            for line in text.split("\n"):
                match = _TAG_LINE.match(line)
                if match:
                    tags.setdefault(match.group(1), []).append(line[6:].strip())
        problem = encoding_problem(name, text, line_start, encoding)
        if problem is not None:
            problems.append(problem)
        if "PMID" not in tags and "PMC" not in tags:
            problems.append(
                Problem(name, line_start, "PMID",
                        "record has no PMID line (text outside records?)",
                        text.strip().split("\n", 1)[0])
            )
        return tags

    def _finish(
        self,
        name: str,
        db: str | None,
        ordinal: int,
        line_start: int,
        line_end: int,
        text: str,
        start: int,
        end: int,
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
                        text[start:end].rstrip().rsplit("\n", 1)[-1].strip())
            )
        if not problems:
            source = new_source(name, line_start, line_end, db, self.name, ordinal)
            record, problems = medline_record(raw, source)
            if not problems:
                return record
        return Reject(name, line_start, line_end, text[start:end], tuple(problems))
