"""Linking reports to studies: decisions at stage extraction, latest per report wins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from screening.errors import StoreError
from screening.prisma import link_reports, study_link, study_links, unlink_report
from screening.store import ReviewStore
from tests.screening.prisma.builders import ALICE, BOB, T0, add_source


def test_links_are_decisions_and_the_latest_wins(store: ReviewStore) -> None:
    a, b, c = add_source(store, "p.nbib", "PubMed", 3)
    assert link_reports(store, "S1", [a, b], actor=ALICE, decided_at=T0) == 2
    link_reports(store, "S2", [b], actor=BOB, decided_at=T0 + timedelta(hours=1))
    link_reports(store, "S1", [c], actor=ALICE, decided_at=T0 - timedelta(days=1))
    unlink_report(store, c, "S1", actor=ALICE, decided_at=T0)
    assert study_links(store) == {a: "S1", b: "S2"}
    (row, *_) = store.decision_history(record_id=a)
    assert (row.stage, row.outcome, row.cluster_id) == ("extraction", "include", "study:S1")


def test_links_to_unknown_records_or_with_bad_ids_are_refused(store: ReviewStore) -> None:
    with pytest.raises(StoreError, match=r"^decisions refer to records not in the store: 'x:1'"):
        link_reports(store, "S1", ["x:1"], actor=ALICE)
    with pytest.raises(StoreError, match=r"^a study id is a non-empty text without surrounding "
                       r"spaces \(got ' S1'\)"):
        study_link("x:1", " S1", actor=ALICE)
