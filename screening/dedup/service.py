"""Deduplicating a review in its store: run the engine, record links and decisions.

Every run appends: links for pairs whose state changed (rule id and scores), and a
``deduplication`` decision for each record whose cluster changed (``duplicate`` with
``duplicate_of`` its canonical record, or ``include`` when it stops being a duplicate).
Nothing is deleted: every source record stays, and PRISMA's "duplicate records removed"
counts the latest ``duplicate`` decisions. Re-running with nothing new adds nothing.

After the first run, a run is incremental: only pairs involving records imported since
the last run are compared (links decided before are kept as they are); ``full=True``
compares everything again (after a rule change). A person's link always wins.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import pandas as pd

from screening import columns as C
from screening.columns import records_frame
from screening.dedup.engine import DedupResult, deduplicate
from screening.dedup.normalize import KEY_COLUMNS, normalizer_version
from screening.dedup.rules import DISTINCT, DUPLICATE, MAYBE, RULES, Rule, build_rules
from screening.errors import ReviewError
from screening.model import Actor, Outcome, Stage
from screening.settings import DedupSection
from screening.store import DecisionRow, LinkRow, ReviewStore
from screening.store._common import litsieve_version

__all__ = ["DedupSummary", "decide_link", "dedup_actor", "rules_for", "rules_hash", "run_dedup"]


def dedup_actor() -> str:
    return Actor.model("litsieve-dedup", litsieve_version())


def rules_hash(rules: tuple[Rule, ...] = RULES) -> str:
    """A hash of the rule set (ids, descriptions and order): stored with every link."""
    text = "\n".join(f"{rule.id}|{rule.description}|{rule.outcome}" for rule in rules)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DedupSummary:
    """What a deduplication run found and recorded."""

    run_id: str
    n_records: int
    n_compared_pairs: int
    n_duplicate_records: int  # records that are not the canonical record of their cluster
    n_clusters: int  # clusters of two or more records
    n_maybe: int  # pairs waiting for a person
    new_links: int
    new_decisions: int
    incremental: bool
    seconds: float


def _new_sources(store: ReviewStore) -> list[str] | None:
    """Sources imported since the last successful dedup run (None: no run yet)."""
    done = [run for run in store.runs(kind="dedup") if run.status == "ok"]
    if not done:
        return None
    since = max(run.started_at for run in done)
    return [s.source_id for s in store.sources() if s.imported_at > since]


def _frames(store: ReviewStore, new_sources: list[str] | None
            ) -> tuple[pd.DataFrame, pd.DataFrame | None, set[str] | None]:
    """(records to normalise, records normalised before, ids of new records).

    An incremental run reads only the new sources' records and takes the others' keys
    from the store's cache, so its time follows the number of new records. Without a
    complete cache (the first run, a new normaliser) every record is read and normalised.
    """
    if new_sources is None:
        return records_frame(store.iter_records(status="ok", raw=False)), None, None
    ok_ids = [key.record_id for key in store.record_keys() if key.status == "ok"]
    sources = set(new_sources)
    new_ids = {record_id for record_id in ok_ids if record_id.split(":", 1)[0] in sources}
    cached = store.dedup_keys(normalizer_version())
    old_ids = [record_id for record_id in ok_ids if record_id not in new_ids]
    if any(record_id not in cached for record_id in old_ids):
        return records_frame(store.iter_records(status="ok", raw=False)), None, new_ids
    frame = records_frame(record for source_id in new_sources
                          for record in store.iter_records(source_id=source_id, status="ok",
                                                             raw=False))
    known = pd.DataFrame([cached[record_id] for record_id in old_ids], columns=list(KEY_COLUMNS))
    return frame, known, new_ids


def rules_for(config: DedupSection) -> tuple[Rule, ...]:
    """The rules with the review's ``[dedup]`` policies."""
    return build_rules(conference_abstracts=config.conference_abstracts,
                       preprints=config.preprints, cochrane_versions=config.cochrane_versions)


def run_dedup(
    store: ReviewStore, *, run_id: str, workers: int = 1, full: bool = False,
    engine=deduplicate, rules: tuple[Rule, ...] = RULES,
) -> DedupSummary:
    """Deduplicate every parsed record of the review and record the result.

    ``rules``: the rule set (``rules_for(review.config.dedup)`` for a review's policies).

    ``engine`` is the function that deduplicates a frame: ``deduplicate`` in this
    process, or flows/dedup.py's version that spreads the comparison over workers.
    """
    started = time.perf_counter()
    frame, known, new_ids = _frames(store, None if full else _new_sources(store))
    current = {(link.record_a, link.record_b): link for link in store.latest_links()}
    if full or new_ids is None:
        overrides = {pair: link.outcome for pair, link in current.items()
                     if link.actor.startswith("human:")}
    else:
        overrides = {pair: link.outcome for pair, link in current.items()}
    n_records = len(frame) + (len(known) if known is not None else 0)
    if n_records < 2:
        result = None
    else:
        result = engine(frame, workers=workers, known=known, new_record_ids=new_ids,
                        overrides=overrides, rules=rules)
        _cache_keys(store, result.normalized, replace_all=known is None)
    params = rules_hash(rules)
    added = _record_links(store, result, current, overrides, run_id,
                          full or new_ids is None, params)
    # The latest link of each pair, without reading the links table again.
    latest = {**current, **{(row.record_a, row.record_b): row for row in added}}
    new_decisions = _record_decisions(store, result, run_id, params)
    clusters = result.clusters if result is not None else None
    sizes = clusters["cluster_id"].value_counts() if clusters is not None else []
    return DedupSummary(
        run_id=run_id,
        n_records=n_records,
        n_compared_pairs=result.blocking.n_pairs if result else 0,
        n_duplicate_records=result.n_duplicate_records if result else 0,
        n_clusters=int((sizes > 1).sum()) if clusters is not None else 0,
        n_maybe=sum(1 for link in latest.values() if link.outcome == MAYBE),
        new_links=len(added),
        new_decisions=new_decisions,
        incremental=new_ids is not None,
        seconds=time.perf_counter() - started,
    )


def _cache_keys(store: ReviewStore, normalized: pd.DataFrame | None, *, replace_all: bool
                ) -> None:
    if normalized is None:
        return
    rows = normalized.loc[:, list(KEY_COLUMNS)].to_dict("records")
    store.save_dedup_keys(normalizer_version(), {row[C.RECORD_ID]: row for row in rows},
                          replace_all=replace_all)


def _record_links(
    store: ReviewStore, result: DedupResult | None, current: dict, overrides: dict,
    run_id: str, whole_review: bool, params: str,
) -> list[LinkRow]:
    """Append the links whose state changed; returns them."""
    actor = dedup_actor()
    rows = []
    found = set()
    if result is not None:
        for link in result.pairs.itertuples(index=False):
            pair = tuple(sorted((link.record_a, link.record_b)))
            found.add(pair)
            if pair in overrides:
                continue
            before = current.get(pair)
            if before is not None and (before.outcome, before.rule_id) == (link.outcome,
                                                                           link.rule_id):
                continue
            scores = {name: round(float(getattr(link, name)), 4)
                      for name in ("title_sim", "title_tokens", "author_sim", "abstract_sim",
                                   "year_diff")}
            rows.append(LinkRow(record_a=pair[0], record_b=pair[1], outcome=link.outcome,
                                rule_id=link.rule_id, actor=actor, scores=scores,
                                params_hash=params, run_id=run_id))
    if whole_review:
        # A pair the engine linked before and no longer links (the rules changed).
        for pair, before in current.items():
            if (pair not in found and pair not in overrides and before.outcome != DISTINCT
                    and before.actor.startswith("model:")):
                rows.append(LinkRow(record_a=pair[0], record_b=pair[1], outcome=DISTINCT,
                                    rule_id="no_longer_matched", actor=actor,
                                    params_hash=params, run_id=run_id))
    store.add_links(rows)
    return rows


def _record_decisions(store: ReviewStore, result: DedupResult | None, run_id: str,
                      params: str) -> int:
    latest = {row.record_id: row for row in store.latest_record_decisions(
        stage=Stage.DEDUPLICATION.value)}
    rows = []
    actor = dedup_actor()
    if result is not None:
        for record_id, cluster_id, canonical in result.clusters.itertuples(index=False):
            before = latest.get(record_id)
            if canonical:
                if before is not None and before.outcome == Outcome.DUPLICATE:
                    rows.append(DecisionRow(stage=Stage.DEDUPLICATION, outcome=Outcome.INCLUDE,
                                            actor=actor, record_id=record_id,
                                            cluster_id=cluster_id, params_hash=params,
                                            run_id=run_id, note="no longer a duplicate"))
                continue
            if (before is not None and before.outcome == Outcome.DUPLICATE
                    and before.duplicate_of == cluster_id):
                continue
            rows.append(DecisionRow(stage=Stage.DEDUPLICATION, outcome=Outcome.DUPLICATE,
                                    actor=actor, record_id=record_id, cluster_id=cluster_id,
                                    duplicate_of=cluster_id, params_hash=params, run_id=run_id))
    return store.add_decisions(rows)


def decide_link(
    store: ReviewStore, record_a: str, record_b: str, outcome: str, *, reviewer: str,
    replaces: int | None = None,
) -> LinkRow:
    """A person's decision about a pair (``duplicate`` or ``distinct``), recorded as a link.

    The clusters follow at the next ``run_dedup``.
    """
    if outcome not in (DUPLICATE, DISTINCT):
        raise ReviewError(f"a person decides duplicate or distinct, not {outcome!r}")
    link = LinkRow(record_a=record_a, record_b=record_b, outcome=outcome, rule_id="human",
                   actor=Actor.human(reviewer), replaces=replaces)
    store.add_links([link])
    return link
