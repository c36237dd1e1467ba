"""BibTeX (Scopus "BibTeX" export; also BibTeX from reference managers and Web of Science).

Why our own parser: bibtexparser is not a dependency, gives no line numbers and guesses
past broken entries. Here a brace-counting scanner streams the file line by line and cuts
it into entries (``@type{key, field = value, ...}``) the way BibTeX counts braces; each
entry is then parsed by :func:`parse_entry`, which knows ``{...}`` values with nested
braces, ``"..."`` values, numbers, ``@string`` macros and ``#`` concatenation.

Between entries only blank lines, ``%`` comments and ``@comment``/``@preamble``/``@string``
are expected; anything else is a Problem, as is an entry that is never closed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers import fields as F
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.textio import encoding_problem, iter_chunks

__all__ = ["BibtexReader", "EntryError", "latex_to_text", "parse_entry"]

_START = re.compile(r"[ \t]*@[ \t]*([A-Za-z][\w-]*)[ \t]*([{(])")
_DELIMS = re.compile(r"[{}()]")
_NAME = re.compile(r"\s*([^=,{}\"\s#](?:[^=,{}\"\n#]*[^=,{}\"\s#])?)\s*")
_WORD = re.compile(r"[\w.:+/-]+")
_AND = re.compile(r"\s+and\s+", re.I)
_MONTHS = dict(zip(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(),
    "January February March April May June July August September October November December"
    .split(), strict=True))
_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
            "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_ACCENT_CMD = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{\s*(\\[a-zA-Z]+|\w)\s*\}|(\\[a-zA-Z]+|\w))"
    r"|\\([uvHckr])(?:\s*\{\s*(\\[a-zA-Z]+|\w)\s*\}|\s+(\w))")
_LETTER_CMD = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![a-zA-Z])\s*(?:\{\})?")
_STYLE_CMD = re.compile(r"\\(?:textit|textbf|emph|textrm|textsc|textsf|texttt|mathrm|mbox|url)"
                        r"\s*\{([^{}]*)\}")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
_BRACES = re.compile(r"(?<!\\)[{}]")
_SPACES = re.compile(r"\s*")
_FAST_FIELD = re.compile(
    r"\s*([^=,{}\"\s#](?:[^=,{}\"\n#]*[^=,{}\"\s#])?)\s*=\s*\{([^{}]*)\}\s*(?:,|(?=[})]))")


class EntryError(Exception):
    """A syntax error inside an entry, at a character offset of the entry text."""

    def __init__(self, offset: int, field: str, message: str, value: str | None = None):
        super().__init__(message)
        self.offset, self.field, self.message, self.value = offset, field, message, value


def latex_to_text(value: str) -> str:
    """Simple LaTeX to Unicode: ``{\\"o}`` -> ö, ``\\&`` -> &, protective braces removed."""
    if "\\" in value:
        def accent(m: re.Match[str]) -> str:
            mark = _ACCENTS[m.group(1) or m.group(4)]
            base = m.group(2) or m.group(3) or m.group(5) or m.group(6)
            if base in ("\\i", "\\j"):  # dotless i/j under an accent: the plain letter
                base = base[1:]
            elif base.startswith("\\"):
                base = _LETTERS.get(base[1:], base[1:])
            return unicodedata.normalize("NFC", base + mark)

        value = _ACCENT_CMD.sub(accent, value)
        value = _LETTER_CMD.sub(lambda m: _LETTERS[m.group(1)], value)
        for _ in range(3):
            value, count = _STYLE_CMD.subn(r"\1", value)
            if not count:
                break
        value = _ESCAPED.sub(r"\1", value).replace("\\\\", " ").replace("~", "\u00a0")
    if "{" in value or "}" in value:
        value = _BRACES.sub("", value)
    return value


def _skip_space(text: str, pos: int) -> int:
    return _SPACES.match(text, pos).end()


def _braced(text: str, pos: int) -> int:
    """End (exclusive) of the brace group opening at ``pos``."""
    depth = 0
    for match in _DELIMS.finditer(text, pos):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return match.end()
    raise EntryError(pos, "value", "unbalanced braces in the value", text[pos:pos + 40])


def _value(text: str, pos: int, name: str, macros: dict[str, str]) -> tuple[str, str, int]:
    """Parse a value at ``pos``: returns ``(raw, text, end)``."""
    raw_parts: list[str] = []
    parts: list[str] = []
    begin = _skip_space(text, pos)
    while True:
        pos = _skip_space(text, pos)
        char = text[pos:pos + 1]
        if char == "{":
            end = _braced(text, pos)
            raw_parts.append(text[pos + 1:end - 1])
            parts.append(text[pos + 1:end - 1])
        elif char == '"':
            depth, end = 0, pos + 1
            while end < len(text) and (text[end] != '"' or depth > 0):
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            if end >= len(text):
                raise EntryError(pos, name, "unterminated quoted value")
            raw_parts.append(text[pos + 1:end])
            parts.append(text[pos + 1:end])
            end += 1
        else:
            word = _WORD.match(text, pos)
            if word is None:
                raise EntryError(pos, name, "field has no value", text[pos:pos + 20].strip())
            end = word.end()
            token = word.group()
            raw_parts.append(token)
            parts.append(macros.get(token.lower(), _MONTHS.get(token.lower(), token)))
        pos = _skip_space(text, end)
        if text[pos:pos + 1] != "#":
            # raw: the inner text of a single value; a concatenation as written
            raw = raw_parts[0] if len(raw_parts) == 1 else text[begin:end]
            return raw, "".join(parts), pos
        pos += 1


def parse_entry(
    text: str, macros: dict[str, str]
) -> tuple[str, str, list[tuple[str, str, str]]]:
    """``(entry type, key, [(field name, raw value, value)])`` of one entry's text.

    Raises EntryError on a syntax error. ``@string`` entries add to ``macros``.
    """
    start = _START.match(text)
    if start is None:
        raise EntryError(0, "entry", "not an entry", text[:30])
    kind, closer = start.group(1), "}" if start.group(2) == "{" else ")"
    pos = start.end()
    key = ""
    if kind.lower() != "string":
        comma = re.compile(r"\s*([^,\s{}()=\"#]*)\s*(,|\s*[})]\s*$)").match(text, pos)
        if comma is None:
            raise EntryError(pos, "key", "expected the citation key and a comma",
                             text[pos:pos + 30].strip())
        key, pos = comma.group(1), comma.end() if comma.group(2) == "," else comma.start(2)
    fields: list[tuple[str, str, str]] = []
    while True:
        pos = _skip_space(text, pos)
        if text[pos:pos + 1] == closer:
            if text[pos + 1:].strip():
                raise EntryError(pos + 1, "entry", "text after the end of the entry",
                                 text[pos + 1:].strip()[:30])
            return kind, key, fields
        fast = _FAST_FIELD.match(text, pos)  # name = {value without nested braces}
        if fast is not None:
            fields.append((fast.group(1), fast.group(2), fast.group(2)))
            if kind.lower() == "string":
                macros[fast.group(1).lower()] = fast.group(2)
            pos = fast.end()
            continue
        name = _NAME.match(text, pos)
        if name is None or not name.group(1):
            raise EntryError(pos, "field", "expected a field name", text[pos:pos + 30].strip())
        pos = name.end()
        if text[pos:pos + 1] != "=":
            raise EntryError(pos, name.group(1), "expected '=' after the field name",
                             text[pos:pos + 30].strip())
        raw, value, pos = _value(text, pos + 1, name.group(1), macros)
        fields.append((name.group(1), raw, value))
        if kind.lower() == "string":
            macros[name.group(1).lower()] = value
        pos = _skip_space(text, pos)
        if text[pos:pos + 1] == ",":
            pos += 1
        elif text[pos:pos + 1] != closer:
            raise EntryError(pos, name.group(1), "expected ',' or the end of the entry",
                             text[pos:pos + 30].strip())


def _iter_pieces(path: Path, encoding: str) -> Iterator[tuple[str, int, int, str]]:
    """Cut the file into ``(kind, first_line, last_line, text)``.

    Kinds: ``entry`` (closed), ``open`` (still open at the end of the file), ``cut`` (still
    open when the next ``@entry`` started) and ``stray`` (text outside entries).
    """
    lines: list[str] = []  # the current entry's or stray text's lines
    first = 0
    depth = 0
    closer = ""
    inside = False
    line_no = 0
    for chunk_line, chunk in iter_chunks(path, encoding=encoding):
        line_no = chunk_line - 1
        for line in chunk.splitlines(keepends=True):
            line_no += 1
            rest = line
            while rest:
                if not inside:
                    start = _START.match(rest)
                    if start is None:
                        stripped = rest.strip()
                        if stripped and not stripped.startswith("%"):
                            if not lines:
                                first = line_no
                            lines.append(rest)
                        elif lines:
                            yield "stray", first, line_no - 1, "".join(lines)
                            lines = []
                        break
                    if lines:
                        yield "stray", first, line_no - 1, "".join(lines)
                        lines = []
                    inside, first, depth = True, line_no, 0
                    closer = "}" if start.group(2) == "{" else ")"
                    pos = start.end() - 1
                elif _START.match(rest) and rest is line:
                    yield "cut", first, line_no - 1, "".join(lines)
                    lines, inside = [], False
                    continue
                else:
                    pos = 0
                end = None
                for match in _DELIMS.finditer(rest, pos):
                    char = match.group()
                    if char == "{":
                        depth += 1
                    elif char == "}":
                        depth -= 1
                    if depth == 0 and (closer == "}" or char == ")"):
                        end = match.end()
                        break
                if end is None:
                    lines.append(rest)
                    break
                lines.append(rest[:end])
                yield "entry", first, line_no, "".join(lines)
                lines, inside, rest = [], False, rest[end:]
    if lines:
        yield ("open" if inside else "stray"), first, line_no, "".join(lines)


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    sep = ";" if ";" in value else ","
    return [part.strip() for part in value.split(sep) if part.strip()]


def _person(name: str) -> str:
    """``Given Family`` -> ``Family, Given``; ``Family, Given`` kept."""
    name = name.strip()
    if "," in name or " " not in name:
        return name
    given, _, family = name.rpartition(" ")
    return f"{family}, {given}"


def bibtex_record(
    kind: str, key: str, fields: list[tuple[str, str, str]], source: SourceRef
) -> tuple[Record, list[Problem]]:
    """Map one entry's fields to a Record."""
    raw: dict[str, list[str]] = {"ENTRYTYPE": [kind], "ID": [key]}
    values: dict[str, list[str]] = {}
    for name, raw_value, value in fields:
        raw.setdefault(name, []).append(raw_value)
        values.setdefault(name.lower(), []).append(value)

    def get(*names: str) -> str | None:
        for name in names:
            for value in values.get(name) or ():
                text = latex_to_text(value).strip()
                if text:
                    return text
        return None

    authors: list[str] = []
    groups: list[str] = []
    for value in values.get("author") or ():
        for part in _AND.split(value.strip()):
            part = part.strip()
            if not part or part.lower() == "others":
                continue
            if part.startswith("{") and part.endswith("}") and "," not in part:
                groups.append(latex_to_text(part))
            else:
                authors.append(_person(latex_to_text(part)))
    url = unquote(get("url") or "")
    eid = get("eid")
    if not eid:
        found = re.search(r"eid=(2-s2\.0-\d+)", url)
        eid = found.group(1) if found else None
    unique = get("unique-id") or ""
    other: dict[str, str] = {}
    database = None
    if eid and eid.startswith("2-s2.0-"):
        other["scopus_eid"] = eid
    if unique.upper().startswith("WOS:"):
        other["wos"] = unique
        database = "Web of Science"
    source_db = (get("source") or "").lower()
    if source_db == "scopus" or "scopus_eid" in other:
        database = "Scopus"
    if source.database is None and database is not None:
        source = SourceRef(source.path, source.line_start, source.line_end, database,
                           source.export_format, source.ordinal)
    pages = (get("pages") or "").replace("--", "-") or get("art_number", "article-number")
    keywords = _split(get("author_keywords")) + _split(get("keywords"))
    return build_record(
        source,
        raw,
        native_id=other.get("scopus_eid") or other.get("wos"),
        title=get("title"),
        abstract=get("abstract"),
        authors=authors,
        group_authors=groups,
        year=get("year") or get("date"),
        journal=get("journal", "journaltitle", "booktitle"),
        journal_abbrev=get("abbrev_source_title", "journal-iso", "shortjournal"),
        volume=get("volume"),
        issue=get("number", "issue"),
        pages=pages,
        dois=[get("doi"), url if "doi.org/" in url else None],
        pmid=get("pubmed_id", "pmid"),
        pmcid=get("pmcid"),
        other_ids=other,
        issn=_split(get("issn")),
        language=_split(get("language")),
        publication_types=[t for t in (get("document_type", "type"),) if t] or [kind.title()],
        keywords=list(dict.fromkeys(keywords)),
        flags=F.flags_from_types([get("publication_stage") or ""]),
    )


@register("bibtex")
class BibtexReader(Reader):
    """BibTeX (.bib): Scopus, Web of Science and reference-manager exports."""

    label = "BibTeX (.bib)"
    database = None
    suffixes = (".bib", ".bibtex")

    def sniff(self, head: Head) -> float:
        first = True
        for line in head.lines(20):
            if line.lstrip().startswith("%"):
                continue
            if _START.match(line):
                return 0.9 if first else 0.7  # 0.7: a title line or note came first
            first = False
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        macros: dict[str, str] = {}
        ordinal = 0
        seen_any = False
        entries = 0  # entries other than @comment/@preamble/@string, good or bad
        for kind, first, last, text in _iter_pieces(path, encoding):
            seen_any = True
            entries += 1
            if kind == "stray":
                yield Reject(name, first, last, text, (Problem(
                    name, first, "line", "text outside entries", text.strip().split("\n")[0]),))
                continue
            head = text.strip().split("\n", 1)[0]
            if kind in {"open", "cut"}:
                message = ("entry is not closed: the file looks truncated" if kind == "open"
                           else "entry is not closed before the next entry starts")
                yield Reject(name, first, last, text, (Problem(name, first, "entry", message,
                                                               head),))
                continue
            entry_type = (_START.match(text).group(1) or "").lower()
            if entry_type in {"comment", "preamble"}:
                entries -= 1
                continue
            try:
                entry_type, key, fields = parse_entry(text, macros)
            except EntryError as exc:
                line = first + text.count("\n", 0, exc.offset)
                value = exc.value.split("\n", 1)[0].strip() if exc.value else None
                yield Reject(name, first, last, text,
                             (Problem(name, line, exc.field, exc.message, value),))
                continue
            if entry_type.lower() == "string":
                entries -= 1
                continue
            ordinal += 1
            problems = []
            problem = encoding_problem(name, text, first, encoding)
            if problem is not None:
                problems.append(problem)
            if not problems:
                source = SourceRef(name, first, last, database, self.name, ordinal)
                record, problems = bibtex_record(entry_type, key, fields, source)
                if not problems:
                    yield record
                    continue
            yield Reject(name, first, last, text, tuple(problems))
        if not seen_any:
            yield empty_file(name)
        elif entries == 0:
            yield Reject(name, 1, 1, "", (Problem(
                name, 1, "file", "no records: the file holds no entries, only comments"),))
