"""Rows for CSV/RIS export: one per record, with the latest outcome of each stage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from screening.model import Stage
from screening.store._common import loads
from screening.store.decisions import latest_decisions_query
from screening.store.schema import records, sources

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
    "decisions",
)

_STAGE_ORDER = {stage.value: index for index, stage in enumerate(Stage)}


def _latest_outcomes(conn: sa.Connection) -> dict[str, dict[str, str]]:
    latest = latest_decisions_query(per_actor=False).subquery()
    query = sa.select(latest.c.record_id, latest.c.stage, latest.c.outcome).where(
        latest.c.record_id.is_not(None)
    )
    outcomes: dict[str, dict[str, str]] = defaultdict(dict)
    for record_id, stage, outcome in conn.execute(query):
        outcomes[record_id][stage] = outcome
    return outcomes


def _describe(stages: dict[str, str]) -> str:
    ordered = sorted(stages.items(), key=lambda item: (_STAGE_ORDER.get(item[0], 99), item[0]))
    return "; ".join(f"{stage}={outcome}" for stage, outcome in ordered)


def iter_export_rows(engine: Engine, *, batch_size: int = 2000) -> Iterator[dict[str, Any]]:
    """One dict per record (every status), in import order; keys are :data:`EXPORT_COLUMNS`.

    ``authors`` is ``"; "``-joined; ``decisions`` lists the latest outcome per stage
    (across actors) as ``"stage=outcome; …"``, stages in review order.
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
        )
        .join_from(records, sources, r.source_id == s.source_id)
        .order_by(s.imported_at, s.source_id, r.ordinal)
    )
    with engine.connect() as conn:
        outcomes = _latest_outcomes(conn)
        result = conn.execution_options(yield_per=batch_size).execute(query)
        for row in result:
            values = list(row)
            values[6] = "; ".join(loads(values[6])) if values[6] else ""
            stages = outcomes.get(values[0])
            values.append(_describe(stages) if stages else "")
            yield dict(zip(EXPORT_COLUMNS, values, strict=True))
