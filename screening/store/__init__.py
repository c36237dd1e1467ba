"""The review store: the system of record of a review (SQLAlchemy Core, no ORM).

SQLite by default (``review.sqlite`` in the review directory, see :func:`sqlite_url`) or
PostgreSQL (psycopg 3). Tables: ``sources``, ``records``, ``decisions`` (append-only:
triggers refuse UPDATE and DELETE), ``runs``, ``reviewers`` and ``meta``.

::

    with ReviewStore.connect(sqlite_url(review_dir)) as store:
        run_id = store.begin_run("import", {"files": [...]})
        with store.import_source(spec, run_id) as writer:
            for item in reader.iter_read(path):
                ...writer.add(record) or writer.add_reject(reject, ordinal)
        store.finish_run(run_id, "ok", {"records": writer.n_records})
"""

from screening.store.decisions import DecisionRow
from screening.store.engine import APPEND_ONLY_MESSAGE, normalize_url, sqlite_url
from screening.store.export import EXPORT_COLUMNS
from screening.store.importing import ImportWriter, SourceInfo, SourceSpec
from screening.store.links import LINK_OUTCOMES, LinkRow
from screening.store.records import (
    INSERT_COLUMNS,
    STATUS_OK,
    STATUS_UNPARSEABLE,
    RecordKey,
    make_record_id,
    record_to_row,
)
from screening.store.runs import ReviewerInfo, RunInfo
from screening.store.schema import SCHEMA_VERSION
from screening.store.store import ReviewStore, StoredReject

__all__ = [
    "APPEND_ONLY_MESSAGE",
    "DecisionRow",
    "EXPORT_COLUMNS",
    "INSERT_COLUMNS",
    "ImportWriter",
    "LINK_OUTCOMES",
    "LinkRow",
    "RecordKey",
    "ReviewStore",
    "ReviewerInfo",
    "RunInfo",
    "SCHEMA_VERSION",
    "STATUS_OK",
    "STATUS_UNPARSEABLE",
    "SourceInfo",
    "SourceSpec",
    "StoredReject",
    "make_record_id",
    "normalize_url",
    "record_to_row",
    "sqlite_url",
]
