"""The ``dedup_keys`` cache: each record's normalised deduplication keys.

Deduplication normalises every record's title, authors, journal and so on; for a large
review that is most of a run's time. The keys are kept here so that an incremental run
normalises only the records imported since. A row is valid for one normaliser
``version``; rows of another version are ignored and replaced at the next full run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from screening.store._common import dumps, loads
from screening.store.schema import dedup_keys

__all__ = ["load_keys", "save_keys"]

_BATCH = 5_000


def load_keys(conn: sa.Connection, version: str) -> dict[str, dict[str, Any]]:
    """record_id -> keys, for the rows made by normaliser ``version``."""
    query = sa.select(dedup_keys.c.record_id, dedup_keys.c.normalized).where(
        dedup_keys.c.version == version)
    return {record_id: loads(text) for record_id, text in conn.execute(query)}


def save_keys(conn: sa.Connection, version: str, keys: Mapping[str, Mapping[str, Any]], *,
              replace_all: bool) -> int:
    """Store the keys of ``keys``' records (replacing any earlier row of those records).

    ``replace_all``: drop every other row first (a full run normalised the whole review).
    """
    if replace_all:
        conn.execute(dedup_keys.delete())
    else:
        ids = list(keys)
        for start in range(0, len(ids), _BATCH):
            conn.execute(dedup_keys.delete().where(
                dedup_keys.c.record_id.in_(ids[start:start + _BATCH])))
    rows = [{"record_id": record_id, "version": version, "normalized": dumps(dict(values))}
            for record_id, values in keys.items()]
    for start in range(0, len(rows), _BATCH):
        conn.execute(dedup_keys.insert(), rows[start:start + _BATCH])
    return len(rows)
