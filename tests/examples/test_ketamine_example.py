"""The invented example review in examples/ketamine/: its counts are the README's.

The exports are imported and deduplicated with litsieve (through the CLI); every record
that votes.csv names is one that deduplication keeps; the extraction form passes
``litsieve extract check`` and ``litsieve pool`` gives the README's pooled result. The
votes themselves are replayed elsewhere (``litsieve votes replay``).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from screening.cli import main
from screening.review_dir import open_review

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ketamine"
CONFIG = EXAMPLE / "litsieve.toml"
VOTES = EXAMPLE / "votes.csv"
EXTRACTION = EXAMPLE / "extraction.csv"
README = EXAMPLE / "README.md"

# The numbers README.md states.
PER_DATABASE = {"PubMed": 344, "Embase": 448}
DUPLICATES = 96
MAYBE_PAIRS = 4
UNIQUE = 696
KEPT_PER_DATABASE = {"PubMed": 342, "Embase": 354}
DUPLICATE_RULES = {"doi_match": 87, "pmid_match": 6, "citation_match": 3}
POOLED = {"estimate": -0.96, "ci_low": -1.47, "ci_high": -0.45, "i2": 29}


def run(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The example imported and deduplicated in a review of its own: its records, the
    records dedup kept, and the latest link of each pair."""
    directory = tmp_path_factory.mktemp("ketamine") / "review"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("LITSIEVE_DATABASE_URL", raising=False)
        assert run("init", directory, "--config", CONFIG) == 0
        assert run("import", directory) == 0
        assert run("dedup", directory) == 0
        with open_review(directory).open_store() as store:
            keys = list(store.record_keys())
            duplicates = {d.record_id for d in store.latest_record_decisions(
                stage="deduplication") if d.outcome == "duplicate"}
            links = list(store.latest_links())
    return {"directory": directory, "keys": keys, "duplicates": duplicates, "links": links,
            "kept": [k for k in keys if k.record_id not in duplicates]}


def test_records_per_database_duplicates_and_unique_records(review) -> None:
    keys = review["keys"]
    assert all(k.status == "ok" for k in keys)
    assert Counter(k.database for k in keys) == PER_DATABASE
    assert len(review["duplicates"]) == DUPLICATES
    assert len(review["kept"]) == UNIQUE == sum(PER_DATABASE.values()) - DUPLICATES
    assert Counter(k.database for k in review["kept"]) == KEPT_PER_DATABASE
    duplicate_links = [link for link in review["links"] if link.outcome == "duplicate"]
    assert Counter(link.rule_id for link in duplicate_links) == DUPLICATE_RULES
    # each duplicate is an Embase copy of a PubMed record: 96 clusters of two
    by_id = {k.record_id: k for k in keys}
    assert all({by_id[link.record_a].database, by_id[link.record_b].database}
               == {"PubMed", "Embase"} for link in duplicate_links)
    maybe = [link for link in review["links"] if link.outcome == "maybe"]
    assert len(maybe) == MAYBE_PAIRS
    assert {link.rule_id for link in maybe} == {"conference_vs_article"}


def test_every_vote_names_a_record_that_dedup_keeps(review) -> None:
    kept = {(k.native_id, k.database) for k in review["kept"]}
    rows = list(csv.DictReader(VOTES.open(encoding="utf-8")))
    assert list(rows[0]) == ["native_id", "database", "stage", "reviewer", "vote", "reason",
                             "note", "time"]
    named = {(row["native_id"], row["database"]) for row in rows}
    assert named - kept == set(), "votes for records that dedup removes or that do not exist"
    # both reviewers vote on every record they see, once
    for reviewer in ("ann", "bob"):
        voted = Counter((row["native_id"], row["database"]) for row in rows
                        if row["reviewer"] == reviewer and row["stage"] == "title_abstract")
        assert set(voted) == kept and set(voted.values()) == {1}
    reasons = {"wrong_population", "wrong_intervention", "wrong_comparator", "wrong_design",
               "wrong_outcome"}
    for row in rows:
        assert row["reviewer"] in ("ann", "bob", "lea")
        assert row["reason"] in reasons | {""}
        assert datetime.strptime(row["time"], "%Y-%m-%dT%H:%M:%SZ")
        if row["stage"] == "title_abstract":
            assert row["vote"] in ("include", "exclude", "maybe")
        else:
            assert row["stage"] == "full_text"
            assert row["vote"] in ("include", "exclude", "not_retrieved")
            assert row["vote"] != "exclude" or row["reason"]
        assert (row["reviewer"] == "lea") == row["note"].startswith("resolution")
    # one vote decides each full text (single screening): 24 sought, 7 included
    full_text = Counter((row["native_id"], row["database"]) for row in rows
                        if row["stage"] == "full_text")
    assert len(full_text) == 24 and set(full_text.values()) == {1}
    assert Counter(row["vote"] for row in rows if row["stage"] == "full_text") == {
        "include": 7, "exclude": 16, "not_retrieved": 1}


def test_the_extraction_form_names_the_included_records_and_passes_the_check(
        review, capsys) -> None:
    kept = {k.record_id: k for k in review["kept"]}
    rows = list(csv.DictReader(EXTRACTION.open(encoding="utf-8")))
    assert {row["record_id"] for row in rows} <= set(kept)
    included = {(row["native_id"], row["database"]) for row in csv.DictReader(
        VOTES.open(encoding="utf-8")) if row["stage"] == "full_text" and row["vote"] == "include"}
    assert {(kept[row["record_id"]].native_id, kept[row["record_id"]].database)
            for row in rows} == included
    assert run("extract", "check", EXTRACTION) == 0
    assert "14 rows, 7 studies, 1 outcome: no problems" in capsys.readouterr().out


def test_pooling_gives_the_readme_numbers(tmp_path: Path, capsys) -> None:
    output = tmp_path / "pooling"
    assert run("pool", EXTRACTION, "--measure", "MD", "--method", "IV", "--model", "random",
               "--profile", "revman5", "--output", output) == 0
    out = capsys.readouterr().out
    assert "Total: -0.96 95% CI [-1.47, -0.45]  k = 7" in out
    results = json.loads((output / "results.json").read_text(encoding="utf-8"))
    assert results["k"] == 7
    for key in ("estimate", "ci_low", "ci_high"):
        assert round(results[key], 2) == POOLED[key]
    assert round(results["i2"]) == POOLED["i2"]


def test_the_readme_states_these_numbers() -> None:
    text = README.read_text(encoding="utf-8")
    for line in ("| PubMed records | 344 |", "| Embase records | 448 |",
                 "| records identified | 792 |",
                 "| duplicate records removed (`litsieve dedup`) | 96 |",
                 "| \"maybe\" pairs left for a person (conference abstract and article) | 4 |",
                 "| records screened (unique after deduplication) | 696 |",
                 "| records excluded on title and abstract | 672 |",
                 "| reports sought for retrieval | 24 |", "| reports not retrieved | 1 |",
                 "| reports assessed for eligibility | 23 |", "| reports excluded | 16 |",
                 "| studies included | 7 |", "| reports of included studies | 7 |",
                 "**-0.96 (95% CI -1.47 to -0.45)**", "I² = 29%",
                 "Records kept: 342 from PubMed and 354 from Embase"):
        assert line in text, line
