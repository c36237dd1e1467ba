"""Building reviews through the public API: sources of records, decisions, study links."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from screening.model import Actor, Outcome, Stage
from screening.prisma import PrismaCounts
from screening.store import DecisionRow, ReviewStore
from tests.screening.store.factories import make_record, make_spec

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
ALICE, BOB, CAROL = Actor.human("alice"), Actor.human("bob"), Actor.human("carol")
RANKER = Actor.model("logistic", "1.0")
REASONS = {
    "wrong_population": "Not adults with chronic non-cancer pain",
    "wrong_design": "Not a randomised controlled trial",
    "wrong_outcome": "No pain outcome",
}


# Counts typed in, for the diagram and output tests (a chain like the seed review's).
NEW = PrismaCounts(
    database_specific_results={"MEDLINE": 412, "Embase": 380, "CENTRAL": 98},
    register_specific_results={"ClinicalTrials.gov": 40},
    duplicates=214, excluded_automatic=12, excluded_other=8,
    records_screened=696, records_excluded_human=640, records_excluded_automation=10,
    dbr_sought_reports=46, dbr_notretrieved_reports=2, dbr_assessed=44,
    dbr_excluded={"wrong_population": 15, "wrong_design": 14, "wrong_outcome": 8},
    dbr_included_reports=7, new_studies=7, new_reports=7, reason_labels=REASONS,
)
OTHER = dataclasses.replace(
    NEW, website_specific_results={"Websites": 5},
    organisation_specific_results={"Manufacturers": 2},
    citations_specific_results={"Citation searching": 12},
    other_not_sought=4, other_sought_reports=15, other_notretrieved_reports=1,
    other_assessed=14, other_excluded={"wrong_design": 12}, other_included_reports=2,
    new_studies=8, new_reports=9,
)


def add_source(
    store: ReviewStore, name: str, database: str | None, n: int, *, rejects: int = 0,
    native: str | None = None,
) -> list[str]:
    """Import ``n`` records (and ``rejects`` quarantined ones) from a file of ``database``;
    returns the record ids, rejects last. Native ids are ``<native or name>-<ordinal>``."""
    from screening.readers.base import Reject

    spec = make_spec(name, path=name, database=database)
    with store.import_source(spec, None) as writer:
        for ordinal in range(1, n + 1):
            record = make_record(ordinal, name, native_id=f"{native or name}-{ordinal}")
            source = dataclasses.replace(record.source, database=database)
            writer.add(dataclasses.replace(record, source=source))
        for extra in range(rejects):
            line = 1000 + extra
            writer.add_reject(Reject(name, line, line + 2, "TI  - broken", ()), n + 1 + extra)
    ids = [f"{spec.source_id}:{i}" for i in range(1, n + 1 + rejects)]
    return ids


class Decide:
    """Appends decisions with increasing times (each call is later than the one before)."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store
        self.time = T0

    def __call__(
        self, record_ids: list[str] | str, stage: Stage, outcome: Outcome, *,
        actor: str = ALICE, reason: str | None = None,
    ) -> None:
        ids = [record_ids] if isinstance(record_ids, str) else record_ids
        rows = []
        for record_id in ids:
            self.time += timedelta(minutes=1)
            rows.append(DecisionRow(record_id=record_id, stage=stage, outcome=outcome,
                                    actor=actor, reason=reason, decided_at=self.time))
        self.store.add_decisions(rows)
