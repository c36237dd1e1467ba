"""Rows for CSV/RIS export: one per record, with its dedup cluster and latest outcomes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from screening.model import Stage
from screening.store._common import loads
from screening.store.records import STATUS_OK, warnings_from_json
from screening.store.schema import decisions, records, sources

__all__ = ["EXPORT_COLUMNS", "iter_export_rows"]

#: The keys of each export row, in column order.
EXPORT_COLUMNS = (
    "record_id",
    "source_file",
    "line",
    "database",
    "native_id",
    "title",
    "authors",
    "year",
    "journal",
    "doi",
    "pmid",
    "status",
    "cluster_id",
    "is_canonical",
    "decisions",
)

_STATUS = EXPORT_COLUMNS.index("status")
_STAGE_ORDER = {stage.value: index for index, stage in enumerate(Stage)}


def _latest_per_stage(conn: sa.Connection) -> dict[str, dict[str, tuple[str, str | None]]]:
    """record_id -> stage -> (outcome, cluster_id) of the record's latest decision there."""
    d = decisions.c
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(d.record_id, d.stage),
            order_by=(d.decided_at.desc(), d.decision_id.desc()),
        )
        .label("rank")
    )
    ranked = (
        sa.select(d.record_id, d.stage, d.outcome, d.cluster_id, rank)
        .where(d.record_id.is_not(None))
        .subquery()
    )
    query = sa.select(
        ranked.c.record_id, ranked.c.stage, ranked.c.outcome, ranked.c.cluster_id
    ).where(ranked.c.rank == 1)
    latest: dict[str, dict[str, tuple[str, str | None]]] = defaultdict(dict)
    for record_id, stage, outcome, cluster_id in conn.execute(query):
        latest[record_id][stage] = (outcome, cluster_id)
    return latest


def _describe(stages: dict[str, tuple[str, str | None]]) -> str:
    ordered = sorted(stages.items(), key=lambda item: (_STAGE_ORDER.get(item[0], 99), item[0]))
    return "; ".join(f"{stage}={outcome}" for stage, (outcome, _) in ordered)


def _cluster(stages: dict[str, tuple[str, str | None]]) -> str:
    _, cluster_id = stages.get(Stage.DEDUPLICATION.value, (None, None))
    return cluster_id or ""


def iter_export_rows(
    engine: Engine, *, batch_size: int = 2000, warnings: bool = False
) -> Iterator[dict[str, Any]]:
    """One dict per record (every status), in import order; keys are :data:`EXPORT_COLUMNS`.

    ``authors`` is ``"; "``-joined; ``cluster_id`` is the record's dedup cluster (named
    after its canonical record; empty for a record with no duplicate); ``is_canonical`` is
    ``false`` for a record whose latest deduplication decision says it is a duplicate;
    ``decisions`` lists the latest outcome per stage (across actors) as
    ``"stage=outcome; …"``, stages in review order. With ``warnings``, a ``warnings`` key
    holds the record's field problems (``file:line: field: message (got 'value')``), one
    per line ("" when none).
    """
    r, s = records.c, sources.c
    query = (
        sa.select(
            r.record_id,
            s.name,
            r.line_start,
            sa.func.coalesce(r.database, s.database),
            r.native_id,
            r.title,
            r.authors,
            r.year,
            r.journal,
            r.doi,
            r.pmid,
            r.status,
            s.path,
            r.problems,
        )
        .join_from(records, sources, r.source_id == s.source_id)
        .order_by(s.imported_at, s.source_id, r.ordinal)
    )
    with engine.connect() as conn:
        latest = _latest_per_stage(conn)
        # Canonical records of clusters: those other records are duplicates of.
        heads = {
            stages[Stage.DEDUPLICATION.value][1]
            for stages in latest.values()
            if stages.get(Stage.DEDUPLICATION.value, ("", None))[0] == "duplicate"
        }
        result = conn.execution_options(yield_per=batch_size).execute(query)
        for row in result:
            *values, path, problems = row
            values[6] = "; ".join(loads(values[6])) if values[6] else ""
            stages = latest.get(values[0]) or {}
            duplicate = stages.get(Stage.DEDUPLICATION.value, ("", None))[0] == "duplicate"
            cluster = _cluster(stages) if duplicate else (values[0] if values[0] in heads else "")
            values.append(cluster)
            values.append("false" if duplicate else "true")
            values.append(_describe(stages) if stages else "")
            exported = dict(zip(EXPORT_COLUMNS, values, strict=True))
            if warnings:
                found = warnings_from_json(problems, path) if values[_STATUS] == STATUS_OK else ()
                exported["warnings"] = "\n".join(str(w) for w in found)
            yield exported
