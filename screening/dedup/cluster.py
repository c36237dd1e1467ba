"""Clusters of duplicates: a union of duplicate pairs that never joins conflicting records.

Pairs are joined strongest first. Before two clusters are joined, the guard checks that
the union would not hold two different PMIDs, two different DOIs of one registrant, or
years more than one apart; if it would, the pair is downgraded to ``maybe`` (rule
``cluster_conflict``) and left for a person. Every record stays; each cluster names one
canonical record, the most complete one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screening.dedup.rules import DUPLICATE, MAYBE

__all__ = ["CLUSTER_CONFLICT", "cluster_pairs"]

CLUSTER_CONFLICT = "cluster_conflict"

# Stronger evidence joins first, so a weak link cannot pull a record into the wrong cluster.
_STRENGTH = {"kept": -1, "doi_match": 0, "pmid_match": 1, "metadata_match": 2, "container_match": 3,
             "abstract_match": 4, "cochrane_versions": 5}
# Rules that found one of two DOIs wrong: they may join the two.
_ONE_DOI_WRONG = {"doi_wrong_same_citation", "doi_typo"}
_COMPLETENESS = ("n_title", "n_authors", "n_year", "n_journal", "n_volume", "n_page", "n_doi",
                 "n_pmid", "n_abstract")


def _distinct_dois(dois: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The DOIs less those cut short by an export (the start of another DOI)."""
    if len(dois) < 2:
        return dois
    return {(r, k) for r, k in dois
            if not any(r == r2 and k2 != k and k2.startswith(k) for r2, k2 in dois)}


class _Clusters:
    def __init__(self, normalized: pd.DataFrame) -> None:
        n = len(normalized)
        self.parent = np.arange(n)
        self.pmids = [{p} if p else set() for p in normalized["n_pmid"]]
        # A Cochrane review's versions have their own DOIs (.pub2, .pub3) and years; the
        # review number stands for them all.
        cochrane = normalized["n_cochrane"].to_numpy()
        # A DOI as (registrant, key): two keys of one registrant are two items.
        self.dois = [{("10.1002", c)} if c else ({(r, d)} if d else set())
                     for c, r, d in zip(cochrane, normalized["n_doi_registrant"],
                                        normalized["n_doi_key"], strict=True)]
        years = pd.to_numeric(normalized["n_year"], errors="coerce").to_numpy(
            dtype=float, copy=True)
        years[cochrane != ""] = np.nan
        self.year_lo = np.where(np.isnan(years), np.inf, years)
        self.year_hi = np.where(np.isnan(years), -np.inf, years)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union_if_consistent(self, i: int, j: int, *, force: bool = False,
                            two_dois: bool = False, year_wrong: bool = False) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        dois = self.dois[a] | self.dois[b]
        lo = min(self.year_lo[a], self.year_lo[b])
        hi = max(self.year_hi[a], self.year_hi[b])
        if not force:
            if len(self.pmids[a] | self.pmids[b]) > 1:
                return False
            # Two DOIs of one registrant are two items; DOIs of different registrants may
            # name one article (a journal that changed publisher), which the rules checked.
            distinct = _distinct_dois(dois)
            if (len({registrant for registrant, _ in distinct}) < len(distinct)
                    and not (two_dois and len(distinct) == 2)):
                return False
            if np.isfinite(lo) and np.isfinite(hi) and hi - lo > 1 and not year_wrong:
                return False
        if len(self.pmids[a]) + len(self.dois[a]) < len(self.pmids[b]) + len(self.dois[b]):
            a, b = b, a
        self.parent[b] = a
        self.pmids[a] |= self.pmids[b]
        self.dois[a] |= self.dois[b]
        self.year_lo[a] = lo
        self.year_hi[a] = hi
        return True


def cluster_pairs(
    normalized: pd.DataFrame, decided: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Join duplicate pairs into clusters.

    Returns the pairs (with guard downgrades applied), the cluster root of every row, and
    a boolean array marking each cluster's canonical row.
    """
    decided = decided.copy()
    clusters = _Clusters(normalized)
    dup = decided.index[decided["outcome"] == DUPLICATE]
    strength = decided.loc[dup, "rule_id"].map(_STRENGTH).fillna(9)
    score = decided.loc[dup, "title_sim"] + decided.loc[dup, "author_sim"]
    order = pd.DataFrame({"s": strength, "score": -score}).sort_values(["s", "score"]).index
    refused = []
    rows = decided.loc[order, ["i", "j", "rule_id"]]
    for index, i, j, rule_id in zip(order, rows["i"].tolist(), rows["j"].tolist(),
                                    rows["rule_id"].tolist(), strict=True):
        # Links decided before (a person's, or an earlier run's) join without the guard;
        # a rule that found one DOI wrong may join the two DOIs, and no third; one that
        # found a year wrong may join years far apart.
        if not clusters.union_if_consistent(i, j, force=rule_id == "kept",
                                            two_dois=rule_id in _ONE_DOI_WRONG,
                                            year_wrong=rule_id == "doi_match_year_wrong"):
            refused.append(index)
    if refused:
        decided.loc[refused, "outcome"] = MAYBE
        decided.loc[refused, "rule_id"] = CLUSTER_CONFLICT
    roots = np.array([clusters.find(i) for i in range(len(normalized))])
    filled = sum((normalized[column] != "").astype(int) for column in _COMPLETENESS)
    rank = pd.DataFrame({"root": roots, "filled": np.asarray(filled), "row": np.arange(len(roots))})
    best = rank.sort_values(["root", "filled", "row"], ascending=[True, False, True])
    canonical = np.zeros(len(roots), dtype=bool)
    canonical[best.drop_duplicates("root")["row"].to_numpy()] = True
    return decided, roots, canonical
