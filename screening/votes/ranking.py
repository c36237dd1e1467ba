"""The title/abstract queue's order: the ranker's, retrained as labels come in, or import
order until the ranker has an include and an exclude to learn from.

Training runs outside any transaction (it takes seconds); only writing the new ranking is
a short transaction, and a lease in ``meta`` keeps two worker processes from training at
the same time. The web app calls :func:`retrain_if_due` from a background thread, never
in a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from screening.model import Outcome, Stage
from screening.store import ReviewStore
from screening.store import votes as sql
from screening.store._common import utcnow
from screening.store.schema import meta

__all__ = ["IMPORT_ORDER", "RankingDue", "build_ranking", "ranking_due", "retrain_if_due"]

#: The actor and params hash of a queue in import order (before the ranker can learn).
IMPORT_ORDER = "import-order"
_LEASE = "ranking_lease"
_LEASE_SECONDS = 600
_LABELS = {Outcome.INCLUDE.value: 1, Outcome.EXCLUDE.value: 0,
           Outcome.EXCLUDED_AUTOMATION.value: 0, Outcome.MAYBE.value: 0}


@dataclass(frozen=True, slots=True)
class RankingDue:
    due: bool
    why: str


def _screenable(store: ReviewStore) -> list:
    """The records to screen at title/abstract: imported, not retracted, not removed as
    duplicates, in import order."""
    duplicates = {d.record_id for d in store.latest_record_decisions(stage=Stage.DEDUPLICATION)
                  if d.outcome == Outcome.DUPLICATE}
    return [r for r in store.iter_records(raw=False) if r.record_id not in duplicates]


def _labels(store: ReviewStore) -> dict[str, int]:
    return {d.record_id: _LABELS[str(d.outcome)]
            for d in store.latest_record_decisions(stage=Stage.TITLE_ABSTRACT)
            if str(d.outcome) in _LABELS}


def ranking_due(store: ReviewStore, *, retrain_every: int) -> RankingDue:
    """Whether the title/abstract queue should be rebuilt now, and why."""
    with store.engine.connect() as conn:
        current = sql.current_ranking(conn, Stage.TITLE_ABSTRACT)
    labels = _labels(store)
    n_in = sum(labels.values())
    n_out = len(labels) - n_in
    if current is None:
        return RankingDue(True, "no queue yet")
    n_screenable = len(_screenable(store))
    if n_screenable != current["n_records"]:
        return RankingDue(True, f"{n_screenable} records to screen, {current['n_records']} "
                                "in the queue")
    if current["actor"] == IMPORT_ORDER:
        if n_in >= 1 and n_out >= 1:
            return RankingDue(True, "the ranker can learn now (an include and an exclude)")
        return RankingDue(False, "import order until an include and an exclude")
    new = n_in + n_out - current["n_included"] - current["n_excluded"]
    if new >= retrain_every:
        return RankingDue(True, f"{new} new labels")
    return RankingDue(False, f"{new} new labels (retrain after {retrain_every})")


def build_ranking(store: ReviewStore, *, model: str = "svm") -> int:
    """Compute and store a new title/abstract ranking; returns its id."""
    import numpy as np

    records = _screenable(store)
    labels = _labels(store)
    ids = [str(r.record_id) for r in records]
    y = np.array([labels.get(i, -1) for i in ids], dtype=np.int64)
    n_in, n_out = int((y == 1).sum()), int((y == 0).sum())
    rows: list[tuple[str, float | None, bool]]
    if n_in >= 1 and n_out >= 1:
        from screening.rank.features import ranker_features
        from screening.rank.loop import rank_unlabeled

        features = ranker_features(model, [r.title for r in records],
                                   [r.abstract for r in records])
        ranking = rank_unlabeled(features.X, y, model=model,
                                 feature_settings=features.settings)
        rows = [(ids[i], float(score), False)
                for i, score in zip(ranking.order.tolist(), ranking.scores.tolist(),
                                    strict=True)]
        rows += [(i, None, True) for i, label in zip(ids, y.tolist(), strict=True)
                 if label != -1]
        actor, params_hash = ranking.actor, ranking.params_hash
    else:
        rows = [(i, None, i in labels) for i in ids]
        actor = params_hash = IMPORT_ORDER
    with sql.locked(store.engine, "queue:title_abstract") as conn:
        # decisions taken while the ranker trained: their records are done already
        decided = sql.effective_decisions(conn, Stage.TITLE_ABSTRACT)
        rows = [(i, score, done or i in decided) for i, score, done in rows]
        return sql.create_ranking(conn, stage=Stage.TITLE_ABSTRACT, actor=actor,
                                  params_hash=params_hash, n_included=n_in, n_excluded=n_out,
                                  rows=rows)


def _take_lease(store: ReviewStore, owner: str) -> bool:
    now = utcnow()
    with sql.locked(store.engine, _LEASE) as conn:
        found = conn.execute(sa.select(meta.c.value).where(meta.c.key == _LEASE)).scalar()
        if found is not None:
            holder, _, since = found.partition("@")
            taken = since and now - datetime.fromisoformat(since) < timedelta(
                seconds=_LEASE_SECONDS)
            if taken and holder != owner:
                return False
            conn.execute(meta.update().where(meta.c.key == _LEASE)
                         .values(value=f"{owner}@{now.isoformat()}"))
        else:
            conn.execute(meta.insert().values(key=_LEASE, value=f"{owner}@{now.isoformat()}"))
    return True


def _drop_lease(store: ReviewStore, owner: str) -> None:
    with sql.locked(store.engine, _LEASE) as conn:
        conn.execute(meta.delete().where(meta.c.key == _LEASE,
                                         meta.c.value.like(f"{owner}@%")))


def retrain_if_due(store: ReviewStore, *, model: str = "svm", retrain_every: int = 10,
                   owner: str = "litsieve") -> int | None:
    """Rebuild the queue when :func:`ranking_due` says so and no other process is at it;
    returns the new ranking's id, or None."""
    if not ranking_due(store, retrain_every=retrain_every).due:
        return None
    if not _take_lease(store, owner):
        return None
    try:
        if not ranking_due(store, retrain_every=retrain_every).due:  # another one just did
            return None
        return build_ranking(store, model=model)
    finally:
        _drop_lease(store, owner)
