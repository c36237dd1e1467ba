"""The screening service on a real store (SQLite and PostgreSQL): queues, single and dual
votes, conflicts and the lead's resolution, blindness, undo, agreement and PRISMA."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from screening.ingest import import_file
from screening.model import Actor, Outcome, Stage
from screening.prisma import prisma_counts
from screening.settings import parse_config
from screening.store import DecisionRow, ReviewStore
from screening.store.engine import VOTES_APPEND_ONLY_MESSAGE
from screening.votes.ranking import IMPORT_ORDER, retrain_if_due
from screening.votes.service import ScreeningService, VoteError

DATA = Path(__file__).resolve().parents[2] / "data" / "exports"
PUBMED = DATA / "medline" / "ketamine_pubmed.nbib"  # 10 records
TA, FT = Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value

CONFIG = """
[review]
name = "votes"
[criteria.reasons]
wrong_design = "Not a randomised controlled trial"
wrong_population = "Not adults"
[screening]
votes = {votes}
blind = {blind}
[screening.full_text]
votes = 1
"""


def service(store: ReviewStore, *, votes: int = 2, blind: bool = True) -> ScreeningService:
    config = parse_config(CONFIG.format(votes=votes, blind=str(blind).lower()))
    if not store.sources():
        run = store.begin_run("import", {})
        import_file(store, PUBMED, run_id=run)
        store.finish_run(run, "ok")
    for who, role in (("ann", "reviewer"), ("bob", "reviewer"), ("cy", "reviewer"),
                      ("lea", "lead")):
        if store.account(who) is None:
            store.add_account(who, who.title(), role=role, password="password1")
    return ScreeningService(store, config)


def screened(store: ReviewStore) -> tuple[int, int, int]:
    counts = prisma_counts(store)
    return counts.records_screened, counts.records_excluded, counts.awaiting_screening


def test_two_agreeing_votes_decide_a_record(store: ReviewStore) -> None:
    svc = service(store)
    item = svc.next_record("ann", TA)
    assert item is not None and item.position == 1 and item.remaining == 10
    assert svc.next_record("bob", TA).record_id == item.record_id  # the second vote
    assert svc.next_record("cy", TA).record_id != item.record_id  # no third reviewer
    first = svc.vote("ann", item.record_id, TA, "exclude", reason="wrong_design")
    assert first.state == "pending" and first.decision_id is None
    assert store.latest_record_decisions(stage=TA) == []
    second = svc.vote("bob", item.record_id, TA, "exclude")
    assert second.state == "decided"
    (decision,) = store.latest_record_decisions(stage=TA)
    assert (decision.record_id, str(decision.outcome), decision.reason, decision.actor) == (
        item.record_id, "exclude", "wrong_design", "human:bob")
    assert decision.note == "votes: human:ann exclude, human:bob exclude"
    with pytest.raises(VoteError, match="has the votes it needs") as caught:
        svc.vote("cy", item.record_id, TA, "include")
    assert caught.value.status == 409


def test_a_conflict_waits_for_the_lead_and_prisma_counts_it_as_awaiting(store) -> None:
    svc = service(store)
    record = svc.next_record("ann", TA).record_id
    svc.vote("ann", record, TA, "include")
    assert svc.vote("bob", record, TA, "exclude", reason="wrong_design").state == "conflict"
    assert screened(store) == (0, 0, 10)
    (conflict,) = svc.conflicts()
    assert conflict.record_id == record
    assert [(v["reviewer_id"], v["outcome"]) for v in conflict.votes] == [
        ("ann", "include"), ("bob", "exclude")]
    # blind: neither reviewer learns the other's vote, not even that there is a conflict
    view = svc.record_view(record, "ann", TA)
    assert (view.state, view.votes, view.votes_hidden) == ("pending", (), True)
    assert view.my_vote["outcome"] == "include"
    lead_view = svc.record_view(record, "lea", TA, viewer_is_lead=True)
    assert lead_view.state == "conflict" and len(lead_view.votes) == 2
    decision_id = svc.resolve("lea", record, TA, "exclude", reason="wrong_design",
                              note="no control group")
    (decision,) = store.latest_record_decisions(stage=TA)
    assert decision.decision_id == decision_id and decision.actor == "human:lea"
    assert decision.note == ("resolution: human:ann include, human:bob exclude; "
                             "no control group")
    assert svc.conflicts() == []
    assert screened(store) == (1, 1, 9)
    after = svc.record_view(record, "ann", TA)
    assert after.state == "decided" and [v["reviewer_id"] for v in after.votes] == ["bob"]
    with pytest.raises(VoteError, match="has no conflict"):
        svc.resolve("lea", svc.next_record("cy", TA).record_id, TA, "include")


def test_open_screening_shows_the_other_vote(store) -> None:
    svc = service(store, blind=False)
    record = svc.next_record("ann", TA).record_id
    svc.vote("ann", record, TA, "maybe", note="dose unclear")
    view = svc.record_view(record, "bob", TA)
    assert [(v["reviewer_id"], v["outcome"], v["note"]) for v in view.votes] == [
        ("ann", "maybe", "dose unclear")]


def test_single_screening_decides_at_once_and_undo_takes_it_back(store) -> None:
    svc = service(store, votes=1)
    first = svc.next_record("ann", TA)
    other = svc.next_record("bob", TA)
    assert first.record_id != other.record_id  # one vote each: never the same record
    assert svc.vote("ann", first.record_id, TA, "include").state == "decided"
    assert screened(store)[2] == 9
    undone = svc.withdraw_last("ann", TA)
    assert undone is not None and undone.record_id == first.record_id
    assert store.latest_record_decisions(stage=TA) == []  # the decision is withdrawn
    assert screened(store)[2] == 10
    assert svc.next_record("ann", TA).record_id == first.record_id  # theirs to redo
    assert svc.vote("ann", first.record_id, TA, "exclude").state == "decided"
    history = store.decision_history(record_id=first.record_id, stage=TA)
    assert [str(d.outcome) for d in history] == ["include", "withdrawn", "exclude"]
    assert svc.withdraw_last("cy", TA) is None


def test_bad_votes_are_refused_with_their_reason(store) -> None:
    svc = service(store, votes=1)
    record = svc.next_record("ann", TA).record_id
    cases = [
        (dict(stage="screening"), "unknown stage 'screening'; one of: title_abstract, full_text"),
        (dict(outcome="perhaps"), "outcome 'perhaps' is not possible at title_abstract"),
        (dict(outcome="exclude", reason="dose"), "unknown exclusion reason 'dose'; known: "
                                                 "wrong_design, wrong_population"),
        (dict(outcome="include", reason="wrong_design"), "a reason goes with an exclusion"),
        (dict(record_id="nope:1"), "no record 'nope:1' in this review"),
        (dict(stage=FT), f"record {record} is not at the full-text stage"),
    ]
    for change, message in cases:
        args = {"record_id": record, "stage": TA, "outcome": "include", "reason": None}
        args.update(change)
        with pytest.raises(VoteError, match=message):
            svc.vote("ann", args["record_id"], args["stage"], args["outcome"],
                     reason=args["reason"])
    assert store.latest_record_decisions() == []


def test_full_text_queue_holds_the_title_abstract_includes(store) -> None:
    svc = service(store, votes=1)
    assert svc.next_record("ann", FT) is None
    ids = []
    for outcome in ("include", "exclude", "maybe"):
        item = svc.next_record("ann", TA)
        svc.vote("ann", item.record_id, TA, outcome)
        ids.append(item.record_id)
    got = svc.next_record("bob", FT)
    assert got.record_id == ids[0] and got.remaining == 2
    with pytest.raises(VoteError, match="a full-text exclusion needs a reason; one of: "):
        svc.vote("bob", got.record_id, FT, "exclude")
    svc.vote("bob", got.record_id, FT, "exclude", reason="wrong_population")
    assert svc.next_record("bob", FT).record_id == ids[2]
    svc.vote("bob", ids[2], FT, "include")
    assert svc.next_record("bob", FT) is None
    counts = prisma_counts(store)
    assert (counts.dbr_sought_reports, counts.new_reports) == (2, 1)


def test_agreement_counts_behind_kappa(store) -> None:
    svc = service(store, votes=2, blind=False)
    plan = [("include", "include"), ("exclude", "exclude"), ("exclude", "exclude"),
            ("include", "exclude")]
    for a, b in plan:
        record = svc.next_record("ann", TA).record_id
        svc.vote("ann", record, TA, a)
        svc.vote("bob", record, TA, b)
    (row,) = svc.agreement()
    assert (row.stage, row.reviewer_a, row.reviewer_b, row.n, row.n_agree) == (
        TA, "ann", "bob", 4, 3)
    assert row.table == {("include", "include"): 1, ("exclude", "exclude"): 2,
                         ("include", "exclude"): 1}
    # po = 0.75, pe = 0.5*0.25 + 0.5*0.75 = 0.5: kappa = 0.5
    assert row.kappa == pytest.approx(0.5) and row.percent == pytest.approx(0.75)


def test_ranking_takes_over_from_import_order(store) -> None:
    svc = service(store, votes=1)
    assert svc.next_record("ann", TA).params_hash is None  # import order
    for outcome in ("include", "exclude"):
        item = svc.next_record("ann", TA)
        svc.vote("ann", item.record_id, TA, outcome)
    ranking_id = retrain_if_due(store, model="svm", retrain_every=10)
    assert ranking_id is not None
    assert retrain_if_due(store, model="svm", retrain_every=10) is None  # not due again
    item = svc.next_record("bob", TA)
    assert item.params_hash not in (None, IMPORT_ORDER) and item.remaining == 8
    svc.vote("bob", item.record_id, TA, "exclude", params_hash=item.params_hash)
    (decision,) = [d for d in store.latest_record_decisions(stage=TA)
                   if d.record_id == item.record_id]
    assert decision.params_hash == item.params_hash


def test_duplicates_are_not_queued(store) -> None:
    svc = service(store, votes=1)
    first = svc.next_record("ann", TA).record_id
    store.add_decisions([DecisionRow(record_id=first, stage=Stage.DEDUPLICATION,
                                     outcome=Outcome.DUPLICATE, duplicate_of="x:1",
                                     actor=Actor.model("litsieve-dedup", "1"))])
    assert svc.next_record("ann", TA).record_id != first
    with pytest.raises(VoteError, match="was removed as a duplicate of x:1"):
        svc.vote("bob", first, TA, "include")


def test_votes_are_append_only(store) -> None:
    import sqlalchemy as sa

    svc = service(store, votes=1)
    record = svc.next_record("ann", TA).record_id
    svc.vote("ann", record, TA, "include")
    for statement in ("UPDATE votes SET outcome = 'exclude'", "DELETE FROM votes"):
        with pytest.raises(sa.exc.DatabaseError, match=VOTES_APPEND_ONLY_MESSAGE):
            with store.engine.begin() as conn:
                conn.exec_driver_sql(statement)


def test_concurrent_reviewers_never_over_vote(store_target) -> None:
    """Six threads, each its own store connection pool (as worker processes would), take
    records and vote until the queue is empty: every record ends with exactly two votes."""
    with store_target.connect() as store:
        service(store, votes=2)
    log: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def work(who: str) -> None:
        try:
            with store_target.connect() as own:
                svc = service(own, votes=2)
                while (item := svc.next_record(who, TA)) is not None:
                    svc.vote(who, item.record_id, TA, "exclude")
                    log.append((who, item.record_id))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    names = ["ann", "bob", "cy", "lea"]
    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    per_record = Counter(record for _, record in log)
    assert len(per_record) == 10 and set(per_record.values()) == {2}
    assert len(set(log)) == len(log)  # nobody voted twice on one record
    with store_target.connect() as store:
        assert len(store.latest_record_decisions(stage=TA)) == 10


def test_a_record_shows_the_databases_of_its_duplicates(store) -> None:
    from screening.store import LinkRow

    svc = service(store, votes=1)
    run = store.begin_run("import", {})
    import_file(store, DATA / "ris" / "ketamine_embase.ris", run_id=run)
    store.finish_run(run, "ok")
    pubmed = svc.next_record("ann", TA).record_id
    embase = next(r.record_id for r in store.iter_records() if r.source.database == "Embase")
    other = next(r.record_id for r in store.iter_records()
                 if r.source.database == "Embase" and r.record_id != embase)
    store.add_links([LinkRow(record_a=pubmed, record_b=embase, outcome="duplicate",
                             rule_id="test", actor="human:ann"),
                     LinkRow(record_a=embase, record_b=other, outcome="maybe",
                             rule_id="test", actor="human:ann")])
    assert [(link.record_a, link.record_b) for link in
            store.latest_links(record_ids=[pubmed])] == [tuple(sorted((pubmed, embase)))]
    assert len(store.latest_links(record_ids=[embase])) == 2
    assert svc.record_view(pubmed, "ann", TA).databases == ("Embase", "PubMed")
