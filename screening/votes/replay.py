"""Replaying reviewers' votes through the web app's own code: each reviewer takes the next
record of the ranked queue, as in the browser, and casts the vote a file gives for it.

The file (CSV) has the columns ``native_id`` or ``record_id``, ``database`` (needed when
two databases share a native id), ``stage`` (``title_abstract`` or ``full_text``),
``reviewer``, ``vote`` (include, exclude, maybe; not_retrieved at full text), and
optionally ``reason``, ``note`` and ``time`` (ignored: votes are cast now, in queue order).
A row whose ``note`` starts with ``resolution`` is the lead's decision on a conflict.

This is how ``make demo`` stands in for two people screening in the browser, and how a
team moves dual-screening votes from another tool into litsieve with their conflicts kept.
The queue is retrained every ``retrain_every`` decisions, as the web app's background
thread does, so the decisions carry the ranking's params hash and the stopping rule
applies to them.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from screening.errors import InputFormatError, Problem
from screening.model import Stage
from screening.votes.ranking import retrain_if_due
from screening.votes.service import SCREENING_STAGES, ScreeningService, VoteError

__all__ = ["ReplayReport", "replay_votes"]

_REQUIRED = ("stage", "reviewer", "vote")


@dataclass
class ReplayReport:
    votes: Counter = field(default_factory=Counter)  # (stage, reviewer) -> votes cast
    decided: Counter = field(default_factory=Counter)  # stage -> records decided
    conflicts: int = 0
    resolutions: int = 0
    rankings: int = 0
    #: votes and resolutions already in the store (an earlier replay of the file)
    already: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    record_id: str
    stage: str
    reviewer: str
    vote: str
    reason: str | None
    note: str | None


def _read(path: Path, service: ScreeningService) -> list[_Row]:
    by_native: dict[str, list] = defaultdict(list)
    keys = service.store.record_keys()
    ids = {k.record_id for k in keys}
    for key in keys:
        if key.native_id:
            by_native[key.native_id].append(key)
    problems: list[Problem] = []
    rows: list[_Row] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [c.strip().lower() for c in reader.fieldnames or []]
        missing = [c for c in _REQUIRED if c not in header]
        if not {"record_id", "native_id"} & set(header):
            missing.insert(0, "record_id or native_id")
        if missing:
            raise InputFormatError([Problem(str(path), 1, "header", "missing column", c)
                                    for c in missing], path=str(path),
                                   hint="nothing was replayed; fix the header")
        for line, raw in enumerate(reader, 2):
            values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            record_id = values.get("record_id", "")
            if not record_id:
                found = [k for k in by_native.get(values.get("native_id", ""), [])
                         if not values.get("database")
                         or (k.database or "").lower() == values["database"].lower()]
                if len(found) != 1:
                    problems.append(Problem(str(path), line, "native_id",
                                            "no record of this review has this id" if not found
                                            else "matches several records; add a database",
                                            values.get("native_id")))
                    continue
                record_id = found[0].record_id
            elif record_id not in ids:
                problems.append(Problem(str(path), line, "record_id",
                                        "no record of this review has this id", record_id))
                continue
            stage = values.get("stage", "").lower()
            if stage not in SCREENING_STAGES:
                problems.append(Problem(str(path), line, "stage",
                                        f"must be one of {', '.join(SCREENING_STAGES)}", stage))
                continue
            rows.append(_Row(line, record_id, stage, values["reviewer"],
                             values["vote"].lower(), values.get("reason") or None,
                             values.get("note") or None))
    if problems:
        raise InputFormatError(problems, path=str(path),
                               hint="nothing was replayed; fix the file")
    return rows


def replay_votes(service: ScreeningService, path: Path, *, retrain_every: int = 50,
                 model: str | None = None) -> ReplayReport:
    """Cast the votes of ``path`` through ``service`` (see the module): at title/abstract
    each reviewer in turn takes the next record of the queue and casts their vote for it
    (the file must have one for every record the queue offers them); at full text the
    votes are cast in file order. Then the lead's resolutions."""
    path = Path(path)
    rows = _read(path, service)
    report = ReplayReport()
    model = model or service.config.screening.model
    for stage in SCREENING_STAGES:
        votes = {(r.reviewer, r.record_id): r for r in rows if r.stage == stage
                 and not (r.note or "").lower().startswith("resolution")}
        if stage == Stage.TITLE_ABSTRACT:
            _in_queue_order(service, path, votes, report, retrain_every, model)
        for row in sorted(votes.values(), key=lambda r: r.line):
            _cast(service, path, row, None, report)
        for row in rows:
            if row.stage == stage and (row.note or "").lower().startswith("resolution"):
                done = service.decision(row.record_id, stage)
                if done is not None and done.actor == f"human:{row.reviewer}" and (
                        str(done.outcome), done.reason) == (row.vote, row.reason):
                    report.already += 1
                    continue
                try:
                    service.resolve(row.reviewer, row.record_id, stage, row.vote,
                                    reason=row.reason, note=row.note)
                except VoteError as exc:
                    raise InputFormatError([Problem(str(path), row.line, "vote", str(exc))],
                                           path=str(path), hint="replayed up to this row "
                                           "(votes already cast are kept)") from exc
                report.resolutions += 1
                report.decided[stage] += 1
    return report


def _in_queue_order(service, path, votes, report, retrain_every, model) -> None:
    stage = Stage.TITLE_ABSTRACT.value
    active = sorted({who for who, _ in votes})
    since = 0
    while active:
        for who in list(active):
            item = service.next_record(who, stage)
            if item is None or not any(w == who for w, _ in votes):
                active.remove(who)
                continue
            row = votes.pop((who, item.record_id), None)
            if row is None:
                raise InputFormatError([Problem(
                    str(path), 0, "reviewer", f"{who} has no vote for record {item.record_id}, "
                    "which the queue offers them next; give every reviewer a vote for every "
                    "record they screen")], path=str(path),
                    hint="replayed up to here (votes already cast are kept)")
            if _cast(service, path, row, item.params_hash, report) == "decided":
                since += 1
            if since >= retrain_every:
                since = 0
                if retrain_if_due(service.store, model=model, retrain_every=1) is not None:
                    report.rankings += 1


def _cast(service, path, row: _Row, params_hash, report: ReplayReport) -> str:
    mine = service.live_vote(row.reviewer, row.record_id, row.stage)
    if mine is not None and (mine.outcome, mine.reason) == (row.vote, row.reason):
        report.already += 1  # cast by an earlier replay: running again adds nothing
        return "already"
    try:
        result = service.vote(row.reviewer, row.record_id, row.stage, row.vote,
                              reason=row.reason, note=row.note, params_hash=params_hash)
    except VoteError as exc:
        raise InputFormatError([Problem(str(path), row.line, "vote", str(exc))],
                               path=str(path),
                               hint="replayed up to this row (votes already cast are kept)"
                               ) from exc
    report.votes[(row.stage, row.reviewer)] += 1
    if result.state == "decided":
        report.decided[row.stage] += 1
    elif result.state == "conflict":
        report.conflicts += 1
    return result.state
