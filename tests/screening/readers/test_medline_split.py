"""medline_records: the C and Python versions agree, and chunking never changes records."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.readers import medline_split as M
from screening.readers.medline import iter_medline_records

LINES = st.one_of(
    st.tuples(st.sampled_from(["PMID", "TI", "AU", "FAU", "AB", "PMC", "X1"]),
              st.sampled_from(["- ", "-", "- ", "-x", " - "]),
              st.text(alphabet="ab ÉΩ\t\r-", max_size=8)).map(
        lambda t: t[0].ljust(4) + t[1] + t[2]),
    st.text(alphabet=" \tab", max_size=8).map(lambda s: " " + s),  # continuation
    st.sampled_from(["", "", "junk line", "   ", "ab", "PMIDX- 1"]),
)
TEXTS = st.lists(LINES, max_size=25).map("\n".join) | st.lists(LINES, max_size=25).map(
    lambda lines: "\n".join(lines) + "\n")


@given(TEXTS, st.booleans())
@settings(max_examples=700)
@example("\nPMID- 1\nTI  - a title\n      wraps  \n\n\nPMID- 2\nAB  -\nbad\n\nPMID- 3\nTI  - x",
         True)
@example("PMID- 1\n\n", False)
@example("   \n\nPMID- 1", True)
def test_c_and_python_agree(text: str, final: bool) -> None:
    assert M.medline_records(text, final) == M.medline_records_py(text, final)


@given(TEXTS, st.integers(min_value=1, max_value=40))
@settings(max_examples=300, deadline=None)
def test_chunk_size_does_not_change_records(tmp_path_factory, text: str, size: int) -> None:
    path = Path(tmp_path_factory.mktemp("m")) / "x.nbib"
    path.write_text(text, encoding="utf-8")
    def records(**kwargs):
        return [(first, last, text[start:end], tags) for first, last, text, start, end, tags, _
                in iter_medline_records(path, "utf-8", **kwargs)]

    assert records(chunk_chars=size) == records()


def test_rules() -> None:
    text = "PMID- 1\nTI  - A title  \n        that wraps\nAB  -\nFAU - Doe, J\nFAU - Roe, K"
    ((start, end, first, last, tags),), consumed, lines = M.medline_records(text, True)
    assert tags == {"PMID": ["1"], "TI": ["A title that wraps"], "AB": [""],
                    "FAU": ["Doe, J", "Roe, K"]}
    assert (start, end, first, last, consumed, lines) == (0, len(text), 0, 5, len(text), 5)
    assert M.record_tags_py("PMID- 1\nnot a tag") is None
    assert M.record_tags_py("  leading continuation\nPMID- 1") is None
