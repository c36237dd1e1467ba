"""Store URLs, SQLite settings and connection errors (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.errors import StoreError
from screening.store import ReviewStore, normalize_url, sqlite_url
from screening.store.engine import SQLITE_FILE_NAME, create_store_engine


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test",
         "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        ("postgres://u:secret@db/review", "postgresql+psycopg://u:secret@db/review"),
        ("postgresql+psycopg://u@db/review", "postgresql+psycopg://u@db/review"),
        ("sqlite:////srv/review/review.sqlite", "sqlite:////srv/review/review.sqlite"),
    ],
    ids=["postgresql", "postgres", "psycopg", "sqlite"],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://u@db/review", r"^unsupported store URL 'mysql://u@db/review': use "
         r"sqlite:///<path> or postgresql://<user>@<host>/<database> \(psycopg 3\)$"),
        ("postgresql+psycopg2://u:pw@db/r", r"^unsupported store URL "
         r"'postgresql\+psycopg2://u:\*\*\*@db/r'"),
        ("review.sqlite", r"^not a database URL: 'review\.sqlite'$"),
    ],
    ids=["mysql", "psycopg2-password-hidden", "not-a-url"],
)
def test_unsupported_urls_are_refused(given: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        normalize_url(given)


def test_sqlite_url_points_into_the_review_directory(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    assert normalize_url(url).database == str(tmp_path / SQLITE_FILE_NAME)
    assert SQLITE_FILE_NAME == "review.sqlite"
    assert sqlite_url(Path("reviews/x")).endswith("/reviews/x/review.sqlite")
    assert Path(sqlite_url(Path("reviews/x"))[len("sqlite:///"):]).is_absolute()


def test_sqlite_url_survives_odd_directory_names(tmp_path: Path) -> None:
    odd = tmp_path / "my review? 100%20 #1: ü"
    odd.mkdir()
    assert normalize_url(sqlite_url(odd)).database == str(odd / "review.sqlite")
    with ReviewStore.connect(sqlite_url(odd)) as store:
        assert store.count_records() == 0
    assert (odd / "review.sqlite").is_file()


def test_sqlite_store_uses_wal_foreign_keys_and_normal_sync(tmp_path: Path) -> None:
    with ReviewStore.connect(sqlite_url(tmp_path)) as store:
        assert store.dialect == "sqlite"
        assert (tmp_path / "review.sqlite").is_file()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_sqlite_store_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(
        StoreError,
        match=rf"^cannot open the review store {missing}/review\.sqlite: the directory "
        rf"{missing} does not exist$",
    ):
        ReviewStore.connect(sqlite_url(missing))
    assert not missing.exists()


def test_unreachable_postgresql_server_is_a_store_error() -> None:
    with pytest.raises(
        StoreError,
        match=r"^cannot open the review store postgresql\+psycopg://u:\*\*\*@127\.0\.0\.1:1/x: ",
    ):
        ReviewStore.connect("postgresql://u:secret@127.0.0.1:1/x", connect_args={
            "connect_timeout": 5})


def test_store_repr_hides_the_password() -> None:
    store = ReviewStore(create_store_engine("postgresql://u:secret@db/review"))  # not opened
    assert repr(store) == "ReviewStore('postgresql+psycopg://u:***@db/review')"
    assert store.url == "postgresql+psycopg://u:***@db/review"
    assert store.engine.url.password == "secret"
    store.close()
