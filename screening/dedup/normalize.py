"""Comparison keys for deduplication, computed for a whole frame at once (pandas, in C).

Every key is a plain string (empty when the field is missing) so that blocking can
group on it and rapidfuzz can compare it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pandas as pd

from screening import columns as C

__all__ = ["NORMALIZED_COLUMNS", "normalize_frame"]

#: Columns added by normalize_frame (all strings; "" when missing).
NORMALIZED_COLUMNS = (
    "n_title", "n_title_key", "n_authors", "n_first_author", "n_year", "n_journal",
    "n_volume", "n_issue", "n_page", "n_doi", "n_doi_key", "n_pmid", "n_abstract", "n_kind",
    "n_translated",
)

_NOTICE = re.compile(
    r"^(erratum|errata|correction|corrigendum|retraction|retracted|withdrawn|expression of concern"
    r"|reply|response|in reply|comment on|commentary on|letter to the editor|author reply)\b"
)
# Notes that MEDLINE/Ovid append to titles ("[Review] [33 refs]", "[see comments]",
# "erratum appears in N Engl J Med 2009 Jun"): not part of the title.
_TITLE_NOTES = re.compile(
    r"\[[^\]]*\b(?:refs?|review|comments?|erratum|letter|abstract|editorial|retracted|"
    r"corrected|published|see|author'?s? transl|in process)\b[^\]]*\]"
    r"|\b(?:erratum|errata|comment|retraction)s?\s+(?:appears?|in)\s+.*$",
    re.IGNORECASE,
)
_SOURCE = re.compile(
    r"^(?P<name>[a-z][a-z ]*?) (?P<volume>\d+)(?: (?P<issue>\d+)(?: \d+)?)? pp (?P<page>\d+)"
)
_STOP = r"\b(?:the|of|and|for|in|on|a|an|de|la|le|und|der|die|das|journal)\b"


def _ascii_lower(series: pd.Series) -> pd.Series:
    text = series.fillna("").astype(str)
    text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return text.str.lower()


def _words(series: pd.Series) -> pd.Series:
    text = _ascii_lower(series).str.replace(r"<[^>]{1,40}>", " ", regex=True)
    text = text.str.replace(r"&[a-z]+;", " ", regex=True)
    return text.str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def _surnames(authors: pd.Series) -> tuple[pd.Series, pd.Series]:
    """All surnames ("smith jones") and the first author's surname, from author lists.

    Accepts ``Family, Given; Family, Given`` (litsieve) and ``Family, G and Family, G``
    (BibTeX) and ``Family G`` (MEDLINE AU) forms.
    """
    raw = authors.fillna("").astype(str)
    # "KobingerW.WallandA." (names glued to initials, no separators): split after the
    # initials where a capitalised name starts, and drop the initials.
    glued = raw.str.contains(r"[a-z][A-Z]\.", regex=True) & ~raw.str.contains(r"[,;]", regex=True)
    if glued.any():
        fixed = raw[glued].str.replace(r"\.(?=[A-Z][a-z])", ".;", regex=True)
        fixed = fixed.str.replace(r"(?:\s?[A-Z]\.)+(?=;|$)", ",", regex=True)
        raw = raw.mask(glued, fixed)
    text = _ascii_lower(raw).str.replace(r"\s+and\s+", ";", regex=True)
    people = text.str.split(";")
    exploded = people.explode()
    family = exploded.str.split(",").str[0].str.strip()
    # "Smith JA" (no comma): the family name is the first word.
    no_comma = ~exploded.fillna("").str.contains(",", regex=False)
    family = family.where(~no_comma, exploded.str.strip().str.split(" ").str[0])
    family = family.str.replace(r"[^a-z]+", "", regex=True).fillna("")
    grouped = family.groupby(level=0)
    all_names = grouped.agg(lambda names: " ".join(n for n in names if n))
    first = grouped.first()
    return all_names.reindex(authors.index, fill_value=""), first.reindex(
        authors.index, fill_value=""
    )


def normalize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with the NORMALIZED_COLUMNS added."""
    out = frame.copy()
    get = lambda name: frame[name] if name in frame.columns else pd.Series("", index=frame.index)  # noqa: E731
    title = _words(get(C.TITLE).fillna("").astype(str).str.replace(_TITLE_NOTES, " ", regex=True))
    # Translated titles are bracketed in PubMed; a trailing period or bracket is noise.
    out["n_title"] = title
    out["n_title_key"] = title.str.replace(" ", "", regex=False)
    out["n_authors"], out["n_first_author"] = _surnames(get(C.AUTHORS))
    year = pd.to_numeric(get(C.YEAR), errors="coerce")
    out["n_year"] = year.astype("Int64").astype(str).replace("<NA>", "")
    journal = _words(get(C.JOURNAL))
    # Embase's legacy "Source" string in the journal field:
    # "pharmacological reports 62 6 pp 1204 1210 2010 date publication 2010".
    cited = journal.str.extract(_SOURCE)
    has_source = cited["name"].notna()
    journal = journal.mask(has_source, cited["name"]).str.replace(_STOP, " ", regex=True)
    out["n_journal"] = journal.str.replace(r"\s+", " ", regex=True).str.strip()
    volume = get(C.VOLUME).fillna("").astype(str).str.extract(r"(\d+)", expand=False).fillna("")
    out["n_volume"] = volume.mask((volume == "") & has_source, cited["volume"].fillna(""))
    issue = get(C.ISSUE) if C.ISSUE in frame.columns else get("number")
    issue = issue.fillna("").astype(str).str.extract(r"(\d+)", expand=False).fillna("")
    out["n_issue"] = issue.mask((issue == "") & has_source, cited["issue"].fillna(""))
    pages = get(C.START_PAGE) if C.START_PAGE in frame.columns else get(C.PAGES)
    # Digits only: "i221", "d767" and "221" are the same first page in different databases.
    page = pages.fillna("").astype(str).str.extract(r"(\d+)", expand=False).fillna("")
    page = page.mask((page == "") & has_source, cited["page"].fillna(""))
    # A "page" equal to the publication year is a year put in the wrong field.
    out["n_page"] = page.mask(page == out["n_year"], "")
    doi = _ascii_lower(get(C.DOI)).map(unquote)  # "%28" in DOIs copied from URLs
    doi = doi.str.extract(r"(10\.\d{4,9}/\S+)", expand=False).fillna("")
    out["n_doi"] = doi.str.rstrip(".,;")
    # Compared without leading zeros in number runs: "10.1002/rnj.027" = "10.1002/rnj.27".
    out["n_doi_key"] = out["n_doi"].str.replace(r"(?<![0-9])0+(?=[0-9])", "", regex=True)
    pmid = get(C.PMID).fillna("").astype(str)
    out["n_pmid"] = pmid.str.extract(r"(\d+)", expand=False).fillna("")
    out["n_abstract"] = _words(get(C.ABSTRACT)).str.slice(0, 400)
    kind = pd.Series("", index=frame.index)
    notice = title.str.match(_NOTICE)
    flags = get(C.FLAGS).fillna("").astype(str)
    kind = kind.mask(notice | flags.str.contains(r"erratum|retraction_notice|comment", regex=True),
                     "notice")
    kind = kind.mask((kind == "") & flags.str.contains("conference_abstract", regex=False),
                     "conference")
    kind = kind.mask((kind == "") & flags.str.contains("preprint", regex=False), "preprint")
    out["n_kind"] = kind
    out["n_translated"] = flags.str.contains("translated_title", regex=False) | get(
        C.TITLE
    ).fillna("").astype(str).str.match(r"^\[.*\]\.?$")
    return out
