"""Taking a wrong import back: a retraction is recorded, nothing is deleted, the source's
records, links and decisions stop counting, and the file can be imported again; a forced
wrong format or another --database label is an error that says what to do."""

from __future__ import annotations

import csv
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from screening.cli import main
from screening.errors import StoreError
from screening.model import Actor, Outcome, Stage
from screening.prisma import prisma_counts
from screening.review_dir import open_review
from screening.store import DecisionRow, LinkRow
from screening.store.engine import RETRACTIONS_APPEND_ONLY_MESSAGE
from tests.screening.conftest import drop_review_schemas

DATA = Path(__file__).resolve().parents[1] / "data" / "exports"
PUBMED = DATA / "medline" / "ketamine_pubmed.nbib"  # 10 records
EMBASE = DATA / "ris" / "ketamine_embase.ris"  # 7 records, 4 of them PubMed's too
PG_URL = os.environ.get("LITSIEVE_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def review(request, tmp_path, monkeypatch) -> Iterator[Path]:
    """A new review with the PubMed export imported, on SQLite or in its own PostgreSQL
    schema (dropped afterwards)."""
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL review tests need LITSIEVE_TEST_DATABASE_URL")
        monkeypatch.setenv("LITSIEVE_DATABASE_URL", PG_URL)
    directory = tmp_path / "review"
    assert main(["init", str(directory)]) == 0
    assert main(["import", str(directory), str(PUBMED)]) == 0
    yield directory
    if request.param == "postgresql":
        drop_review_schemas(PG_URL, tmp_path)


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def only_source(review: Path, name: str) -> str:
    with open_review(review).open_store(os.environ.get("LITSIEVE_DATABASE_URL")) as store:
        (found,) = [s.source_id for s in store.sources() if s.name == name]
    return found


def store_of(review: Path):
    return open_review(review).open_store(os.environ.get("LITSIEVE_DATABASE_URL"))


def test_a_forced_wrong_format_says_what_the_content_looks_like(review, capsys):
    code, _, err = run(capsys, "import", review, EMBASE, "--format", "medline")
    assert code == 1
    assert "ketamine_embase.ris" in err
    assert "nothing was imported; the content looks like RIS: try --format ris" in err
    assert "--quarantine" not in err
    # --quarantine would keep nothing but rejects: refused the same way, nothing stored
    code, _, err = run(capsys, "import", review, EMBASE, "--format", "medline", "--quarantine")
    assert code == 1
    assert "the content looks like RIS: try --format ris" in err
    with store_of(review) as store:
        assert [s.name for s in store.sources()] == ["ketamine_pubmed.nbib"]
        assert store.count_records(status=None) == 10


def test_a_bad_file_in_the_right_format_still_advises_quarantine(review, capsys):
    code, _, err = run(capsys, "import", review, DATA / "ris" / "bad_no_er.ris",
                       "--format", "ris")
    assert code == 1
    assert "use --quarantine to import the good records" in err
    assert "looks like" not in err


def test_the_same_bytes_under_another_database_say_the_labels_differ(review, capsys):
    assert run(capsys, "import", review, EMBASE, "--database", "PubMed")[0] == 0
    source = only_source(review, "ketamine_embase.ris")
    code, _, err = run(capsys, "import", review, EMBASE, "--database", "Embase")
    assert code == 1
    assert (f"these bytes are already imported as source {source} (ketamine_embase.ris, "
            in err)
    assert "the labels differ: --database Embase (imported as PubMed)" in err
    assert f"litsieve source retract DIR {source} --reason TEXT" in err
    # the same label (any case) is the harmless re-run it always was
    code, out, _ = run(capsys, "import", review, EMBASE, "--database", "pubmed")
    assert code == 0 and "already imported" in out and "nothing added" in out


def test_retract_then_import_again_with_the_right_label(review, capsys, tmp_path):
    assert run(capsys, "import", review, EMBASE, "--database", "PubMed")[0] == 0
    wrong = only_source(review, "ketamine_embase.ris")
    with store_of(review) as store:
        before = prisma_counts(store)
        records = [r.record_id for r in store.iter_records(source_id=wrong)]
        pubmed = [r.record_id for r in store.iter_records() if r.record_id not in records]
        store.add_decisions([DecisionRow(record_id=records[0], stage=Stage.TITLE_ABSTRACT,
                                         outcome=Outcome.INCLUDE, actor=Actor.human("ann"))])
        store.add_links([LinkRow(record_a=min(pubmed[0], records[1]),
                                 record_b=max(pubmed[0], records[1]), outcome="duplicate",
                                 rule_id="test", actor=Actor.human("ann"))])
    assert before.database_results == 17

    code, out, _ = run(capsys, "source", "retract", review, wrong, "--reason",
                       "imported as PubMed; it is the Embase export", "--reviewer", "ann")
    assert code == 0, out
    assert f"Retracted source {wrong} (ketamine_embase.ris: 7 records, 0 quarantined)" in out
    assert "by human:ann: imported as PubMed; it is the Embase export" in out

    with store_of(review) as store:
        assert wrong not in {s.source_id for s in store.sources()}
        assert [s.source_id for s in store.sources(retracted=True)] == [wrong]
        assert store.count_records() == 10
        assert store.record_counts_by_database(status=None) == {"PubMed": 10}
        assert not any(k.record_id in records for k in store.record_keys())
        assert store.latest_record_decisions() == []
        assert store.decision_counts() == {}
        assert store.latest_links() == []
        (gone,) = store.retractions()
        assert (gone.source_id, gone.actor) == (wrong, "human:ann")
        # nothing was deleted: the rows are still there, only no longer counted
        with store.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM records WHERE source_id = :s"),
                             {"s": wrong}).scalar_one()
        assert n == 7
        assert prisma_counts(store).database_results == 10
    code, out, _ = run(capsys, "status", review)
    assert f"Retracted: source {wrong}" in out and "imported as PubMed" in out
    assert "ketamine_embase.ris" not in out.split("Records per database")[0]
    export = tmp_path / "out.csv"
    assert run(capsys, "export", review, "--output", export)[0] == 0
    with open(export, encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 10

    code, out, _ = run(capsys, "import", review, EMBASE, "--database", "Embase")
    assert code == 0
    assert f"7 records imported as source {wrong}-2 (ris, Embase)" in out
    with store_of(review) as store:
        assert store.record_counts_by_database(status=None) == {"PubMed": 10, "Embase": 7}
        assert prisma_counts(store).database_results == 17
    code, out, _ = run(capsys, "source", "list", review)
    assert wrong in out and f"{wrong}-2" in out and "in the review" in out


def test_retract_refuses_unknown_twice_and_without_reason(review, capsys):
    source = only_source(review, "ketamine_pubmed.nbib")
    code, _, err = run(capsys, "source", "retract", review, "abc", "--reason", "x")
    assert code == 1
    assert f"no source 'abc' in this review; its sources: {source} (ketamine_pubmed.nbib)" in err
    code, _, err = run(capsys, "source", "retract", review, source, "--reason", "  ")
    assert code == 2 and "give the reason for taking the import back" in err
    assert run(capsys, "source", "retract", review, source, "--reason", "wrong file")[0] == 0
    code, _, err = run(capsys, "source", "retract", review, source, "--reason", "again")
    assert code == 1
    assert f"source {source} was already retracted on" in err and "(wrong file)" in err
    code, out, _ = run(capsys, "status", review)
    assert "No records yet" in out and f"Retracted: source {source}" in out


def test_retractions_are_append_only(review):
    source = only_source(review, "ketamine_pubmed.nbib")
    with store_of(review) as store:
        store.retract_source(source, reason="wrong", actor=Actor.human("ann"))
        for statement in ("UPDATE retractions SET reason = 'other'", "DELETE FROM retractions"):
            with pytest.raises(sa.exc.DatabaseError, match=RETRACTIONS_APPEND_ONLY_MESSAGE):
                with store.engine.begin() as conn:
                    conn.exec_driver_sql(statement)
        with pytest.raises(StoreError, match="a retraction needs a reason"):
            store.retract_source(source, reason="", actor=Actor.human("ann"))


def _make_version_3(store) -> None:
    """Turn a new store back into schema version 3: no retractions table, and a file's
    sha256 unique among sources (SQLite: the table rebuilt, as version 3 made it)."""
    if store.dialect == "sqlite":
        conn = sqlite3.connect(store.engine.url.database, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("BEGIN")
        create = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sources'").fetchone()
        create = create[0].replace("CREATE TABLE sources", "CREATE TABLE sources_v3", 1)
        create = create.rstrip().rstrip(")") + ", CONSTRAINT uq_sources_sha256 UNIQUE (sha256))"
        conn.execute(create)
        conn.execute("INSERT INTO sources_v3 SELECT * FROM sources")
        conn.execute("DROP TABLE sources")
        conn.execute("ALTER TABLE sources_v3 RENAME TO sources")
        conn.execute("DROP TABLE retractions")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        conn.execute("COMMIT")
        conn.close()
        return
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE retractions")
        conn.exec_driver_sql("ALTER TABLE sources ADD CONSTRAINT uq_sources_sha256 UNIQUE (sha256)")
        conn.exec_driver_sql("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def test_a_version_3_store_is_upgraded_and_keeps_its_records(review, capsys):
    with store_of(review) as store:
        _make_version_3(store)
    with store_of(review) as store:  # opening upgrades it
        with store.engine.connect() as conn:
            version = conn.exec_driver_sql(
                "SELECT value FROM meta WHERE key = 'schema_version'").scalar_one()
        assert version == "5"
        assert store.count_records() == 10
    source = only_source(review, "ketamine_pubmed.nbib")
    assert run(capsys, "source", "retract", review, source, "--reason", "redo")[0] == 0
    code, out, _ = run(capsys, "import", review, PUBMED)
    assert code == 0 and f"10 records imported as source {source}-2" in out
