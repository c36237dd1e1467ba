"""Blocking: which pairs of records are worth comparing.

Each blocking key groups records that share a value (same DOI, same normalised title,
same first author + year + first page, ...); the candidate pairs are the pairs within any
group. Blocking is separate from matching: a pair found by several keys is compared once.
Groups larger than ``max_group`` (a generic title such as "Editorial", a missing-page
"0") are not expanded pairwise; that is counted and reported, never silent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BLOCKING_KEYS", "BlockingKey", "BlockingReport", "candidate_pairs"]


@dataclass(frozen=True)
class BlockingKey:
    """One way of grouping records: an id, what it means, and how to compute it."""

    id: str
    description: str
    key: Callable[[pd.DataFrame], pd.Series]  # "" means: no key for this record


def _join(*parts: pd.Series) -> pd.Series:
    out = parts[0].astype(str)
    empty = parts[0] == ""
    for part in parts[1:]:
        out = out + "|" + part.astype(str)
        empty |= part == ""
    return out.mask(empty, "")


def _prefix(series: pd.Series, n: int, minimum: int) -> pd.Series:
    return series.str.slice(0, n).where(series.str.len() >= minimum, "")


def _suffix(series: pd.Series, n: int, minimum: int) -> pd.Series:
    return series.str.slice(-n).where(series.str.len() >= minimum, "")


BLOCKING_KEYS: tuple[BlockingKey, ...] = (
    BlockingKey("doi", "same DOI", lambda f: f["n_doi_key"]),
    BlockingKey("pmid", "same PMID", lambda f: f["n_pmid"]),
    BlockingKey("cochrane", "same Cochrane review number (any version)",
                lambda f: f["n_cochrane"]),
    BlockingKey("title", "same normalised title", lambda f: _prefix(f["n_title_key"], 400, 8)),
    BlockingKey("title_start", "same first 24 title characters",
                lambda f: _prefix(f["n_title_key"], 24, 24)),
    BlockingKey("title_end", "same last 24 title characters",
                lambda f: _suffix(f["n_title_key"], 24, 24)),
    BlockingKey("author_year_page", "same first author, year and first page",
                lambda f: _join(f["n_first_author"], f["n_year"], f["n_page"])),
    BlockingKey("journal_volume_page", "same journal, volume and first page",
                lambda f: _join(f["n_journal"].str.slice(0, 12), f["n_volume"], f["n_page"])),
    BlockingKey("author_title_start", "same first author and first 12 title characters",
                lambda f: _join(f["n_first_author"], _prefix(f["n_title_key"], 12, 12))),
    BlockingKey("author_year_volume", "same first author, year and volume",
                lambda f: _join(f["n_first_author"], f["n_year"], f["n_volume"])),
)


@dataclass
class BlockingReport:
    """What blocking did: pairs per key and the groups too large to expand."""

    pairs_per_key: dict[str, int]
    oversized_groups: dict[str, int]
    n_pairs: int


def _pairs_in_groups(codes: np.ndarray, max_group: int) -> tuple[np.ndarray, int]:
    """All index pairs (i < j) within groups of equal code (code -1 = no key)."""
    valid = np.flatnonzero(codes >= 0)
    if valid.size < 2:
        return np.empty((0, 2), dtype=np.int64), 0
    order = valid[np.argsort(codes[valid], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, sorted_codes.size])
    oversized = int(np.sum(sizes > max_group))
    chunks = []
    for size in range(2, min(int(sizes.max()), max_group) + 1):
        group_starts = starts[sizes == size]
        if group_starts.size == 0:
            continue
        i, j = np.triu_indices(size, k=1)
        members = order[group_starts[:, None] + np.arange(size)[None, :]]
        chunks.append(np.stack([members[:, i].ravel(), members[:, j].ravel()], axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64), oversized
    pairs = np.concatenate(chunks)
    pairs.sort(axis=1)
    return pairs, oversized


def candidate_pairs(
    normalized: pd.DataFrame,
    *,
    keys: tuple[BlockingKey, ...] = BLOCKING_KEYS,
    max_group: int = 64,
    only_with: np.ndarray | None = None,
) -> tuple[np.ndarray, BlockingReport]:
    """Unique candidate pairs as an (n, 2) array of row positions (i < j), and a report.

    ``only_with``: row positions of new records; then only pairs with at least one new
    record are returned (an incremental run compares new records with everything).
    """
    per_key: dict[str, int] = {}
    oversized: dict[str, int] = {}
    found = []
    for key in keys:
        values = key.key(normalized).fillna("")
        codes, _ = pd.factorize(values.where(values != "", None), use_na_sentinel=True)
        pairs, too_big = _pairs_in_groups(np.asarray(codes), max_group)
        if only_with is not None and pairs.size:
            is_new = np.zeros(len(normalized), dtype=bool)
            is_new[only_with] = True
            pairs = pairs[is_new[pairs[:, 0]] | is_new[pairs[:, 1]]]
        per_key[key.id] = int(len(pairs))
        if too_big:
            oversized[key.id] = too_big
        found.append(pairs)
    every = np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)
    n = max(len(normalized), 1)
    unique = np.unique(every[:, 0].astype(np.int64) * n + every[:, 1]) if every.size else every
    pairs = np.stack([unique // n, unique % n], axis=1) if every.size else every
    return pairs, BlockingReport(per_key, oversized, int(len(pairs)))
