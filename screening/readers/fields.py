"""Normalisers shared by every reader: DOI, pages, year, ISSN, language, title, flags.

Each takes raw exported text and returns the common form, or None when there is nothing
usable; none of them raises. Readers keep the raw value in ``Record.raw`` either way.

``clean_text``, ``clean_values``, ``normalize_doi``, ``first_doi`` and
``normalize_pages`` run in C when the optional extension ``_normalize`` was built (see
_normalize.c) and are the ``*_py`` functions here otherwise;
tests/screening/readers/test_normalize.py checks that both give the same results.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "SPEEDUPS",
    "clean_text",
    "clean_text_py",
    "clean_values",
    "clean_values_py",
    "first_doi",
    "first_doi_py",
    "flags_from_types",
    "normalize_doi",
    "normalize_doi_py",
    "normalize_issn",
    "normalize_language",
    "normalize_pages",
    "normalize_pages_py",
    "parse_year",
    "split_title",
    "type_flags",
]

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+", re.I)
_DOI_TRAILING = ".,;:]}>'\""
_CENTRAL_DOI = re.compile(r"^10\.1002/central/cn-", re.I)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_ISSN = re.compile(r"(?<![\dA-Za-z])(\d{4})-?(\d{3}[\dXx])(?![\dA-Za-z])")
_HYPHENS = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]")
_TAG = re.compile(r"<[^<>]{1,80}>")
# "Schr & ouml;dinger": Web of Science breaks entities with a space after the ampersand.
_BROKEN_ENTITY = re.compile(r" ?& ([a-zA-Z]{2,8};)")
_YEAR_COMPACT = re.compile(r"^\s*(1[5-9]\d\d|20\d\d|21\d\d)(?:0[1-9]|1[0-2])\d\d\s*$")

_LANGUAGES = {
    "english": "eng", "en": "eng", "eng": "eng",
    "french": "fre", "fr": "fre", "fre": "fre", "fra": "fre",
    "german": "ger", "de": "ger", "ger": "ger", "deu": "ger",
    "spanish": "spa", "es": "spa", "spa": "spa",
    "italian": "ita", "it": "ita", "ita": "ita",
    "portuguese": "por", "pt": "por", "por": "por",
    "dutch": "dut", "nl": "dut", "dut": "dut", "nld": "dut",
    "chinese": "chi", "zh": "chi", "chi": "chi", "zho": "chi",
    "japanese": "jpn", "ja": "jpn", "jpn": "jpn",
    "russian": "rus", "ru": "rus", "rus": "rus",
    "polish": "pol", "pl": "pol", "pol": "pol",
    "korean": "kor", "ko": "kor", "kor": "kor",
    "turkish": "tur", "tr": "tur", "tur": "tur",
    "swedish": "swe", "sv": "swe", "swe": "swe",
    "danish": "dan", "da": "dan", "dan": "dan",
    "norwegian": "nor", "no": "nor", "nor": "nor",
    "finnish": "fin", "fi": "fin", "fin": "fin",
    "czech": "cze", "cs": "cze", "cze": "cze", "ces": "cze",
    "hungarian": "hun", "hu": "hun", "hun": "hun",
    "greek": "gre", "el": "gre", "gre": "gre", "ell": "gre",
    "hebrew": "heb", "he": "heb", "heb": "heb",
    "arabic": "ara", "ar": "ara", "ara": "ara",
    "persian": "per", "fa": "per", "per": "per", "fas": "per",
    "croatian": "hrv", "hr": "hrv", "hrv": "hrv",
    "serbian": "srp", "sr": "srp", "srp": "srp",
    "slovak": "slo", "sk": "slo", "slo": "slo", "slk": "slo",
    "slovenian": "slv", "sl": "slv", "slv": "slv",
    "romanian": "rum", "ro": "rum", "rum": "rum", "ron": "rum",
    "ukrainian": "ukr", "uk": "ukr", "ukr": "ukr",
    "lithuanian": "lit", "lt": "lit", "lit": "lit",
    "afrikaans": "afr", "af": "afr", "afr": "afr",
    "catalan": "cat", "ca": "cat", "cat": "cat",
    "icelandic": "ice", "is": "ice", "ice": "ice",
    "malay": "may", "ms": "may", "may": "may",
    "indonesian": "ind", "id": "ind", "ind": "ind",
    "thai": "tha", "th": "tha", "tha": "tha",
    "vietnamese": "vie", "vi": "vie", "vie": "vie",
    "bulgarian": "bul", "bg": "bul", "bul": "bul",
    "estonian": "est", "et": "est", "est": "est",
    "latvian": "lav", "lv": "lav", "lav": "lav",
}

# One alternation, one search per publication type; the group name is the flag.
_TYPE_FLAGS = re.compile(
    r"(?P<retraction_notice>retraction of publication|retraction notice|^retraction$)"
    r"|(?P<retracted>retracted publication|retracted article)"
    r"|(?P<erratum>erratum|correction|corrigendum)"
    r"|(?P<comment>^comment$|^comment on\b)"
    r"|(?P<conference_abstract>conference abstract|meeting abstract|conference proceeding)"
    r"|(?P<in_press>in press|early access|ahead of print)"
    r"|(?P<preprint>preprint)",
    re.I,
)


def normalize_doi_py(value: str | None) -> str | None:
    """The DOI in ``value``, lower-cased, without URL prefix or ``[doi]`` suffix.

    Cochrane CENTRAL's own ``10.1002/central/CN-…`` identifiers are not article DOIs
    and give None.
    """
    if not value:
        return None
    text = value.replace("%2F", "/").replace("%2f", "/")
    match = _DOI.search(text)
    if match is None:
        return None
    doi = match.group().rstrip(_DOI_TRAILING).lower()
    if doi.endswith(")") and doi.count("(") < doi.count(")"):
        doi = doi[:-1]
    if _CENTRAL_DOI.match(doi):
        return None
    return doi


def first_doi_py(values: Iterable[str | None]) -> str | None:
    """The first value holding a DOI, normalised."""
    for value in values:
        doi = normalize_doi_py(value)
        if doi:
            return doi
    return None


# The normalisers below are memoised, per value and per list of values (as a tuple):
# exports repeat the same date strings, ISSNs, languages and publication types on
# thousands of records.
_CACHE_SIZE = 8192


@lru_cache(maxsize=_CACHE_SIZE)
def parse_year(value: str | None) -> int | None:
    """The first plausible year (1500-2199) in a date string such as ``2019 Jan-Feb``."""
    if not value:
        return None
    match = _YEAR.search(value) or _YEAR_COMPACT.match(value)  # 2019 Jan, or 20190115
    return int(match.group(1)) if match else None


def normalize_pages_py(
    value: str | None, end: str | None = None
) -> tuple[str | None, str | None, str | None]:
    """Return ``(pages, start_page, end_page)`` with abbreviated ranges expanded.

    ``466-75`` -> ``('466-475', '466', '475')``; Unicode hyphens become ``-``; Ovid's
    ``No``/``Specified`` pair ("No Pagination Specified") gives Nones. ``end`` is a separate
    end page (RIS ``EP``).
    """
    start = _HYPHENS.sub("-", value).strip() if value else ""
    stop = _HYPHENS.sub("-", end).strip() if end else ""
    if start.lower() in {"no", "n.pag", "n.pag."} or "no pagination" in start.lower():
        return None, None, None
    if stop.lower() == "specified":
        stop = ""
    if not stop and "-" in start:
        first, _, last = start.partition("-")
        start, stop = first.strip(), last.strip()
    if not start:
        return (stop or None), (stop or None), None
    if stop and stop.isdigit() and start.isdigit() and len(stop) < len(start):
        stop = start[: len(start) - len(stop)] + stop
    if stop and stop != start:
        return f"{start}-{stop}", start, stop
    return start, start, None


@lru_cache(maxsize=_CACHE_SIZE)
def _issns(value: str) -> tuple[str, ...]:
    return tuple(f"{m.group(1)}-{m.group(2).upper()}" for m in _ISSN.finditer(value))


def normalize_issn(values: Iterable[str]) -> tuple[str, ...]:
    """Every ISSN found in ``values`` as ``NNNN-NNNX``, in order, without repeats."""
    return _issn_tuple(values if isinstance(values, tuple) else tuple(values))


@lru_cache(maxsize=_CACHE_SIZE)
def _issn_tuple(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.update(dict.fromkeys(_issns(value)))
    return tuple(seen)


@lru_cache(maxsize=_CACHE_SIZE)
def _languages(value: str) -> tuple[str, ...]:
    codes = []
    for part in re.split(r"[;,]", value):
        key = part.strip().lower()
        if key:
            codes.append(_LANGUAGES.get(key, key))
    return tuple(codes)


def normalize_language(values: Iterable[str]) -> tuple[str, ...]:
    """Languages as ISO 639-2/B codes where known (``English``, ``eng``, ``ENG`` -> ``eng``)."""
    return _language_tuple(values if isinstance(values, tuple) else tuple(values))


@lru_cache(maxsize=_CACHE_SIZE)
def _language_tuple(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.update(dict.fromkeys(_languages(value)))
    return tuple(seen)


def clean_text_py(value: str | None) -> str | None:
    """Screening text: HTML entities decoded, inline markup removed, spaces collapsed."""
    if value is None:
        return None
    text = value
    # Fast path: most values need nothing but a strip (this runs for every author).
    if "&" not in text and "<" not in text and "  " not in text and "\n" not in text \
            and "\t" not in text and "\r" not in text:
        return text.strip() or None
    if "&" in text:
        if "& " in text:
            text = _BROKEN_ENTITY.sub(_mend_entity, text)
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub("", text)
    text = " ".join(text.split())  # collapses all whitespace; faster than a regex
    return text or None


def _mend_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    return "&" + name if name in html.entities.html5 else match.group(0)


# Anything clean_text would change in a list of values joined by U+001F.
_DIRTY = re.compile(r"[&<\n\t\r]|  | \x1f|\x1f |\x1f\x1f")


def clean_values_py(values: Iterable[str] | None) -> tuple[str, ...]:
    """Values cleaned with clean_text, empty ones dropped (author lists, terms, types)."""
    if not values:
        return ()
    # Fast path for the common case (author lists run to hundreds): one regex search over
    # the joined values instead of clean_text per value.
    if isinstance(values, list | tuple):
        joined = "\x1f".join(values)
        if joined and joined[0] != " " and joined[-1] != " " and _DIRTY.search(joined) is None:
            return tuple(values)
    out: list[str] = []
    for value in values:
        text = clean_text_py(value)
        if text:
            out.append(text)
    return tuple(out)


def split_title(value: str | None, *, strip_period: bool = False) -> tuple[str | None, bool]:
    """Return ``(title, translated)``.

    PubMed and others enclose an English translation of a non-English title in square
    brackets (``[Title of the article].``). Only a title wholly enclosed in one balanced
    pair of brackets is treated as translated; a title that merely starts with ``[`` is
    kept as it is.
    """
    title = clean_text(value)
    if not title:
        return None, False
    translated = False
    core = title[:-1] if title.endswith(".") else title
    if core.startswith("[") and core.endswith("]") and _balanced_outer(core):
        title = core[1:-1].strip()
        translated = True
    if strip_period and title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return title or None, translated


def _balanced_outer(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0 and index != len(text) - 1:
                return False
    return depth == 0


@lru_cache(maxsize=_CACHE_SIZE)
def _type_flags(value: str) -> frozenset[str]:
    flags = set()
    for part in value.split(";"):
        for match in _TYPE_FLAGS.finditer(part.strip()):
            if match.lastgroup:
                flags.add(match.lastgroup)
    return frozenset(flags)


def flags_from_types(types: Iterable[str]) -> set[str]:
    """Flags implied by publication types (PubMed PT, Embase M3, WoS DT, Scopus type)."""
    return set(type_flags(types if isinstance(types, tuple) else tuple(types)))


@lru_cache(maxsize=_CACHE_SIZE)
def type_flags(types: tuple[str, ...]) -> frozenset[str]:
    """``flags_from_types`` for a tuple, as a frozenset (memoised: types repeat)."""
    flags: set[str] = set()
    for value in types:
        flags.update(_type_flags(value))
    return frozenset(flags)


try:
    from screening.readers._normalize import (
        clean_text,
        clean_values,
        first_doi,
        normalize_doi,
        normalize_pages,
    )
except ImportError:  # built without a C compiler
    clean_text = clean_text_py
    clean_values = clean_values_py
    first_doi = first_doi_py
    normalize_doi = normalize_doi_py
    normalize_pages = normalize_pages_py
    SPEEDUPS = False
else:
    SPEEDUPS = True
