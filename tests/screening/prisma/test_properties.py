"""Property tests: for random sequences of decisions the PRISMA arithmetic holds (the only
gaps are work awaiting a decision, and they are named) and no record is counted twice."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from screening.model import Outcome, Stage
from screening.prisma import (
    Fate,
    check_counts,
    count_fates,
    fates_from_decisions,
    prisma_counts,
    study_link,
)
from screening.prisma.counts import ALLOWED_OUTCOMES
from screening.prisma.studies import decision_order
from screening.store import DecisionRow, RecordKey, ReviewStore
from tests.screening.prisma.builders import T0, add_source

DATABASES = ["PubMed", "Embase", "ClinicalTrials.gov", "Citation searching", "Websites", None]
ACTORS = ["human:a", "human:b", "model:ranker@1"]
REASONS = [None, "wrong_design", "wrong_outcome"]
STAGES = sorted(ALLOWED_OUTCOMES)
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
REMOVED = {Fate.REMOVED_OTHER, Fate.DUPLICATE, Fate.EXCLUDED_AUTOMATIC}
FULL_TEXT_FATES = {Fate.NOT_RETRIEVED, Fate.EXCLUDED_FULL_TEXT, Fate.AWAITING_ELIGIBILITY,
                   Fate.INCLUDED}


@st.composite
def reviews(draw: st.DrawFn) -> tuple[list[RecordKey], list[DecisionRow]]:
    n = draw(st.integers(1, 14))
    keys = [
        RecordKey(f"src:{i}", f"n{i}", draw(st.sampled_from(["ok"] * 9 + ["unparseable"])),
                  draw(st.sampled_from(DATABASES)))
        for i in range(1, n + 1)
    ]
    rows: list[DecisionRow] = []
    for position in range(draw(st.integers(0, 40))):
        record = draw(st.sampled_from(keys)).record_id
        when = T0 + timedelta(minutes=draw(st.integers(0, 15)))  # ties happen
        actor = draw(st.sampled_from(ACTORS))
        if draw(st.integers(0, 9)) == 0:
            row = study_link(record, draw(st.sampled_from(["S1", "S2"])), actor=actor,
                             decided_at=when,
                             outcome=draw(st.sampled_from(["include", "exclude"])))
        else:
            stage = draw(st.sampled_from(STAGES))
            outcome = draw(st.sampled_from(sorted(ALLOWED_OUTCOMES[stage])))
            reason = draw(st.sampled_from(REASONS)) if outcome == Outcome.EXCLUDE else None
            row = DecisionRow(record_id=record, stage=stage, outcome=outcome, actor=actor,
                              reason=reason, decided_at=when)
        rows.append(DecisionRow(**{**_fields(row), "decision_id": position + 1}))
    return keys, rows


def _fields(row: DecisionRow) -> dict:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


def _latest_only(rows: list[DecisionRow]) -> list[DecisionRow]:
    """What the store hands over: the latest row per (record, stage), links in full."""
    latest: dict[tuple[str | None, str], DecisionRow] = {}
    links = []
    for row in rows:
        if row.stage == Stage.EXTRACTION:
            links.append(row)
            continue
        key = (row.record_id, str(row.stage))
        if key not in latest or decision_order(row) >= decision_order(latest[key]):
            latest[key] = row
    return sorted([*latest.values(), *links], key=lambda r: r.decision_id or 0)


@settings(max_examples=300, deadline=None)
@given(reviews(), st.randoms(use_true_random=False))
def test_arithmetic_holds_and_no_record_is_counted_twice(review, rng: random.Random) -> None:
    keys, rows = review
    fates = fates_from_decisions(keys, rows)
    # one fate per record, every record accounted for
    assert [f.record_id for f in fates] == [k.record_id for k in keys]
    # the latest decision wins whatever order the rows come in, and the latest rows alone
    # (what the store selects in SQL) give the same fates
    shuffled = rows[:]
    rng.shuffle(shuffled)
    assert fates_from_decisions(keys, shuffled) == fates
    assert fates_from_decisions(keys, _latest_only(rows)) == fates

    # a record's latest screening decision is listed as not counted exactly when its fate
    # leaves it out: a title/abstract one when the record was removed before screening, a
    # full-text one when the record never reached full text
    latest = {(r.record_id, r.stage): r for r in _latest_only(rows)}
    for key, fate in zip(keys, fates, strict=True):
        ignored = {i.stage: i.decision for i in fate.ignored}
        screen, full = latest.get((key.record_id, TA)), latest.get((key.record_id, FT))
        assert ignored.get(TA) == (screen if fate.fate in REMOVED else None)
        assert ignored.get(FT) == (full if fate.fate not in FULL_TEXT_FATES else None)

    c = count_fates(fates)
    assert c.ignored_decisions == tuple(i for f in fates for i in f.ignored)
    assert c.identified_dbr + c.identified_other == len(keys)
    boxes = [c.duplicates, c.excluded_automatic, c.excluded_other, c.records_screened,
             c.records_excluded, c.dbr_sought_reports, c.dbr_assessed, c.new_studies]
    assert min(boxes) >= 0
    # conservation, work in progress included: each record ends in exactly one place
    assert c.identified_dbr == c.removed_before_screening + c.records_screened \
        + c.awaiting_screening
    assert c.records_screened - c.records_excluded == c.dbr_sought_reports
    assert c.dbr_sought_reports - c.dbr_notretrieved_reports == c.dbr_assessed \
        + c.dbr_awaiting_retrieval
    assert c.dbr_assessed - sum(c.dbr_excluded.values()) == c.dbr_included_reports \
        + c.dbr_awaiting_eligibility
    assert c.identified_other == c.other_not_sought + c.other_sought_reports
    assert c.other_sought_reports - c.other_notretrieved_reports == c.other_assessed \
        + c.other_awaiting_retrieval
    assert c.other_assessed - sum(c.other_excluded.values()) == c.other_included_reports \
        + c.other_awaiting_eligibility
    assert c.new_reports == c.dbr_included_reports + c.other_included_reports
    assert c.new_studies <= c.new_reports
    terminal = (c.removed_before_screening + c.awaiting_screening + c.records_excluded
                + c.dbr_notretrieved_reports + c.dbr_awaiting_retrieval
                + sum(c.dbr_excluded.values()) + c.dbr_awaiting_eligibility
                + c.dbr_included_reports + c.other_not_sought + c.other_notretrieved_reports
                + c.other_awaiting_retrieval + sum(c.other_excluded.values())
                + c.other_awaiting_eligibility + c.other_included_reports)
    assert terminal == len(keys)
    # the checks: every gap is work awaiting a decision, and named as such
    problems = check_counts(c)
    assert all(p.difference == p.pending > 0 and p.pending_what for p in problems)
    if c.pending == 0:
        assert problems == []


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_the_store_counts_like_the_pure_function(data: st.DataObject) -> None:
    with ReviewStore.connect("sqlite://") as store:
        ids = add_source(store, "a.nbib", "PubMed", 4, rejects=1)
        ids += add_source(store, "b.ris", "Citation searching", 3)
        keys = store.record_keys()
        assert [k.record_id for k in keys] == ids
        rows = []
        for _ in range(data.draw(st.integers(0, 30))):
            record = data.draw(st.sampled_from(ids))
            when = T0 + timedelta(minutes=data.draw(st.integers(0, 6)))
            stage = data.draw(st.sampled_from(STAGES))
            outcome = data.draw(st.sampled_from(sorted(ALLOWED_OUTCOMES[stage])))
            rows.append(DecisionRow(record_id=record, stage=stage, outcome=outcome,
                                    actor=data.draw(st.sampled_from(ACTORS)), decided_at=when))
        store.add_decisions(rows)
        stored = store.decision_history()
        expected = count_fates(fates_from_decisions(keys, stored))
        assert prisma_counts(store) == expected
