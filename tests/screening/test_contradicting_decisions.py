"""Decisions about a stage their record never reaches (issue 18, point 4).

``decisions import`` refuses them (file:line, nothing stored); decisions that reach the
store another way are listed by the PRISMA counts instead of being left out silently.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from screening.decisions_import import DecisionsFileError, import_decisions
from screening.model import Outcome, Stage
from screening.prisma import counts_to_json, prisma_counts
from screening.store import DecisionRow, ReviewStore
from tests.screening.prisma.builders import ALICE, BOB, REASONS, T0, Decide, add_source

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
DEDUP = "model:litsieve-dedup@0.1.0"
HEADER = "record_id,stage,decision,reason,reviewer,time\n"


@pytest.fixture
def ids(store: ReviewStore) -> list[str]:
    return add_source(store, "pubmed.nbib", "PubMed", 6)


def write(tmp_path: Path, rows: str, name: str = "decisions.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def mark_duplicate(store: ReviewStore, record_id: str, kept: str) -> DecisionRow:
    """The decision deduplication records for a record that is not its cluster's kept one."""
    store.add_decisions([DecisionRow(
        stage=Stage.DEDUPLICATION, outcome=Outcome.DUPLICATE, actor=DEDUP, record_id=record_id,
        cluster_id=kept, duplicate_of=kept, decided_at=T0,
    )])
    return store.decision_history(record_id=record_id, stage=Stage.DEDUPLICATION)[-1]


def refused(store: ReviewStore, path: Path) -> list[str]:
    """The problems of importing ``path``, after checking that nothing was stored."""
    before = store.decision_history()
    with pytest.raises(DecisionsFileError) as caught:
        import_decisions(store, path, reasons=REASONS)
    assert store.decision_history() == before
    assert str(caught.value).startswith(f"{len(caught.value.problems)} problem")
    assert str(caught.value).endswith("nothing was imported; fix the file and import it again")
    return [str(problem) for problem in caught.value.problems]


def the_one(store: ReviewStore, record_id: str, stage: Stage) -> DecisionRow:
    (row,) = store.decision_history(record_id=record_id, stage=stage)
    return row


# -- decisions import: each impossible decision is an error --------------------------------


def test_full_text_on_a_record_excluded_at_title_abstract(store, ids, tmp_path) -> None:
    Decide(store)(ids[0], TA, Outcome.EXCLUDE, actor=BOB, reason="wrong_design")
    excluded = the_one(store, ids[0], TA)
    path = write(tmp_path, (
        f"{ids[1]},title_abstract,include,,ann,2024-05-02\n"
        f"{ids[0]},full_text,include,,ann,2024-06-01\n"
        f"{ids[1]},full_text,include,,ann,2024-06-01\n"
    ))
    assert refused(store, path) == [
        f"{path}:3: stage: full-text decision on record {ids[0]}, which was excluded at "
        f"title/abstract (decision {excluded.decision_id} by human:bob on 2024-05-01); a "
        "full-text decision counts only when the latest title/abstract decision is include "
        "or maybe"
    ]


def test_an_exclusion_in_the_same_file_is_named_by_its_line(store, ids, tmp_path) -> None:
    Decide(store)(ids[0], TA, Outcome.INCLUDE)  # the file's later exclusion overrides it
    path = write(tmp_path, (
        f"{ids[0]},full_text,exclude,wrong_outcome,ann,2024-06-01\n"
        f"{ids[0]},title_abstract,exclude,,ann,2024-06-02T10:00:00Z\n"
    ))
    assert refused(store, path) == [
        f"{path}:2: stage: full-text decision on record {ids[0]}, which was excluded at "
        "title/abstract (line 3 of this file, by human:ann on 2024-06-02); a full-text "
        "decision counts only when the latest title/abstract decision is include or maybe"
    ]


def test_full_text_on_a_record_without_a_title_abstract_decision(store, ids, tmp_path) -> None:
    path = write(tmp_path, (
        f"{ids[0]},full_text,not_retrieved,,ann,\n"
        f"{ids[1]},title_abstract,include,,ann,\n"
        f"{ids[2]},full_text,maybe,,ann,\n"
    ))
    assert refused(store, path) == [
        f"{path}:2: stage: full-text decision on record {ids[0]}, which has no title/abstract "
        "decision (neither in the review nor in this file); record its title/abstract "
        "include or maybe first",
        f"{path}:4: stage: full-text decision on record {ids[2]}, which has no title/abstract "
        "decision (neither in the review nor in this file); record its title/abstract "
        "include or maybe first",
    ]


def test_any_decision_on_a_record_removed_as_a_duplicate(store, ids, tmp_path) -> None:
    dedup = mark_duplicate(store, ids[1], ids[0])
    path = write(tmp_path, (
        f"{ids[0]},title_abstract,include,,ann,\n"
        f"{ids[1]},title_abstract,include,,ann,\n"
        f"{ids[1]},full_text,include,,ann,\n"
    ))
    why = (f"which was removed by deduplication as a duplicate of {ids[0]} (decision "
           f"{dedup.decision_id} by {DEDUP} on 2024-05-01); decide on {ids[0]}, the record kept")
    assert refused(store, path) == [
        f"{path}:3: stage: title/abstract decision on record {ids[1]}, {why}",
        f"{path}:4: stage: full-text decision on record {ids[1]}, {why}",
    ]


def test_contradictions_are_listed_with_the_other_problems_in_line_order(
    store, ids, tmp_path
) -> None:
    path = write(tmp_path, (
        f"{ids[0]},full_text,include,,ann,\n"
        f"{ids[1]},title_abstract,include,,ann,yesterday\n"
        f"{ids[1]},full_text,include,,ann,\n"  # its title/abstract row is broken: not repeated
    ))
    assert refused(store, path) == [
        f"{path}:2: stage: full-text decision on record {ids[0]}, which has no title/abstract "
        "decision (neither in the review nor in this file); record its title/abstract "
        "include or maybe first",
        f"{path}:3: time: not an ISO 8601 date or time such as 2024-05-01T14:30:00Z "
        "(got 'yesterday')",
    ]


# -- decisions import: what is valid stays valid --------------------------------------------


def test_both_stages_of_a_record_in_one_file(store, ids, tmp_path) -> None:
    path = write(tmp_path, (
        f"{ids[0]},full_text,include,,ann,2024-06-01\n"  # before its title/abstract row
        f"{ids[0]},title_abstract,include,,ann,2024-05-01\n"
        f"{ids[1]},title_abstract,include,,ann,\n"
        f"{ids[1]},full_text,exclude,wrong_design,ann,\n"
        f"{ids[2]},title_abstract,maybe,,ann,\n"  # a maybe is not an exclusion
        f"{ids[2]},full_text,not_retrieved,,ann,\n"
    ))
    assert import_decisions(store, path, reasons=REASONS).n_added == 6
    counts = prisma_counts(store)
    assert (counts.dbr_included_reports, counts.dbr_notretrieved_reports) == (1, 1)
    assert counts.dbr_excluded == {"wrong_design": 1} and counts.ignored_decisions == ()


def test_a_later_inclusion_overrides_an_exclusion(store, ids, tmp_path) -> None:
    decide = Decide(store)
    decide(ids[:2], TA, Outcome.EXCLUDE, actor=BOB)
    decide(ids[0], TA, Outcome.INCLUDE)  # a third reviewer, in the review
    path = write(tmp_path, (
        f"{ids[0]},full_text,include,,ann,\n"
        f"{ids[1]},title_abstract,include,,carol,\n"  # the consensus, in the file
        f"{ids[1]},full_text,include,,ann,\n"
    ))
    assert import_decisions(store, path, reasons=REASONS).n_added == 3
    counts = prisma_counts(store)
    assert counts.dbr_included_reports == 2 and counts.ignored_decisions == ()


def test_an_older_inclusion_in_the_file_does_not_override_a_newer_exclusion(
    store, ids, tmp_path
) -> None:
    Decide(store)(ids[0], TA, Outcome.EXCLUDE, actor=BOB)  # 2024-05-01T09:01Z
    excluded = the_one(store, ids[0], TA)
    path = write(tmp_path, (
        f"{ids[0]},title_abstract,include,,ann,2024-04-30\n"
        f"{ids[0]},full_text,include,,ann,\n"
    ))
    assert refused(store, path) == [
        f"{path}:3: stage: full-text decision on record {ids[0]}, which was excluded at "
        f"title/abstract (decision {excluded.decision_id} by human:bob on 2024-05-01); a "
        "full-text decision counts only when the latest title/abstract decision is include "
        "or maybe"
    ]


def test_other_methods_skip_title_abstract_screening(store, tmp_path) -> None:
    cited = add_source(store, "refs.ris", "Citation searching", 2)
    custom = add_source(store, "experts.ris", "Dr Who's list", 1)
    path = write(tmp_path, f"{cited[0]},full_text,include,,ann,\n"
                           f"{custom[0]},full_text,include,,ann,\n")
    with pytest.raises(DecisionsFileError, match=r"\.csv:3: stage: full-text decision on "
                       rf"record {custom[0]}, which has no title/abstract decision"):
        import_decisions(store, path, reasons=REASONS)
    report = import_decisions(store, path, reasons=REASONS,
                              source_kinds={"Dr Who's list": "organisation"})
    assert report.n_added == 2
    counts = prisma_counts(store, source_kinds={"Dr Who's list": "organisation"})
    assert counts.other_included_reports == 2 and counts.ignored_decisions == ()


# -- PRISMA: contradictions already stored are listed, the counts keep their rules ----------


def test_prisma_lists_each_decision_it_does_not_count(store, ids) -> None:
    decide = Decide(store)
    decide(ids[:4], TA, Outcome.INCLUDE)
    decide(ids[4], TA, Outcome.EXCLUDE, actor=BOB)
    decide(ids[:2], FT, Outcome.INCLUDE)
    before = prisma_counts(store)
    assert before.ignored_decisions == ()

    dedup = mark_duplicate(store, ids[3], ids[0])
    decide(ids[3], FT, Outcome.EXCLUDE, reason="wrong_design")  # a duplicate
    decide(ids[4], FT, Outcome.INCLUDE)  # excluded at title/abstract
    decide(ids[5], FT, Outcome.NOT_RETRIEVED, actor=BOB)  # no title/abstract decision
    counts = prisma_counts(store)
    history = {(d.record_id, d.stage): d for d in store.decision_history()}
    ta3, ft3 = history[ids[3], TA], history[ids[3], FT]
    excluded, ft4, ft5 = history[ids[4], TA], history[ids[4], FT], history[ids[5], FT]
    duplicate = (f"was removed by deduplication as a duplicate of {ids[0]} (decision "
                 f"{dedup.decision_id} by {DEDUP} on 2024-05-01)")
    expected = [
        f"record {ids[3]}: title/abstract decision {ta3.decision_id} (include by human:alice "
        f"on 2024-05-01) is not counted: the record {duplicate}",
        f"record {ids[3]}: full-text decision {ft3.decision_id} (exclude by human:alice on "
        f"2024-05-01) is not counted: the record {duplicate}",
        f"record {ids[4]}: full-text decision {ft4.decision_id} (include by human:alice on "
        f"2024-05-01) is not counted: the record was excluded at title/abstract (decision "
        f"{excluded.decision_id} by human:bob on 2024-05-01)",
        f"record {ids[5]}: full-text decision {ft5.decision_id} (not_retrieved by human:bob "
        "on 2024-05-01) is not counted: the record has no title/abstract decision",
    ]
    assert [str(item) for item in counts.ignored_decisions] == expected
    assert [(i.record_id, i.stage, i.kind) for i in counts.ignored_decisions] == [
        (ids[3], TA, "duplicate"), (ids[3], FT, "duplicate"),
        (ids[4], FT, "excluded_title_abstract"), (ids[5], FT, "no_title_abstract"),
    ]
    # the arithmetic keeps its rules: ids[3] is now a duplicate, the rest is unchanged
    assert (counts.duplicates, counts.records_screened) == (1, before.records_screened - 1)
    assert (counts.records_excluded, counts.dbr_included_reports) == (1, 2)
    assert (counts.awaiting_screening, counts.dbr_excluded) == (1, {})

    data = json.loads(counts_to_json(counts))["litsieve"]
    assert data["problems"][-4:] == expected
    assert data["ignored_decisions"][2] == {
        "record_id": ids[4], "stage": "full_text", "decision_id": ft4.decision_id,
        "outcome": "include", "actor": ALICE, "decided_at": ft4.decided_at.isoformat(),
        "contradiction": "excluded_title_abstract", "message": expected[2],
    }


def test_prisma_counts_a_decision_again_once_the_contradiction_is_resolved(store, ids) -> None:
    decide = Decide(store)
    decide(ids[0], TA, Outcome.EXCLUDE)
    decide(ids[0], FT, Outcome.INCLUDE)
    assert len(prisma_counts(store).ignored_decisions) == 1
    decide(ids[0], TA, Outcome.INCLUDE, actor=BOB)  # a later inclusion by another reviewer
    counts = prisma_counts(store)
    assert counts.ignored_decisions == () and counts.dbr_included_reports == 1


# -- the CLI --------------------------------------------------------------------------------


def test_the_cli_refuses_the_file_and_prisma_warns(tmp_path: Path, capsys, monkeypatch) -> None:
    from screening.cli import main
    from screening.review_dir import open_review

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    root = Path(__file__).resolve().parents[2]
    review = tmp_path / "review"
    assert main(["init", str(review)]) == 0
    export = root / "tests" / "data" / "exports" / "medline" / "ketamine_pubmed.nbib"
    assert main(["import", str(review), str(export)]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("native_id,stage,decision,reviewer,time\n"
                   "31002418,title_abstract,exclude,ann,2024-05-02\n"
                   "31002418,full_text,include,ann,2024-06-01\n", encoding="utf-8")
    assert main(["decisions", "import", str(review), str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    with open_review(review).open_store(None) as store:
        record = next(k.record_id for k in store.record_keys() if k.native_id == "31002418")
        assert [d.stage for d in store.decision_history()] == []
        # decisions that reached the store another way
        rows = [DecisionRow(record_id=key.record_id, stage=FT, outcome=Outcome.MAYBE,
                            actor=ALICE, decided_at=T0 + timedelta(minutes=i))
                for i, key in enumerate(store.record_keys())]
        store.add_decisions(rows)
        first = store.decision_history()[0]
    assert captured.err == (
        f"error: 1 problem in {bad}:\n"
        f"{bad}:3: stage: full-text decision on record {record}, which was excluded at "
        "title/abstract (line 2 of this file, by human:ann on 2024-05-02); a full-text "
        "decision counts only when the latest title/abstract decision is include or maybe\n"
        "nothing was imported; fix the file and import it again\n"
    )
    assert main(["prisma", str(review), "--draft"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"warning: record {first.record_id}: full-text decision "
                      f"{first.decision_id} (maybe by "
                      "human:alice on 2024-05-01) is not counted: the record has no "
                      "title/abstract decision")
    assert len([line for line in err if "is not counted" in line]) == 10
    assert main(["prisma", str(review)]) == 1  # the arithmetic: 10 records await screening
    err = capsys.readouterr().err
    assert err.count("is not counted: the record has no title/abstract decision") == 10
    assert "error: the PRISMA 2020 counts do not add up:" in err


def test_prisma_prints_the_first_twenty_and_the_json_lists_all(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    from screening.cli import main
    from screening.review_dir import open_review

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    export = tmp_path / "many.ris"
    export.write_text("".join(f"TY  - JOUR\nTI  - Record {i}\nPY  - 2020\nER  -\n\n"
                              for i in range(22)), encoding="utf-8")
    review = tmp_path / "review"
    assert main(["init", str(review)]) == 0
    assert main(["import", str(review), str(export)]) == 0
    with open_review(review).open_store(None) as store:
        store.add_decisions(DecisionRow(record_id=key.record_id, stage=FT, outcome=Outcome.MAYBE,
                                        actor=ALICE) for key in store.record_keys())
    capsys.readouterr()
    assert main(["prisma", str(review), "--draft"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "is not counted" in line]
    assert len(warnings) == 20
    assert ("warning: ... and 2 more decisions not counted (22 in total; the JSON's "
            "litsieve.ignored_decisions lists all)\n") in captured.err
    assert len(json.loads(captured.out)["litsieve"]["ignored_decisions"]) == 22
