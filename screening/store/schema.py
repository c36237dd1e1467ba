"""The tables of the review store (SQLAlchemy Core). Table and column names are a data contract.

::

    runs ◄──────────── sources ◄──── records ◄──── decisions (append-only)
     ▲                                                │
     └────────────────────────────────────────────────┘
    reviewers          meta (schema version)         retractions ──► sources

Timestamps are UTC (:class:`UTCDateTime`); list and mapping fields of a record are JSON text.
The same schema runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "SCHEMA_VERSION",
    "TEXT_COLUMNS",
    "TUPLE_COLUMNS",
    "UTCDateTime",
    "accounts",
    "api_tokens",
    "claims",
    "decisions",
    "dedup_keys",
    "documents",
    "links",
    "login_attempts",
    "meta",
    "metadata",
    "queue",
    "rankings",
    "records",
    "retractions",
    "reviewers",
    "runs",
    "sources",
    "votes",
]

#: Bumped whenever a table changes; a store with another version is refused.
SCHEMA_VERSION = 5
# 2: the links table (deduplication); 3: the dedup_keys cache; 4: the retractions table, and
# a file's sha256 no longer unique among sources (a retracted file may be imported again);
# 5: the web app's accounts, api_tokens, login_attempts, votes, claims, rankings, queue and
# documents


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; naive datetimes are refused.

    PostgreSQL keeps ``timestamptz``; SQLite keeps the UTC wall time as fixed-width text,
    which sorts in time order. Values read back are always aware and in UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; the store keeps UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),  # JSON object
    sa.Column("summary", sa.Text),  # JSON object, set when the run finishes
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("litsieve_version", sa.Text, nullable=False),
    sa.CheckConstraint("status IN ('running', 'ok', 'failed')", name="status"),
)

reviewers = sa.Table(
    "reviewers",
    metadata,
    sa.Column("reviewer_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

sources = sa.Table(
    "sources",
    metadata,
    # the first 12 hex digits of the sha256; "<those>-2", "-3"... when the same bytes are
    # imported again after their earlier import was retracted
    sa.Column("source_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False, index=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("database", sa.Text),
    sa.Column("export_format", sa.Text, nullable=False),
    sa.Column("encoding", sa.Text, nullable=False),
    sa.Column("n_records", sa.Integer, nullable=False),
    sa.Column("n_rejects", sa.Integer, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("run_id", sa.Text, sa.ForeignKey("runs.run_id")),
)

#: Columns of ``records`` holding a JSON array of strings (a Record's tuple fields).
TUPLE_COLUMNS = (
    "authors",
    "group_authors",
    "issn",
    "language",
    "publication_types",
    "keywords",
    "mesh",
    "emtree",
)
#: Columns of ``records`` holding plain text copied from a Record.
TEXT_COLUMNS = (
    "native_id",
    "title",
    "title_original",
    "abstract",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "start_page",
    "end_page",
    "doi",
    "pmid",
    "pmcid",
    "embase_id",
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("record_id", sa.Text, primary_key=True),  # "<source_id>:<ordinal>"
    sa.Column("source_id", sa.Text, sa.ForeignKey("sources.source_id"), nullable=False),
    sa.Column("ordinal", sa.Integer, nullable=False),
    sa.Column("line_start", sa.Integer, nullable=False),
    sa.Column("line_end", sa.Integer, nullable=False),
    sa.Column("database", sa.Text),
    sa.Column("export_format", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("native_id", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("title_original", sa.Text),
    sa.Column("abstract", sa.Text),
    sa.Column("authors", sa.Text),  # JSON array; NULL when empty
    sa.Column("group_authors", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("journal", sa.Text),
    sa.Column("journal_abbrev", sa.Text),
    sa.Column("volume", sa.Text),
    sa.Column("issue", sa.Text),
    sa.Column("pages", sa.Text),
    sa.Column("start_page", sa.Text),
    sa.Column("end_page", sa.Text),
    sa.Column("doi", sa.Text),
    sa.Column("pmid", sa.Text),
    sa.Column("pmcid", sa.Text),
    sa.Column("embase_id", sa.Text),
    sa.Column("other_ids", sa.Text),  # JSON object
    sa.Column("issn", sa.Text),
    sa.Column("language", sa.Text),
    sa.Column("publication_types", sa.Text),
    sa.Column("keywords", sa.Text),
    sa.Column("mesh", sa.Text),
    sa.Column("emtree", sa.Text),
    sa.Column("flags", sa.Text),  # JSON array, sorted
    sa.Column("raw", sa.Text),  # JSON object: every original tag -> list of values
    sa.Column("raw_text", sa.Text),  # quarantined rejects: the text as read
    # quarantined rejects: JSON array of problem strings; ok records: their field warnings,
    # JSON array of [line, field, message, value] (NULL when none)
    sa.Column("problems", sa.Text),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("status IN ('ok', 'unparseable')", name="status"),
    sa.Index(None, "source_id", "ordinal", unique=True),
    sa.Index(None, "doi"),
    sa.Index(None, "pmid"),
    sa.Index(None, "native_id"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column(
        "decision_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),  # SQLite: the rowid alias
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("record_id", sa.Text, sa.ForeignKey("records.record_id")),
    sa.Column("cluster_id", sa.Text),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("params_hash", sa.Text),
    sa.Column("run_id", sa.Text, sa.ForeignKey("runs.run_id")),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("duplicate_of", sa.Text),
    sa.CheckConstraint("record_id IS NOT NULL OR cluster_id IS NOT NULL", name="subject"),
    sa.CheckConstraint("actor LIKE 'human:_%' OR actor LIKE 'model:_%@_%'", name="actor"),
    sa.Index(None, "record_id", "stage"),
    sa.Index(None, "cluster_id", "stage"),
    sa.Index(None, "stage"),
)


#: Deduplication decisions about pairs of records (append-only, like decisions): the rule
#: that decided (or ``human``), its scores, and who decided. The latest link of a pair is
#: its current state; ``replaces`` names the link a person overruled.
links = sa.Table(
    "links",
    metadata,
    sa.Column(
        "link_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("record_a", sa.Text, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("record_b", sa.Text, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("rule_id", sa.Text, nullable=False),
    sa.Column("scores", sa.Text),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("params_hash", sa.Text),
    sa.Column("run_id", sa.Text, sa.ForeignKey("runs.run_id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("replaces", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
    sa.CheckConstraint("record_a < record_b", name="ordered_pair"),
    sa.CheckConstraint("outcome IN ('duplicate', 'maybe', 'distinct')", name="link_outcome"),
    sa.Index(None, "record_a", "record_b"),
    sa.Index(None, "record_b"),
)


#: Each record's normalised deduplication keys (JSON), a cache: an incremental run
#: normalises only the new records. ``version`` names the normaliser that made them; rows
#: of another version are rebuilt. Not a record of decisions, so rows may be replaced.
dedup_keys = sa.Table(
    "dedup_keys",
    metadata,
    sa.Column("record_id", sa.Text, sa.ForeignKey("records.record_id"), primary_key=True),
    sa.Column("version", sa.Text, nullable=False),
    sa.Column("normalized", sa.Text, nullable=False),  # JSON object
)


#: Imports taken back (append-only): a retracted source's records leave every count, queue
#: and export, and its records' links and decisions stop counting; nothing is deleted.
retractions = sa.Table(
    "retractions",
    metadata,
    sa.Column("source_id", sa.Text, sa.ForeignKey("sources.source_id"), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("run_id", sa.Text, sa.ForeignKey("runs.run_id")),
    sa.Column("retracted_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("actor LIKE 'human:_%'", name="actor"),
)


# -- the web app (version 5) ---------------------------------------------------------------

#: A reviewer's sign-in: role and scrypt password hash (``reviewers`` keeps id and name).
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("reviewer_id", sa.Text, sa.ForeignKey("reviewers.reviewer_id"), primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("role IN ('lead', 'reviewer')", name="role"),
)

#: API tokens: only their SHA-256 is kept.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("reviewer_id", sa.Text, sa.ForeignKey("reviewers.reviewer_id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

#: Every sign-in attempt, for rate limiting per account and per address.
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column(
        "attempt_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("reviewer_id", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Index(None, "reviewer_id", "attempted_at"),
    sa.Index(None, "address", "attempted_at"),
)

#: Each reviewer's screening votes (append-only). A record is decided at a stage when the
#: votes the review asks for agree (or the lead resolves their conflict): that writes the
#: row of ``decisions`` that every count reads. ``kind`` is ``vote``, or ``withdraw`` (the
#: reviewer took their vote back).
votes = sa.Table(
    "votes",
    metadata,
    sa.Column(
        "vote_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("record_id", sa.Text, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("reviewer_id", sa.Text, sa.ForeignKey("reviewers.reviewer_id"), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("params_hash", sa.Text),
    sa.Column("voted_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("kind IN ('vote', 'withdraw')", name="kind"),
    sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name="stage"),
    sa.Index(None, "record_id", "stage"),
    sa.Index(None, "reviewer_id", "stage"),
)

#: Which record each reviewer is screening now (one per reviewer and stage; expires), so
#: that workers and hosts sharing the store hand out each record to as many reviewers as
#: it needs votes, and no more.
claims = sa.Table(
    "claims",
    metadata,
    sa.Column("stage", sa.Text, primary_key=True),
    sa.Column("reviewer_id", sa.Text, primary_key=True),
    sa.Column("record_id", sa.Text, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
    sa.Index(None, "stage", "record_id"),
)

#: Each screening order computed for a stage (the ranker's, or import order before it can
#: rank); the newest is the current one. ``queue`` holds its records in order.
rankings = sa.Table(
    "rankings",
    metadata,
    sa.Column(
        "ranking_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("params_hash", sa.Text, nullable=False),
    sa.Column("n_included", sa.Integer, nullable=False),
    sa.Column("n_excluded", sa.Integer, nullable=False),
    sa.Column("n_records", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

#: The records of a ranking in screening order; ``done`` once decided at its stage (a
#: cache of the decisions, kept so that the next record is found without a scan).
queue = sa.Table(
    "queue",
    metadata,
    sa.Column("ranking_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
              sa.ForeignKey("rankings.ranking_id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("record_id", sa.Text, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Index(None, "ranking_id", "done", "position"),
    sa.Index(None, "ranking_id", "record_id"),
)


#: Full texts found for records at the full-text stage: an uploaded PDF (kept under the
#: review directory, ``path`` relative to it) or a link. Append-only like votes.
documents = sa.Table(
    "documents",
    metadata,
    sa.Column(
        "document_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("record_id", sa.Text, sa.ForeignKey("records.record_id"), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("path", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("sha256", sa.Text),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("reviewer_id", sa.Text, sa.ForeignKey("reviewers.reviewer_id"), nullable=False),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("kind IN ('pdf', 'link')", name="kind"),
    sa.Index(None, "record_id"),
)
