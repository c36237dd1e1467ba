"""Connecting to a review store: URLs, SQLite pragmas, schema creation and the triggers.

SQLite (the default) is a file ``review.sqlite`` in the review directory, in WAL mode with
foreign keys on and ``synchronous=NORMAL``. PostgreSQL is reached through psycopg 3; a plain
``postgresql://`` URL is rewritten to ``postgresql+psycopg://``. Nothing here reads the
environment: callers pass the URL.

The ``decisions`` table is append-only on both engines: triggers refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL) with :data:`APPEND_ONLY_MESSAGE`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from screening.errors import StoreError
from screening.store import schema
from screening.store._common import litsieve_version, utcnow

__all__ = [
    "APPEND_ONLY_MESSAGE",
    "SQLITE_FILE_NAME",
    "create_store_engine",
    "display_url",
    "ensure_schema",
    "normalize_url",
    "sqlite_url",
]

#: The file name of the SQLite store inside a review directory.
SQLITE_FILE_NAME = "review.sqlite"

#: What the database says when anything tries to change or remove a decision.
APPEND_ONLY_MESSAGE = "decisions are append-only: add a new decision instead"

#: Execution option naming how a SQLite transaction begins ("IMMEDIATE" takes the write
#: lock at once, so a writer never fails half-way when another process writes).
SQLITE_BEGIN = "litsieve_sqlite_begin"

#: The same for the links table (deduplication decisions about pairs).
LINKS_APPEND_ONLY_MESSAGE = "links are append-only: add a new link instead"
#: The same for the retractions table (imports taken back).
RETRACTIONS_APPEND_ONLY_MESSAGE = "retractions are append-only: a retraction is never undone"
#: The same for the votes table (reviewers' screening votes in the web app).
VOTES_APPEND_ONLY_MESSAGE = "votes are append-only: vote again or withdraw instead"

#: Each append-only table and the message its triggers give.
_APPEND_ONLY = {"decisions": APPEND_ONLY_MESSAGE, "links": LINKS_APPEND_ONLY_MESSAGE,
                "retractions": RETRACTIONS_APPEND_ONLY_MESSAGE,
                "votes": VOTES_APPEND_ONLY_MESSAGE}


def _append_only(table: str, message: str, *, sqlite: bool) -> tuple[str, ...]:
    """The statements making ``table`` append-only: UPDATE and DELETE (and TRUNCATE on
    PostgreSQL) fail with ``message``. Safe to run again on a store that has them."""
    if sqlite:
        return tuple(f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()}
BEFORE {verb} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{message}');
END""" for verb in ("UPDATE", "DELETE"))
    function = f"litsieve_{table}_append_only"
    return (
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
END
$$""",
        f"""CREATE OR REPLACE TRIGGER {table}_no_update_or_delete
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION {function}()""",
        f"""CREATE OR REPLACE TRIGGER {table}_no_truncate
BEFORE TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
    )


def sqlite_url(review_dir: Path) -> str:
    """The URL of the default store: ``review.sqlite`` in ``review_dir`` (made absolute)."""
    path = (Path(review_dir) / SQLITE_FILE_NAME).absolute()
    # URL.create escapes '?', '#', '%' and ':' in the path, which make_url decodes again.
    return sa.URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def display_url(url: sa.URL) -> str:
    """``url`` as text with any password hidden (for messages and logs)."""
    return url.render_as_string(hide_password=True)


def normalize_url(url: str | sa.URL) -> sa.URL:
    """Parse a store URL; ``postgresql://`` and ``postgres://`` become psycopg 3 URLs.

    Raises StoreError for anything but SQLite (pysqlite) and PostgreSQL (psycopg 3).
    """
    try:
        parsed = sa.make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {str(url)!r}") from exc
    backend, driver = parsed.get_backend_name(), parsed.drivername.partition("+")[2]
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    raise StoreError(
        f"unsupported store URL {display_url(parsed)!r}: use sqlite:///<path> or "
        "postgresql://<user>@<host>/<database> (psycopg 3)"
    )


def _is_memory(url: sa.URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url.query)


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN, so DDL and the import are real transactions
    # (the documented recipe for pysqlite's legacy transaction handling).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
    connection.exec_driver_sql(f"BEGIN {mode}".rstrip())


def create_store_engine(
    url: str | sa.URL, *, connect_args: Mapping[str, Any] | None = None, echo: bool = False
) -> Engine:
    """An Engine for ``url`` with the store's connection settings (nothing is opened yet)."""
    parsed = normalize_url(url)
    args = dict(connect_args or {})
    if parsed.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(parsed, connect_args=args, echo=echo)
        except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
            raise StoreError(f"cannot use {display_url(parsed)!r}: {exc}") from exc
    extra: dict[str, Any] = {}
    if _is_memory(parsed):
        args.setdefault("check_same_thread", False)
        extra["poolclass"] = StaticPool
    else:
        folder = Path(parsed.database or "").absolute().parent
        if not folder.is_dir():
            raise StoreError(
                f"cannot open the review store {parsed.database}: "
                f"the directory {folder} does not exist"
            )
    args.setdefault("timeout", 30.0)  # seconds to wait for another writer
    engine = sa.create_engine(parsed, connect_args=args, echo=echo, **extra)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _schema_version(conn: Connection) -> int | None:
    """The version recorded in ``meta``; None when the store has no schema yet."""
    if not sa.inspect(conn).has_table("meta"):
        return None
    value = conn.execute(
        sa.select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
    ).scalar_one_or_none()
    return None if value is None else int(value)


def _check_version(found: int, where: str) -> None:
    if found != schema.SCHEMA_VERSION:
        raise StoreError(
            f"the review store {where} has schema version {found}; this litsieve "
            f"({litsieve_version()}) works with version {schema.SCHEMA_VERSION}"
        )


_VERSION_5_TABLES = (schema.accounts, schema.api_tokens, schema.login_attempts, schema.votes,
                     schema.claims, schema.rankings, schema.queue, schema.documents)


def _triggers(sqlite: bool, tables: tuple[str, ...] = tuple(_APPEND_ONLY)) -> tuple[str, ...]:
    """The append-only triggers of ``tables`` (default: every append-only table)."""
    return tuple(statement for table in tables
                 for statement in _append_only(table, _APPEND_ONLY[table], sqlite=sqlite))


def _sources_sha256_not_unique(conn: Connection, sqlite: bool) -> None:
    """Version 4: a file's sha256 may appear again (an import taken back and redone)."""
    if not sqlite:
        conn.exec_driver_sql("ALTER TABLE sources DROP CONSTRAINT IF EXISTS uq_sources_sha256")
        for index in schema.sources.indexes:
            index.create(conn, checkfirst=True)
        return
    # SQLite cannot drop a constraint: the table is rebuilt, as its documentation says
    # (https://sqlite.org/lang_altertable.html#otheralter), with foreign keys off (the
    # caller turns them off outside the transaction and checks them before committing).
    create = str(sa.schema.CreateTable(schema.sources).compile(dialect=conn.dialect))
    conn.exec_driver_sql(create.replace("CREATE TABLE sources", "CREATE TABLE sources_v4", 1))
    names = ", ".join(f'"{column.name}"' for column in schema.sources.columns)
    conn.exec_driver_sql(f"INSERT INTO sources_v4 ({names}) SELECT {names} FROM sources")
    conn.exec_driver_sql("DROP TABLE sources")
    conn.exec_driver_sql("ALTER TABLE sources_v4 RENAME TO sources")
    for index in schema.sources.indexes:
        index.create(conn, checkfirst=True)
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(f"upgrading the store to schema version 4 broke foreign keys: "
                         f"{broken[:5]}")


def _migrate(engine: Engine, found: int) -> None:
    """Bring a store of an older schema version up to date (additions, and version 4's
    rebuilt ``sources`` on SQLite)."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        if sqlite and found < 4:  # a no-op inside a transaction: set it before BEGIN
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            _migrate_in(conn, found, sqlite)
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _migrate_in(conn: Connection, found: int, sqlite: bool) -> None:
    with conn.begin():
        if not sqlite:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(current_schema()))"))
        if _schema_version(conn) != found:
            return  # another process migrated it meanwhile
        if found < 2:
            schema.links.create(conn, checkfirst=True)
            for statement in _triggers(sqlite, ("links",)):
                conn.exec_driver_sql(statement)
        if found < 3:
            schema.dedup_keys.create(conn, checkfirst=True)
        if found < 4:
            _sources_sha256_not_unique(conn, sqlite)
            if not sa.inspect(conn).has_table("retractions"):
                schema.retractions.create(conn)
                for statement in _triggers(sqlite, ("retractions",)):
                    conn.exec_driver_sql(statement)
        if found < 5:
            for table in _VERSION_5_TABLES:
                table.create(conn, checkfirst=True)
            for statement in _triggers(sqlite, ("votes",)):
                conn.exec_driver_sql(statement)
        conn.execute(
            schema.meta.update()
            .where(schema.meta.c.key == "schema_version")
            .values(value=str(schema.SCHEMA_VERSION))
        )


def ensure_schema(engine: Engine) -> bool:
    """Create the tables, indexes and triggers unless they exist; True when it created them.

    Connecting to an existing store writes nothing. Creation is one transaction, serialised
    against concurrent first connections (SQLite write lock, PostgreSQL advisory lock).
    """
    where = display_url(engine.url)
    with engine.connect() as conn:
        found = _schema_version(conn)
    if found is not None and found < schema.SCHEMA_VERSION:
        _migrate(engine, found)
        return False
    if found is not None:
        _check_version(found, where)
        return False
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if not sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(current_schema()))"))
            found = _schema_version(conn)  # another process may have won the race
            if found is not None:
                _check_version(found, where)
                return False
            schema.metadata.create_all(conn)
            for statement in _triggers(sqlite):
                conn.exec_driver_sql(statement)
            conn.execute(
                schema.meta.insert(),
                [
                    {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                    {"key": "created_at", "value": utcnow().isoformat()},
                    {"key": "created_by", "value": f"litsieve {litsieve_version()}"},
                ],
            )
    return True
