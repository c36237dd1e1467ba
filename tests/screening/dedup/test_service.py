"""Deduplicating a review in its store: links, decisions, re-runs, undo, review (both engines)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from screening.cli import main
from screening.dedup import deduplicate
from screening.dedup.normalize import normalizer_version
from screening.dedup.service import decide_link, run_dedup
from screening.ingest import import_file
from screening.prisma import prisma_counts
from screening.store import LinkRow
from screening.store.engine import LINKS_APPEND_ONLY_MESSAGE

DATA = Path(__file__).resolve().parents[2] / "data" / "exports"
PUBMED = DATA / "medline" / "ketamine_pubmed.nbib"
EMBASE = DATA / "ris" / "ketamine_embase.ris"


def _import(store, *paths: Path) -> None:
    run = store.begin_run("import", {})
    for path in paths:
        import_file(store, path, run_id=run)
    store.finish_run(run, "ok", {})


def _dedup(store, **options):
    run = store.begin_run("dedup", {})
    summary = run_dedup(store, run_id=run, **options)
    store.finish_run(run, "ok", {})
    return summary


def test_duplicates_across_databases_are_linked_not_deleted(store) -> None:
    _import(store, PUBMED, EMBASE)
    summary = _dedup(store)
    assert (summary.n_records, summary.n_duplicate_records, summary.n_clusters) == (17, 4, 4)
    links = store.latest_links(outcome="duplicate")
    assert len(links) == 4 and {link.rule_id for link in links} <= {"doi_match", "metadata_match"}
    assert all(link.actor.startswith("model:litsieve-dedup@") and link.scores for link in links)
    duplicates = [d for d in store.latest_record_decisions(stage="deduplication")
                  if d.outcome == "duplicate"]
    assert len(duplicates) == 4
    assert all(d.record_id.startswith(store.sources()[1].source_id) for d in duplicates)
    assert store.count_records() == 17  # every source record stays
    # Re-running with nothing new adds nothing.
    again = _dedup(store)
    assert again.incremental and (again.new_links, again.new_decisions) == (0, 0)
    assert again.n_duplicate_records == 4


def test_prisma_counts_the_duplicates_removed(store) -> None:
    _import(store, PUBMED, EMBASE)
    _dedup(store)
    counts = prisma_counts(store)
    assert counts.duplicates == 4
    assert counts.database_specific_results == {"PubMed": 10, "Embase": 7}


def test_an_undone_link_restores_the_record(store) -> None:
    _import(store, PUBMED, EMBASE)
    _dedup(store)
    link = store.latest_links(outcome="duplicate")[0]
    decide_link(store, link.record_a, link.record_b, "distinct", reviewer="ana",
                replaces=link.link_id)
    summary = _dedup(store)
    assert summary.n_duplicate_records == 3
    latest = {d.record_id: d for d in store.latest_record_decisions(stage="deduplication")}
    restored = [latest[r] for r in (link.record_a, link.record_b) if r in latest]
    assert [d.outcome for d in restored] == ["include"]
    current = {(x.record_a, x.record_b): x for x in store.latest_links()}
    assert current[(link.record_a, link.record_b)].actor == "human:ana"


def test_new_records_are_compared_incrementally(store, tmp_path: Path) -> None:
    _import(store, PUBMED)
    first = _dedup(store)
    assert not first.incremental and first.n_duplicate_records == 0
    _import(store, EMBASE)
    second = _dedup(store)
    assert second.incremental and second.n_duplicate_records == 4
    assert second.n_compared_pairs <= 7 * 17  # only pairs with a new record


def _recording_engine(calls: list):
    """The in-process engine, noting how many records it normalised and was given."""

    def engine(frame, **options):
        known = options.get("known")
        calls.append((len(frame), 0 if known is None else len(known)))
        return deduplicate(frame, **options)

    return engine


def test_an_incremental_run_normalises_only_the_new_records(store) -> None:
    _import(store, PUBMED)
    calls: list = []
    _dedup(store, engine=_recording_engine(calls))
    cached = store.dedup_keys(normalizer_version())
    assert len(cached) == 10 and all(k["n_title"] for k in cached.values())
    _import(store, EMBASE)
    second = _dedup(store, engine=_recording_engine(calls))
    assert calls == [(10, 0), (7, 10)]  # the 10 PubMed records came from the cache
    assert second.n_duplicate_records == 4
    assert len(store.dedup_keys(normalizer_version())) == 17
    # The same clusters as a full run that normalises everything again.
    full = _dedup(store, full=True, engine=_recording_engine(calls))
    assert calls[-1] == (17, 0) and full.n_duplicate_records == 4
    assert (full.new_links, full.new_decisions) == (0, 0)


def test_keys_of_another_normaliser_are_not_reused(store) -> None:
    _import(store, PUBMED)
    _dedup(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE dedup_keys SET version = 'older'")
    _import(store, EMBASE)
    calls: list = []
    assert _dedup(store, engine=_recording_engine(calls)).n_duplicate_records == 4
    assert calls == [(17, 0)]  # every record normalised again, and the cache rebuilt
    assert len(store.dedup_keys(normalizer_version())) == 17
    assert store.dedup_keys("older") == {}


def test_a_person_can_merge_what_the_guard_refuses(store, tmp_path: Path) -> None:
    text = PUBMED.read_text(encoding="utf-8")
    first_record = text.strip().split("\n\n")[0]
    copy = tmp_path / "copy.nbib"
    copy.write_text(first_record.replace("PMID- 31002418", "PMID- 99999999") + "\n",
                    encoding="utf-8")
    _import(store, PUBMED, copy)
    _dedup(store)
    (maybe,) = store.latest_links(outcome="maybe")
    assert maybe.rule_id == "pmid_differs"  # different PMIDs: never merged automatically
    decide_link(store, maybe.record_a, maybe.record_b, "duplicate", reviewer="ana")
    assert _dedup(store).n_duplicate_records == 1


def test_links_are_append_only(store) -> None:
    _import(store, PUBMED, EMBASE)
    _dedup(store)
    for statement in ("UPDATE links SET outcome = 'distinct'", "DELETE FROM links"):
        with pytest.raises(sa.exc.DBAPIError, match=LINKS_APPEND_ONLY_MESSAGE), \
                store.engine.begin() as conn:
            conn.exec_driver_sql(statement)


def test_link_rows_are_checked() -> None:
    with pytest.raises(Exception, match="unknown link outcome 'same'"):
        LinkRow(record_a="a", record_b="b", outcome="same", rule_id="x", actor="human:a")
    with pytest.raises(Exception, match="a record cannot be linked to itself"):
        LinkRow(record_a="a", record_b="a", outcome="maybe", rule_id="x", actor="human:a")
    with pytest.raises(Exception, match="actor 'ana' must be human:<id> or model:"):
        LinkRow(record_a="a", record_b="b", outcome="maybe", rule_id="x", actor="ana")
    assert LinkRow(record_a="b", record_b="a", outcome="maybe", rule_id="x",
                   actor="human:a").record_a == "a"


def test_a_person_decides_duplicate_or_distinct_only(store) -> None:
    from screening.errors import ReviewError

    with pytest.raises(ReviewError, match="a person decides duplicate or distinct, not 'maybe'"):
        decide_link(store, "a", "b", "maybe", reviewer="ana")


def test_cli_dedup_undo_and_review(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    config = Path(__file__).resolve().parents[3] / "config" / "example.toml"
    assert main(["init", str(review), "--config", str(config)]) == 0
    assert main(["import", str(review)]) == 0
    capsys.readouterr()
    assert main(["dedup", str(review)]) == 0
    out = capsys.readouterr().out
    assert "17 records (whole review)" in out and "4 duplicate records in 4 clusters" in out
    assert main(["dedup", str(review), "--undo", "1", "--reviewer", "ana"]) == 0
    out = capsys.readouterr().out
    assert "Link 1 undone" in out and "3 duplicate records" in out
    assert main(["dedup", str(review), "--undo", "999"]) == 1
    assert "no link 999 in this review" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("d\n"))
    assert main(["dedup", str(review), "--review"]) == 0
    assert "No pairs wait for a decision." in capsys.readouterr().out


_ARTICLE = """TY  - JOUR
TI  - Intravenous ketamine for chronic low back pain: a randomised controlled trial
AU  - Almeida, Rita
AU  - Okafor, Chidi
PY  - 2019
JO  - Pain Medicine
VL  - 20
IS  - 4
SP  - 712
EP  - 721
ER  -

"""
_ABSTRACT = _ARTICLE.replace("TY  - JOUR", "TY  - CONF").replace(
    "JO  - Pain Medicine", "JO  - Regional Anesthesia and Pain Medicine").replace(
    "VL  - 20", "VL  - 44").replace("SP  - 712\nEP  - 721", "SP  - A112")


@pytest.mark.parametrize(("policy", "expected"), [(None, "maybe"), ("duplicate", "duplicate")])
def test_the_review_config_decides_conference_abstracts(tmp_path: Path, monkeypatch,
                                                        policy, expected) -> None:
    from screening.review_dir import open_review

    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    export = tmp_path / "two.ris"
    export.write_text(_ARTICLE + _ABSTRACT, encoding="utf-8")
    config = tmp_path / "review.toml"
    config.write_text('[review]\nname = "x"\n' + (
        f'[dedup]\nconference_abstracts = "{policy}"\n' if policy else ""), encoding="utf-8")
    review = tmp_path / "review"
    assert main(["init", str(review), "--config", str(config)]) == 0
    assert main(["import", str(review), str(export), "--database", "Embase"]) == 0
    assert main(["dedup", str(review)]) == 0
    with open_review(review).open_store() as store:
        (link,) = store.latest_links()
    assert (link.outcome, link.rule_id) == (expected, "conference_vs_article")
