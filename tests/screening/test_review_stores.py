"""Which store a review lives in: reviews sharing a PostgreSQL database stay apart, a
review remembers its store, and a review is never given a new empty store by accident."""

from __future__ import annotations

import csv
import os
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from screening.cli import main
from screening.errors import ReviewError
from screening.prisma import prisma_counts
from screening.review_dir import open_review, review_schema
from screening.store.engine import SQLITE_FILE_NAME
from tests.screening.conftest import drop_review_schemas

DATA = Path(__file__).resolve().parents[1] / "data" / "exports"
PUBMED = DATA / "medline" / "ketamine_pubmed.nbib"  # 10 records
EMBASE = DATA / "ris" / "ketamine_embase.ris"  # 7 records, 4 of them PubMed's too
PG_URL = os.environ.get("LITSIEVE_TEST_DATABASE_URL")


@pytest.fixture
def pg_url(monkeypatch, tmp_path) -> Iterator[str]:
    """LITSIEVE_DATABASE_URL set to the test server (with a password that trust auth
    ignores, to see that it is never written down); the schemas of the reviews made under
    ``tmp_path`` dropped after (only those: tests in other processes share the server)."""
    if not PG_URL:
        pytest.skip("PostgreSQL review tests need LITSIEVE_TEST_DATABASE_URL")
    url = sa.make_url(PG_URL).set(password="not-in-the-config")
    text = url.render_as_string(hide_password=False)
    monkeypatch.setenv("LITSIEVE_DATABASE_URL", text)
    yield text
    drop_review_schemas(text, tmp_path)


def cli(capsys, *args: object) -> str:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def exported(capsys, review: Path, tmp_path: Path) -> list[dict]:
    path = tmp_path / f"{review.name}.csv"
    cli(capsys, "export", review, "--output", path)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_two_reviews_on_one_postgresql_database_stay_apart(
    pg_url: str, tmp_path: Path, capsys
) -> None:
    a, b = tmp_path / "review-a", tmp_path / "review-b"
    cli(capsys, "init", a)
    cli(capsys, "import", a, PUBMED)
    cli(capsys, "init", b)
    assert "No records yet" in cli(capsys, "status", b)
    cli(capsys, "import", b, PUBMED)  # the same file: new to review B
    cli(capsys, "import", b, EMBASE)
    assert [len(exported(capsys, r, tmp_path)) for r in (a, b)] == [10, 17]
    assert "4 duplicate records" in cli(capsys, "dedup", b)
    assert "0 duplicate records" in cli(capsys, "dedup", a)
    ids = {}
    for review in (a, b):
        config = open_review(review).config
        ids[review] = config.review.id
        with open_review(review).open_store(os.environ["LITSIEVE_DATABASE_URL"]) as store:
            assert store.review_id() == config.review.id
            counts = prisma_counts(store)
            links = store.latest_links()
        expected = {"PubMed": 10} if review == a else {"PubMed": 10, "Embase": 7}
        assert counts.database_specific_results == expected
        assert (counts.duplicates, len(links) > 0) == ((0, False) if review == a else (4, True))
    assert ids[a] != ids[b]
    status_a = cli(capsys, "status", a)
    assert "ketamine_embase.ris" not in status_a and "ketamine_pubmed.nbib" in status_a


def test_a_review_remembers_its_postgresql_store_without_the_password(
    pg_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    review = tmp_path / "review"
    cli(capsys, "init", review)
    cli(capsys, "import", review, PUBMED)
    text = (review / "litsieve.toml").read_text()
    assert "not-in-the-config" not in text
    config = tomllib.loads(text)
    remembered = sa.make_url(config["store"]["url"])
    assert remembered.password is None
    assert remembered.set(password="not-in-the-config") == sa.make_url(pg_url)
    monkeypatch.delenv("LITSIEVE_DATABASE_URL")
    assert "10" in cli(capsys, "status", review).split("total", 1)[1].split("\n", 1)[0]
    assert not (review / SQLITE_FILE_NAME).exists()  # no empty SQLite store on the side


def test_a_review_whose_schema_is_gone_is_an_error_not_an_empty_store(
    pg_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    review = tmp_path / "review"
    cli(capsys, "init", review)
    schema = review_schema(open_review(review).config.review.id)
    engine = sa.create_engine(sa.make_url(pg_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.commit()
    engine.dispose()
    assert main(["status", str(review)]) == 1
    message = capsys.readouterr().err
    assert f"{review}: review {schema.removeprefix('review_')} is not in the store" in message
    assert f"has no schema {schema}" in message
    assert "LITSIEVE_DATABASE_URL" in message and "not-in-the-config" not in message
    monkeypatch.delenv("LITSIEVE_DATABASE_URL")  # the same, with the URL remembered at init
    assert main(["status", str(review)]) == 1
    assert "it was opened with, [store] url (postgresql+psycopg://" in capsys.readouterr().err


def test_an_unreachable_server_is_an_error_naming_review_and_store(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("LITSIEVE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    review = tmp_path / "review"
    assert main(["init", str(review)]) == 1
    assert (f"error: {review}: cannot open the review store "
            "postgresql+psycopg://postgres@127.0.0.1:1/nowhere: ") in capsys.readouterr().err
    assert not (review / "litsieve.toml").exists()  # nothing half-made


def test_a_sqlite_review_without_its_store_file_is_an_error(tmp_path: Path, capsys,
                                                           monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    review = tmp_path / "review"
    cli(capsys, "init", review)
    (review / SQLITE_FILE_NAME).unlink()
    with pytest.raises(ReviewError, match=rf"{review}: review [0-9a-f]+ is not in the store it "
                                          r"was opened with, the default SQLite file: no store "
                                          rf"at {review.absolute() / SQLITE_FILE_NAME}"):
        open_review(review).open_store()
    assert not (review / SQLITE_FILE_NAME).exists()


def test_a_store_holding_another_review_is_refused(tmp_path: Path, capsys,
                                                   monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    first, second = tmp_path / "first", tmp_path / "second"
    cli(capsys, "init", first)
    cli(capsys, "init", second)
    shutil.copy(first / SQLITE_FILE_NAME, second / SQLITE_FILE_NAME)
    ids = [open_review(r).config.review.id for r in (first, second)]
    assert main(["status", str(second)]) == 1
    assert (f"{second}: the review store "
            f"sqlite:///{(second / SQLITE_FILE_NAME).absolute()} holds review {ids[0]}, "
            f"not review {ids[1]}") in capsys.readouterr().err


def test_init_gives_each_review_its_own_id_even_from_one_protocol(tmp_path: Path, capsys,
                                                                  monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    protocol = tmp_path / "protocol.toml"
    protocol.write_text('[ review ]  # the protocol\nname = "Ketamine"\nid = "copied0id"\n'
                        '\n[store]\n')
    ids = set()
    for name in ("one", "two"):
        cli(capsys, "init", tmp_path / name, "--config", protocol)
        ids.add(open_review(tmp_path / name).config.review.id)
    assert len(ids) == 2 and "copied0id" not in ids
