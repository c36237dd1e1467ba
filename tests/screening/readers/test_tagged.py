"""The C and Python versions of group_tag_lines agree (and the C one is built here)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.readers import tagged

TAGS = st.sampled_from(["PMID", "TI", "AU", "FAU", "AB", "TY", "ER", "A1", "X9", "pm", "1A", "T I"])
VALUES = st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=12)
SEPS = st.sampled_from(["- ", "  - ", "-", " - ", "- x"])


def _line(tag: str, sep: str, value: str, width: int) -> str:
    return tag.ljust(width)[: max(width, len(tag))] + sep + value


@st.composite
def blocks(draw):
    width = draw(st.sampled_from([2, 4]))
    sep = draw(SEPS)
    lines = draw(st.lists(st.tuples(TAGS, SEPS | st.just(sep), VALUES), max_size=8))
    text = "\n".join(_line(t, s, v, width) for t, s, v in lines)
    if draw(st.booleans()):
        text += "\n"
    return text, width, sep


@given(blocks())
@settings(max_examples=500)
@example(("PMID- 1\nTI  - a  \nAB  -", 4, "- "))
@example(("TY  - JOUR\nER  -", 2, "  - "))
@example(("PMID- 1\n\nTI  - x", 4, "- "))
def test_c_and_python_agree(case) -> None:
    text, width, sep = case
    assert tagged.group_tag_lines(text, width, sep) == tagged.group_tag_lines_py(text, width, sep)


def test_examples() -> None:
    text = "PMID- 1\nTI  - A title \r\nAU  - X\nAU  - Y\nAB  -"
    expected = {"PMID": ["1"], "TI": ["A title"], "AU": ["X", "Y"], "AB": [""]}
    for group in (tagged.group_tag_lines, tagged.group_tag_lines_py):
        assert group(text, 4, "- ") == expected
        assert group("PMID- 1\nnot a tag", 4, "- ") is None
        assert group("TY  - JOUR\nER  - ", 2, "  - ") == {"TY": ["JOUR"], "ER": [""]}


def test_speedups_are_built() -> None:
    # make test installs with a C compiler present; a missing build would silently be slower.
    assert tagged.SPEEDUPS, "screening/readers/_speedups.c was not compiled"


def test_bad_width() -> None:
    if not tagged.SPEEDUPS:
        pytest.skip("C accelerator not built")
    with pytest.raises(ValueError, match="tag_width must be at least 1"):
        tagged.group_tag_lines("x", 0, "-")
