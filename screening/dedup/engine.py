"""Deduplicate a records frame: normalise, block, compare, decide, cluster.

``deduplicate(frame)`` is the in-process entry point used by the CLI; the pieces
(``prepare``, ``compare_pairs``) are exposed so that a flow can spread the comparison of
candidate pairs over workers and then cluster the results here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screening import columns as C
from screening.dedup.block import BlockingReport, candidate_pairs
from screening.dedup.cluster import cluster_pairs
from screening.dedup.normalize import KEY_COLUMNS, normalize_frame
from screening.dedup.rules import DUPLICATE, MAYBE, RULES, Rule, apply_rules
from screening.dedup.similarity import pair_features

__all__ = [
    "DedupResult",
    "Prepared",
    "classify_pair",
    "compare_pairs",
    "conclude",
    "deduplicate",
    "prepare",
    "split_pairs",
]

#: The rule id of a pair whose outcome was decided before (by a person, or an earlier run).
KEPT = "kept"

#: The pair-score columns stored with each link.
SCORE_COLUMNS = ("title_sim", "title_tokens", "author_sim", "abstract_sim", "year_diff")

#: What ``conclude`` needs of each decided pair.
DECIDED_COLUMNS = ("i", "j", "outcome", "rule_id", *SCORE_COLUMNS)

#: Candidate pairs compared at once by ``deduplicate``.
COMPARE_CHUNK = 200_000

#: Records normalised at once.
NORMALIZE_CHUNK = 50_000


@dataclass
class DedupResult:
    """Decided pairs, clusters and timings of one deduplication run."""

    pairs: pd.DataFrame  # record_a, record_b, outcome, rule_id, scores (duplicate and maybe)
    clusters: pd.DataFrame  # record_id, cluster_id, is_canonical
    blocking: BlockingReport
    seconds: dict[str, float] = field(default_factory=dict)
    #: The normalised keys of the records this run normalised (not those it was given).
    normalized: pd.DataFrame | None = None

    @property
    def n_duplicate_records(self) -> int:
        """Records that are not the canonical record of their cluster."""
        return int((~self.clusters["is_canonical"]).sum())

    @property
    def n_maybe(self) -> int:
        return int((self.pairs["outcome"] == MAYBE).sum())


def compare_pairs(
    normalized: pd.DataFrame, pairs: np.ndarray, *, rules: tuple[Rule, ...] = RULES,
    workers: int = 1,
) -> pd.DataFrame:
    """Features and the deciding rule of each candidate pair (a unit of parallel work)."""
    return apply_rules(pair_features(normalized, pairs, workers=workers), rules)


@dataclass
class Prepared:
    """A frame ready for comparison: its normalised keys, candidate pairs and overrides."""

    normalized: pd.DataFrame
    pairs: np.ndarray
    forced: dict[tuple[int, int], str]
    blocking: BlockingReport
    seconds: dict[str, float]
    n_known: int = 0  # the first rows of ``normalized`` came normalised (a cache)


def prepare(
    frame: pd.DataFrame,
    *,
    known: pd.DataFrame | None = None,
    new_record_ids: set[str] | None = None,
    overrides: dict[tuple[str, str], str] | None = None,
    max_group: int = 64,
) -> Prepared:
    """Normalise and block (the first, in-process step of a run).

    ``known``: records already normalised (KEY_COLUMNS, e.g. from the store's cache),
    compared like the records of ``frame`` but not normalised again.
    """
    C.validate_frame(frame)
    seconds = {}
    started = time.perf_counter()
    frame = frame.reset_index(drop=True)
    # Row by row, so in chunks: the string temporaries of a whole large frame cost more
    # memory than the keys themselves.
    normalized = pd.concat([normalize_frame(frame.iloc[start:start + NORMALIZE_CHUNK])
                            for start in range(0, len(frame), NORMALIZE_CHUNK)]
                           or [normalize_frame(frame)], ignore_index=True)
    n_known = 0
    if known is not None and len(known):
        n_known = len(known)
        normalized = pd.concat([known.loc[:, list(KEY_COLUMNS)], normalized],
                               ignore_index=True)
    seconds["normalize"] = time.perf_counter() - started
    started = time.perf_counter()
    only = None
    if new_record_ids is not None:
        only = np.flatnonzero(normalized[C.RECORD_ID].isin(new_record_ids).to_numpy())
    pairs, report = candidate_pairs(normalized, max_group=max_group, only_with=only)
    position = {record_id: index for index, record_id in enumerate(normalized[C.RECORD_ID])}
    forced: dict[tuple[int, int], str] = {}
    for (a, b), outcome in (overrides or {}).items():
        if a in position and b in position:
            i, j = sorted((position[a], position[b]))
            forced[(i, j)] = outcome
    if forced:
        extra = np.array(sorted(forced), dtype=np.int64)
        pairs = np.unique(np.concatenate([pairs.astype(np.int64), extra]), axis=0)
    seconds["block"] = time.perf_counter() - started
    return Prepared(normalized, pairs, forced, report, seconds, n_known)


def split_pairs(pairs: np.ndarray, chunk_size: int) -> list[np.ndarray]:
    """Candidate pairs in chunks of about ``chunk_size`` (units of parallel work)."""
    n_chunks = max(1, -(-len(pairs) // max(chunk_size, 1)))
    return [chunk for chunk in np.array_split(pairs, n_chunks) if len(chunk)]


def conclude(prepared: Prepared, decided: pd.DataFrame) -> DedupResult:
    """Apply overrides, cluster and name the clusters (the last, in-process step)."""
    seconds = dict(prepared.seconds)
    started = time.perf_counter()
    decided = decided.reset_index(drop=True)
    forced = prepared.forced
    if forced:
        keys = list(zip(decided["i"].tolist(), decided["j"].tolist(), strict=True))
        hit = np.array([key in forced for key in keys], dtype=bool)
        decided.loc[hit, "outcome"] = [forced[key] for key, h in zip(keys, hit, strict=True) if h]
        decided.loc[hit, "rule_id"] = KEPT
    normalized = prepared.normalized
    decided, roots, canonical = cluster_pairs(normalized, decided)
    seconds["cluster"] = time.perf_counter() - started
    ids = normalized[C.RECORD_ID].to_numpy()
    kept = decided[decided["outcome"].isin([DUPLICATE, MAYBE])]
    links = pd.DataFrame({
        "record_a": ids[kept["i"].to_numpy()],
        "record_b": ids[kept["j"].to_numpy()],
        "outcome": kept["outcome"].to_numpy(),
        "rule_id": kept["rule_id"].to_numpy(),
        **{name: kept[name].to_numpy() for name in SCORE_COLUMNS},
    })
    clusters = pd.DataFrame({
        C.RECORD_ID: ids, "cluster_id": ids[roots], "is_canonical": canonical,
    })
    # Name each cluster after its canonical record (stable across runs and readable).
    canonical_of_root = pd.Series(ids[canonical], index=roots[canonical])
    clusters["cluster_id"] = canonical_of_root.reindex(roots).to_numpy()
    return DedupResult(links, clusters, prepared.blocking, seconds,
                       normalized.iloc[prepared.n_known:].reset_index(drop=True))


def deduplicate(
    frame: pd.DataFrame,
    *,
    rules: tuple[Rule, ...] = RULES,
    workers: int = 1,
    known: pd.DataFrame | None = None,
    new_record_ids: set[str] | None = None,
    overrides: dict[tuple[str, str], str] | None = None,
    max_group: int = 64,
) -> DedupResult:
    """Find duplicate records in ``frame`` (a records frame; see screening.columns).

    ``known``: records already normalised (KEY_COLUMNS), compared with ``frame``'s.
    ``new_record_ids``: compare only pairs involving these records (an incremental run).
    ``overrides``: outcomes already decided for pairs ``(record_a, record_b)``, by a person
    or by an earlier run; they replace the rules' outcome (rule ``kept``) and join clusters
    first. Pairs blocking did not find are added. Runs in this process; flows/dedup.py
    runs the same steps with the comparison spread over a task runner.
    """
    prepared = prepare(frame, known=known, new_record_ids=new_record_ids,
                       overrides=overrides, max_group=max_group)
    started = time.perf_counter()
    # In chunks, keeping of each only what clustering and the links need: the features
    # of a million pairs at once would cost gigabytes.
    chunks = split_pairs(prepared.pairs, COMPARE_CHUNK) or [prepared.pairs]
    decided = pd.concat([
        compare_pairs(prepared.normalized, chunk, rules=rules, workers=workers)
        .loc[:, list(DECIDED_COLUMNS)]
        for chunk in chunks
    ], ignore_index=True)
    prepared.seconds["compare"] = time.perf_counter() - started
    return conclude(prepared, decided)


def classify_pair(record_a: dict, record_b: dict, *, rules: tuple[Rule, ...] = RULES):
    """``(outcome, rule_id, features)`` for two records given as dicts of frame columns.

    The decision a full run would take if blocking paired them (tests, the review screen).
    """
    frame = pd.DataFrame([record_a, record_b])
    normalized = normalize_frame(frame)
    decided = compare_pairs(normalized, np.array([[0, 1]]), rules=rules)
    row = decided.iloc[0]
    return row["outcome"], row["rule_id"], row
