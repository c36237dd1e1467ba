"""PRISMA 2020 counts of whole reviews built through the public API (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from screening.model import Outcome, Stage
from screening.prisma import (
    PrismaError,
    check_counts,
    counts_to_boxes,
    ensure_counts_add_up,
    link_reports,
    prisma_counts,
    record_fates,
    unlink_report,
)
from screening.prisma.counts import NO_REASON
from screening.store import DecisionRow, ReviewStore
from tests.screening.prisma.builders import (
    ALICE,
    BOB,
    CAROL,
    RANKER,
    REASONS,
    Decide,
    add_source,
)

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
DEDUP = "model:dedup@0.1"


def build_review(store: ReviewStore) -> dict[str, list[str]]:
    """Two database exports (one with 2 quarantined rejects) and a register; duplicates,
    automation, human and automated exclusions, dual screening with conflicts, reports not
    retrieved, full-text exclusions for three reasons, and one study with two reports."""
    pubmed = add_source(store, "pubmed.nbib", "PubMed", 40, rejects=2)
    embase = add_source(store, "embase.ris", "Embase", 30)
    ctgov = add_source(store, "ctgov.csv", "ClinicalTrials.gov", 5)
    decide = Decide(store)
    decide(embase[:12] + ctgov[:1], Stage.DEDUPLICATION, Outcome.DUPLICATE, actor=DEDUP)
    decide(pubmed[:5], Stage.IDENTIFICATION, Outcome.EXCLUDED_AUTOMATION, actor=RANKER)
    # 57 records to screen: pubmed[5:40], embase[12:30], ctgov[1:5]
    screened = pubmed[5:40] + embase[12:30] + ctgov[1:5]
    assert len(screened) == 57
    out_human, out_model, sought = screened[:35], screened[35:39], screened[39:]
    decide(out_human, TA, Outcome.EXCLUDE, reason="wrong_population")
    decide(out_human[:10], TA, Outcome.EXCLUDE, actor=BOB)  # dual screening agrees
    decide(out_model, TA, Outcome.EXCLUDE, actor=RANKER)
    decide(sought, TA, Outcome.INCLUDE)
    # conflicts: bob excludes two that alice included; carol (third reviewer) resolves
    decide(sought[:2], TA, Outcome.EXCLUDE, actor=BOB)
    decide(sought[:1], TA, Outcome.INCLUDE, actor=CAROL)
    decide(sought[1], TA, Outcome.MAYBE, actor=CAROL)  # maybe goes on to full text
    # a human's exclusion corrected to inclusion by the same human
    decide(out_human[34], TA, Outcome.INCLUDE)
    sought = [out_human[34], *sought]
    out_human = out_human[:34]
    assert len(sought) == 19
    not_retrieved, assessed = sought[:2], sought[2:]
    decide(not_retrieved, FT, Outcome.NOT_RETRIEVED)
    decide(assessed[:3], FT, Outcome.EXCLUDE, reason="wrong_population")
    decide(assessed[3:7], FT, Outcome.EXCLUDE, reason="wrong_design")
    decide(assessed[7:9], FT, Outcome.EXCLUDE, reason="wrong_outcome")
    decide(assessed[9:], FT, Outcome.INCLUDE)
    decide(assessed[9], FT, Outcome.EXCLUDE, reason="wrong_outcome", actor=BOB)  # conflict
    decide(assessed[9], FT, Outcome.INCLUDE, actor=CAROL)  # resolved
    link_reports(store, "TRIAL-A", assessed[9:11], actor=ALICE)
    return {"pubmed": pubmed, "embase": embase, "ctgov": ctgov, "included": assessed[9:],
            "out_human": out_human, "sought": sought}


def test_every_box_of_a_review_built_through_the_api(store: ReviewStore) -> None:
    ids = build_review(store)
    counts = prisma_counts(store, reason_labels=REASONS)
    assert counts.database_specific_results == {"PubMed": 42, "Embase": 30}
    assert counts.register_specific_results == {"ClinicalTrials.gov": 5}
    assert (counts.database_results, counts.register_results) == (72, 5)
    assert (counts.duplicates, counts.excluded_automatic, counts.excluded_other) == (13, 5, 2)
    assert counts.records_screened == 57
    assert (counts.records_excluded_human, counts.records_excluded_automation) == (34, 4)
    assert counts.records_excluded == 38
    assert counts.dbr_sought_reports == 19
    assert counts.dbr_notretrieved_reports == 2
    assert counts.dbr_assessed == 17
    assert counts.dbr_excluded == {"wrong_design": 4, "wrong_population": 3, "wrong_outcome": 2}
    assert counts.dbr_included_reports == 8
    assert (counts.new_studies, counts.new_reports) == (7, 8)  # TRIAL-A has two reports
    assert (counts.total_studies, counts.total_reports) == (7, 8)
    assert counts.previous_studies is None and not counts.updated
    assert not counts.other_methods and counts.pending == 0
    assert check_counts(counts) == []
    ensure_counts_add_up(counts)
    boxes = counts_to_boxes(counts)
    assert boxes["dbr_excluded"]["wrong_design"] == 4
    assert boxes["previous_studies"] is None and boxes["website_results"] is None
    assert boxes["records_excluded"] == 38 and boxes["total_reports"] == 8
    # every record has exactly one fate, and the fates account for every record
    fates = record_fates(store)
    assert len(fates) == len({f.record_id for f in fates}) == 77
    studies = {f.study_id for f in fates if f.study_id}
    assert "TRIAL-A" in studies and len(studies) == 7
    assert {f.record_id for f in fates if f.study_id == "TRIAL-A"} == set(ids["included"][:2])


def test_taking_back_a_study_link_counts_the_report_as_a_study_again(
    store: ReviewStore,
) -> None:
    ids = build_review(store)
    unlink_report(store, ids["included"][1], "TRIAL-A", actor=ALICE)
    counts = prisma_counts(store)
    assert (counts.new_studies, counts.new_reports) == (8, 8)


def test_a_review_in_progress_does_not_add_up_and_says_why(store: ReviewStore) -> None:
    pubmed = add_source(store, "pubmed.nbib", "PubMed", 6)
    decide = Decide(store)
    decide(pubmed[:4], TA, Outcome.INCLUDE)
    decide(pubmed[0], FT, Outcome.INCLUDE)
    decide(pubmed[1], FT, Outcome.MAYBE)
    decide(pubmed[2], FT, Outcome.EXCLUDE)  # no reason recorded
    counts = prisma_counts(store)
    assert (counts.awaiting_screening, counts.dbr_awaiting_retrieval) == (2, 1)
    assert counts.dbr_awaiting_eligibility == 1
    assert counts.dbr_excluded == {NO_REASON: 1}
    problems = [str(p) for p in check_counts(counts)]
    assert problems == [
        "records identified from databases (6) + registers (0) = 6, but duplicate records "
        "removed (0) + records marked as ineligible by automation tools (0) + records removed "
        "for other reasons (0) + records screened (4) = 4 (database_results + register_results "
        "!= duplicates + excluded_automatic + excluded_other + records_screened); 2 records "
        "await title/abstract screening",
        "reports sought for retrieval (databases and registers) (4) - reports not retrieved (0) "
        "= 4, but reports assessed for eligibility (3) (dbr_sought_reports - "
        "dbr_notretrieved_reports != dbr_assessed); 1 report has no full-text decision yet",
        "reports assessed for eligibility (databases and registers) (3) - reports excluded (1) "
        "= 2, but reports of included studies (1) (dbr_assessed - dbr_excluded != "
        "dbr_included_reports); 1 report is 'maybe' at full text (no eligibility decision)",
    ]
    with pytest.raises(PrismaError, match=r"^the PRISMA 2020 counts do not add up:\n"
                       r"records identified from databases \(6\)") as caught:
        ensure_counts_add_up(counts)
    assert "`litsieve prisma --draft` draws it anyway" in str(caught.value)


def test_seed_chain_696_screened_7_included_and_its_update(store: ReviewStore) -> None:
    pubmed = add_source(store, "pubmed.nbib", "MEDLINE", 520)
    embase = add_source(store, "embase.ris", "Embase", 390)
    rows = [DecisionRow(record_id=r, stage="deduplication", outcome="duplicate", actor=DEDUP)
            for r in embase[:214]]
    screened = pubmed + embase[214:]
    assert len(screened) == 696
    rows += [DecisionRow(record_id=r, stage=TA, outcome="exclude", actor=ALICE)
             for r in screened[:650]]
    sought = screened[650:]
    rows += [DecisionRow(record_id=r, stage=TA, outcome="include", actor=ALICE) for r in sought]
    rows += [DecisionRow(record_id=r, stage=FT, outcome="not_retrieved", actor=ALICE)
             for r in sought[:2]]
    for reason, chunk in (("wrong_population", sought[2:17]), ("wrong_design", sought[17:31]),
                          ("wrong_outcome", sought[31:39])):
        rows += [DecisionRow(record_id=r, stage=FT, outcome="exclude", reason=reason,
                             actor=ALICE) for r in chunk]
    rows += [DecisionRow(record_id=r, stage=FT, outcome="include", actor=ALICE)
             for r in sought[39:]]
    store.add_decisions(rows)
    counts = prisma_counts(store, reason_labels=REASONS)
    assert (counts.database_results, counts.duplicates, counts.records_screened) == (910, 214, 696)
    assert (counts.records_excluded, counts.dbr_sought_reports) == (650, 46)
    assert (counts.dbr_notretrieved_reports, counts.dbr_assessed) == (2, 44)
    assert counts.dbr_excluded == {"wrong_population": 15, "wrong_design": 14,
                                   "wrong_outcome": 8}
    assert (counts.new_studies, counts.new_reports) == (7, 7)
    assert check_counts(counts) == []

    updated = prisma_counts(store, previous_studies=12, previous_reports=15)
    assert updated.updated and check_counts(updated) == []
    assert (updated.previous_studies, updated.previous_reports) == (12, 15)
    assert (updated.new_studies, updated.new_reports) == (7, 7)
    assert (updated.total_studies, updated.total_reports) == (19, 22)
    boxes = counts_to_boxes(updated)
    assert (boxes["previous_studies"], boxes["total_studies"], boxes["total_reports"]) == (
        12, 19, 22)


def test_other_methods_go_straight_to_retrieval(store: ReviewStore) -> None:
    add_source(store, "pubmed.nbib", "PubMed", 2)
    citations = add_source(store, "snowball.ris", "Citation searching", 5)
    web = add_source(store, "web.csv", "Websites", 2)
    experts = add_source(store, "experts.ris", "Letters to trialists", 1)
    decide = Decide(store)
    decide(citations[0], TA, Outcome.EXCLUDE)  # screened out: not sought, no box
    decide(citations[1], Stage.DEDUPLICATION, Outcome.DUPLICATE, actor=DEDUP)
    decide(citations[2], FT, Outcome.NOT_RETRIEVED)
    decide(citations[3], FT, Outcome.EXCLUDE, reason="wrong_design")
    decide(citations[4] , FT, Outcome.INCLUDE)
    decide(web, FT, Outcome.INCLUDE)
    decide(experts, FT, Outcome.INCLUDE)
    decide(web[0:1] + experts, TA, Outcome.INCLUDE)
    link_reports(store, "TRIAL-B", [web[1], experts[0]], actor=ALICE)
    counts = prisma_counts(store, source_kinds={"letters to trialists": "organisation"})
    assert counts.other_methods
    assert counts.citations_specific_results == {"Citation searching": 5}
    assert counts.website_specific_results == {"Websites": 2}
    assert counts.organisation_specific_results == {"Letters to trialists": 1}
    assert (counts.website_results, counts.organisation_results, counts.citations_results) == (
        2, 1, 5)
    assert counts.other_not_sought == 2
    assert (counts.other_sought_reports, counts.other_notretrieved_reports) == (6, 1)
    assert (counts.other_assessed, counts.other_excluded) == (5, {"wrong_design": 1})
    assert counts.other_included_reports == 4
    assert (counts.new_studies, counts.new_reports) == (3, 4)
    assert counts.awaiting_screening == 2  # the PubMed records
    problems = check_counts(counts)
    assert [p.difference == p.pending == 2 for p in problems] == [True]
    boxes = counts_to_boxes(counts)
    assert boxes["other_excluded"] == {"wrong_design": 1} and boxes["citations_results"] == 5


def test_an_outcome_out_of_place_is_an_error_naming_the_decision(store: ReviewStore) -> None:
    (record,) = add_source(store, "pubmed.nbib", "PubMed", 1)
    store.add_decisions([DecisionRow(record_id=record, stage=TA, outcome="not_retrieved",
                                     actor=ALICE)])
    (decision,) = store.decision_history()
    with pytest.raises(PrismaError) as caught:
        prisma_counts(store)
    assert str(caught.value) == (
        "the PRISMA counts cannot be derived:\n"
        f"decision {decision.decision_id} about record {record} (human:alice): outcome "
        "'not_retrieved' has no place at stage 'title_abstract' in the PRISMA flow (there: "
        "exclude, excluded_automation, include, maybe)"
    )
