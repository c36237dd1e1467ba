"""``litsieve decisions import``: screening decisions taken in another tool or a spreadsheet.

A CSV (comma, semicolon or tab separated; UTF-8 with or without BOM), one decision a row:

=============  ==============================================================================
column         value
=============  ==============================================================================
record_id      the record's id in this review (``<source_id>:<ordinal>``), or
native_id      its id in its database (PMID, Embase accession, ...); add ``database`` when
               the same native id is in two sources
stage          ``title_abstract`` or ``full_text``
decision       ``include``, ``exclude`` or ``maybe``; at ``full_text`` also ``not_retrieved``
reason         an exclusion reason code from ``[criteria.reasons]`` (required for full-text
               exclusions; only exclusions take one)
reviewer       ``alice`` (recorded as ``human:alice``), or an actor ``human:<id>`` or
               ``model:<name>@<version>``
time           optional: ISO 8601 with a time zone (``2024-05-01T14:30:00+02:00``, ``...Z``)
               or a date (midnight UTC); default: the time of the import
note           optional free text
study          optional, on full-text inclusions: the study the report belongs to (reports
               naming the same study are counted as one study; see screening.prisma.studies)
=============  ==============================================================================

Other columns (a title, say) are ignored and reported. Each row becomes a decision like
any other (append-only; the latest per record and stage counts), all in one transaction
and one run of kind ``decisions-import``. Every problem is reported as
``file:line: column: message (got 'value')``, all of them in one pass, and then nothing is
imported. Importing the same file (same bytes) again adds nothing and says so.

A row must not decide a stage its record never reaches (PRISMA could not count it; see
:mod:`screening.prisma.contradictions`): a full-text decision needs the record's latest
title/abstract decision (of any reviewer, in the review or anywhere in the file, the file's
rows later than the review's at equal times) to be an include or a maybe, except for records
identified by other methods, which skip title/abstract screening; and no screening decision
is taken about a record deduplication removed as a duplicate (decide on the record kept).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from screening.errors import InputFormatError, Problem, StoreError
from screening.model import Outcome, Stage
from screening.prisma.contradictions import (
    DUPLICATE,
    EXCLUDED,
    STAGE_WORDS,
    UNSCREENED,
    cite_decision,
    contradiction,
)
from screening.prisma.kinds import SourceKind, source_kind
from screening.prisma.studies import study_link
from screening.store import STATUS_UNPARSEABLE, DecisionRow, RecordKey, ReviewStore

__all__ = [
    "COLUMNS",
    "DecisionsFileError",
    "DecisionsImport",
    "RUN_KIND",
    "import_decisions",
    "read_decisions",
]

#: The columns litsieve reads; any other is ignored (and reported).
COLUMNS = ("record_id", "native_id", "database", "stage", "decision", "reason", "reviewer",
           "time", "note", "study")
#: The kind of the run each import is recorded as.
RUN_KIND = "decisions-import"

_STAGES = {Stage.TITLE_ABSTRACT.value: Stage.TITLE_ABSTRACT, Stage.FULL_TEXT.value: Stage.FULL_TEXT}
_OUTCOMES = {
    Stage.TITLE_ABSTRACT: (Outcome.INCLUDE, Outcome.EXCLUDE, Outcome.MAYBE),
    Stage.FULL_TEXT: (Outcome.INCLUDE, Outcome.EXCLUDE, Outcome.MAYBE, Outcome.NOT_RETRIEVED),
}


class DecisionsFileError(InputFormatError):
    """A decisions file has problems; nothing of it was imported."""

    def _describe(self) -> str:
        text = super()._describe()
        return text.rsplit("\n", 1)[0] + "\nnothing was imported; fix the file and import it again"


@dataclass(frozen=True, slots=True)
class DecisionsImport:
    """What an import did: decisions added per (stage, outcome), columns ignored."""

    path: str
    sha256: str
    n_added: int
    counts: dict[tuple[str, str], int]
    ignored_columns: tuple[str, ...] = ()
    already_imported: bool = False
    run_id: str | None = None
    #: Times without a zone, read in ``timezone``.
    naive_times: int = 0
    timezone: str = "UTC"


def _decode(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        problem = Problem(path, line, "encoding",
                          f"not UTF-8 at byte {exc.start} (0x{bad}); save the file as UTF-8")
        raise DecisionsFileError([problem], path=path) from exc


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _time(value: str, zone: tzinfo, naive: list[int]) -> datetime | str:
    """A UTC datetime, or the message saying what is wrong. A time without a zone (what
    spreadsheets and other tools export) is read in ``zone``, and counted in ``naive``."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            when = datetime(day.year, day.month, day.day)
        else:
            when = datetime.fromisoformat(value)
    except ValueError:
        return "not an ISO 8601 date or time such as 2024-05-01T14:30:00Z"
    if when.tzinfo is None or when.utcoffset() is None:
        naive[0] += 1
        when = when.replace(tzinfo=zone)
    return when.astimezone(UTC)


class _Resolver:
    """Finds records by record_id or native_id (optionally with their database)."""

    def __init__(self, keys: Sequence[RecordKey]) -> None:
        self.by_id = {key.record_id: key for key in keys}
        self.by_native: dict[str, list[RecordKey]] = defaultdict(list)
        for key in keys:
            if key.native_id:
                self.by_native[key.native_id].append(key)

    def find(self, values: Mapping[str, str]) -> RecordKey | tuple[str, str, str]:
        """The record, or (column, message, value) saying why there is none."""
        record_id, native_id = values.get("record_id", ""), values.get("native_id", "")
        database = values.get("database", "")
        if record_id:
            key = self.by_id.get(record_id)
            if key is None:
                return "record_id", "no record of this review has this id", record_id
            if native_id and key.native_id != native_id:
                return ("native_id", f"record {record_id} has native id {key.native_id!r}",
                        native_id)
        elif native_id:
            found = self.by_native.get(native_id, [])
            if database:
                found = [k for k in found if (k.database or "").casefold() == database.casefold()]
            if not found:
                where = f" from database {database!r}" if database else ""
                return "native_id", f"no record of this review{where} has this id", native_id
            if len(found) > 1:
                listed = ", ".join(f"{k.record_id} ({k.database or 'unknown'})" for k in found)
                return ("native_id", f"matches {len(found)} records ({listed}); add a database "
                        "column or give record_id", native_id)
            key = found[0]
        else:
            return "record_id", "empty; give record_id or native_id", ""
        if key.status == STATUS_UNPARSEABLE:
            return ("record_id", "the record is unparseable (quarantined at import) and cannot "
                    "be screened", key.record_id)
        return key


def _row_decision(
    values: Mapping[str, str], resolver: _Resolver, reasons: Mapping[str, str],
    zone: tzinfo = UTC, naive: list[int] | None = None,
) -> DecisionRow | list[tuple[str, str, str]]:
    """The decision of one row, or its problems as (column, message, value)."""
    problems: list[tuple[str, str, str]] = []
    found = resolver.find(values)
    if not isinstance(found, RecordKey):
        problems.append(found)
    stage = _STAGES.get(values.get("stage", "").lower())
    if stage is None:
        problems.append(("stage", "must be title_abstract or full_text", values.get("stage", "")))
    decision = values.get("decision", "").lower()
    allowed = _OUTCOMES[stage] if stage else ()
    if stage is not None and decision not in allowed:
        names = ", ".join(allowed)
        problems.append(("decision", f"must be one of {names} at {stage}", values["decision"]))
    reason = values.get("reason", "")
    known = ", ".join(reasons) or "none: the review's litsieve.toml has no [criteria.reasons]"
    if reason and decision != Outcome.EXCLUDE:
        problems.append(("reason", "only exclude decisions take a reason", reason))
    elif reason and reason not in reasons:
        problems.append(("reason", f"unknown exclusion reason; known: {known}", reason))
    elif not reason and decision == Outcome.EXCLUDE and stage == Stage.FULL_TEXT:
        problems.append(("reason", f"a full-text exclusion needs a reason; known: {known}", ""))
    reviewer = values.get("reviewer", "")
    actor = reviewer if reviewer.startswith(("human:", "model:")) else f"human:{reviewer}"
    if not reviewer:
        problems.append(("reviewer", "empty; give the reviewer's id", ""))
    when = _time(values["time"], zone, naive if naive is not None else [0]) \
        if values.get("time") else None
    if isinstance(when, str):
        problems.append(("time", when, values["time"]))
    if problems or not isinstance(found, RecordKey) or isinstance(when, str) or stage is None:
        return problems
    try:
        return DecisionRow(
            record_id=found.record_id, stage=stage, outcome=decision, reason=reason or None,
            actor=actor, decided_at=when, note=values.get("note") or None,
        )
    except StoreError as exc:
        return [("reviewer", str(exc), reviewer)]


def _stage_problems(
    name: str,
    decided: Sequence[tuple[int, DecisionRow]],
    *,
    keys: Mapping[str, RecordKey],
    latest: Sequence[DecisionRow],
    source_kinds: Mapping[str, str] | None,
    unreadable: set[str],
) -> list[Problem]:
    """The rows of ``decided`` (line, decision) that decide a stage their record never
    reaches, judged against the store's ``latest`` decisions per record and stage and the
    file's own title/abstract rows (``unreadable``: records with a title/abstract row too
    broken to read, whose absence of one is not reported again)."""
    stored: dict[str, dict[Stage, DecisionRow]] = defaultdict(dict)
    for row in latest:
        if row.record_id is not None:
            stored[row.record_id][Stage(row.stage)] = row
    # The latest title/abstract decision per record, the file's rows included: newest time,
    # then the one added last (the file's rows after the store's, in file order); a row
    # without a time is decided now.
    now = datetime.now(UTC)
    screened: dict[str, tuple[tuple[datetime, int, int], DecisionRow]] = {
        record_id: ((row.decided_at or now, 0, row.decision_id or 0), row)
        for record_id, stages in stored.items()
        if (row := stages.get(Stage.TITLE_ABSTRACT)) is not None
    }
    line_of: dict[int, int] = {}
    for position, (line, row) in enumerate(decided):
        line_of[id(row)] = line
        if row.stage == Stage.TITLE_ABSTRACT:
            order = (row.decided_at or now, 1, position)
            seen = screened.get(str(row.record_id))
            if seen is None or order >= seen[0]:
                screened[str(row.record_id)] = (order, row)

    def cite(row: DecisionRow) -> str:
        line = line_of.get(id(row))
        if line is None:
            return cite_decision(row)
        when = f" on {row.decided_at.date().isoformat()}" if row.decided_at else ""
        return f"line {line} of this file, by {row.actor}{when}"

    kinds: dict[str | None, SourceKind] = {}
    problems = []
    for line, row in decided:
        record_id = str(row.record_id)
        key = keys[record_id]
        kind = kinds.get(key.database)
        if kind is None:
            kind = kinds[key.database] = source_kind(key.database, source_kinds)
        stages = dict(stored.get(record_id, {}))
        if record_id in screened:
            stages[Stage.TITLE_ABSTRACT] = screened[record_id][1]
        found = contradiction(key, kind, stages, row.stage, cite=cite)
        if found is None or (found.kind == UNSCREENED and record_id in unreadable):
            continue
        message = f"{STAGE_WORDS[Stage(row.stage)]} decision on record {record_id}, which "
        if found.kind == UNSCREENED:
            message += (f"{found.why} (neither in the review nor in this file); record its "
                        "title/abstract include or maybe first")
        elif found.kind == EXCLUDED:
            message += (f"{found.why}; a full-text decision counts only when the latest "
                        "title/abstract decision is include or maybe")
        elif found.kind == DUPLICATE and found.against is not None and found.against.duplicate_of:
            message += f"{found.why}; decide on {found.against.duplicate_of}, the record kept"
        else:
            message += found.why
        problems.append(Problem(name, line, "stage", message))
    return problems


def read_decisions(
    path: str | Path,
    text: str,
    *,
    keys: Sequence[RecordKey],
    reasons: Mapping[str, str],
    latest: Sequence[DecisionRow] = (),
    source_kinds: Mapping[str, str] | None = None,
    zone: tzinfo = UTC,
) -> tuple[list[DecisionRow], tuple[str, ...], int]:
    """The decisions of a decisions file's ``text``, the columns ignored, and how many
    times had no zone (read in ``zone``, the review's ``[review] timezone``).

    ``latest`` are the review's latest decisions per record and stage
    (:meth:`ReviewStore.latest_record_decisions`) and ``source_kinds`` its
    ``[prisma.source_kinds]``: a row deciding a stage its record never reaches is a problem
    (see the module docstring). Raises DecisionsFileError listing every problem
    (``file:line: column: message``), in line order.
    """
    name = str(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = [column.strip().lower() for column in next(reader, [])]
    problems: list[Problem] = []
    if not any(header):
        raise DecisionsFileError([Problem(name, 1, "header", "empty file; expected a header "
                                          f"row with the columns {', '.join(COLUMNS)}")], path=name)
    repeated = sorted(c for c, n in Counter(header).items() if n > 1 and c)
    missing = [c for c in ("stage", "decision", "reviewer") if c not in header]
    if not {"record_id", "native_id"} & set(header):
        missing.insert(0, "record_id or native_id")
    for message, columns in (("missing column", missing), ("repeated column", repeated)):
        problems += [Problem(name, 1, "header", message, c) for c in columns]
    if problems:
        raise DecisionsFileError(problems, path=name)
    ignored = tuple(c for c in header if c not in COLUMNS)
    resolver = _Resolver(keys)
    rows: list[DecisionRow] = []
    naive = [0]
    decided: list[tuple[int, DecisionRow]] = []  # the screening decisions and their lines
    unreadable: set[str] = set()  # records with a title/abstract row that has problems
    line = reader.line_num
    for fields in reader:
        start, line = line + 1, reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            problems.append(Problem(name, start, "row", f"has {len(fields)} fields; the header "
                                    f"has {len(header)}", reader.dialect.delimiter.join(fields)))
            continue
        values = {c: v.strip() for c, v in zip(header, fields, strict=True) if c in COLUMNS}
        made = _row_decision(values, resolver, reasons, zone, naive)
        study = values.get("study", "")
        if study and not (values.get("stage") == Stage.FULL_TEXT
                          and values.get("decision", "").lower() == Outcome.INCLUDE):
            problems.append(Problem(name, start, "study", "only full-text inclusions name a "
                                    "study", study))
        if isinstance(made, DecisionRow):
            rows.append(made)
            decided.append((start, made))
            if study:
                rows.append(study_link(str(made.record_id), study, actor=made.actor,
                                       decided_at=made.decided_at))
        else:
            problems += [Problem(name, start, column, message, value or None)
                         for column, message, value in made]
            found = resolver.find(values)
            if (isinstance(found, RecordKey)
                    and values.get("stage", "").lower() == Stage.TITLE_ABSTRACT):
                unreadable.add(found.record_id)
    problems += _stage_problems(name, decided, keys=resolver.by_id, latest=latest,
                                source_kinds=source_kinds, unreadable=unreadable)
    if problems:
        problems.sort(key=lambda problem: problem.line)
        raise DecisionsFileError(problems, path=name)
    return rows, ignored, naive[0]


def import_decisions(
    store: ReviewStore,
    path: str | Path,
    *,
    reasons: Mapping[str, str],
    source_kinds: Mapping[str, str] | None = None,
    timezone: str = "UTC",
) -> DecisionsImport:
    """Import the decisions file at ``path`` into ``store`` (one transaction, one run).

    Times without a zone are read in ``timezone`` (an IANA name, the review's ``[review]
    timezone``); ``naive_times`` says how many.

    ``reasons`` are the review's ``[criteria.reasons]``, ``source_kinds`` its
    ``[prisma.source_kinds]`` (records identified by other methods skip title/abstract
    screening). A file already imported (same sha256) adds nothing and says so
    (``already_imported``).
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DecisionsFileError(
            [Problem(name, 0, "file", f"cannot be read: {exc.strerror or exc}")], path=name
        ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    for run in store.runs(kind=RUN_KIND):
        if run.status == "ok" and run.parameters.get("sha256") == digest:
            summary = run.summary or {}
            return DecisionsImport(name, digest, int(summary.get("decisions", 0)), {},
                                   already_imported=True, run_id=run.run_id)
    rows, ignored, naive = read_decisions(
        name, _decode(name, raw), keys=store.record_keys(), reasons=reasons,
        latest=store.latest_record_decisions(), source_kinds=source_kinds,
        zone=ZoneInfo(timezone))
    run_id = store.begin_run(RUN_KIND, {"file": name, "sha256": digest, "rows": len(rows)})
    try:
        added = store.add_decisions(replace(row, run_id=run_id) for row in rows)
    except BaseException:
        store.finish_run(run_id, "failed", {"decisions": 0})
        raise
    counts = Counter((str(row.stage), str(row.outcome)) for row in rows)
    store.finish_run(run_id, "ok", {"decisions": added})
    return DecisionsImport(name, digest, added, dict(sorted(counts.items())), ignored,
                           run_id=run_id, naive_times=naive, timezone=timezone)
