"""Comparison keys and pair features that the rules rely on (normalize.py, similarity.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.dedup.normalize import normalize_frame
from screening.dedup.similarity import _number_conflict, pair_features


def _keys(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.insert(0, "record_id", [f"r{i}" for i in range(len(frame))])
    return normalize_frame(frame)


@pytest.mark.parametrize(("title", "kind", "clean"), [
    # Web of Science and Embase title a correction with the corrected article's citation.
    ("Eculizumab for atypical HUS (vol 360, pg 542, 2009)", "erratum",
     "eculizumab for atypical hus"),
    ("Eculizumab for atypical HUS (New England Journal of Medicine (2009) 360 (542-544))",
     "erratum", "eculizumab for atypical hus"),
    ("Erratum: Eculizumab for atypical HUS", "erratum", "erratum eculizumab for atypical hus"),
    ("Eculizumab for atypical HUS - ERRATUM", "erratum", "eculizumab for atypical hus erratum"),
    ("Eculizumab for atypical HUS (VOL 49 PG 1624 2019)", "erratum",
     "eculizumab for atypical hus"),
    # ... or, for an article number, without "pg" and commas.
    ("Eculizumab for atypical HUS (VOL 9 E98734 2014)", "erratum",
     "eculizumab for atypical hus"),
    ("Eculizumab for atypical HUS (vol 4, 170633, 2017).", "erratum",
     "eculizumab for atypical hus"),
    ("Correction to: Eculizumab for atypical HUS", "erratum",
     "correction to eculizumab for atypical hus"),
    ("Eculizumab for atypical HUS - Authors' reply", "notice",
     "eculizumab for atypical hus authors reply"),
    ("Retraction notice: Eculizumab for atypical HUS", "notice",
     "retraction notice eculizumab for atypical hus"),
    # A bracketed number in a title is no citation.
    ("Eculizumab for atypical HUS (phase 2, 24 weeks)", "",
     "eculizumab for atypical hus phase 2 24 weeks"),
    ("Eculizumab for atypical HUS (volume 2 of 3, 2019)", "",
     "eculizumab for atypical hus volume 2 of 3 2019"),
])
def test_notices_are_told_apart_and_errata_lose_the_cited_article(title, kind, clean) -> None:
    keys = _keys(title=[title])
    assert (keys.at[0, "n_kind"], keys.at[0, "n_title"]) == (kind, clean)


def test_a_note_cut_off_at_the_end_of_a_title_is_dropped_but_not_a_bracketed_title() -> None:
    keys = _keys(title=[
        "Anti-factor H antibodies after transplantation.[Erratum appears in Am J Transplant. "
        "2009;9(9):2205].[Erratum",
        "[Prevention of the postpericardiotomy syndrome: a review of the COPPS trial and",
    ])
    assert keys["n_title"].tolist() == [
        "anti factor h antibodies after transplantation",
        "prevention of the postpericardiotomy syndrome a review of the copps trial and"]
    assert keys["n_kind"].tolist() == ["", ""]


def test_the_original_title_after_its_language_is_dropped_on_one_line_or_two() -> None:
    keys = _keys(title=[
        "Adaptation of the rat small intestine to ischemia. Russian\nAdaptatsiia tonkoi kishki",
        "Adaptation of the rat small intestine to ischemia. Russian Adaptatsiia tonkoi kishki",
        "Adaptation of the rat small intestine to ischemia. Russian",
        "Survey of diets in adolescents. Italian data",  # not a language note: lower case
    ])
    assert keys["n_title"].tolist() == [
        "adaptation of the rat small intestine to ischemia",
        "adaptation of the rat small intestine to ischemia",
        "adaptation of the rat small intestine to ischemia",
        "survey of diets in adolescents italian data"]


def test_a_month_for_the_issue_is_its_number() -> None:
    keys = _keys(issue=["May", "june", "Dec.", "Suppl 2", "05", None])
    assert keys["n_issue"].tolist() == ["5", "6", "12", "2", "5", ""]


def test_given_names_are_kept_only_where_every_author_has_one() -> None:
    keys = _keys(authors=["Carignani, Andrea and Negri, Lorenzo", "Andrea, C.; Lorenzo, N.",
                          "Doe JA; Roe K", "Smith, John; Jones, K.", None])
    assert keys["n_given"].tolist() == ["andrea lorenzo", "", "", "", ""]
    assert keys["n_authors"].tolist()[:2] == ["carignani negri", "andrea lorenzo"]


@pytest.mark.parametrize(("a", "b", "conflict"), [
    ("delta 8 thc in rats", "delta 9 thc in rats", True),
    ("insulin in type 1 diabetes", "insulin in type 2 diabetes", True),
    ("a trial in 10 000 women", "a trial in 10000 women", False),  # split, not replaced
    ("the l 16 215 orthogonal array", "the l 1 6 2 1 5 orthogonal array", False),  # a subscript
    ("y5 agonist cpp 1 7 npy 19 23 in rats", "y 5 agonist in rats", False),  # a bracket lost
    ("covid 19 in 2020", "covid in 2020", False),  # a number dropped
    ("ketamine for pain", "ketamine for pain", False),
    ("", "delta 9 thc", False),
])
def test_a_number_replaced_in_a_title_is_a_conflict(a: str, b: str, conflict: bool) -> None:
    assert _number_conflict(a, b) is conflict
    assert _number_conflict(b, a) is conflict


def _pair(a: dict, b: dict) -> pd.Series:
    keys = normalize_frame(pd.DataFrame([{"record_id": "a", **a}, {"record_id": "b", **b}]))
    return pair_features(keys, np.array([[0, 1]])).iloc[0]


def test_authors_entered_the_wrong_way_round_agree() -> None:
    title = "Required abilities in online labour markets"
    right = {"title": title, "authors": "Carignani, Andrea; Negri, Lorenzo"}
    assert _pair(right, {"title": title, "authors": "Andrea, C.; Lorenzo, N."})["author_sim"] == 1.0
    # Only the whole list: one given name that is somebody's surname is not enough.
    other = {"title": title, "authors": "Andrea, P.; Okafor, C.; Berg, L."}
    assert _pair(right, other)["author_sim"] < 0.8
    # And only where the titles agree: the swap is not looked for elsewhere.
    elsewhere = {"title": "Ketamine for chronic pain", "authors": "Andrea, C.; Lorenzo, N."}
    assert _pair(right, elsewhere)["author_sim"] < 0.5


@pytest.mark.parametrize(("a", "b", "conflict"), [
    ("Photobiomodulation in implant dentistry: Part II", "photobiomodulation in implant "
     "dentistry part 2", False),  # one database's numerals, another's digits
    ("Photobiomodulation in implant dentistry: Part II", "Photobiomodulation in implant "
     "dentistry: Part I", True),
    ("Ketamine: study 02", "Ketamine: study 2", False),
    ("Ketamine: phase iv", "Ketamine: phase 3", True),
])
def test_parts_are_compared_as_numbers(a: str, b: str, conflict: bool) -> None:
    assert _pair({"title": a}, {"title": b})["part_conflict"] is np.bool_(conflict)


def test_a_doi_prefix_written_twice_is_written_once() -> None:
    keys = _keys(doi=["10.3779/10.3779/j.issn.1009-3419.2018.11.07",
                      "10.3779/j.issn.1009-3419.2018.11.07", "10.1000/10.1000"])
    once = "10.3779/j.issn.1009-3419.2018.11.07"
    assert keys["n_doi"].tolist() == [once, once, "10.1000/10.1000"]
    assert keys.at[0, "n_doi_key"] == keys.at[1, "n_doi_key"]


def test_fields_moved_one_along_are_seen_from_either_side() -> None:
    lost = {"title": "The treatment of neuropathic pain", "volume": None, "issue": "26",
            "pages": "9"}
    whole = {"title": "The treatment of neuropathic pain", "volume": "26", "issue": "9",
             "pages": "1746"}
    assert _pair(lost, whole)["fields_shifted"] and _pair(whole, lost)["fields_shifted"]
    other_issue = {**whole, "issue": "10"}
    assert not _pair(lost, other_issue)["fields_shifted"]


FIELDS = st.fixed_dictionaries({
    "title": st.sampled_from(["Delta 8 THC in rats", "Delta 9 THC in rats",
                              "Required abilities in online labour markets", None]),
    "authors": st.sampled_from(["Carignani, Andrea; Negri, Lorenzo", "Andrea, C.; Lorenzo, N.",
                                "Doe J", None]),
    "volume": st.sampled_from(["26", None]),
    "issue": st.sampled_from(["9", "26", "May", None]),
    "pages": st.sampled_from(["9", "1746", None]),
})


@given(FIELDS, FIELDS)
@settings(max_examples=80, deadline=None)
def test_pair_features_do_not_depend_on_the_order_of_the_records(a: dict, b: dict) -> None:
    ab, ba = _pair(a, b), _pair(b, a)
    for name in ("author_sim", "title_sim", "number_conflict", "fields_shifted",
                 "notice_conflict", "erratum_conflict", "issue_eq", "issue_conflict"):
        assert ab[name] == ba[name], name
    assert 0.0 <= ab["author_sim"] <= 1.0
