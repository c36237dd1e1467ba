"""The ``dedup`` flow: deduplicate a review with the pair comparison spread over workers.

Inputs: a review directory (and optionally a store URL). Outputs: the same links and
``deduplication`` decisions as ``litsieve dedup`` (screening.dedup.service), hence the
PRISMA box "duplicate records removed". Normalising and blocking run in the flow's
process; the candidate pairs are compared in coarse chunks (``chunk_size`` pairs, seconds
of work each: a Dask submission costs about 0.16 s) as tasks on the flow's task runner;
clustering runs in the flow's process again. For a review too large for one machine, run
it with ``task_runner=dask_runner(address=...)`` against a Dask cluster.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

from screening.dedup.engine import DedupResult, compare_pairs, conclude, prepare, split_pairs
from screening.dedup.rules import RULES, Rule
from screening.dedup.service import rules_for, run_dedup
from screening.review_dir import open_review

__all__ = ["compare_chunk", "dask_runner", "dedup_frame", "dedup_review"]

#: Pairs per task: about a second of scoring on one core.
CHUNK_PAIRS = 200_000


@task(cache_policy=NO_CACHE, name="compare pairs")
def compare_chunk(normalized: pd.DataFrame, chunk: np.ndarray,
                  rules: tuple[Rule, ...] = RULES) -> pd.DataFrame:
    """Score and decide one chunk of candidate pairs."""
    return compare_pairs(normalized, chunk, rules=rules)


@flow(name="dedup-frame")
def dedup_frame(
    frame: pd.DataFrame,
    *,
    chunk_size: int = CHUNK_PAIRS,
    known: pd.DataFrame | None = None,
    new_record_ids: set[str] | None = None,
    overrides: dict[tuple[str, str], str] | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> DedupResult:
    """Deduplicate a records frame; the comparison runs as tasks on the task runner.

    ``rules``: None for the default RULES (a flow parameter's default must be plain data
    for Prefect's parameter schema; rules hold functions)."""
    rules = RULES if rules is None else rules
    prepared = prepare(frame, known=known, new_record_ids=new_record_ids, overrides=overrides)
    chunks = split_pairs(prepared.pairs, chunk_size)
    if chunks:
        futures = compare_chunk.map(unmapped(prepared.normalized), chunks, unmapped(rules))
        decided = pd.concat([future.result() for future in futures], ignore_index=True)
    else:
        decided = compare_pairs(prepared.normalized, prepared.pairs, rules=rules)
    return conclude(prepared, decided)


def _engine(chunk_size: int):
    def deduplicate(frame, *, workers=1, known=None, new_record_ids=None, overrides=None,
                    rules=RULES):
        return dedup_frame(frame, chunk_size=chunk_size, known=known,
                           new_record_ids=new_record_ids, overrides=overrides, rules=rules)

    return deduplicate


@flow(name="dedup")
def dedup_review(review_dir: str, *, database_url: str | None = None, full: bool = False,
                 chunk_size: int = CHUNK_PAIRS) -> dict:
    """Deduplicate the review in ``review_dir`` and record the result in its store."""
    review = open_review(Path(review_dir))
    with review.open_store(database_url) as store:
        run_id = store.begin_run("dedup", {"full": full, "flow": True})
        summary = run_dedup(store, run_id=run_id, full=full, engine=_engine(chunk_size),
                            rules=rules_for(review.config.dedup))
        result = {"duplicate_records": summary.n_duplicate_records, "maybe": summary.n_maybe,
                  "new_links": summary.new_links, "new_decisions": summary.new_decisions}
        store.finish_run(run_id, "ok", result)
    return result


def dask_runner(n_workers: int = 2, address: str | None = None):
    """A DaskTaskRunner: a LocalCluster of ``n_workers`` processes, or an existing cluster."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": n_workers, "threads_per_worker": 1,
                                          "processes": True})
