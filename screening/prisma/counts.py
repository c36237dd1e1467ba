"""PRISMA 2020 counts, derived from the store: every box is a count of records by their fate.

Each record has exactly one *fate* (:class:`Fate`), found by walking the stages in review
order and taking, at each stage, the record's latest decision **of any reviewer** (newest
``decided_at``, then the one added last). So dual-screening conflicts are resolved by a
later decision (a third reviewer's or the consensus), and a correction is a new decision.
Decisions about clusters only (no ``record_id``) are not counted.

Databases and registers (:mod:`screening.prisma.kinds`)::

    unparseable (status, or identification/unparseable) -> removed for other reasons
    deduplication/duplicate                              -> duplicate records removed
    identification/excluded_automation                   -> marked ineligible by automation
    no title_abstract decision                           -> awaiting screening (not a box)
    title_abstract/exclude                               -> records excluded (by a human;
    title_abstract/excluded_automation, or a model actor     by automation tools)
    title_abstract/include or maybe                      -> report sought for retrieval, then
        no full_text decision                            -> awaiting retrieval (not a box)
        full_text/not_retrieved                          -> reports not retrieved
        full_text/exclude (reason)                       -> assessed, excluded for the reason
        full_text/maybe                                  -> assessed, awaiting a decision
        full_text/include                                -> assessed, report of an included study

Other methods (websites, organisations, citation searching) skip screening: a record is a
report sought for retrieval unless it was removed (unparseable, duplicate, automation) or
excluded at title/abstract, which PRISMA's template has no box for ("not sought").

Reports of included studies are grouped into studies by :mod:`screening.prisma.studies`.
An updated review's previous counts come from ``[prisma] previous_studies/previous_reports``.
A decision whose outcome has no place at its stage (e.g. ``title_abstract/not_retrieved``)
is an error naming it. A latest screening decision about a stage the record never reached
(a full-text decision after a title/abstract exclusion or without any title/abstract
decision, any screening decision about a duplicate) is left out of the counts and listed
in ``PrismaCounts.ignored_decisions`` (:mod:`screening.prisma.contradictions`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from screening.model import Outcome, Stage
from screening.prisma.contradictions import IgnoredDecision, contradiction
from screening.prisma.kinds import SourceKind, source_kind
from screening.prisma.studies import decision_order, latest_study_links
from screening.prisma.types import (
    NO_REASON,
    UNKNOWN_DATABASE,
    Fate,
    PrismaCounts,
    PrismaError,
    RecordFate,
)
from screening.store import STATUS_UNPARSEABLE, DecisionRow, RecordKey, ReviewStore

__all__ = [
    "ALLOWED_OUTCOMES",
    "Fate",
    "NO_REASON",
    "PrismaCounts",
    "PrismaError",
    "RecordFate",
    "UNKNOWN_DATABASE",
    "count_fates",
    "fates_from_decisions",
    "prisma_counts",
    "record_fate",
    "record_fates",
]

_SHOWN = 20

_REMOVED = frozenset({Fate.REMOVED_OTHER, Fate.DUPLICATE, Fate.EXCLUDED_AUTOMATIC})
_SCREENED_OUT = frozenset({Fate.EXCLUDED_HUMAN, Fate.EXCLUDED_AUTOMATION})
_ASSESSED = frozenset({Fate.EXCLUDED_FULL_TEXT, Fate.AWAITING_ELIGIBILITY, Fate.INCLUDED})
_SOUGHT = _ASSESSED | {Fate.AWAITING_RETRIEVAL, Fate.NOT_RETRIEVED}

#: The outcomes that have a place in the PRISMA flow at each stage.
ALLOWED_OUTCOMES: Mapping[Stage, frozenset[Outcome]] = {
    Stage.IDENTIFICATION: frozenset({Outcome.UNPARSEABLE, Outcome.EXCLUDED_AUTOMATION}),
    Stage.DEDUPLICATION: frozenset({Outcome.DUPLICATE, Outcome.INCLUDE, Outcome.MAYBE}),
    Stage.TITLE_ABSTRACT: frozenset(
        {Outcome.INCLUDE, Outcome.EXCLUDE, Outcome.MAYBE, Outcome.EXCLUDED_AUTOMATION}
    ),
    Stage.FULL_TEXT: frozenset(
        {Outcome.INCLUDE, Outcome.EXCLUDE, Outcome.MAYBE, Outcome.NOT_RETRIEVED}
    ),
}


def _automated(decision: DecisionRow) -> bool:
    return decision.outcome == Outcome.EXCLUDED_AUTOMATION or decision.actor.startswith("model:")


def record_fate(
    key: RecordKey, kind: SourceKind, latest: Mapping[Stage, DecisionRow],
    *, study_id: str | None = None,
) -> RecordFate:
    """The fate of one record from its latest decision per stage (see the module docstring)."""
    ident = latest.get(Stage.IDENTIFICATION)
    dedup = latest.get(Stage.DEDUPLICATION)
    screen = latest.get(Stage.TITLE_ABSTRACT)
    full = latest.get(Stage.FULL_TEXT)
    reason = None
    if key.status == STATUS_UNPARSEABLE or (ident and ident.outcome == Outcome.UNPARSEABLE):
        fate = Fate.REMOVED_OTHER
    elif dedup is not None and dedup.outcome == Outcome.DUPLICATE:
        fate = Fate.DUPLICATE
    elif ident is not None and ident.outcome == Outcome.EXCLUDED_AUTOMATION:
        fate = Fate.EXCLUDED_AUTOMATIC
    elif screen is None and kind.via_databases:
        fate = Fate.AWAITING_SCREENING
    elif screen is not None and screen.outcome in (Outcome.EXCLUDE, Outcome.EXCLUDED_AUTOMATION):
        fate = Fate.EXCLUDED_AUTOMATION if _automated(screen) else Fate.EXCLUDED_HUMAN
    elif full is None:
        fate = Fate.AWAITING_RETRIEVAL
    elif full.outcome == Outcome.NOT_RETRIEVED:
        fate = Fate.NOT_RETRIEVED
    elif full.outcome == Outcome.EXCLUDE:
        fate, reason = Fate.EXCLUDED_FULL_TEXT, full.reason or NO_REASON
    elif full.outcome == Outcome.MAYBE:
        fate = Fate.AWAITING_ELIGIBILITY
    else:
        fate = Fate.INCLUDED
    study = (study_id or key.record_id) if fate == Fate.INCLUDED else None
    database = key.database or UNKNOWN_DATABASE
    return RecordFate(key.record_id, database, kind, fate, reason, study,
                      _ignored(key, kind, latest))


def _ignored(
    key: RecordKey, kind: SourceKind, latest: Mapping[Stage, DecisionRow]
) -> tuple[IgnoredDecision, ...]:
    """The record's latest screening decisions that its fate leaves out, and why."""
    ignored = []
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        decision = latest.get(stage)
        if decision is None:
            continue
        found = contradiction(key, kind, latest, stage)
        if found is not None:
            ignored.append(IgnoredDecision(decision, found.kind, found.why))
    return tuple(ignored)


def _check_outcomes(decisions: Iterable[DecisionRow]) -> None:
    problems = []
    for d in decisions:
        allowed = ALLOWED_OUTCOMES.get(Stage(d.stage))
        if allowed is not None and d.outcome not in allowed:
            choices = ", ".join(sorted(allowed))
            problems.append(
                f"decision {d.decision_id} about record {d.record_id} ({d.actor}): outcome "
                f"'{d.outcome}' has no place at stage '{d.stage}' in the PRISMA flow "
                f"(there: {choices})"
            )
    if problems:
        shown = problems[:_SHOWN]
        if len(problems) > _SHOWN:
            shown.append(f"... and {len(problems) - _SHOWN} more ({len(problems)} in total)")
        raise PrismaError("the PRISMA counts cannot be derived:\n" + "\n".join(shown))


def fates_from_decisions(
    keys: Iterable[RecordKey],
    decisions: Iterable[DecisionRow],
    *,
    source_kinds: Mapping[str, str] | None = None,
) -> list[RecordFate]:
    """The fate of each record in ``keys`` from ``decisions`` (rows in the order added).

    Takes each record's latest decision per stage (newest ``decided_at``, then the one
    added last), so a whole history or only the latest rows give the same fates. Study
    links (stage ``extraction``) come from the same rows. Raises PrismaError when a latest
    decision's outcome has no place at its stage.
    """
    latest: dict[str, dict[Stage, DecisionRow]] = {}
    links: list[DecisionRow] = []
    for decision in decisions:
        stage = Stage(decision.stage)
        if decision.record_id is None:
            continue
        if stage not in ALLOWED_OUTCOMES:
            links.append(decision)
            continue
        per_stage = latest.setdefault(decision.record_id, {})
        seen = per_stage.get(stage)
        if seen is None or decision_order(decision) >= decision_order(seen):
            per_stage[stage] = decision
    _check_outcomes(d for stages in latest.values() for d in stages.values())
    study_of = latest_study_links(links)
    kinds: dict[str | None, SourceKind] = {}
    fates = []
    for key in keys:
        kind = kinds.get(key.database)
        if kind is None:
            kind = kinds[key.database] = source_kind(key.database, source_kinds)
        fates.append(
            record_fate(key, kind, latest.get(key.record_id, {}),
                        study_id=study_of.get(key.record_id))
        )
    return fates


def record_fates(
    store: ReviewStore, *, source_kinds: Mapping[str, str] | None = None
) -> list[RecordFate]:
    """The fate of every record in the store, in import order (see
    :func:`fates_from_decisions`); the store picks the latest decisions in SQL."""
    rows = [d for d in store.latest_record_decisions() if d.stage != Stage.EXTRACTION]
    rows += store.decision_history(stage=Stage.EXTRACTION)
    rows.sort(key=lambda row: row.decision_id or 0)
    return fates_from_decisions(store.record_keys(), rows, source_kinds=source_kinds)


def _by_name(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


_SPECIFIC = {
    SourceKind.DATABASE: "database_specific_results",
    SourceKind.REGISTER: "register_specific_results",
    SourceKind.WEBSITE: "website_specific_results",
    SourceKind.ORGANISATION: "organisation_specific_results",
    SourceKind.CITATION: "citations_specific_results",
}


def count_fates(
    fates: Iterable[RecordFate],
    *,
    previous_studies: int | None = None,
    previous_reports: int | None = None,
    reason_labels: Mapping[str, str] | None = None,
) -> PrismaCounts:
    """Count the boxes from the records' fates (each record counts in one path only)."""
    sources: dict[SourceKind, Counter[str]] = {kind: Counter() for kind in SourceKind}
    dbr: Counter[Fate] = Counter()
    other: Counter[Fate] = Counter()
    reasons: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    studies: set[str] = set()
    ignored: list[IgnoredDecision] = []
    for f in fates:
        ignored += f.ignored
        sources[f.kind][f.database] += 1
        via_databases = f.kind.via_databases
        (dbr if via_databases else other)[f.fate] += 1
        if f.fate == Fate.EXCLUDED_FULL_TEXT:
            reasons[via_databases][f.reason or NO_REASON] += 1
        elif f.fate == Fate.INCLUDED:
            studies.add(f.study_id or f.record_id)

    def total(counter: Counter[Fate], group: Iterable[Fate]) -> int:
        return sum(counter[fate] for fate in group)

    included = dbr[Fate.INCLUDED] + other[Fate.INCLUDED]
    return PrismaCounts(
        **{name: _by_name(sources[kind]) for kind, name in _SPECIFIC.items()},
        duplicates=dbr[Fate.DUPLICATE],
        excluded_automatic=dbr[Fate.EXCLUDED_AUTOMATIC],
        excluded_other=dbr[Fate.REMOVED_OTHER],
        awaiting_screening=dbr[Fate.AWAITING_SCREENING],
        records_screened=total(dbr, _SCREENED_OUT | _SOUGHT),
        records_excluded_human=dbr[Fate.EXCLUDED_HUMAN],
        records_excluded_automation=dbr[Fate.EXCLUDED_AUTOMATION],
        dbr_sought_reports=total(dbr, _SOUGHT),
        dbr_notretrieved_reports=dbr[Fate.NOT_RETRIEVED],
        dbr_awaiting_retrieval=dbr[Fate.AWAITING_RETRIEVAL],
        dbr_assessed=total(dbr, _ASSESSED),
        dbr_excluded=_by_name(reasons[True]),
        dbr_awaiting_eligibility=dbr[Fate.AWAITING_ELIGIBILITY],
        dbr_included_reports=dbr[Fate.INCLUDED],
        other_not_sought=total(other, _REMOVED | _SCREENED_OUT),
        other_sought_reports=total(other, _SOUGHT),
        other_notretrieved_reports=other[Fate.NOT_RETRIEVED],
        other_awaiting_retrieval=other[Fate.AWAITING_RETRIEVAL],
        other_assessed=total(other, _ASSESSED),
        other_excluded=_by_name(reasons[False]),
        other_awaiting_eligibility=other[Fate.AWAITING_ELIGIBILITY],
        other_included_reports=other[Fate.INCLUDED],
        new_studies=len(studies),
        new_reports=included,
        previous_studies=previous_studies,
        previous_reports=previous_reports,
        reason_labels=dict(reason_labels or {}),
        ignored_decisions=tuple(ignored),
    )


def prisma_counts(
    store: ReviewStore,
    *,
    source_kinds: Mapping[str, str] | None = None,
    previous_studies: int | None = None,
    previous_reports: int | None = None,
    reason_labels: Mapping[str, str] | None = None,
) -> PrismaCounts:
    """Every PRISMA 2020 box of the review in ``store``.

    ``source_kinds``, ``previous_studies`` and ``previous_reports`` come from the review's
    ``[prisma]`` config, ``reason_labels`` from ``[criteria.reasons]``. Check the result
    with :func:`screening.prisma.checks.check_counts`.
    """
    return count_fates(
        record_fates(store, source_kinds=source_kinds),
        previous_studies=previous_studies,
        previous_reports=previous_reports,
        reason_labels=reason_labels,
    )
