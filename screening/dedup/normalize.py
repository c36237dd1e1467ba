"""Comparison keys for deduplication, computed for a whole frame at once (pandas, in C).

Every key is a plain string (empty when the field is missing) so that blocking can
group on it and rapidfuzz can compare it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from screening import columns as C
from screening.readers.fields import parse_year

__all__ = ["KEY_COLUMNS", "NORMALIZED_COLUMNS", "normalize_frame", "normalizer_version"]

#: Columns added by normalize_frame (all strings; "" when missing).
NORMALIZED_COLUMNS = (
    "n_title", "n_title_key", "n_authors", "n_first_author", "n_year", "n_journal",
    "n_volume", "n_issue", "n_page", "n_doi", "n_doi_key", "n_pmid", "n_abstract", "n_kind",
    "n_translated", "n_cochrane", "n_page_day", "n_page_last", "n_doi_registrant", "n_given",
)

#: What comparison needs of a record: its id, where it came from, its normalised keys.
KEY_COLUMNS = (C.RECORD_ID, C.DATABASE, C.NATIVE_ID, *NORMALIZED_COLUMNS)


@cache
def normalizer_version() -> str:
    """A hash of this module's code: keys cached by other code are not reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


# "Erratum: ...", or "... - ERRATUM" as Cambridge titles its corrections.
_ERRATUM = re.compile(r"^(?:erratum|errata|correction|corrigendum)\b|\b(?:erratum|corrigendum)$")
_NOTICE = re.compile(
    r"^(retraction|retracted|withdrawn|expression of concern"
    r"|reply|response|in reply|comment on|commentary on|letter to the editor|author reply)\b"
)
# The citation of the corrected article after its title: how Web of Science ("... (vol
# 360, pg 542, 2009)", or with an article number: "... (VOL 9 E98734 2014)") and Embase
# ("... (New England Journal of Medicine (2009) 360 (542-544))") title a correction
# notice. Not part of the title; the record is an erratum.
_CORRECTED_CITATION = re.compile(
    r"\(\s*vol\.?\s*\w+[^()]*?\bpg\.?\s*\w+[^()]*\)\s*\.?\s*$"
    r"|\(\s*vol\.?\s*\d+[\s,]+[a-z]?\d+[\s,]+(?:1[89]|20)\d\d\s*\)\s*\.?\s*$"
    r"|\([^()]+\(\s*(?:1[89]|20)\d\d\s*\)\s*\d[^()]*\([^()]*\d[^()]*\)\s*\)\s*\.?\s*$",
    re.IGNORECASE)
# A reply named at the end ("Thrombomodulin in ... syndrome AUTHORS REPLY").
_REPLY = re.compile(r"\b(?:authors?(?: s)? (?:reply|response)|in reply|reply to"
                    r"|response to (?:the )?(?:letter|comment|correspondence)s?)\b")
_LANGUAGE_NAMES = ("chinese", "japanese", "german", "french", "spanish", "russian", "italian",
                   "portuguese", "polish", "dutch", "korean", "turkish", "czech", "hungarian",
                   "danish", "swedish", "norwegian", "hebrew", "persian")
_LANGUAGES = "(?:" + "|".join(_LANGUAGE_NAMES) + ")"
# The same note with the original title on the same line, as an export that joins a
# field's lines with spaces writes it ("... of different ages. Italian Studio mediante
# ..."): the language capitalised after a sentence, then a capitalised word.
_LANGUAGE_THEN_ORIGINAL = re.compile(
    r"\.\s+(?:" + "|".join(name.title() for name in _LANGUAGE_NAMES) + r")\s+[A-Z].*$",
    re.DOTALL)
# Notes that MEDLINE/Ovid append to titles ("[Review] [33 refs]", "[see comments]",
# "erratum appears in N Engl J Med 2009 Jun"): not part of the title.
_TITLE_NOTES = re.compile(
    r"\[[^\]]*\b(?:refs?|review|comments?|erratum|letter|abstract|editorial|retracted|"
    r"corrected|published|see|author'?s? transl|in process)\b[^\]]*\]"
    rf"|\[(?:{_LANGUAGES}|article in \w+)\]"
    # "... the ups and downs. Polish\nTransplantacje ...": the language, then the original.
    rf"|\.\s*{_LANGUAGES}\s*(?:\n.*)?$"
    r"|\b(?:erratum|errata|comment|retraction)s?\s+(?:appears?|in)\s+.*$"
    # A note cut off by the export's field length ("... syndrome.[Erratum"), after the
    # title: a translated title in brackets cut off is no note.
    r"|(?<=[a-z0-9.)\]])\s*\[[^\]]*\b(?:refs?|review|comments?|erratum|letter|editorial"
    r"|retracted|corrected|published|see)\b[^\]]*$",
    re.IGNORECASE | re.DOTALL,
)
_SOURCE = re.compile(
    r"^(?P<name>[a-z][a-z ]*?) (?P<volume>\d+)(?: (?P<issue>\d+)(?: \d+)?)? pp (?P<page>\d+)"
)
_CITATION_TAIL = (r"(?<=[a-z]) (?:\d|conference\b|no pagination\b|suppl\b|supplement\b"
                  r"|date (?:of )?publication\b|article number\b).*$")
_LEGACY_DOI = r"10\.1007/bf\d"
_STOP = r"\b(?:the|of|and|for|in|on|a|an|de|la|le|und|der|die|das|journal)\b"
# Page ranges that a spreadsheet turned into dates: "9-20" -> "Sep-20", "1-2" -> "01-Feb".
_MONTHS = {m: str(k) for k, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTH = "(" + "|".join(_MONTHS) + ")"
_MONTH_FIRST = re.compile(rf"^\s*{_MONTH}-\d{{1,2}}\s*$", re.IGNORECASE)
# A month for the issue ("May", "Dec."), as magazines number them.
_MONTH_ALONE = re.compile(rf"^\s*{_MONTH}[a-z]*\.?\s*$", re.IGNORECASE)
# A Cochrane review number (CD000144): every version of the review keeps it, in its DOI
# (10.1002/14651858.CD000144.pub3) or in the article-number field.
_COCHRANE = r"\b(cd\d{6})\b"


def _ascii_lower(series: pd.Series) -> pd.Series:
    text = series.fillna("").astype(str)
    text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return text.str.lower()


def _words(series: pd.Series) -> pd.Series:
    text = _ascii_lower(series).str.replace(r"<[^>]{1,40}>", " ", regex=True)
    text = text.str.replace(r"&[a-z]+;", " ", regex=True)
    # "symptom's" = "symptoms": an apostrophe joins, it does not split a word.
    text = text.str.replace(r"(?<=[a-z])['\u2019](?=[a-z])", "", regex=True)
    return text.str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def _surnames(authors: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """All surnames ("smith jones"), the first author's surname and the given names.

    Accepts ``Family, Given; Family, Given`` (litsieve) and ``Family, G and Family, G``
    (BibTeX) and ``Family G`` (MEDLINE AU) forms. The given names ("andrea lorenzo", the
    first word of each) are kept only where every author has one of two letters or more:
    they catch lists whose names were entered the wrong way round ("Andrea, C.").
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
    given = exploded.fillna("").str.split(",", n=1).str.get(1).astype(object)
    given = given.where(given.notna(), "").str.strip().str.split(" ").str[0]
    given = given.str.replace(r"[^a-z]+", "", regex=True).where(~no_comma, "")
    given_names = given.groupby(level=0).agg(
        lambda names: " ".join(names) if all(len(n) >= 2 for n in names) else "")
    return (all_names.reindex(authors.index, fill_value=""),
            first.reindex(authors.index, fill_value=""),
            given_names.reindex(authors.index, fill_value=""))


def _page_keys(pages: pd.Series, year: pd.Series, cited: pd.Series
               ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """First page, last page (of a range) and a "day" flag from a pages column.

    ``cited``: the first page of an Embase source string, where there is one (NaN else).
    """
    pages = pages.fillna("").astype(str)
    month = pages.str.extract(_MONTH_FIRST, expand=False).str.lower()
    pages = pages.mask(month.notna(), month.map(_MONTHS))
    # Digits only: "i221", "d767" and "221" are the same first page in different databases;
    # "01" (a spreadsheet's "01-Feb") is page 1.
    page = pages.str.extract(r"0*(\d+)", expand=False).fillna("")
    page = page.mask(page == "", cited.fillna(""))
    # A "page" equal to the publication year is a year put in the wrong field, and eight
    # digits starting 19 or 20 are a date ("20100529/0604").
    page = page.mask(page.str.fullmatch(r"(?:19|20)\d{6}"), "")
    page = page.mask(page == year, "")
    # The last page, abbreviations expanded ("466-75" -> 475): a whole page range is a
    # precise locator.
    ranges = pages.str.extract(r"0*(\d+)\s*[-\u2010-\u2015]+\s*[a-z]?0*(\d+)", flags=re.I)
    first, last = ranges[0].fillna(""), ranges[1].fillna("")
    short = (last != "") & (last.str.len() < first.str.len())
    if short.any():
        last = last.copy()
        last[short] = [f[: len(f) - len(la)] + la
                       for f, la in zip(first[short], last[short], strict=True)]
    last = last.where((first == page) & (last != first), "")
    # A lone number up to 31 may be the day of a publication date that an export put in
    # the pages field ("28" from "Date of Publication: 28 Jul 2010"): weak evidence.
    day = pages.str.fullmatch(r"\s*0?([1-9]|[12]\d|3[01])\s*").map({True: "day", False: ""})
    return page, last, day


def _doi_keys(dois: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The DOI (lower case, no URL), its comparison key and its registrant."""
    doi = _ascii_lower(dois).map(unquote)  # "%28" in DOIs copied from URLs
    doi = doi.str.extract(r"(10\.\d{4,9}/\S+)", expand=False).fillna("")
    doi = doi.str.rstrip(".,;")
    # The prefix written twice by an export ("10.3779/10.3779/j.issn...").
    doi = doi.str.replace(r"^(10\.\d{4,9}/)\1", r"\1", regex=True)
    # An Elsevier DOI cut at its first hyphen ("10.1016/S0022" of "10.1016/S0022-5223(03)...")
    # names no article.
    doi = doi.mask(doi.str.fullmatch(r"10\.1016/s\d{4}"), "")
    # A PLOS figure's, table's or supplement's DOI (".g001", ".t002", ".s001") stands for
    # its article.
    doi = doi.str.replace(r"^(10\.1371/journal\.[a-z]+\.\d+)\.[gts]\d{3}$", r"\1", regex=True)
    # Compared without leading zeros in number runs ("10.1002/rnj.027" = "10.1002/rnj.27")
    # and without punctuation after the prefix, which databases garble ("82_2012_287" =
    # "82-2012-287", "endrev/bnz002" = "endrevbnz002").
    key = doi.str.replace(r"(?<![0-9])0+(?=[0-9])", "", regex=True)
    prefix = key.str.extract(r"^(10\.\d+/)", expand=False).fillna("")
    suffix = key.str.replace(r"^10\.\d+/", "", regex=True)
    key = prefix + suffix.str.replace(r"[^a-z0-9]+", "", regex=True)
    # Who registered the DOI; Springer's legacy DOIs (10.1007/BF...) stand beside current
    # ones for the same article, so they count as another registrant.
    registrant = doi.str.extract(r"^(10\.\d+)/", expand=False).fillna("")
    return doi, key, registrant.mask(doi.str.match(_LEGACY_DOI), "10.1007/bf")


def _numbers(values: pd.Series) -> pd.Series:
    """``values`` as float64 (NaN where missing or not a number), whatever their dtype."""
    return pd.to_numeric(values.astype(object), errors="coerce").astype("float64")


def _years(values: pd.Series) -> pd.Series:
    """The year in each value as float64 (NaN where none), found as the readers find it."""
    # Each distinct value parsed once; a missing value's code is -1, the NaN appended last.
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    found = np.array([parse_year(str(value)) or np.nan for value in uniques] + [np.nan],
                     dtype="float64")
    return pd.Series(found[codes], index=values.index)


def _page_text(frame: pd.DataFrame, get) -> pd.Series:
    """The pages as one text: the ``pages`` column (a whole range where there is one);
    where it is empty, ``start_page`` and ``end_page`` joined."""
    pages = get(C.PAGES).astype(object)
    if C.START_PAGE not in frame.columns:
        return pages
    joined = get(C.START_PAGE).fillna("").astype(str)
    if C.END_PAGE in frame.columns:
        end = get(C.END_PAGE).fillna("").astype(str)
        joined = joined + ("-" + end).where(end != "", "")
    return pages.mask(pages.fillna("").astype(str).str.strip() == "", joined)


def normalize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The KEY_COLUMNS of ``frame``'s records (a missing database or id is "")."""
    out = pd.DataFrame(index=frame.index)
    for name in (C.RECORD_ID, C.DATABASE, C.NATIVE_ID):
        out[name] = frame[name].fillna("") if name in frame.columns else ""
    get = lambda name: frame[name] if name in frame.columns else pd.Series("", index=frame.index)  # noqa: E731
    raw_title = get(C.TITLE).fillna("").astype(str)
    # A spreadsheet's formula error ("#NAME?" for a title starting with "=" or "-") is no title.
    raw_title = raw_title.mask(raw_title.str.fullmatch(r"\s*#(?:NAME\?|VALUE!|REF!|N/A)\s*"), "")
    corrected = raw_title.str.contains(_CORRECTED_CITATION)
    raw_title = raw_title.str.replace(_CORRECTED_CITATION, " ", regex=True)
    raw_title = raw_title.str.replace(_LANGUAGE_THEN_ORIGINAL, ".", regex=True)
    title = _words(raw_title.str.replace(_TITLE_NOTES, " ", regex=True))
    # Translated titles are bracketed in PubMed; a trailing period or bracket is noise.
    out["n_title"] = title
    out["n_title_key"] = title.str.replace(" ", "", regex=False)
    out["n_authors"], out["n_first_author"], out["n_given"] = _surnames(get(C.AUTHORS))
    # Plain floats whatever came in (the store's nullable Int64, strings from a CSV: "2004
    # Aug" is 2004 as the readers read it): a comparison with a missing value is then False,
    # never <NA> (a <NA> condition in mask() once blanked every year read from the store).
    year = _years(get(C.YEAR))
    # "1761" (an issue number in the year field) is no year: treated as missing.
    year = year.where((year >= 1800) & (year <= date.today().year + 2))
    # Nor is the issue number in the year field ("1862" for Proc Biol Sci 284(1862), 2017).
    raw_issue = get(C.ISSUE) if C.ISSUE in frame.columns else get("number")
    year = year.mask(year == _numbers(raw_issue))
    out["n_year"] = year.astype("Int64").astype(str).replace("<NA>", "")
    # A place or an edition in brackets tells a journal from its namesakes, but databases
    # disagree on it ("Medicine (Baltimore)", "Medicine (United States)"): left out.
    journal = _words(get(C.JOURNAL).fillna("").astype(str).str.replace(
        r"\s*\([^()]*\)\s*$", "", regex=True))
    # Embase's legacy "Source" string in the journal field:
    # "pharmacological reports 62 6 pp 1204 1210 2010 date publication 2010".
    cited = journal.str.extract(_SOURCE)
    has_source = cited["name"].notna()
    journal = journal.mask(has_source, cited["name"])
    # The rest of a citation glued to the name ("plos one 9 2 no pagination 2014 article
    # number e87953", "european neuropsychopharmacology conference 23rd ecnp congress"):
    # the name ends where numbers or these words start.
    journal = journal.str.replace(_CITATION_TAIL, "", regex=True)
    journal = journal.str.replace(_STOP, " ", regex=True)
    # A citation in place of the name ("29 pp") names no journal.
    journal = journal.mask(journal.str.match(r"^\s*\d"), "")
    out["n_journal"] = journal.str.replace(r"\s+", " ", regex=True).str.strip()
    volume = get(C.VOLUME).fillna("").astype(str).str.extract(r"(\d+)", expand=False).fillna("")
    volume = volume.mask((volume == "") & has_source, cited["volume"].fillna(""))
    # The year in the volume field (magazines, some exports: "2016" for volume 94) names no
    # volume; where the year is the real volume (TheScientificWorldJournal) both records
    # lose it alike.
    out["n_volume"] = volume.mask(volume == out["n_year"], "")
    issue = raw_issue.fillna("").astype(str)
    # A month for the issue ("May", magazines): its number, as the other databases give it.
    month = issue.str.extract(_MONTH_ALONE, expand=False).str.lower()
    issue = issue.mask(month.notna(), month.map(_MONTHS))
    issue = issue.str.extract(r"0*(\d+)", expand=False).fillna("")
    out["n_issue"] = issue.mask((issue == "") & has_source, cited["issue"].fillna(""))
    out["n_page"], out["n_page_last"], out["n_page_day"] = _page_keys(
        _page_text(frame, get), out["n_year"], cited["page"].where(has_source))
    out["n_doi"], out["n_doi_key"], out["n_doi_registrant"] = _doi_keys(get(C.DOI))
    cochrane = pd.Series("", index=frame.index)
    for name in (C.DOI, C.START_PAGE, C.PAGES, C.VOLUME, C.ISSUE):
        if name in frame.columns:
            found = _ascii_lower(frame[name]).str.extract(_COCHRANE, expand=False).fillna("")
            cochrane = cochrane.mask(cochrane == "", found)
    is_cochrane = out["n_doi"].str.startswith("10.1002/14651858") | journal.str.contains(
        "cochrane", regex=False)
    out["n_cochrane"] = cochrane.where(is_cochrane, "")
    pmid = get(C.PMID).fillna("").astype(str)
    out["n_pmid"] = pmid.str.extract(r"(\d+)", expand=False).fillna("")
    out["n_abstract"] = _words(get(C.ABSTRACT)).str.slice(0, 400)
    # Errata are a kind of their own: two records of one erratum, one of them titled with
    # the article's title alone, are one item (rules: notice_same_item).
    flags = get(C.FLAGS).fillna("").astype(str)
    erratum = title.str.contains(_ERRATUM) | corrected | flags.str.contains("erratum", regex=False)
    notice = title.str.match(_NOTICE) | title.str.contains(_REPLY)
    kind = pd.Series("", index=frame.index).mask(erratum, "erratum")
    kind = kind.mask((kind == "") & (notice | flags.str.contains(r"retraction_notice|comment",
                                                                   regex=True)), "notice")
    kind = kind.mask((kind == "") & flags.str.contains("conference_abstract", regex=False),
                     "conference")
    kind = kind.mask((kind == "") & flags.str.contains("preprint", regex=False), "preprint")
    out["n_kind"] = kind
    # A title given beside its original-language title is a translation too: another
    # database may hold the original as the title.
    original = _words(get(C.TITLE_ORIGINAL))
    out["n_translated"] = flags.str.contains("translated_title", regex=False) | get(
        C.TITLE
    ).fillna("").astype(str).str.match(r"^\[.*\]\.?$") | ((original != "") & (original != title))
    return out
