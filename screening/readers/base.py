"""Reader plug-ins: the protocol, the registry, content sniffing and record building.

A reader turns one export file into a stream of :class:`~screening.model.Record` and
:class:`Reject` items, in file order, in one pass. It never skips input silently: text it
cannot turn into a record becomes a Reject carrying its raw text, place and Problems.

Readers register themselves with ``@register("name")``; the format of a file comes from
the user (``--format``) or from the best :meth:`Reader.sniff` score of its content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from screening.errors import FIELD, Problem, RegistryError, UnknownFormatError
from screening.model import Flag, Record, SourceRef
from screening.readers import fields as F
from screening.readers.construct import new_record
from screening.readers.textio import read_head

__all__ = [
    "EMPTY_FILE",
    "Head",
    "ReadResult",
    "Reader",
    "Reject",
    "available_readers",
    "build_record",
    "detect_format",
    "empty_file",
    "get_reader",
    "register",
]


@dataclass(frozen=True, slots=True)
class Reject:
    """Input that did not become a record: its place, raw text and what is wrong."""

    path: str
    line_start: int
    line_end: int
    raw_text: str
    problems: tuple[Problem, ...]


#: What every reader says of a file that holds nothing (or only blank lines).
EMPTY_FILE = "no records: the file is empty"


def empty_file(path: str) -> Reject:
    """The one Reject a reader yields for a file without any content."""
    return Reject(path, 1, 1, "", (Problem(path, 1, "file", EMPTY_FILE),))


@dataclass(frozen=True, slots=True)
class Head:
    """The start of a file, for sniffing: raw bytes, decoded text and the file suffix."""

    data: bytes
    text: str
    suffix: str

    def lines(self, n: int = 40) -> list[str]:
        """The first ``n`` non-blank lines."""
        out = []
        for line in self.text.split("\n"):
            if line.strip():
                out.append(line)
                if len(out) == n:
                    break
        return out


@dataclass
class ReadResult:
    """Everything read from one file: records and rejects, in file order."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """The record problems (of the rejects)."""
        return [p for r in self.rejects for p in r.problems]

    @property
    def warnings(self) -> list[Problem]:
        """The field problems (of records that were read)."""
        return [w for r in self.records for w in r.warnings]


class Reader:
    """Base class of readers. Subclasses set ``name`` and implement ``sniff`` and ``iter_read``.

    ``database`` is the database the format implies (None when the content must say).
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    database: ClassVar[str | None] = None
    suffixes: ClassVar[tuple[str, ...]] = ()

    def sniff(self, head: Head) -> float:
        """How sure this reader is that it can read the file, from 0 (no) to 1."""
        raise NotImplementedError

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        """Yield records and rejects in file order."""
        raise NotImplementedError

    def read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> ReadResult:
        """Read the whole file into memory (tests, small files)."""
        result = ReadResult()
        for item in self.iter_read(Path(path), encoding=encoding, database=database):
            if isinstance(item, Reject):
                result.rejects.append(item)
            else:
                result.records.append(item)
        return result


_READERS: dict[str, type[Reader]] = {}


def register(name: str) -> Callable[[type[Reader]], type[Reader]]:
    """Class decorator adding a reader to the registry under ``name``."""

    def decorate(cls: type[Reader]) -> type[Reader]:
        if name in _READERS and _READERS[name] is not cls:
            raise RegistryError(f"Reader {name!r} is registered twice")
        cls.name = name
        _READERS[name] = cls
        return cls

    return decorate


def available_readers() -> list[str]:
    """Names of every registered reader, sorted."""
    _load_builtin()
    return sorted(_READERS)


def get_reader(name: str) -> Reader:
    """A reader instance by name; an unknown name lists the available ones."""
    _load_builtin()
    try:
        return _READERS[name]()
    except KeyError:
        raise RegistryError(
            f"Unknown format {name!r}. Available: {', '.join(sorted(_READERS))}"
        ) from None


def _load_builtin() -> None:
    import screening.readers  # noqa: F401  (importing the package registers the readers)


#: Scores closer than this are a tie, and a tie needs ``--format``.
_TIE = 0.05


def detect_format(path: Path, *, encoding: str = "utf-8") -> Reader:
    """The reader whose sniff is most confident about ``path``'s content.

    Raises UnknownFormatError when no reader recognises the file, or when two formats
    are equally likely (``.txt`` may be RIS or MEDLINE).
    """
    _load_builtin()
    path = Path(path)
    data, text = read_head(path, encoding=encoding)
    if not data.strip():
        raise UnknownFormatError(f"{path}:1: file: the file is empty")
    head = Head(data=data, text=text, suffix=path.suffix.lower())
    scores = sorted(
        ((cls().sniff(head), name) for name, cls in _READERS.items()), reverse=True
    )
    best, best_name = scores[0]
    if best <= 0:
        kind = "binary data" if _looks_binary(data) else "text"
        raise UnknownFormatError(
            f"{path}:1: format: not a known export format (the file starts with {kind}: "
            f"{_preview(text)!r}); give --format, one of: {', '.join(sorted(_READERS))}"
        )
    ties = [name for score, name in scores if best - score < _TIE]
    if len(ties) > 1:
        raise UnknownFormatError(
            f"{path}:1: format: ambiguous, the content fits {' and '.join(sorted(ties))} "
            f"equally well; give --format"
        )
    return _READERS[best_name]()


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 20


def _preview(text: str) -> str:
    first = next((line for line in text.split("\n") if line.strip()), "")
    return first[:40]


_NO_IDS: Mapping[str, str] = MappingProxyType({})


def build_record(
    source: SourceRef,
    raw: Mapping[str, list[str]],
    *,
    native_id: str | None = None,
    title: str | None = None,
    strip_title_period: bool = False,
    title_original: str | None = None,
    abstract: str | None = None,
    authors: Iterable[str] | None = None,
    group_authors: Iterable[str] | None = None,
    year: str | int | None = None,
    journal: str | None = None,
    journal_abbrev: str | None = None,
    volume: str | None = None,
    issue: str | None = None,
    pages: str | None = None,
    end_page: str | None = None,
    dois: Iterable[str | None] = (),
    pmid: str | None = None,
    pmcid: str | None = None,
    embase_id: str | None = None,
    other_ids: Mapping[str, str] | None = None,
    issn: Iterable[str] = (),
    language: Iterable[str] = (),
    publication_types: Iterable[str] | None = None,
    keywords: Iterable[str] | None = None,
    mesh: Iterable[str] | None = None,
    emtree: Iterable[str] | None = None,
    flags: Iterable[str] = (),
) -> tuple[Record, list[Problem]]:
    """Normalise mapped fields into a Record; return it with its record problems.

    A garbled field (a year that is not a year, a PMID without digits) is a field problem:
    the field stays empty and the problem goes to the record's ``warnings``. The returned
    problems are record problems, for which the reader turns the record into a Reject.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    title_text, translated = F.split_title(title, strip_period=strip_title_period)
    year_value: int | None
    if isinstance(year, int):
        year_value = year
    else:
        year_value = F.parse_year(year)
        if year and year.strip() and year_value is None:
            warnings.append(Problem(source.path, source.line_start, "year", "not a year",
                                    year.strip(), FIELD))
    page_text, start, stop = F.normalize_pages(pages, end_page)
    pub_types = F.clean_values(publication_types)
    all_flags = F.type_flags(pub_types)
    if flags or translated:
        all_flags = all_flags.union(flags)
        if translated:
            all_flags |= {Flag.TRANSLATED_TITLE.value}
    pmid_text = pmid.strip() if pmid else None
    if pmid_text and not pmid_text.isdigit():
        digits = "".join(ch for ch in pmid_text if ch.isdigit())
        if not digits:
            warnings.append(Problem(source.path, source.line_start, "pmid", "not a PMID",
                                    pmid_text, FIELD))
        pmid_text = digits or None
    record = new_record(
        source=source,
        native_id=(native_id.strip() or None) if native_id else None,
        title=title_text,
        title_original=F.clean_text(title_original),
        abstract=F.clean_text(abstract),
        authors=F.clean_values(authors),
        group_authors=F.clean_values(group_authors),
        year=year_value,
        journal=F.clean_text(journal),
        journal_abbrev=F.clean_text(journal_abbrev),
        volume=F.clean_text(volume),
        issue=F.clean_text(issue),
        pages=page_text,
        start_page=start,
        end_page=stop,
        doi=F.first_doi(dois),
        pmid=pmid_text,
        pmcid=(pmcid.strip().upper() or None) if pmcid else None,
        embase_id=(embase_id.strip() or None) if embase_id else None,
        other_ids=MappingProxyType(dict(other_ids)) if other_ids else _NO_IDS,
        issn=F.normalize_issn(issn),
        language=F.normalize_language(language),
        publication_types=pub_types,
        keywords=F.clean_values(keywords),
        mesh=F.clean_values(mesh),
        emtree=F.clean_values(emtree),
        flags=all_flags,
        raw=MappingProxyType(raw if isinstance(raw, dict) else dict(raw)),
        warnings=tuple(warnings),
    )
    return record, problems
