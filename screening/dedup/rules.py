"""Deduplication rules: data, in precedence order; the first rule that fires decides.

Each rule has a readable id, a description, a vectorised condition over the pair
features (similarity.py) and an outcome: ``duplicate``, ``maybe`` (a person decides) or
``distinct``. Every pair keeps the id of the rule that decided it. Safeguards come first,
so no similarity can override them: records with different PMIDs or accession numbers of
one database are never merged automatically, nor records with two DOIs of one registrant
unless the rest of the citation is identical, page range included (one DOI is wrong), or
they are versions of one Cochrane review; and a notice (erratum, retraction, comment,
reply) is never a duplicate of the article it is about. The config's ``[dedup]`` decides
conference abstracts, preprints and Cochrane versions (``build_rules``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DISTINCT", "DUPLICATE", "MAYBE", "RULES", "Rule", "apply_rules", "build_rules"]

DUPLICATE = "duplicate"
MAYBE = "maybe"
DISTINCT = "distinct"

Condition = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Rule:
    """A named decision: when ``condition`` holds (and no earlier rule fired), ``outcome``."""

    id: str
    description: str
    condition: Condition
    outcome: str


def _same_title(f: pd.DataFrame, threshold: float) -> pd.Series:
    return (f["title_sim"] >= threshold) | (f["title_tokens"] >= threshold + 0.02)


def _authors_agree(f: pd.DataFrame, threshold: float) -> pd.Series:
    return f["author_missing"] | (f["author_sim"] >= threshold) | f["first_author_eq"]


def _container_conflict(f: pd.DataFrame) -> pd.Series:
    # The first page is the most reliable locator: databases garble volumes of supplements
    # ("1" for "61") and issues ("Suppl. 1"), so an equal first page outranks them.
    return f["page_conflict"] | (f["volume_conflict"] & ~f["page_eq"])


def _no_container_conflict(f: pd.DataFrame) -> pd.Series:
    return ~_container_conflict(f) & f["journal_ok"]


def _contained_title(f: pd.DataFrame) -> pd.Series:
    # One title inside the other (a bilingual title, a subtitle dropped); for short titles
    # a partial match means little ("pets for the ..."), so six words at least.
    return (f["title_partial"] >= 0.95) & (f["title_words"] >= 6)


def _short_title_citation(f: pd.DataFrame) -> pd.Series:
    # Authors, journal and the issue must agree, and something specific to the item: the
    # volume and page, or (the title identical and the year equal) the volume, the page or
    # the abstract. Authors must be present: "Editorial" alone says nothing.
    base = f["journal_ok"] & ~f["issue_conflict"] & _authors_agree(f, 0.9)
    located = f["volume_eq"] & f["page_eq"]
    same = ((f["title_sim"] >= 0.999) & ~f["author_missing"] & (f["year_diff"] == 0)
            & (f["volume_eq"] | f["page_eq"] | f["issue_eq"]
               | (f["abstract_both"] & (f["abstract_sim"] >= 0.95))))
    # A whole page range, or the same volume and page of an identical title, locates the
    # item even where journal names or an issue disagree.
    precise = (~f["author_missing"] & (f["year_diff"] == 0) & f["page_eq"] & (
        ((f["author_sim"] >= 0.9) & f["page_last_eq"]
         & ((f["title_sim"] >= 0.9) | (f["title_partial"] >= 0.95)))
        | ((f["author_sim"] >= 0.9) & f["volume_eq"] & (f["title_sim"] >= 0.999))
        # The whole citation identical: authors may be garbled ("mckinneyjrsuomi").
        | ((f["author_sim"] >= 0.75) & f["volume_eq"] & f["page_last_eq"]
           & (f["title_sim"] >= 0.999))))
    return (base & (located | same)) | precise


def _specific_item(f: pd.DataFrame) -> pd.Series:
    # A long title, the same authors and year: no recurring column; an issue that differs
    # is a data error (record numbers in the issue field).
    return ((f["title_words"] > 10) & (f["title_sim"] >= 0.97) & ~f["author_missing"]
            & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0))


def _located(f: pd.DataFrame) -> pd.Series:
    # The same volume and the same first page or issue: one place in one journal, whatever
    # the journal is called ("Braz J Psychiatry" / "Revista Brasileira de Psiquiatria").
    return f["volume_eq"] & (f["page_eq"] | f["issue_eq"])


def _doi_on_other_items(f: pd.DataFrame) -> pd.Series:
    # One DOI, but other pages or volumes, or journals that do not compare and no shared
    # locator: the DOI names something else than at least one of the records.
    return f["doi_eq"] & (_container_conflict(f) | (~f["journal_ok"] & ~_located(f)))


def _same_container(f: pd.DataFrame) -> pd.Series:
    return (f["volume_eq"] & f["page_eq"] & f["journal_ok"] & f["journal_both"]
            & (f["year_diff"] == 0) & (f["author_sim"] >= 0.9))


def _same_page_range(f: pd.DataFrame) -> pd.Series:
    return (~f["author_missing"] & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0)
            & f["journal_ok"] & ~f["volume_conflict"] & ~f["issue_conflict"] & f["page_eq"]
            & f["page_last_eq"] & ~f["title_missing"])


def _years_close(f: pd.DataFrame) -> pd.Series:
    return f["year_diff"] <= 1  # -1 (a year missing) counts as close


_NOTICES: tuple[Rule, ...] = (
    Rule("notice_same_item", "an erratum and a record of the same volume, issue, page, year "
         "and authors under the article's title alone: both are the erratum (one database "
         "dropped \"Erratum:\"), never the article, which is printed elsewhere. Not where "
         "both give one page range: an erratum fills a page, an article's range is its own",
         lambda f: f["erratum_conflict"] & f["volume_eq"] & f["page_eq"] & ~f["page_last_eq"]
         & ~f["page_last_conflict"] & ~f["issue_conflict"] & (f["year_diff"] == 0)
         & ~f["author_missing"] & (f["author_sim"] >= 0.9)
         & ((f["title_partial"] >= 0.95) | (f["title_tokens"] >= 0.8)), DUPLICATE),
    Rule("notice_vs_article",
         "an erratum, retraction, comment or reply is not a duplicate of its article",
         lambda f: f["notice_conflict"], DISTINCT),
    Rule("part_number_differs", "titles name different parts (Part I / Part II, Study 1 / 2)",
         lambda f: f["part_conflict"], DISTINCT),
)

_SAFEGUARDS: tuple[Rule, ...] = (
    Rule("pmid_differs", "different PMIDs: never merged automatically",
         lambda f: f["pmid_conflict"] & _same_title(f, 0.95) & _authors_agree(f, 0.8), MAYBE),
    Rule("pmid_differs_distinct", "different PMIDs and different metadata",
         lambda f: f["pmid_conflict"], DISTINCT),
    Rule("accession_differs",
         "different accession numbers from the same database: never merged automatically",
         lambda f: f["accession_conflict"] & _same_title(f, 0.95), MAYBE),
    Rule("accession_differs_distinct", "different accession numbers from the same database",
         lambda f: f["accession_conflict"], DISTINCT),
)

_COMPARISONS: tuple[Rule, ...] = (
    Rule("doi_wrong_same_citation", "different DOIs of one registrant on records with the "
         "same title, authors, journal, volume, issue and whole page range: one DOI is wrong",
         lambda f: f["doi_conflict"] & (f["title_sim"] >= 0.97) & ~f["author_missing"]
         & (f["author_sim"] >= 0.75) & (f["year_diff"] == 0) & f["volume_eq"] & f["page_eq"]
         & f["page_last_eq"] & ~f["issue_conflict"] & f["journal_ok"] & ~f["kind_conflict"],
         DUPLICATE),
    Rule("doi_typo", "DOIs of one registrant one character apart on records with the same "
         "title, authors, year and container: one DOI mistyped",
         lambda f: f["doi_typo"] & (f["title_sim"] >= 0.97) & ~f["author_missing"]
         & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0) & _no_container_conflict(f)
         & ~f["issue_conflict"] & ~f["kind_conflict"], DUPLICATE),
    Rule("doi_differs", "different DOIs of one registrant (versions, companion papers): "
         "a person decides",
         lambda f: f["doi_conflict"] & _same_title(f, 0.97) & _authors_agree(f, 0.9)
         & _no_container_conflict(f) & (f["year_diff"] == 0), MAYBE),
    Rule("doi_differs_republished", "different DOIs of one registrant on the same long "
         "title by the same authors in the same journal, a year apart or less, elsewhere in "
         "it: an article printed twice, or two items; a person decides",
         lambda f: f["doi_conflict"] & (f["title_sim"] >= 0.99) & (f["title_words"] >= 6)
         & ~f["author_missing"] & (f["author_sim"] >= 0.95) & f["journal_ok"]
         & f["journal_both"] & _years_close(f) & ~f["kind_conflict"], MAYBE),
    Rule("doi_differs_distinct", "different DOIs of one registrant",
         lambda f: f["doi_conflict"], DISTINCT),
    Rule("doi_other_registrant", "DOIs of two registrants (a journal that changed publisher) "
         "and the same citation",
         lambda f: f["doi_other_registrant"] & _same_title(f, 0.95) & _authors_agree(f, 0.8)
         & (f["year_diff"] == 0) & f["volume_eq"] & f["page_eq"] & ~f["issue_conflict"]
         & (f["title_words"] > 3), DUPLICATE),
    Rule("doi_other_registrant_distinct", "DOIs of two registrants, citations differ",
         lambda f: f["doi_other_registrant"], DISTINCT),
    Rule("title_number_differs", "titles that differ in a number (delta-8 / delta-9 THC, "
         "type 1 / type 2), whatever else agrees: a person decides",
         lambda f: f["number_conflict"] & ~f["pmid_eq"] & ~_container_conflict(f)
         & _same_title(f, 0.85), MAYBE),
    Rule("doi_match", "same DOI, the same title, authors and year",
         lambda f: f["doi_eq"] & _same_title(f, 0.9) & _authors_agree(f, 0.8) & _years_close(f)
         & ~(_container_conflict(f) & ~f["journal_ok"]), DUPLICATE),
    Rule("doi_match_year_wrong", "same DOI, the same title and authors, but years far "
         "apart: one year is wrong (a DOI names one item)",
         lambda f: f["doi_eq"] & (f["title_sim"] >= 0.99) & ~f["author_missing"]
         & (f["author_sim"] >= 0.9) & (f["year_diff"] > 1) & ~_container_conflict(f),
         DUPLICATE),
    Rule("doi_shared_titles_differ", "same DOI on records of different journals, volumes or "
         "pages and with other titles: a supplement's or an issue's DOI on each of its "
         "abstracts, so two items",
         lambda f: _doi_on_other_items(f) & ~f["title_missing"] & (f["title_tokens"] < 0.7)
         & (f["title_partial"] < 0.95),
         DISTINCT),
    Rule("doi_shared_by_different_items",
         "same DOI on records of different journals, volumes or pages (a supplement's DOI, "
         "or a DOI attached to the wrong record): a person decides",
         _doi_on_other_items, MAYBE),
    Rule("doi_match_title_changed", "same DOI, a title that was translated, truncated or "
         "is missing",
         lambda f: f["doi_eq"] & (f["title_missing"] | (f["title_tokens"] >= 0.8)
                                  | (f["title_partial"] >= 0.95)), DUPLICATE),
    Rule("pmid_match", "same PMID", lambda f: f["pmid_eq"], DUPLICATE),
    Rule("year_far", "same title but publication years more than a year apart",
         lambda f: f["year_diff"] > 1, DISTINCT),
    Rule("fields_shifted", "the same title, authors, year and journal, and the volume, issue "
         "and page of one record moved one field along in the other (volume lost in export)",
         lambda f: f["fields_shifted"] & (f["title_sim"] >= 0.999) & ~f["author_missing"]
         & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0) & f["journal_ok"], DUPLICATE),
    Rule("first_page_typo", "the same title (or one inside the other), authors, year, "
         "journal, volume, issue and last page, but another first page: one mistyped",
         lambda f: f["page_conflict"] & f["page_last_eq"] & f["volume_eq"] & f["issue_eq"]
         & ~f["author_missing"] & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0)
         & f["journal_ok"] & ((f["title_sim"] >= 0.97) | _contained_title(f)), DUPLICATE),
    Rule("page_garbled", "the same title, authors, year, journal and volume, but another "
         "first page, which one database garbled (a date's day in the pages field)",
         lambda f: f["page_conflict"] & ~f["title_missing"] & ~f["author_missing"]
         & (f["author_sim"] >= 0.9)
         & (f["year_diff"] == 0) & ~f["volume_conflict"] & ~f["issue_conflict"]
         & f["journal_ok"] & (((f["title_sim"] >= 0.999) & f["volume_eq"])
                              | ((f["title_sim"] >= 0.97) & f["page_day"])), DUPLICATE),
    Rule("abstract_printed_twice", "the same long title, authors, year and journal, no "
         "volume in either record and other pages: one meeting abstract printed in two "
         "supplements",
         lambda f: f["page_conflict"] & f["volume_none"] & (f["title_sim"] >= 0.99)
         & (f["title_words"] >= 6) & ~f["author_missing"] & (f["author_sim"] >= 0.95)
         & (f["year_diff"] == 0) & f["journal_ok"] & f["journal_both"], DUPLICATE),
    Rule("container_differs", "same title but a different first page, or volume",
         lambda f: _container_conflict(f), DISTINCT),
    Rule("issue_differs", "same volume but another issue, and no first page to compare "
         "(a recurring column such as \"Editor's Comments\")",
         lambda f: f["issue_conflict"] & ~f["page_eq"] & ~f["doi_eq"] & ~_specific_item(f),
         DISTINCT),
    Rule("short_title", "a short or generic title (editorials, columns): duplicate only with "
         "the same authors, journal and year, and the same volume, page or abstract",
         lambda f: (f["title_words"] <= 5) & ~_short_title_citation(f), DISTINCT),
    Rule("citation_match", "same title, authors, year, volume and first page (journal names "
         "transliterated or abbreviated differently)",
         lambda f: _same_title(f, 0.97) & ((f["author_sim"] >= 0.75) | f["first_author_eq"])
         & (f["year_diff"] == 0) & f["volume_eq"] & f["page_eq"] & ~f["issue_conflict"],
         DUPLICATE),
    Rule("same_citation", "the same title (or one inside the other), year, issue, first "
         "page and volume (or one volume missing); the authors may be written differently "
         "(compound names, transliteration)",
         lambda f: (_same_title(f, 0.95) | _contained_title(f)) & (f["year_diff"] == 0)
         & f["page_eq"] & (f["volume_eq"] | (~f["volume_conflict"] & f["journal_ok"]))
         & ~f["issue_conflict"], DUPLICATE),
    Rule("same_citation_issue_garbled", "the same title, authors, year, volume and first "
         "page, but another issue or journal name (an issue field holding a record number, "
         "a journal named in two languages)",
         lambda f: (f["title_sim"] >= 0.97) & ~f["author_missing"] & (f["author_sim"] >= 0.9)
         & (f["year_diff"] == 0) & f["volume_eq"] & f["page_eq"], DUPLICATE),
    Rule("page_range_issue_garbled", "the same authors, year, volume and whole page range "
         "and a close title (one inside the other, or reworded in translation), but another "
         "issue: an issue field holding a record number",
         lambda f: f["issue_conflict"] & f["volume_eq"] & f["page_eq"] & f["page_last_eq"]
         & ~f["author_missing"] & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0)
         & ((f["title_tokens"] >= 0.75) | (f["title_partial"] >= 0.95)), DUPLICATE),
    Rule("same_pages_journal_renamed", "the same title, authors, year and first page, and "
         "the same last page or issue, under journal names that do not compare "
         "(transliterated, abbreviated without prefixes, or garbled)",
         lambda f: (f["title_sim"] >= 0.97) & ~f["author_missing"] & (f["author_sim"] >= 0.9)
         & (f["year_diff"] == 0) & f["page_eq"] & (f["page_last_eq"] | f["issue_eq"])
         & ~f["volume_conflict"] & ~f["issue_conflict"], DUPLICATE),
    Rule("same_issue_journal_renamed", "the same long title, authors, year, volume and issue "
         "under journal names that do not compare (a journal's name in two languages)",
         lambda f: (f["title_sim"] >= 0.99) & (f["title_words"] >= 6) & ~f["author_missing"]
         & (f["author_sim"] >= 0.9) & (f["year_diff"] == 0) & f["volume_eq"] & f["issue_eq"]
         & ~f["page_conflict"], DUPLICATE),
    Rule("contained_title_same_issue", "one title inside the other (a column's heading "
         "added), the same authors, year, journal and issue, and no volume or page that "
         "differs",
         lambda f: _contained_title(f) & ~f["author_missing"] & (f["author_sim"] >= 0.9)
         & (f["year_diff"] == 0) & f["journal_ok"] & f["journal_both"] & f["issue_eq"]
         & ~f["volume_conflict"] & ~f["page_conflict"], DUPLICATE),
    Rule("metadata_match", "near-identical title, authors, year and container",
         lambda f: _same_title(f, 0.95) & _authors_agree(f, 0.8) & _years_close(f)
         & _no_container_conflict(f), DUPLICATE),
    Rule("container_match", "same journal, volume, first page, year and authors "
         "(a title truncated, or translated: given in one record only, or close)",
         lambda f: _same_container(f) & ((f["title_tokens"] >= 0.8) | _contained_title(f)
                                         | (f["translated"] & (f["title_missing"]
                                                               | (f["title_tokens"] >= 0.7)))),
         DUPLICATE),
    Rule("untitled_same_page_range", "a title missing (lost in an export or a spreadsheet), "
         "the same authors, year, journal, volume, issue and whole range of several pages: "
         "one item",
         lambda f: f["title_missing"] & ~f["author_missing"] & (f["author_sim"] >= 0.9)
         & (f["year_diff"] == 0) & f["journal_ok"] & f["journal_both"] & f["volume_eq"]
         & f["issue_eq"] & f["page_eq"] & f["page_last_eq"] & ~f["kind_conflict"], DUPLICATE),
    Rule("container_match_title_unconfirmed", "same journal, volume, first page, year and "
         "authors, but a title missing or translated too freely to confirm: a person decides",
         lambda f: _same_container(f) & (f["title_missing"] | f["translated"]), MAYBE),
    Rule("page_range_match", "the same authors, year, journal, volume and whole page range, "
         "and a similar title, one title inside the other (a subtitle or a translation "
         "added), the same DOI or the same issue (a title translated)",
         lambda f: _same_page_range(f) & ((f["title_partial"] >= 0.95) | (f["title_sim"] >= 0.9)
                                          | f["doi_eq"] | (f["volume_eq"] & f["issue_eq"])),
         DUPLICATE),
    Rule("page_range_title_differs", "the same authors, year, journal, volume and whole page "
         "range under another title, the issue unknown (translated, or a column's title "
         "against the item's): a person decides",
         _same_page_range, MAYBE),
    Rule("abstract_match", "similar title and the same abstract (titles a tenth apart name "
         "two items even under one abstract: two constructs, two doses of one study)",
         lambda f: f["abstract_both"] & (f["abstract_sim"] >= 0.95) & _same_title(f, 0.9)
         & _authors_agree(f, 0.7) & _years_close(f) & _no_container_conflict(f), DUPLICATE),
    Rule("similar_title", "similar title, some metadata unclear: a person decides",
         lambda f: _same_title(f, 0.9) & _authors_agree(f, 0.6) & _years_close(f), MAYBE),
    Rule("different", "nothing matches well enough", lambda f: pd.Series(True, index=f.index),
         DISTINCT),
)


def _related_reports(rule_id: str, what: str, conflict: str, policy: str) -> tuple[Rule, ...]:
    """Two reports of one work in different forms (a conference abstract and the article).

    ``maybe`` by default. Configured as ``duplicate``, they are linked when the title,
    authors and year agree and no identifier differs; the rest stay ``maybe``.
    """
    def unclear(f: pd.DataFrame) -> pd.Series:
        return f[conflict] & _same_title(f, 0.85)

    if policy == MAYBE:
        return (Rule(rule_id, f"{what}: a person decides", unclear, MAYBE),)

    def agree(f: pd.DataFrame) -> pd.Series:
        return (f[conflict] & _same_title(f, 0.95) & _authors_agree(f, 0.8) & _years_close(f)
                & ~f["pmid_conflict"] & ~f["accession_conflict"] & ~f["doi_conflict"])

    return (Rule(rule_id, f"{what}, the same title, authors and year (configured as "
                 "duplicates)", agree, DUPLICATE),
            Rule(f"{rule_id}_unclear", f"{what}, metadata unclear: a person decides",
                 unclear, MAYBE))


def build_rules(*, conference_abstracts: str = MAYBE, preprints: str = MAYBE,
                cochrane_versions: str = DUPLICATE) -> tuple[Rule, ...]:
    """The rules in precedence order, with the policies of the config's ``[dedup]``."""
    for name, policy in (("conference_abstracts", conference_abstracts),
                         ("preprints", preprints), ("cochrane_versions", cochrane_versions)):
        if policy not in (MAYBE, DUPLICATE):
            raise ValueError(f"{name} must be 'maybe' or 'duplicate', not {policy!r}")
    return (
        *_NOTICES,
        *_related_reports("conference_vs_article", "a conference abstract and a journal "
                          "article", "conference_conflict", conference_abstracts),
        *_related_reports("preprint_vs_article", "a preprint and its journal version",
                          "preprint_conflict", preprints),
        *_SAFEGUARDS,
        Rule("cochrane_versions", "versions of one Cochrane review (the same CD number, and "
             "the same title, or a retitled one by the same authors): one review, updated",
             lambda f: f["cochrane_eq"] & ((f["title_sim"] >= 0.98) | (
                 ~f["author_missing"] & (f["author_sim"] >= 0.9)
                 & ((f["title_tokens"] >= 0.8) | _contained_title(f)))),
             cochrane_versions),
        *_COMPARISONS,
    )


#: The default rules (``build_rules()`` with every policy at its default).
RULES: tuple[Rule, ...] = build_rules()


def apply_rules(features: pd.DataFrame, rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """``features`` with ``outcome`` and ``rule_id`` columns: the first rule that fires."""
    outcome = np.full(len(features), "", dtype=object)
    rule_id = np.full(len(features), "", dtype=object)
    open_ = np.ones(len(features), dtype=bool)
    for rule in rules:
        if not open_.any():
            break
        fires = open_ & np.asarray(rule.condition(features), dtype=bool)
        outcome[fires] = rule.outcome
        rule_id[fires] = rule.id
        open_ &= ~fires
    out = features.copy()
    out["outcome"] = outcome
    out["rule_id"] = rule_id
    return out
