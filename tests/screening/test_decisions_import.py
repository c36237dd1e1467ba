"""``litsieve decisions import``: decisions from another tool or a spreadsheet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from screening.decisions_import import DecisionsFileError, import_decisions
from screening.errors import InputFormatError
from screening.prisma import prisma_counts, study_links
from screening.store import ReviewStore
from tests.screening.prisma.builders import REASONS, add_source

HEADER = "native_id,stage,decision,reason,reviewer,time\n"


@pytest.fixture
def review(store: ReviewStore) -> dict[str, list[str]]:
    pubmed = add_source(store, "pubmed.nbib", "PubMed", 4, rejects=1, native="PM")
    embase = add_source(store, "embase.ris", "Embase", 2, native="PM")  # same native ids
    return {"pubmed": pubmed, "embase": embase}


def write(tmp_path: Path, text: str, name: str = "decisions.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_rows_become_decisions(store: ReviewStore, review, tmp_path: Path) -> None:
    pm = review["pubmed"]
    path = write(tmp_path, "\ufeff" + (
        "Record_ID,Native_ID,Database,Stage,Decision,Reason,Reviewer,Time,Study,Title\r\n"
        f"{pm[0]},,,title_abstract,include,,alice,2024-05-01T10:00:00+02:00,,A trial\r\n"
        ",PM-1,PubMed,full_text,include,,alice,2024-06-01,T-1,\r\n"
        ",PM-2,PubMed,title_abstract,exclude,wrong_design,human:bob,2024-05-01T09:00:00Z,,\r\n"
        ",PM-3,pubmed,title_abstract,Include,,model:ranker@1.2,,,\r\n"
        ",PM-3,PubMed,full_text,not_retrieved,,alice,,,\r\n"
        "\r\n"
        ",PM-4,PubMed,full_text,exclude,wrong_outcome,alice,,,\"multi\nline title\"\r\n"
        ",PM-4,PubMed,title_abstract,maybe,,alice,2024-05-01,,\r\n"  # later in the file
    ))
    report = import_decisions(store, path, reasons=REASONS)
    assert report.n_added == 8 and not report.already_imported
    assert report.ignored_columns == ("title",)
    assert report.counts == {
        ("extraction", "include"): 1, ("full_text", "exclude"): 1,
        ("full_text", "include"): 1, ("full_text", "not_retrieved"): 1,
        ("title_abstract", "exclude"): 1, ("title_abstract", "include"): 2,
        ("title_abstract", "maybe"): 1,
    }
    rows = [d for d in store.decision_history() if d.stage != "identification"]
    first = rows[0]
    assert (first.record_id, first.actor, first.run_id) == (pm[0], "human:alice", report.run_id)
    assert first.decided_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert rows[1].decided_at == datetime(2024, 6, 1, tzinfo=UTC)
    assert (rows[3].record_id, rows[3].reason, rows[3].actor) == (pm[1], "wrong_design",
                                                                  "human:bob")
    assert rows[4].actor == "model:ranker@1.2"
    assert study_links(store) == {pm[0]: "T-1"}
    run = store.run(report.run_id)
    assert run.kind == "decisions-import" and run.summary == {"decisions": 8}
    counts = prisma_counts(store)
    assert (counts.records_screened, counts.dbr_notretrieved_reports) == (4, 1)
    assert counts.dbr_excluded == {"wrong_outcome": 1} and counts.ignored_decisions == ()

    again = import_decisions(store, path, reasons=REASONS)
    assert again.already_imported and again.n_added == 8 and again.run_id == report.run_id
    assert len(store.decision_history()) == 1 + 8


def test_semicolons_and_tabs(store: ReviewStore, review, tmp_path: Path) -> None:
    pm = review["pubmed"]
    path = write(tmp_path, f"record_id;stage;decision;reviewer\n{pm[0]};title_abstract;maybe;a\n")
    assert import_decisions(store, path, reasons=REASONS).n_added == 1
    path = write(tmp_path, f"record_id\tstage\tdecision\treviewer\n{pm[0]}\tfull_text\tmaybe\ta\n",
                 "d.tsv")
    assert import_decisions(store, path, reasons=REASONS).n_added == 1


def _problems(store: ReviewStore, path: Path) -> list[str]:
    before = len(store.decision_history())
    with pytest.raises(DecisionsFileError) as caught:
        import_decisions(store, path, reasons=REASONS)
    assert isinstance(caught.value, InputFormatError)
    assert len(store.decision_history()) == before  # nothing imported
    assert str(caught.value).endswith("nothing was imported; fix the file and import it again")
    return [str(p) for p in caught.value.problems]


def test_every_bad_row_is_reported_with_file_line_and_column(
    store: ReviewStore, review, tmp_path: Path
) -> None:
    pm, reject = review["pubmed"], review["pubmed"][-1]
    path = write(tmp_path, (
        "record_id,native_id,database,stage,decision,reason,reviewer,time,study\n"
        ",PM-1,PubMed,title_abstract,exclude,wrong_dose,alice,,\n"          # line 2
        ",PM-1,,title_abstract,include,,alice,,\n"                          # 3
        ",PM-9,,title_abstract,include,,alice,,\n"                          # 4
        "x:1,,,title_abstract,include,,alice,,\n"                           # 5
        f"{pm[0]},PM-2,,title_abstract,include,,alice,,\n"                  # 6
        f"{reject},,,title_abstract,include,,alice,,\n"                     # 7
        f"{pm[0]},,,screening,include,,alice,,\n"                           # 8
        f"{pm[0]},,,title_abstract,not_retrieved,,alice,,\n"                # 9
        f"{pm[0]},,,full_text,exclude,,alice,,\n"                           # 10
        f"{pm[0]},,,title_abstract,include,wrong_design,alice,,\n"          # 11
        f"{pm[0]},,,title_abstract,include,,,2024-05-01T10:00:00,\n"        # 12
        f"{pm[0]},,,title_abstract,include,,alice,yesterday,\n"             # 13
        f"{pm[0]},,,title_abstract,include,,alice,,S1\n"                    # 14
        f"{pm[0]},,,title_abstract,include,,alice\n"                        # 15
        ",,,title_abstract,include,,alice,,\n"                              # 16
        f"{pm[0]},,,title_abstract,include,,model:ranker,,\n"               # 17
    ))
    name = str(path)
    assert _problems(store, path) == [
        f"{name}:2: reason: unknown exclusion reason; known: wrong_population, wrong_design, "
        "wrong_outcome (got 'wrong_dose')",
        f"{name}:3: native_id: matches 2 records ({pm[0]} (PubMed), {review['embase'][0]} "
        "(Embase)); add a database column or give record_id (got 'PM-1')",
        f"{name}:4: native_id: no record of this review has this id (got 'PM-9')",
        f"{name}:5: record_id: no record of this review has this id (got 'x:1')",
        f"{name}:6: native_id: record {pm[0]} has native id 'PM-1' (got 'PM-2')",
        f"{name}:7: record_id: the record is unparseable (quarantined at import) and cannot be "
        f"screened (got '{reject}')",
        f"{name}:8: stage: must be title_abstract or full_text (got 'screening')",
        f"{name}:9: decision: must be one of include, exclude, maybe at title_abstract "
        "(got 'not_retrieved')",
        f"{name}:10: reason: a full-text exclusion needs a reason; known: wrong_population, "
        "wrong_design, wrong_outcome",
        f"{name}:11: reason: only exclude decisions take a reason (got 'wrong_design')",
        f"{name}:12: reviewer: empty; give the reviewer's id",
        f"{name}:13: time: not an ISO 8601 date or time such as 2024-05-01T14:30:00Z "
        "(got 'yesterday')",
        f"{name}:14: study: only full-text inclusions name a study (got 'S1')",
        f"{name}:15: row: has 7 fields; the header has 9 (got '{pm[0]},,,title_abstract,"
        "include,,alice')",
        f"{name}:16: record_id: empty; give record_id or native_id",
        f"{name}:17: reviewer: actor 'model:ranker' is neither 'human:<id>' nor "
        "'model:<name>@<version>' (got 'model:ranker')",
    ]


def test_reasons_when_the_review_lists_none(store: ReviewStore, review, tmp_path) -> None:
    path = write(tmp_path, HEADER + "PM-2,title_abstract,exclude,wrong_design,a,\n")
    with pytest.raises(DecisionsFileError) as caught:
        import_decisions(store, path, reasons={})
    assert f"{path}:2: reason: unknown exclusion reason; known: none: the review's " \
        "litsieve.toml has no [criteria.reasons] (got 'wrong_design')" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ":1: header: empty file; expected a header row with the columns record_id, "
             "native_id, database, stage, decision, reason, reviewer, time, note, study"),
        ("id,stage,outcome\n", ":1: header: missing column (got 'record_id or native_id')"),
        ("record_id,stage,stage,decision,reviewer\n",
         ":1: header: repeated column (got 'stage')"),
    ],
    ids=["empty", "missing", "repeated"],
)
def test_header_problems(store: ReviewStore, review, tmp_path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert _problems(store, path)[0] == f"{path}{expected}"


def test_missing_columns_are_all_named(store: ReviewStore, review, tmp_path) -> None:
    path = write(tmp_path, "id,stage,outcome\n")
    assert _problems(store, path) == [
        f"{path}:1: header: missing column (got 'record_id or native_id')",
        f"{path}:1: header: missing column (got 'decision')",
        f"{path}:1: header: missing column (got 'reviewer')",
    ]


def test_bytes_that_are_not_utf8(store: ReviewStore, review, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "PM-2,title_abstract,exclude,,Müller,\n", encoding="latin-1")
    assert _problems(store, path) == [
        f"{path}:2: encoding: not UTF-8 at byte 76 (0xfc); save the file as UTF-8"
    ]


def test_a_missing_file(store: ReviewStore, review, tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    assert _problems(store, path) == [f"{path}:0: file: cannot be read: No such file or directory"]


def test_times_without_a_zone_are_read_in_the_reviews_timezone(review, store,
                                                               tmp_path) -> None:
    """Spreadsheets and other tools export times without a zone: they are read in the
    review's [review] timezone, and the import says so once."""
    from datetime import UTC, datetime

    pm = review["pubmed"]
    path = write(tmp_path, (
        "record_id,stage,decision,reviewer,time\n"
        f"{pm[0]},title_abstract,include,alice,2024-05-01T10:00:00\n"
        f"{pm[1]},title_abstract,exclude,alice,2024-05-01\n"
        f"{pm[2]},title_abstract,include,alice,2024-05-01T10:00:00Z\n"
    ))
    report = import_decisions(store, path, reasons=REASONS, timezone="Europe/Berlin")
    assert (report.n_added, report.naive_times, report.timezone) == (3, 2, "Europe/Berlin")
    times = {d.record_id: d.decided_at for d in store.latest_record_decisions()}
    assert times[pm[0]] == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)  # CEST is UTC+2
    assert times[pm[1]] == datetime(2024, 4, 30, 22, 0, tzinfo=UTC)
    assert times[pm[2]] == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
