"""The record model: what readers make and every later stage reads.

A :class:`Record` is immutable and keeps every original tag of its source in ``raw``,
so nothing a database exported is lost, whatever the mapping to common fields does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from screening.errors import Problem

__all__ = ["Actor", "Flag", "Outcome", "Record", "SourceRef", "Stage"]



class Stage(StrEnum):
    """Where in the review a decision is taken. Logged values: never rename."""

    IDENTIFICATION = "identification"
    DEDUPLICATION = "deduplication"
    TITLE_ABSTRACT = "title_abstract"
    FULL_TEXT = "full_text"
    EXTRACTION = "extraction"


class Outcome(StrEnum):
    """What a decision says. Logged values: never rename."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"
    DUPLICATE = "duplicate"
    EXCLUDED_AUTOMATION = "excluded_automation"
    NOT_RETRIEVED = "not_retrieved"
    UNPARSEABLE = "unparseable"
    #: The record is no longer decided at the stage (its deciding vote was taken back).
    WITHDRAWN = "withdrawn"


class Flag(StrEnum):
    """Facts about a record that later stages must not ignore."""

    ERRATUM = "erratum"
    RETRACTED = "retracted"
    RETRACTION_NOTICE = "retraction_notice"
    COMMENT = "comment"
    CONFERENCE_ABSTRACT = "conference_abstract"
    IN_PRESS = "in_press"
    AHEAD_OF_PRINT = "ahead_of_print"
    PREPRINT = "preprint"
    TRANSLATED_TITLE = "translated_title"


class Actor:
    """Helpers for actor strings: ``human:<id>`` or ``model:<name>@<version>``."""

    @staticmethod
    def human(reviewer_id: str) -> str:
        return f"human:{reviewer_id}"

    @staticmethod
    def model(name: str, version: str) -> str:
        return f"model:{name}@{version}"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from: file, 1-based first and last line, database, format."""

    path: str
    line_start: int
    line_end: int
    database: str | None
    export_format: str
    ordinal: int = 0  # 1-based position of the record in its file


@dataclass(frozen=True, slots=True)
class Record:
    """One bibliographic record as exported by a database, normalised.

    ``record_id`` is ``"<source_id>:<ordinal>"`` once the record is in a review store;
    readers leave it ``None``. ``raw`` maps every original tag (or column) to the list of
    its values, in file order (lists, not tuples: converting them cost a fifth of the
    reading time; treat them as read-only).
    """

    source: SourceRef
    record_id: str | None = None
    native_id: str | None = None
    title: str | None = None
    title_original: str | None = None
    abstract: str | None = None
    authors: tuple[str, ...] = ()
    group_authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    start_page: str | None = None
    end_page: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    embase_id: str | None = None
    other_ids: Mapping[str, str] = field(default_factory=dict)
    issn: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    publication_types: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    mesh: tuple[str, ...] = ()
    emtree: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    raw: Mapping[str, list[str]] = field(default_factory=dict)
    #: Field problems found while reading (level ``field``): the record is usable, the
    #: fields named stay empty, their raw values are in ``raw``.
    warnings: tuple[Problem, ...] = ()
