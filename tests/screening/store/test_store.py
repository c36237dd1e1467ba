"""The review store on SQLite and PostgreSQL: schema, imports, decisions, runs, export."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
import sqlalchemy as sa

from screening.errors import Problem, StoreError
from screening.model import Actor, Flag, Outcome, Stage
from screening.readers.base import Reject
from screening.store import (
    APPEND_ONLY_MESSAGE,
    EXPORT_COLUMNS,
    DecisionRow,
    ReviewStore,
    SourceSpec,
)
from screening.store._common import litsieve_version
from screening.store.engine import ensure_schema
from tests.screening.conftest import StoreTarget
from tests.screening.store.factories import make_record, make_spec

TABLES = {"decisions", "meta", "records", "reviewers", "runs", "sources"}


def _import(store: ReviewStore, spec: SourceSpec, records, run_id=None) -> str:
    with store.import_source(spec, run_id) as writer:
        for record in records:
            writer.add(record)
    return writer.source_id


def _schema_snapshot(store: ReviewStore) -> object:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            objects = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
            ).all()
        else:
            objects = conn.exec_driver_sql(
                "SELECT 'table', table_name, '' FROM information_schema.tables "
                "WHERE table_schema = current_schema() UNION ALL "
                "SELECT 'index', indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() UNION ALL "
                "SELECT 'trigger', tgname, '' FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid WHERE c.relname = 'decisions' AND NOT t.tgisinternal "
                "ORDER BY 1, 2"
            ).all()
        meta = conn.exec_driver_sql("SELECT key, value FROM meta ORDER BY key").all()
    return objects, meta


# -- schema -------------------------------------------------------------------------------


def test_connect_creates_every_table_and_index(store: ReviewStore) -> None:
    inspector = sa.inspect(store.engine)
    assert TABLES <= set(inspector.get_table_names())
    indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("records")}
    assert {("doi",), ("pmid",), ("native_id",), ("source_id", "ordinal")} <= indexed
    assert store.dialect in ("sqlite", "postgresql")
    assert store.url.startswith(
        "sqlite:///" if store.dialect == "sqlite" else "postgresql+psycopg://"
    )


def test_schema_creation_is_idempotent(store_target: StoreTarget) -> None:
    with store_target.connect() as store:
        run_id = store.begin_run("import", {"files": ["a.nbib"]})
        _import(store, make_spec(), [make_record(1)], run_id)
        before = _schema_snapshot(store)
    with store_target.connect() as store:
        assert ensure_schema(store.engine) is False
        assert _schema_snapshot(store) == before
        assert store.count_records() == 1
        assert store.run(run_id).kind == "import"


def test_store_with_another_schema_version_is_refused(store_target: StoreTarget) -> None:
    with store_target.connect() as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"has schema version 99; this litsieve .* version 5"):
        store_target.connect()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_an_older_store_is_migrated(store_target: StoreTarget, version: int) -> None:
    """A store made before the links table (version 1), the dedup_keys cache (2), the
    retractions table (3) or the web app's tables (4) gets what it lacks on connect
    (version 3's unique sha256 of sources: tests/screening/test_retract_source.py)."""
    web = [f"DROP TABLE {table}" for table in (
        "documents", "queue", "rankings", "claims", "votes", "login_attempts", "api_tokens",
        "accounts")]
    dropped = (web + (["DROP TABLE retractions"] if version < 4 else [])
               + (["DROP TABLE dedup_keys"] if version < 3 else [])
               + (["DROP TABLE links"] if version == 1 else []))
    with store_target.connect() as store, store.engine.begin() as conn:
        for statement in (*dropped,
                          f"UPDATE meta SET value = '{version}' WHERE key = 'schema_version'"):
            conn.exec_driver_sql(statement)
    with store_target.connect() as store:
        assert sa.inspect(store.engine).has_table("links")
        assert sa.inspect(store.engine).has_table("dedup_keys")
        assert sa.inspect(store.engine).has_table("retractions")
        assert sa.inspect(store.engine).has_table("votes")
        assert sa.inspect(store.engine).has_table("queue")
        with store.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT value FROM meta WHERE key = 'schema_version'").scalar_one()
        assert found == "5"


# -- importing ----------------------------------------------------------------------------


def test_import_round_trip_keeps_every_field(store: ReviewStore) -> None:
    full = make_record(
        1,
        title="Ünïcode — 中文 title 🙂",
        title_original="Titre original",
        authors=("Müller K", "O'Brien P", "Smith J; Jr"),
        group_authors=("The ÆØÅ Study Group",),
        journal_abbrev="BMJ",
        volume="12",
        issue="3 Suppl 1",
        pages="100-10",
        start_page="100",
        end_page="110",
        pmcid="PMC123",
        embase_id="L123",
        other_ids=MappingProxyType({"wos": "000123", "scopus": "2-s2.0-1"}),
        issn=("1234-5678", "8765-4321"),
        language=("eng", "ger"),
        publication_types=("Journal Article", "Erratum"),
        keywords=("a", "b; c"),
        mesh=("Humans", "Adult*"),
        emtree=("human",),
        flags=frozenset({Flag.ERRATUM.value, Flag.TRANSLATED_TITLE.value}),
        raw=MappingProxyType(
            {
                "TI": ["Ünïcode — 中文 title 🙂"],
                "AU": ["Müller K", "O'Brien P"],
                "ZZ": ["an unknown tag", "", "  spaced  "],
                "": ["empty tag"],
                'q"uote': ["back\\slash", "new\nline\r\ttab"],
            }
        ),
    )
    bare = make_record(
        2, native_id=None, title=None, abstract=None, authors=(), year=None,
        journal=None, doi=None, pmid=None, raw=MappingProxyType({}),
    )
    empty_text = make_record(3, title="", abstract="", raw=MappingProxyType({"TI": [""]}))
    originals = [full, bare, empty_text]
    source_id = _import(store, make_spec(), originals)

    loaded = list(store.iter_records())
    assert loaded == [
        dataclasses.replace(r, record_id=f"{source_id}:{r.source.ordinal}") for r in originals
    ]
    assert loaded[0].raw["ZZ"] == ["an unknown tag", "", "  spaced  "]
    assert loaded[1].title is None and loaded[1].authors == () and loaded[1].year is None
    assert loaded[2].title == "" and loaded[2].abstract == ""
    # Without the original tags (deduplication reads only the normalised fields).
    assert list(store.iter_records(raw=False)) == [
        dataclasses.replace(r, raw={}) for r in loaded]
    # Field warnings come back with their record.
    warned = make_record(1, "second.ris", year=None, warnings=(
        Problem("second.ris", 1, "year", "not a year", "219", "field"),))
    _import(store, make_spec("second.ris"), [warned])
    assert [r.warnings for r in store.iter_records() if r.warnings] == [warned.warnings]


def test_records_come_back_in_import_order_per_source(store: ReviewStore) -> None:
    first = _import(store, make_spec("a.ris", path="a.ris"),
                    [make_record(i, "a.ris") for i in (3, 1, 2)])
    second = _import(store, make_spec("b.ris", path="b.ris"),
                     [make_record(i, "b.ris") for i in (1, 2)])
    ids = [r.record_id for r in store.iter_records()]
    assert ids == [f"{first}:1", f"{first}:2", f"{first}:3", f"{second}:1", f"{second}:2"]
    assert [r.record_id for r in store.iter_records(source_id=second)] == ids[3:]
    assert store.count_records(source_id=first) == 3
    assert [s.source_id for s in store.sources()] == [first, second]


def test_import_records_source_row_and_counts(store: ReviewStore) -> None:
    run_id = store.begin_run("import", {})
    spec = make_spec("embase.ris", content="file body", path="/data/embase.ris",
                     database="embase", export_format="ris")
    reject = Reject("/data/embase.ris", 13, 20, "TY  - JOUR\nPY  - 10 15\n",
                    (Problem("/data/embase.ris", 14, "year", "not a year", "10 15"),))
    with store.import_source(spec, run_id) as writer:
        assert writer.source_id == spec.sha256[:12]
        writer.add(make_record(1, "/data/embase.ris"))
        writer.add_reject(reject, 2)
        writer.add(make_record(3, "/data/embase.ris"))
        assert (writer.n_records, writer.n_rejects) == (2, 1)

    info = store.source_by_sha256(spec.sha256)
    assert info is not None
    assert dataclasses.asdict(info) | {"imported_at": None} == {
        "source_id": spec.sha256[:12],
        "name": "embase.ris",
        "path": "/data/embase.ris",
        "sha256": spec.sha256,
        "size_bytes": len(b"file body"),
        "database": "embase",
        "export_format": "ris",
        "encoding": "utf-8",
        "n_records": 2,
        "n_rejects": 1,
        "imported_at": None,
        "run_id": run_id,
    }
    assert info.imported_at.tzinfo == UTC
    assert abs(datetime.now(UTC) - info.imported_at) < timedelta(minutes=5)
    assert store.source_by_sha256(spec.sha256.upper()) == info
    assert store.source_by_sha256("0" * 64) is None
    assert store.sources() == [info]


def test_rejects_are_kept_with_their_text_problems_and_decision(store: ReviewStore) -> None:
    run_id = store.begin_run("import", {})
    spec = make_spec("bad.nbib")
    problems = (
        Problem("bad.nbib", 8, "encoding", "bytes that are not valid utf-8", "\\xe9"),
        Problem("bad.nbib", 7, "PMID", "record has no PMID line"),
    )
    raw_text = "TI  - caf\udce9 au lait\x00\nAB  - ok\n"
    with store.import_source(spec, run_id) as writer:
        record_id = writer.add_reject(Reject("bad.nbib", 7, 9, raw_text, problems), 1)

    assert store.count_records() == 0
    assert store.count_records(status="unparseable") == 1
    assert store.count_records(status=None) == 1
    (stored,) = store.iter_rejects()
    assert stored.record_id == record_id == f"{spec.source_id}:1"
    assert (stored.path, stored.line_start, stored.line_end) == ("bad.nbib", 7, 9)
    assert stored.raw_text == "TI  - caf\\xe9 au lait\\x00\nAB  - ok\n"
    assert stored.problems == tuple(str(p) for p in problems)
    (placeholder,) = store.iter_records(status="unparseable")
    assert placeholder.record_id == record_id and placeholder.title is None
    assert placeholder.source.line_start == 7

    (decision,) = store.decision_history(record_id=record_id)
    assert decision.stage == Stage.IDENTIFICATION
    assert decision.outcome == Outcome.UNPARSEABLE
    assert decision.actor == f"model:litsieve-reader@{litsieve_version()}"
    assert decision.run_id == run_id
    assert decision.note == f"{problems[0]} (and 1 more)"
    assert store.decision_counts() == {("identification", "unparseable"): 1}
    assert store.record_counts_by_database() == {"pubmed": 1}


def test_an_exception_inside_the_import_rolls_everything_back(store: ReviewStore) -> None:
    spec = make_spec()
    with pytest.raises(RuntimeError, match="reader crashed"):
        with store.import_source(spec, None) as writer:
            for ordinal in range(1, 5001):  # more than one batch is already written
                writer.add(make_record(ordinal))
            writer.add_reject(Reject("search.nbib", 1, 2, "x", ()), 5001)
            raise RuntimeError("reader crashed")
    assert store.source_by_sha256(spec.sha256) is None
    assert store.sources() == []
    assert store.count_records(status=None) == 0
    assert store.decision_counts() == {}
    with pytest.raises(StoreError, match="the import has ended; nothing more can be added"):
        writer.add(make_record(6000))
    # nothing was left half-done: the same file imports cleanly afterwards
    _import(store, spec, [make_record(1)])
    assert store.count_records() == 1


def test_reimporting_a_file_changes_nothing_and_says_so(store: ReviewStore) -> None:
    spec = make_spec("a.nbib", content="same bytes", path="a.nbib")
    source_id = _import(store, spec, [make_record(1, "a.nbib")])
    again = dataclasses.replace(spec, name="copy.nbib", path="copy.nbib")
    with pytest.raises(
        StoreError,
        match=rf"^copy\.nbib: already imported as source {source_id} \(a\.nbib, "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\); nothing was changed$",
    ):
        with store.import_source(again, None):
            pytest.fail("the block must not run")
    assert store.count_records() == 1 and len(store.sources()) == 1


def test_unstorable_text_is_refused_with_its_place(store: ReviewStore) -> None:
    spec = make_spec()
    with pytest.raises(
        StoreError,
        match=r"^search\.nbib:13: title: the store cannot hold the character \\x00 ",
    ):
        with store.import_source(spec, None) as writer:
            writer.add(make_record(1))
            writer.add(make_record(2, title="nul\x00inside"))
    with pytest.raises(StoreError, match=r"^search\.nbib:1: raw: .* character \\xff "):
        with store.import_source(spec, None) as writer:
            writer.add(make_record(1, raw=MappingProxyType({"TI": ["bad \udcff byte"]})))
    assert store.sources() == [] and store.count_records(status=None) == 0


def test_writer_refuses_foreign_records_and_repeated_ordinals(store: ReviewStore) -> None:
    with pytest.raises(
        StoreError, match=r"^other\.ris:1: a record of 'other\.ris' was added to the import "
        r"of 'search\.nbib'$",
    ):
        with store.import_source(make_spec(), None) as writer:
            writer.add(make_record(1, "other.ris"))
    with pytest.raises(
        StoreError, match=r"^search\.nbib:1: ordinal 1 was already added \(record \w{12}:1\)$"
    ):
        with store.import_source(make_spec(), None) as writer:
            writer.add(make_record(1))
            writer.add_reject(Reject("search.nbib", 1, 3, "x", ()), 1)


def test_import_with_an_unknown_run_is_refused(store: ReviewStore) -> None:
    with pytest.raises(StoreError, match=r"^unknown run 'nope': start one with begin_run\(\)$"):
        with store.import_source(make_spec(), "nope"):
            pass
    assert store.sources() == []


def test_bad_source_spec_is_refused() -> None:
    with pytest.raises(StoreError, match=r"^a\.ris: sha256 'abc' is not 64 hex digits$"):
        SourceSpec(path="a.ris", name="a.ris", sha256="abc", size_bytes=1,
                   database=None, export_format="ris")


def _without_database(path: str, ordinal: int):
    record = make_record(ordinal, path)
    return dataclasses.replace(record, source=dataclasses.replace(record.source, database=None))


def test_record_counts_by_database(store: ReviewStore) -> None:
    _import(store, make_spec("p.nbib", path="p.nbib"), [make_record(1, "p.nbib")])
    _import(store, make_spec("e.ris", path="e.ris", database="embase"),
            [_without_database("e.ris", 1), _without_database("e.ris", 2)])
    _import(store, make_spec("u.ris", path="u.ris", database=None),
            [_without_database("u.ris", 1)])
    assert store.record_counts_by_database() == {"embase": 2, "pubmed": 1, "unknown": 1}
    assert store.count_records(status=None) == 4
    with pytest.raises(StoreError, match=r"^unknown record status 'bad'; one of: ok, unparseable"):
        store.count_records(status="bad")


# -- decisions ----------------------------------------------------------------------------


def test_decisions_refuse_update_and_delete(store: ReviewStore) -> None:
    source_id = _import(store, make_spec(), [make_record(1)])
    store.add_decisions([DecisionRow(record_id=f"{source_id}:1", stage="title_abstract",
                                     outcome="include", actor=Actor.human("alice"))])
    statements = ["UPDATE decisions SET outcome = 'exclude'", "DELETE FROM decisions"]
    if store.dialect == "postgresql":
        statements.append("TRUNCATE decisions")
    for statement in statements:
        with pytest.raises(sa.exc.IntegrityError) as caught:
            with store.engine.begin() as conn:
                conn.exec_driver_sql(statement)
        assert APPEND_ONLY_MESSAGE == "decisions are append-only: add a new decision instead"
        assert APPEND_ONLY_MESSAGE in str(caught.value.orig)
    (row,) = store.decision_history()
    assert row.outcome == Outcome.INCLUDE


def test_latest_decisions_pick_the_newest_correction(store: ReviewStore) -> None:
    source_id = _import(store, make_spec(), [make_record(1), make_record(2)])
    r1, r2 = f"{source_id}:1", f"{source_id}:2"
    alice, bob = Actor.human("alice"), Actor.human("bob")
    ranker = Actor.model("logistic", "1.4.2")
    t0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    stage = Stage.TITLE_ABSTRACT
    added = store.add_decisions(
        [
            DecisionRow(record_id=r1, stage=stage, outcome="include", actor=alice, decided_at=t0),
            DecisionRow(record_id=r1, stage=stage, outcome="maybe", actor=bob, decided_at=t0),
            DecisionRow(record_id=r2, stage=stage, outcome="exclude", actor=alice,
                        reason="wrong_population", decided_at=t0),
            DecisionRow(record_id=r1, stage=Stage.FULL_TEXT, outcome="exclude", actor=alice,
                        decided_at=t0 + timedelta(days=9)),
            DecisionRow(record_id=r1, stage=stage, outcome="excluded_automation",
                        actor=ranker, params_hash="abc123"),
        ]
    )
    assert added == 5
    # alice corrects r1 an hour later; a back-dated row for r2 must not win over the newer one
    store.add_decisions(
        [
            DecisionRow(record_id=r1, stage=stage, outcome="exclude", actor=alice,
                        reason="wrong_design", note="corrected",
                        decided_at=t0 + timedelta(hours=1)),
            DecisionRow(record_id=r2, stage=stage, outcome="include", actor=alice,
                        decided_at=t0 - timedelta(days=1)),
        ]
    )
    # equal times: the row added last wins
    store.add_decisions(
        [DecisionRow(record_id=r1, stage=stage, outcome="include", actor=bob, decided_at=t0)]
    )
    latest = {(d.record_id, d.actor): d for d in store.latest_decisions("title_abstract")}
    assert set(latest) == {(r1, alice), (r1, bob), (r1, ranker), (r2, alice)}
    assert (latest[r1, alice].outcome, latest[r1, alice].reason) == ("exclude", "wrong_design")
    assert latest[r1, alice].note == "corrected"
    assert latest[r1, alice].decided_at == t0 + timedelta(hours=1)
    assert latest[r1, bob].outcome == Outcome.INCLUDE
    assert latest[r2, alice].outcome == Outcome.EXCLUDE
    assert latest[r1, ranker].params_hash == "abc123"
    assert all(d.decision_id is not None for d in latest.values())
    assert [d.outcome for d in store.latest_decisions(Stage.FULL_TEXT)] == [Outcome.EXCLUDE]
    assert store.latest_decisions("extraction") == []
    with pytest.raises(StoreError, match=r"^unknown stage 'screening'; one of: identification"):
        store.latest_decisions("screening")
    assert len(store.decision_history(stage="title_abstract")) == 7
    assert store.decision_counts() == {
        ("full_text", "exclude"): 1,
        ("title_abstract", "exclude"): 2,
        ("title_abstract", "excluded_automation"): 1,
        ("title_abstract", "include"): 3,
        ("title_abstract", "maybe"): 1,
    }


def test_cluster_decisions(store: ReviewStore) -> None:
    source_id = _import(store, make_spec(), [make_record(1), make_record(2)])
    run_id = store.begin_run("dedup", {"rules": ["doi_exact"]})
    store.add_decisions(
        [
            DecisionRow(cluster_id="c1", stage="deduplication", outcome="duplicate",
                        actor=Actor.model("dedup", "0.1"), run_id=run_id,
                        record_id=f"{source_id}:2", duplicate_of=f"{source_id}:1"),
            DecisionRow(cluster_id="c2", stage="deduplication", outcome="maybe",
                        actor=Actor.model("dedup", "0.1"), run_id=run_id),
        ]
    )
    latest = store.latest_decisions("deduplication")
    assert [(d.cluster_id, d.duplicate_of) for d in latest] == [
        ("c1", f"{source_id}:1"), ("c2", None)
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stage": "screening"}, r"^unknown stage 'screening'; one of: identification, "
         r"deduplication, title_abstract, full_text, extraction$"),
        ({"outcome": "yes"}, r"^unknown outcome 'yes'; one of: include, exclude, maybe, "),
        ({"actor": "alice"}, r"^actor 'alice' is neither 'human:<id>' nor "
         r"'model:<name>@<version>'$"),
        ({"actor": "model:ranker"}, r"^actor 'model:ranker' is neither"),
        ({"record_id": None}, r"^a decision needs a record_id or a cluster_id$"),
        ({"decided_at": datetime(2024, 1, 1)}, r"^decided_at 2024-01-01T00:00:00 has no "
         r"time zone; give UTC$"),
    ],
    ids=["stage", "outcome", "actor", "model-actor", "subject", "naive-time"],
)
def test_invalid_decisions_are_refused(fields: dict, message: str) -> None:
    values = {"record_id": "x:1", "stage": "title_abstract", "outcome": "include",
              "actor": "human:alice"} | fields
    with pytest.raises(StoreError, match=message):
        DecisionRow(**values)


def test_decisions_about_unknown_records_or_runs_add_nothing(store: ReviewStore) -> None:
    source_id = _import(store, make_spec(), [make_record(1)])
    good = DecisionRow(record_id=f"{source_id}:1", stage="title_abstract",
                       outcome="include", actor="human:alice")
    bad = dataclasses.replace(good, record_id="nope:7")
    with pytest.raises(StoreError, match=r"^decisions refer to records not in the store: "
                       r"'nope:7'$"):
        store.add_decisions([good, bad])
    with pytest.raises(StoreError, match=r"^decisions refer to runs not in the store: 'r0'$"):
        store.add_decisions([dataclasses.replace(good, run_id="r0")])
    with pytest.raises(StoreError, match=r"^not a DecisionRow: \{'stage': 'x'\}$"):
        store.add_decisions([good, {"stage": "x"}])  # type: ignore[list-item]
    assert store.decision_history() == []


# -- runs and reviewers -------------------------------------------------------------------


def test_runs_begin_and_finish(store: ReviewStore) -> None:
    run_id = store.begin_run("import", {"files": ["a.nbib"], "quarantine": True, "n": 2})
    assert len(run_id) == 32 and int(run_id, 16) >= 0
    started = store.run(run_id)
    assert (started.kind, started.status, started.finished_at) == ("import", "running", None)
    assert started.parameters == {"files": ["a.nbib"], "quarantine": True, "n": 2}
    assert started.litsieve_version == litsieve_version()
    assert started.started_at.tzinfo == UTC

    store.finish_run(run_id, "ok", {"records": 10, "rejects": 1, "note": "ünïcode"})
    done = store.run(run_id)
    assert done.status == "ok"
    assert done.summary == {"records": 10, "rejects": 1, "note": "ünïcode"}
    assert done.finished_at is not None and done.finished_at >= done.started_at

    with pytest.raises(StoreError, match=rf"^run {run_id} has already finished \(status 'ok'\)$"):
        store.finish_run(run_id, "failed", {})
    with pytest.raises(StoreError, match=r"^unknown run 'missing'$"):
        store.finish_run("missing", "ok", {})
    with pytest.raises(StoreError, match=r"^unknown run 'missing'$"):
        store.run("missing")
    with pytest.raises(StoreError, match=r"^a run ends with status 'ok' or 'failed' "
                       r"\(got 'done'\)$"):
        store.finish_run(run_id, "done", {})
    with pytest.raises(StoreError, match=r"^the parameters of the dedup run cannot be stored "
                       r"as JSON: object is not JSON serialisable$"):
        store.begin_run("dedup", {"x": object()})

    failed = store.begin_run("dedup", {})
    store.finish_run(failed, "failed", {"error": "boom"})
    assert [r.run_id for r in store.runs()] == [run_id, failed]
    assert [r.status for r in store.runs(kind="dedup")] == ["failed"]


def test_reviewers(store: ReviewStore) -> None:
    store.add_reviewer("alice", "Alice Ång")
    store.add_reviewer("bob", "Bob")
    assert [(r.reviewer_id, r.name) for r in store.reviewers()] == [
        ("alice", "Alice Ång"), ("bob", "Bob")
    ]
    with pytest.raises(StoreError, match=r"^reviewer 'alice' already exists$"):
        store.add_reviewer("alice", "Another Alice")


# -- export -------------------------------------------------------------------------------


def test_export_rows(store: ReviewStore) -> None:
    from screening.store import LinkRow

    spec = make_spec("search.nbib")
    with store.import_source(spec, None) as writer:
        writer.add(make_record(1, authors=("Smith J", "Doe A", "Ünal B")))
        writer.add_reject(Reject("search.nbib", 13, 20, "bad", ()), 2)
        writer.add(make_record(3, authors=(), year=None))
        writer.add(make_record(4))
    sid = spec.source_id
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    store.add_decisions(
        [
            DecisionRow(record_id=f"{sid}:1", stage="full_text", outcome="exclude",
                        reason="wrong_design", actor="human:alice",
                        decided_at=t0 + timedelta(days=2)),
            DecisionRow(record_id=f"{sid}:1", stage="title_abstract", outcome="maybe",
                        actor="human:alice", decided_at=t0),
            DecisionRow(record_id=f"{sid}:1", stage="title_abstract", outcome="include",
                        actor="human:bob", decided_at=t0 + timedelta(days=1)),
            DecisionRow(record_id=f"{sid}:3", cluster_id=f"{sid}:4", stage="deduplication",
                        outcome="duplicate", duplicate_of=f"{sid}:4", actor="model:dedup@0.1",
                        decided_at=t0),
        ]
    )
    store.add_links([LinkRow(record_a=f"{sid}:3", record_b=f"{sid}:4", outcome="duplicate",
                             rule_id="doi_match", actor="model:dedup@0.1")])
    (link,) = store.latest_links()
    rows = list(store.export_rows(reason_labels={"wrong_design": "Not an RCT"}))
    assert all(tuple(row) == EXPORT_COLUMNS for row in rows)
    assert EXPORT_COLUMNS == (
        "record_id", "source_file", "line", "database", "native_id", "title", "authors",
        "year", "journal", "doi", "pmid", "status", "cluster_id", "is_canonical",
        "dedup_links", "decisions", "abstract",
    )
    assert rows[0] == {
        "record_id": f"{sid}:1",
        "source_file": "search.nbib",
        "line": 1,
        "database": "pubmed",
        "native_id": "30000001",
        "title": "Effect of intervention 1 on outcome: a randomised trial",
        "authors": "Smith J; Doe A; Ünal B",
        "year": 2021,
        "journal": "BMJ",
        "doi": "10.1136/bmj.1",
        "pmid": "30000001",
        "status": "ok",
        "cluster_id": "",
        "is_canonical": "true",
        "dedup_links": "",
        "decisions": "title_abstract: include (human:bob); "
                     "full_text: exclude — Not an RCT (human:alice)",
        "abstract": "Background: something. Methods: counted. Results: numbers.",
    }
    assert rows[1]["status"] == "unparseable"
    assert rows[1]["decisions"] == (
        f"identification: unparseable (model:litsieve-reader@{litsieve_version()})")
    assert (rows[1]["line"], rows[1]["database"], rows[1]["title"]) == (13, "pubmed", None)
    assert (rows[2]["authors"], rows[2]["year"]) == ("", None)
    assert rows[2]["decisions"] == f"deduplication: duplicate of {sid}:4 (model:dedup@0.1)"
    assert (rows[2]["cluster_id"], rows[3]["cluster_id"]) == (f"{sid}:4", f"{sid}:4")
    assert (rows[2]["is_canonical"], rows[3]["is_canonical"]) == ("false", "true")
    assert rows[2]["dedup_links"] == f"{link.link_id} ({sid}:4)"
    assert rows[3]["dedup_links"] == f"{link.link_id} ({sid}:3)"

    # Filters: the latest decision at a stage (across actors), duplicates left out.
    def ids(**options) -> list[str]:
        return [row["record_id"] for row in store.export_rows(**options)]

    assert ids(stage="title_abstract", outcome="include") == [f"{sid}:1"]
    assert ids(stage="TITLE_ABSTRACT", outcome="Maybe") == []  # alice's, overruled by bob
    assert ids(stage="full_text") == ids(stage="full_text", outcome="exclude") == [f"{sid}:1"]
    assert ids(no_duplicates=True) == [f"{sid}:1", f"{sid}:2", f"{sid}:4"]
    with pytest.raises(StoreError, match=r"^an outcome filter needs a stage"):
        store.export_rows(outcome="include")
    with pytest.raises(StoreError, match=r"^unknown stage 'extraction'; one of: "
                                         r"title_abstract, full_text$"):
        store.export_rows(stage="extraction")
    with pytest.raises(StoreError, match=r"^unknown full_text outcome 'duplicate'; one of: "
                                         r"include, exclude, maybe, not_retrieved$"):
        store.export_rows(stage="full_text", outcome="duplicate")

    # RIS notes: the record's place in its cluster and its decisions.
    notes = {row["record_id"]: row["notes"] for row in store.export_rows(notes=True)}
    assert notes[f"{sid}:3"] == [f"litsieve: duplicate of {sid}:4 (link {link.link_id})"]
    assert notes[f"{sid}:4"] == [
        f"litsieve: duplicates of this record: {sid}:3 (link {link.link_id})"]
    assert notes[f"{sid}:1"] == ["litsieve: title_abstract include (human:bob)",
                                 "litsieve: full_text exclude — wrong_design (human:alice)"]


def test_a_store_holds_one_review(store: ReviewStore) -> None:
    assert store.review_id() is None  # a store made before ids
    store.claim_review_id("abc123", record=False)  # checking writes nothing
    assert store.review_id() is None
    store.claim_review_id("abc123")
    store.claim_review_id("abc123")  # again: nothing changes
    assert store.review_id() == "abc123"
    with pytest.raises(StoreError, match=r"the review store .* holds review abc123, not "
                                         r"review def456"):
        store.claim_review_id("def456", record=False)
