"""Store fixtures: every test needing a store runs on SQLite and, given a server, on PostgreSQL.

PostgreSQL runs when ``LITSIEVE_TEST_DATABASE_URL`` is set (CI:
``postgresql://postgres@127.0.0.1:5432/test``). Each test gets a schema of its own
(``search_path`` set through ``connect_args``), dropped afterwards, so tests may run in
parallel and leave nothing behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from screening.store import ReviewStore, normalize_url, sqlite_url

PG_URL_VARIABLE = "LITSIEVE_TEST_DATABASE_URL"


@dataclass
class StoreTarget:
    """Where a test's store lives: a URL plus DB-API connect arguments."""

    dialect: str
    url: str
    connect_args: dict[str, Any] = field(default_factory=dict)
    schema: str | None = None

    def connect(self) -> ReviewStore:
        return ReviewStore.connect(self.url, connect_args=self.connect_args)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def store_target(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[StoreTarget]:
    if request.param == "sqlite":
        yield StoreTarget("sqlite", sqlite_url(tmp_path))
        return
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL store tests need {PG_URL_VARIABLE} "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    schema = f"litsieve_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(normalize_url(url), poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield StoreTarget(
            "postgresql", url, {"options": f"-csearch_path={schema}"}, schema=schema
        )
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '20s'")
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def store(store_target: StoreTarget) -> Iterator[ReviewStore]:
    with store_target.connect() as opened:
        yield opened


def drop_review_schemas(url: str, root: Path) -> None:
    """Drop the PostgreSQL schemas (``review_<id>``) of the reviews made under ``root``,
    and only those: tests in other processes share the server and make schemas too."""
    import tomllib

    from screening.review_dir import review_schema

    schemas = set()
    for config in root.rglob("litsieve.toml"):
        try:
            review_id = tomllib.loads(config.read_text(encoding="utf-8"))["review"]["id"]
        except (KeyError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        schemas.add(review_schema(review_id))
    engine = sa.create_engine(normalize_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for schema in sorted(schemas):
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()
