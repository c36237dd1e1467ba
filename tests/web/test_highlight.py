"""Highlighting the protocol's terms: record text is escaped, only our <mark>s are markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from screening.web.highlight import highlight


def test_terms_are_marked_by_kind_case_ignored() -> None:
    html = highlight("Randomised trial in CHILDREN given placebo", ["random*", "placebo"],
                     ["children"])
    assert html == Markup('<mark class="term-include">Randomised</mark> trial in '
                          '<mark class="term-exclude">CHILDREN</mark> given '
                          '<mark class="term-include">placebo</mark>')


def test_markup_in_the_text_is_escaped_and_never_cut() -> None:
    text = "<script>alert('x')</script> & ketamine <img src=x onerror=alert(1)>"
    html = highlight(text, ["ketamine", "amp", "script", "lt"], [])
    assert "<script" not in html and "<img" not in html
    assert "&amp; " in html  # a term 'amp' does not match inside an escape sequence
    assert "&<mark" not in html
    assert '<mark class="term-include">script</mark>' in html  # the word, escaped around it
    assert html.count("<mark") == 3  # script twice, ketamine once


def test_words_match_whole_unless_wildcard() -> None:
    assert "<mark" not in highlight("painful painkillers", ["pain"], [])
    assert highlight("painful", ["pain*"], []) == Markup(
        '<mark class="term-include">painful</mark>')


def test_longest_term_wins_and_phrases_span_spaces() -> None:
    html = highlight("chronic   pain and pain", ["pain"], ["chronic pain"])
    assert html == Markup('<mark class="term-exclude">chronic   pain</mark> and '
                          '<mark class="term-include">pain</mark>')


def test_a_term_listed_twice_stays_an_include_term() -> None:
    assert highlight("placebo", ["placebo"], ["Placebo"]) == Markup(
        '<mark class="term-include">placebo</mark>')


def test_no_terms_or_no_text() -> None:
    assert highlight("<b>x</b>") == Markup("&lt;b&gt;x&lt;/b&gt;")
    assert highlight(None, ["x"]) == Markup("")
    assert highlight("a * b", ["*", " "], []) == Markup("a * b")


def test_terms_with_regex_characters_are_literal() -> None:
    html = highlight("C++ (n=40) and c.", ["c++", "(n=40)"], [])
    assert html == Markup('<mark class="term-include">C++</mark> '
                          '<mark class="term-include">(n=40)</mark> and c.')


@given(st.text(), st.lists(st.text(min_size=1, max_size=8), max_size=4))
def test_removing_the_marks_gives_the_escaped_text(text: str, terms: list[str]) -> None:
    html = str(highlight(text, terms, []))
    stripped = html.replace('<mark class="term-include">', "").replace("</mark>", "")
    assert stripped == str(escape(text))
