"""Hard deduplication cases (tests/data/dedup_cases.json): outcome and the rule that fires."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from screening.dedup import RULES, deduplicate
from screening.dedup.engine import classify_pair
from screening.dedup.rules import build_rules

CASES = json.loads((Path(__file__).parents[2] / "data" / "dedup_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_hard_case(case: dict) -> None:
    outcome, rule_id, _ = classify_pair(case["record_a"], case["record_b"])
    assert (outcome, rule_id) == (case["expected"], case["rule"]), case["note"]
    # Symmetric: the order of the two records does not matter.
    assert classify_pair(case["record_b"], case["record_a"])[:2] == (outcome, rule_id)


@pytest.mark.parametrize("case", [c for c in CASES if c["expected"] != "distinct"],
                         ids=[c["id"] for c in CASES if c["expected"] != "distinct"])
def test_blocking_finds_every_case_that_is_not_distinct(case: dict) -> None:
    result = deduplicate(pd.DataFrame([case["record_a"], case["record_b"]]))
    assert len(result.pairs) == 1
    link = result.pairs.iloc[0]
    assert (link["outcome"], link["rule_id"]) == (case["expected"], case["rule"])
    merged = result.clusters["cluster_id"].nunique() == 1
    assert merged == (case["expected"] == "duplicate")


def test_rules_have_unique_readable_ids_and_descriptions() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(rule.id.replace("_", "").isalpha() and rule.description for rule in RULES)
    assert RULES[-1].id == "different"  # the default comes last


def test_every_rule_but_the_default_is_exercised_or_documented() -> None:
    covered = {c["rule"] for c in CASES}
    safeguards = {"notice_vs_article", "pmid_differs", "accession_differs", "part_number_differs",
                  "conference_vs_article", "year_far", "container_differs"}
    assert safeguards <= covered


def _case(case_id: str) -> dict:
    return next(c for c in CASES if c["id"] == case_id)


@pytest.mark.parametrize(("case_id", "policy", "expected"), [
    ("conference_abstract", {"conference_abstracts": "duplicate"},
     ("duplicate", "conference_vs_article")),
    ("preprint", {"preprints": "duplicate"}, ("duplicate", "preprint_vs_article")),
    ("cochrane_versions", {"cochrane_versions": "maybe"}, ("maybe", "cochrane_versions")),
])
def test_the_config_decides_related_reports(case_id: str, policy: dict, expected) -> None:
    case = _case(case_id)
    rules = build_rules(**policy)
    assert classify_pair(case["record_a"], case["record_b"], rules=rules)[:2] == expected
    # The other policies keep their defaults.
    assert classify_pair(case["record_a"], case["record_b"])[:2] == (case["expected"],
                                                                     case["rule"])


def test_configured_duplicates_still_leave_unclear_pairs_to_a_person() -> None:
    case = _case("conference_abstract")
    other_authors = {**case["record_b"], "authors": "Nakamura, Kenji; Berg, Lise"}
    rules = build_rules(conference_abstracts="duplicate")
    assert classify_pair(case["record_a"], other_authors, rules=rules)[:2] == (
        "maybe", "conference_vs_article_unclear")


def test_a_policy_is_maybe_or_duplicate() -> None:
    with pytest.raises(ValueError, match="preprints must be 'maybe' or 'duplicate', not 'yes'"):
        build_rules(preprints="yes")


def test_a_doi_cut_short_does_not_keep_its_records_apart() -> None:
    """An export that cut a DOI at the journal's prefix ("10.1158/1538-7445") left the start
    of the other record's DOI: one item, which the cluster guard lets through."""
    base = {"title": "Baseline IL-17 receptor signaling is essential for controlling aberrant "
                     "JNK-dependent cell growth", "authors": "Yan, Li", "year": 2017,
            "journal": "Cancer Research", "volume": "77"}
    frame = pd.DataFrame([{**base, "record_id": "a", "doi": "10.1158/1538-7445.AM2017-326"},
                          {**base, "record_id": "b", "doi": "10.1158/1538-7445"}])
    result = deduplicate(frame)
    assert result.pairs[["outcome", "rule_id"]].values.tolist() == [["duplicate", "metadata_match"]]
    assert result.clusters["cluster_id"].nunique() == 1
