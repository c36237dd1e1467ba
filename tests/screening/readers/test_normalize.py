"""The C and Python versions of the field normalisers agree (and the C ones are built here)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.readers import fields as F

# Characters every branch of the normalisers looks at, and some it does not.
TEXT = st.text(alphabet=" \t\n\r\x0b\x1f\xa0\u2003&<>;/ab<>É1(),.'\"%-", max_size=30)
TAGGED = st.lists(st.sampled_from(["<b>", "</i>", "<", ">", "<>", "<" + "x" * 80 + ">",
                                   "<" + "x" * 81 + ">", "a", "  ", " ", "\n", "&amp;", "& ",
                                   "&", "& ouml;", "amp;", "ab", "&\r", "#"]),
                  max_size=8).map("".join)
DOI = st.builds(
    lambda pre, digits, suffix, post: f"{pre}10.{digits}/{suffix}{post}",
    st.sampled_from(["", "doi: ", "https://doi.org/", "110.", "10.10.", "x"]),
    st.text(alphabet="0123456789", min_size=1, max_size=11),
    st.text(alphabet="aB1.-_()/;:]}>'\" ", max_size=12),
    st.sampled_from(["", " [doi]", ".", ")", "%2F", "é", "\t", " 10.1234/x"]),
)
CENTRAL = st.sampled_from(["10.1002/central/CN-01234567", "10.1002/CENTRAL/cn-1"])


@given(TEXT | TAGGED | st.none())
@settings(max_examples=1500)
@example("a  b")
@example("\xa0x\xa0")
@example("<b>a</b> <i>b")
@example("")
@example("statistics & numerical data")
@example("Schr & ouml;dinger & amp; co")
@example("a & abcdefghi; b & ab;")
@example("AT&T &amp; R&D &#38; x &")
@example("a &\tb &< c &; d &&")
def test_clean_text(text: str | None) -> None:
    assert F.clean_text(text) == F.clean_text_py(text)


@given(st.lists(TEXT | TAGGED, max_size=5), st.booleans())
@settings(max_examples=1500)
@example(["a", ""], False)
@example(["", "a"], False)
@example(["a ", "b"], False)
@example(["\xa0x"], True)
@example([""], False)
def test_clean_values(values: list[str], as_tuple: bool) -> None:
    given_values = tuple(values) if as_tuple else values
    assert F.clean_values(given_values) == F.clean_values_py(given_values)
    assert F.clean_values(iter(values)) == F.clean_values_py(iter(values))


@given(DOI | CENTRAL | TEXT | st.none())
@settings(max_examples=2000)
@example("10.1234/abc).")
@example("10.1234/(abc))")
@example("10.123456789/x")
@example("10.1234567890/x")
@example("10.1234/ x")
def test_normalize_doi(value: str | None) -> None:
    assert F.normalize_doi(value) == F.normalize_doi_py(value)


@given(st.lists(DOI | TEXT | st.none(), max_size=4))
@settings(max_examples=500)
def test_first_doi(values: list[str | None]) -> None:
    assert F.first_doi(values) == F.first_doi_py(values)
    assert F.first_doi(iter(values)) == F.first_doi_py(iter(values))


PAGES = st.text(alphabet="0123456789 -\u2013\x1fNoPaginSpecfd.é", max_size=14) | st.sampled_from(
    ["No", "n.pag.", "No Pagination Specified", "Specified", "466-75", "e1234", "12-12"]
)


@given(PAGES | st.none(), PAGES | st.none())
@settings(max_examples=2000)
@example("466-75", None)
@example("No", "Specified")
@example("12", "9")
@example(" -5", None)
@example("", "")
def test_normalize_pages(value: str | None, end: str | None) -> None:
    assert F.normalize_pages(value, end) == F.normalize_pages_py(value, end)
    assert F.normalize_pages(value) == F.normalize_pages_py(value)


def test_speedups_are_built() -> None:
    # make test installs with a C compiler present; a missing build would silently be slower.
    assert F.SPEEDUPS, "screening/readers/_normalize.c was not compiled"
