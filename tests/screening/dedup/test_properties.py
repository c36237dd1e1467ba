"""Invariants of deduplication (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.dedup import deduplicate
from screening.dedup.similarity import similarity

TEXT = st.text(alphabet="abcde fgh", max_size=30)


@given(TEXT, TEXT)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 1.0


@given(TEXT)
def test_similarity_of_a_text_with_itself(a: str) -> None:
    assert similarity(a, a) == (1.0 if a else 0.0)  # a missing text matches nothing


TITLES = ["Ketamine for chronic pain: a randomised trial",
          "Ketamine for chronic pain a randomized trial",
          "Esketamine in neuropathic pain: a pilot study"]

records = st.lists(
    st.fixed_dictionaries({
        "title": st.sampled_from(TITLES),
        "authors": st.sampled_from(["Doe, J; Roe, K", "Doe, J", None]),
        "year": st.sampled_from([2019, 2020, None]),
        "journal": st.sampled_from(["Pain Medicine", "Pain Med", None]),
        "volume": st.sampled_from(["20", None]),
        "pages": st.sampled_from(["712-21", None]),
        "pmid": st.sampled_from(["111", "222", "333", None]),
        # "10.5555/a" is a DOI cut short by an export: the start of the other two.
        "doi": st.sampled_from(["10.5555/a.1", "10.5555/a.2", "10.5555/a", None]),
    }),
    min_size=2, max_size=12,
)


@given(records)
@settings(max_examples=60, deadline=None)
def test_clusters_never_join_two_pmids_or_two_dois_of_one_registrant(rows: list[dict]) -> None:
    """Two DOIs of one registrant meet in a cluster only where a rule found one of them
    wrong (the same full citation, page range included, or a one-character typo), and
    never three; a DOI cut short (the start of another) names nothing and does not count."""
    frame = pd.DataFrame(rows)
    frame.insert(0, "record_id", [f"r{i}" for i in range(len(frame))])
    result = deduplicate(frame)
    merged = frame.merge(result.clusters, on="record_id")
    one_doi_wrong = result.pairs["rule_id"].isin(["doi_wrong_same_citation", "doi_typo"])
    wrong_doi = result.pairs[(result.pairs["outcome"] == "duplicate") & one_doi_wrong]
    for _, members in merged.groupby("cluster_id"):
        assert members["pmid"].dropna().nunique() <= 1
        dois = set(members["doi"].dropna())
        whole = {d for d in dois if not any(o != d and o.startswith(d) for o in dois)}
        assert len(whole) <= 2
        if len(whole) == 2:
            inside = wrong_doi["record_a"].isin(members["record_id"])
            assert inside.any()
        assert members["is_canonical"].sum() == 1  # one canonical record per cluster
    assert len(result.clusters) == len(frame)  # nothing is dropped
