"""Reports and studies: which included reports describe the same study.

PRISMA 2020 counts *studies* included and *reports* of included studies; a study can have
several reports (a trial's main paper, its protocol, a follow-up). A report is a record.
Linking reports to a study is a decision like any other, so it is append-only, has an
actor and a time, and can be corrected:

* stage ``extraction``, about the report (``record_id``), with ``cluster_id`` set to
  ``"study:<study_id>"`` (a study is a cluster of reports, as a dedup cluster is a cluster
  of records);
* outcome ``include`` links the report to the study, ``exclude`` takes the link back.

The latest such decision per report wins (newest ``decided_at``, then the one added last).
An included report without a link is a study of its own. Other decisions at stage
``extraction`` (without the ``study:`` prefix) are not links and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from screening.errors import StoreError
from screening.model import Outcome, Stage
from screening.store import DecisionRow, ReviewStore

__all__ = [
    "STUDY_PREFIX",
    "decision_order",
    "latest_study_links",
    "link_reports",
    "study_link",
    "study_links",
    "unlink_report",
]

#: The prefix of ``cluster_id`` in a decision that links a report to a study.
STUDY_PREFIX = "study:"


def _check_study_id(study_id: str) -> str:
    if not isinstance(study_id, str) or not study_id.strip() or study_id != study_id.strip():
        raise StoreError(f"a study id is a non-empty text without surrounding spaces "
                         f"(got {study_id!r})")
    return study_id


def study_link(
    record_id: str,
    study_id: str,
    *,
    actor: str,
    decided_at: datetime | None = None,
    run_id: str | None = None,
    note: str | None = None,
    outcome: Outcome | str = Outcome.INCLUDE,
) -> DecisionRow:
    """The decision that report ``record_id`` belongs to study ``study_id`` (or, with
    ``outcome="exclude"``, no longer does)."""
    return DecisionRow(
        record_id=record_id,
        cluster_id=STUDY_PREFIX + _check_study_id(study_id),
        stage=Stage.EXTRACTION,
        outcome=outcome,
        actor=actor,
        decided_at=decided_at,
        run_id=run_id,
        note=note,
    )


def link_reports(
    store: ReviewStore,
    study_id: str,
    record_ids: Iterable[str],
    *,
    actor: str,
    decided_at: datetime | None = None,
    run_id: str | None = None,
) -> int:
    """Record that the reports ``record_ids`` belong to study ``study_id``; returns how many.

    One transaction: a record that is not in the store adds nothing (StoreError).
    """
    rows = [
        study_link(record_id, study_id, actor=actor, decided_at=decided_at, run_id=run_id)
        for record_id in record_ids
    ]
    return store.add_decisions(rows)


def unlink_report(
    store: ReviewStore, record_id: str, study_id: str, *, actor: str,
    decided_at: datetime | None = None,
) -> None:
    """Take back the link of report ``record_id`` to study ``study_id``."""
    store.add_decisions(
        [study_link(record_id, study_id, actor=actor, decided_at=decided_at, outcome="exclude")]
    )


def latest_study_links(rows: Iterable[DecisionRow]) -> dict[str, str]:
    """record_id -> study_id from decision rows (other rows are ignored)."""
    latest: dict[str, DecisionRow] = {}
    for row in rows:
        if (
            row.stage != Stage.EXTRACTION
            or row.record_id is None
            or not (row.cluster_id or "").startswith(STUDY_PREFIX)
        ):
            continue
        seen = latest.get(row.record_id)
        if seen is None or decision_order(row) >= decision_order(seen):  # rows in order added
            latest[row.record_id] = row
    return {
        record_id: str(row.cluster_id)[len(STUDY_PREFIX):]
        for record_id, row in latest.items()
        if row.outcome == Outcome.INCLUDE
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def decision_order(row: DecisionRow) -> tuple[datetime, int]:
    """The order in which decisions win: ``decided_at``, then the one added last."""
    return (row.decided_at or _EPOCH, row.decision_id or 0)


def study_links(store: ReviewStore) -> dict[str, str]:
    """record_id -> study_id of every report linked to a study in the store."""
    return latest_study_links(store.decision_history(stage=Stage.EXTRACTION))
