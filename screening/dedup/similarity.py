"""Pair features for deduplication: similarities in [0, 1] and agreement flags.

Similarities use rapidfuzz on whole columns of pairs at once (``process.cpdist`` with
``workers``), with the normalised keys of normalize.py, so ``processor=None``: the text
is already normalised (rapidfuzz 3 changed its default processor; we pass it explicitly).
A missing value gives similarity 0.0 and is flagged, so rules can tell "different"
from "unknown".
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Hamming

__all__ = ["pair_features", "similarity"]

_PART = re.compile(r"\b(?:part|phase|section|study|trial|report|paper|no|number|chapter)\s+"
                   r"([ivx]{1,4}|\d{1,3}|[a-d])\b")
_JOURNAL_STOP = {"the", "of", "and", "for", "in", "on", "de", "la", "le", "journal", "j"}
# A name cut down to one of these words says nothing about the journal ("international"
# for "International Conference on Information Systems"). Words that name a journal alone
# ("Science", "Medicine") are not among them.
_JOURNAL_GENERIC = {"international", "european", "american", "british", "proceedings",
                    "conference", "transactions", "annals", "archives", "bulletin"}


def similarity(a: str | None, b: str | None) -> float:
    """Normalised similarity of two texts in [0, 1]; a missing text gives 0.0."""
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b, processor=None) / 100.0


def _column_similarity(left: pd.Series, right: pd.Series, scorer, workers: int) -> np.ndarray:
    a = left.to_numpy(dtype=object)
    b = right.to_numpy(dtype=object)
    scores = process.cpdist(a, b, scorer=scorer, processor=None, workers=workers, dtype=np.float32)
    scores = scores / 100.0
    scores[(left.to_numpy() == "") | (right.to_numpy() == "")] = 0.0
    return scores


def _journal_compatible(a: str, b: str) -> bool:
    """Whether two journal names can be the same journal (abbreviation-aware).

    "nat rev nephrol" ~ "nature reviews nephrology": every word of the shorter name is a
    prefix of the matching word of the longer one, in order.
    """
    if not a or not b:
        return True
    if a == b:
        return True
    wa = [w for w in a.split() if w not in _JOURNAL_STOP]
    wb = [w for w in b.split() if w not in _JOURNAL_STOP]
    if (len(wa) == 1 and wa[0] in _JOURNAL_GENERIC) or (len(wb) == 1 and wb[0] in _JOURNAL_GENERIC):
        return True
    if _abbreviates(wa, wb) or _abbreviates(wb, wa):
        return True
    # One name glued ("arzneimittelforschung", "thescientificworldjournal"): compare letters.
    ga, gb = "".join(wa), "".join(wb)
    if min(len(ga), len(gb)) >= 10 and (ga in gb or gb in ga):
        return True
    return fuzz.token_set_ratio(a, b, processor=None) >= 90


def _abbreviates(short: list[str], long: list[str]) -> bool:
    """Every word of ``short`` is a prefix of a word of ``long``, in order.

    One last word may stay unmatched when two or more matched: abbreviations carry a
    place or year to tell journals apart ("Clin Sci (Lond)", "J Appl Physiol (1985)").
    """
    position = 0
    for index, word in enumerate(short):
        while position < len(long) and not _abbreviation(word, long[position]):
            position += 1
        if position == len(long):
            # Only a place or a year: "lond", "berl", "paris", "1985".
            return index >= 2 and index == len(short) - 1 and (word.isdigit() or len(word) <= 6)
        position += 1
    return bool(short)


def _abbreviation(short: str, word: str) -> bool:
    """``short`` abbreviates ``word``: a prefix ("psychiatr"), or from three letters on,
    the same first letter and the rest in order ("natl" for "national", "soc" for
    "society")."""
    if word.startswith(short):
        return True
    if len(short) < 3 or short[0] != word[0] or len(short) >= len(word):
        return False
    rest = iter(word[1:])
    return all(letter in rest for letter in short[1:])


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7",
          "viii": "8", "ix": "9", "x": "10"}


def _parts(title: str) -> frozenset[str]:
    # "Part II" in one database is "Part 2" in another.
    return frozenset(_ROMAN.get(part, part.lstrip("0") or "0")
                     for part in _PART.findall(title)) if title else frozenset()


def _number_conflict(a: str, b: str) -> bool:
    """The titles carry other numbers ("delta 8 thc" / "delta 9 thc", "type 1" / "type 2").

    Each title has a number the other lacks, and neither title's digits, in order, are
    inside the other's: a number dropped or split by an export ("10 000" / "10000", a
    subscript "l16" / "l 1 6", a bracket of residues lost) is no conflict.
    """
    if a == b:
        return False
    na = {w for w in a.split() if w.isdigit()}
    nb = {w for w in b.split() if w.isdigit()}
    if not (na - nb and nb - na):
        return False
    da, db = "".join(filter(str.isdigit, a)), "".join(filter(str.isdigit, b))
    return not (_subsequence(da, db) or _subsequence(db, da))


def _subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(char in rest for char in short)


def _swapped_authors(left: pd.DataFrame, right: pd.DataFrame, rows: np.ndarray,
                     workers: int) -> np.ndarray:
    """Author similarity of ``rows`` with one list's given names read as surnames (a list
    entered the wrong way round: "Andrea, C." for Carignani, Andrea)."""
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    lg, rg = left["n_given"].iloc[rows], right["n_given"].iloc[rows]
    la, ra = left["n_authors"].iloc[rows], right["n_authors"].iloc[rows]
    # The whole list in order (token_sort), not a subset: given names such as Thomas are
    # surnames too.
    return np.maximum(_column_similarity(lg, ra, fuzz.token_sort_ratio, workers),
                      _column_similarity(la, rg, fuzz.token_sort_ratio, workers))


def _shifted(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    return ((a["n_volume"] == "") & (a["n_issue"] != "") & (a["n_issue"] == b["n_volume"])
            & (a["n_page"] != "") & (a["n_page"] == b["n_issue"]))


def pair_features(normalized: pd.DataFrame, pairs: np.ndarray, *, workers: int = 1) -> pd.DataFrame:
    """One row per candidate pair: similarities and agreement flags of records i and j."""
    left = normalized.iloc[pairs[:, 0]].reset_index(drop=True)
    right = normalized.iloc[pairs[:, 1]].reset_index(drop=True)
    out = pd.DataFrame({"i": pairs[:, 0], "j": pairs[:, 1]})
    out["title_sim"] = _column_similarity(left["n_title"], right["n_title"], fuzz.ratio, workers)
    out["title_tokens"] = _column_similarity(
        left["n_title"], right["n_title"], fuzz.token_sort_ratio, workers
    )
    out["title_missing"] = (left["n_title"] == "") | (right["n_title"] == "")
    out["author_sim"] = _column_similarity(
        left["n_authors"], right["n_authors"], fuzz.token_set_ratio, workers
    )
    out["author_missing"] = (left["n_authors"] == "") | (right["n_authors"] == "")
    # Lists entered the wrong way round, looked at only where the authors disagree and the
    # titles do not.
    unsure = np.flatnonzero((out["author_sim"].to_numpy() < 0.8)
                            & (out["title_sim"].to_numpy() >= 0.9))
    out.loc[unsure, "author_sim"] = np.maximum(
        out["author_sim"].to_numpy()[unsure], _swapped_authors(left, right, unsure, workers))
    out["first_author_eq"] = (left["n_first_author"] == right["n_first_author"]) & (
        left["n_first_author"] != ""
    )
    out["abstract_sim"] = _column_similarity(
        left["n_abstract"], right["n_abstract"], fuzz.ratio, workers
    )
    both_abstract = (left["n_abstract"] != "") & (right["n_abstract"] != "")
    out["abstract_both"] = both_abstract
    ly = pd.to_numeric(left["n_year"], errors="coerce")
    ry = pd.to_numeric(right["n_year"], errors="coerce")
    out["year_diff"] = (ly - ry).abs().fillna(-1).astype(int)  # -1: a year is missing
    out["title_partial"] = _column_similarity(
        left["n_title"], right["n_title"], fuzz.partial_ratio, workers
    )
    for name, column in (("volume", "n_volume"), ("issue", "n_issue"), ("page", "n_page"),
                         ("doi", "n_doi_key"), ("pmid", "n_pmid"), ("cochrane", "n_cochrane"),
                         ("page_last", "n_page_last")):
        both = (left[column] != "") & (right[column] != "")
        equal = left[column] == right[column]
        out[f"{name}_eq"] = both & equal
        out[f"{name}_conflict"] = both & ~equal
    out["volume_none"] = (left["n_volume"] == "") & (right["n_volume"] == "")
    out["page_day"] = out["page_conflict"] & (
        (left["n_page_day"] != "") | (right["n_page_day"] != ""))
    # Two DOIs of one registrant are two items (article and erratum, two versions); DOIs of
    # two registrants can name one article whose journal changed publisher.
    same_registrant = left["n_doi_registrant"] == right["n_doi_registrant"]
    # One DOI the start of the other was cut short by an export: unknown, not a conflict.
    conflict = out["doi_conflict"].to_numpy().copy()
    typo = np.zeros(len(out), dtype=bool)
    for k in np.flatnonzero(conflict):  # only pairs with two different DOIs
        a, b = left.at[k, "n_doi_key"], right.at[k, "n_doi_key"]
        conflict[k] = not (a.startswith(b) or b.startswith(a))
        # One character mistyped or misread ("jas.2014-7190" / "jas.2013-7190"); not the
        # last, which numbers versions ("f1000research.12345.1" / ".2").
        typo[k] = (conflict[k] and len(a) == len(b) >= 12 and a[-1] == b[-1]
                   and Hamming.distance(a, b) == 1)
    out["doi_conflict"] = conflict
    out["doi_typo"] = typo & same_registrant.to_numpy()
    out["doi_other_registrant"] = out["doi_conflict"] & ~same_registrant
    out["doi_conflict"] = out["doi_conflict"] & same_registrant
    out["journal_ok"] = [
        _journal_compatible(a, b)
        for a, b in zip(left["n_journal"], right["n_journal"], strict=True)
    ]
    out["journal_both"] = (left["n_journal"] != "") & (right["n_journal"] != "")
    # One title translated, the other in the original language: titles cannot agree. (Two
    # translations of one article usually do agree, so they get no such allowance.)
    out["translated"] = left["n_translated"] != right["n_translated"]
    out["kind_conflict"] = left["n_kind"] != right["n_kind"]
    notices = ("notice", "erratum")
    out["notice_conflict"] = out["kind_conflict"] & (
        left["n_kind"].isin(notices) | right["n_kind"].isin(notices))
    # An erratum against a record of no kind (not a reply or a conference abstract).
    out["erratum_conflict"] = (((left["n_kind"] == "erratum") & (right["n_kind"] == ""))
                               | ((left["n_kind"] == "") & (right["n_kind"] == "erratum")))
    # A record's volume, issue and page moved one field along in the other record (an
    # export that lost the volume: volume "", issue 26, pages 9 for volume 26, issue 9).
    out["fields_shifted"] = _shifted(left, right) | _shifted(right, left)
    out["conference_conflict"] = out["kind_conflict"] & ~out["notice_conflict"] & (
        (left["n_kind"] == "conference") | (right["n_kind"] == "conference"))
    out["preprint_conflict"] = (out["kind_conflict"] & ~out["notice_conflict"]
                                & ~out["conference_conflict"])
    out["part_conflict"] = [
        _parts(a) != _parts(b) for a, b in zip(left["n_title"], right["n_title"], strict=True)
    ]
    out["number_conflict"] = [
        _number_conflict(a, b) for a, b in zip(left["n_title"], right["n_title"], strict=True)
    ]
    out["title_words"] = np.minimum(
        left["n_title"].str.count(" ").to_numpy() + 1,
        right["n_title"].str.count(" ").to_numpy() + 1,
    )
    same_db = (left.get("database", pd.Series("", index=left.index)).fillna("") ==
               right.get("database", pd.Series("", index=right.index)).fillna(""))
    lid = left.get("native_id", pd.Series("", index=left.index)).fillna("")
    rid = right.get("native_id", pd.Series("", index=right.index)).fillna("")
    out["accession_conflict"] = same_db & (lid != "") & (rid != "") & (lid != rid) & (
        left.get("database", pd.Series("", index=left.index)).fillna("") != ""
    )
    return out
