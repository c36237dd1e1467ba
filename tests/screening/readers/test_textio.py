"""Reading chunks as bytes gives the text a text-mode file gives, in whole lines."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.readers import textio

# Pieces that matter: every kind of line end, BOMs, bytes that are not UTF-8, and
# multi-byte characters that a cut in the wrong place would split.
PIECES = st.sampled_from(
    [b"a", b"TI  - x", b"\n", b"\r", b"\r\n", b"\n\n", b"\xef\xbb\xbf", b"\xe9", b"\xff\xfe",
     "é≥€".encode(), b"\xe2\x89", b" ", b"\x00"]
)
DATA = st.lists(PIECES, max_size=30).map(b"".join)


@given(DATA, st.integers(min_value=1, max_value=12), st.sampled_from(["utf-8", "latin-1"]))
@settings(max_examples=600, deadline=None)
@example(b"a\r", 1, "utf-8")
@example(b"a\r\nb", 2, "utf-8")
@example(b"\xe2\x89\xa5\n", 1, "utf-8")
def test_byte_chunks_read_as_text_mode(tmp_path_factory, data: bytes, size: int,
                                       encoding: str) -> None:
    path = Path(tmp_path_factory.mktemp("t")) / "x.txt"
    path.write_bytes(data)
    chunks = list(textio.iter_texts(path, encoding=encoding, size=size))
    texts = [text for text, _ in chunks]
    assert "".join(texts) == "".join(textio._text_chunks(path, encoding, size))
    assert all(text.endswith("\n") for text in texts[:-1])
    assert [clean for _, clean in chunks] == [textio.bad_bytes(text) is None for text in texts]
    lines = [line for line, _ in textio.iter_chunks(path, encoding=encoding, size=size)]
    assert lines == [1 + "".join(texts[:k]).count("\n") for k in range(len(texts))]
