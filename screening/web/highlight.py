"""Highlighting a record's text: the protocol's include and exclude terms in ``<mark>``.

Record text comes from database exports and may hold anything, markup too. Every
character of it is escaped; only the ``<mark>`` elements added here are markup. The text
is split at the matches first and each piece escaped on its own, so that a term can never
match inside an escape sequence (a term ``amp`` in ``&amp;``) and a match can never cut one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

__all__ = ["highlight", "term_pattern"]

#: The class of the ``<mark>`` element around a term of each kind (styled in app.css).
MARK_CLASSES = {"include": "term-include", "exclude": "term-exclude"}


def _term_regex(term: str) -> str | None:
    """A term as a regular expression: words match at word starts, case ignored; a
    trailing ``*`` matches any ending (``random*``: randomised, randomized, random)."""
    term = " ".join(term.split())
    if not term.strip("*"):
        return None
    stem, wildcard = (term[:-1], True) if term.endswith("*") else (term, False)
    body = r"\s+".join(re.escape(word) for word in stem.split(" "))
    start = r"(?<!\w)" if stem[:1].isalnum() or stem[:1] == "_" else ""
    end = r"\w*" if wildcard else (r"(?!\w)" if stem[-1:].isalnum() or stem[-1:] == "_" else "")
    return f"{start}{body}{end}"


def term_pattern(
    include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One regular expression for every term (longest first, so ``chronic pain`` wins over
    ``pain``) and the kind of each group; None when there is no term."""
    kinds: dict[str, str] = {}
    seen: set[str] = set()
    terms: list[tuple[str, str]] = []
    for kind, given in (("include", include), ("exclude", exclude)):
        for term in given:
            key = " ".join(term.split()).casefold()
            if key and key not in seen:  # a term listed as both stays an include term
                seen.add(key)
                terms.append((kind, term))
    parts = []
    for kind, term in sorted(terms, key=lambda t: -len(t[1])):
        regex = _term_regex(term)
        if regex is not None:
            group = f"t{len(parts)}"
            kinds[group] = kind
            parts.append(f"(?P<{group}>{regex})")
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE), kinds


def highlight(
    text: str | None, include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> Markup:
    """``text`` escaped, with each include term in ``<mark class="term-include">`` and each
    exclude term in ``<mark class="term-exclude">``. Safe to put in any HTML element."""
    if not text:
        return Markup("")
    found = term_pattern(include, exclude)
    if found is None:
        return escape(text)
    pattern, kinds = found
    pieces: list[str] = []
    at = 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        kind = kinds[match.lastgroup or ""]
        pieces.append(escape(text[at:match.start()]))
        pieces.append(Markup('<mark class="{}">{}</mark>').format(
            MARK_CLASSES[kind], text[match.start():match.end()]))
        at = match.end()
    pieces.append(escape(text[at:]))
    return Markup("").join(pieces)
