"""A review directory: its config file, store, rejects and exports.

::

    DIR/
      litsieve.toml     the review protocol (copied by ``litsieve init``)
      review.sqlite     the store, unless a PostgreSQL URL is configured
      rejects/          quarantined records, one JSON Lines file per import
      exports/          default place for exported files
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from screening.errors import ConfigError, ReviewError, StoreError
from screening.settings import ReviewConfig, load_config, parse_config
from screening.store import ReviewStore, normalize_url, sqlite_url
from screening.store.engine import create_store_engine, display_url

__all__ = ["CONFIG_NAME", "ReviewDir", "init_review", "open_review", "review_schema"]

CONFIG_NAME = "litsieve.toml"

_DEFAULT_CONFIG = """\
# litsieve review protocol (see config/example.toml in the litsieve repository)
[review]
name = "{name}"
"""

_SOURCE_TABLE = re.compile(r"^\s*\[sources\.[^\]]+\]\s*$")
_TABLE = re.compile(r"^\s*\[")
_HEADER = re.compile(r"^\s*\[\s*([A-Za-z_]+)\s*\]\s*(?:#.*)?$")
_PATH_LINE = re.compile(r'^(\s*path\s*=\s*)"([^"]*)"(.*)$')


@dataclass(frozen=True)
class ReviewDir:
    """An initialised review directory and its loaded config."""

    path: Path
    config: ReviewConfig

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_NAME

    @property
    def rejects_dir(self) -> Path:
        return self.path / "rejects"

    def store_url(self, override: str | None = None) -> str:
        """``override`` (from LITSIEVE_DATABASE_URL), else ``[store] url``, else SQLite here."""
        return override or self.config.store.url or sqlite_url(self.path)

    def open_store(self, override: str | None = None, *, create: bool = False) -> ReviewStore:
        """The review's store. On PostgreSQL a review with an id lives in its own schema
        (``review_<id>``), so reviews share a database without seeing each other.

        ``create`` (``litsieve init`` only) makes the store, or the schema, when missing.
        Otherwise a missing store, a store that cannot be reached or one that holds
        another review is a ReviewError naming the review and the store: a review never
        gets a new empty store by accident.
        """
        url = self.store_url(override)
        parsed = normalize_url(url)
        review_id = self.config.review.id
        connect_args = None
        try:
            if parsed.get_backend_name() == "sqlite":
                if not create and parsed.database and not Path(parsed.database).exists():
                    raise ReviewError(self._missing(f"no store at {parsed.database}", override))
            elif review_id:
                schema = review_schema(review_id)
                if not _pg_schema(parsed, schema, create=create):
                    raise ReviewError(self._missing(
                        f"the store {display_url(parsed)} has no schema {schema}", override))
                connect_args = {"options": f"-csearch_path={schema}"}
            store = ReviewStore.connect(url, connect_args=connect_args)
        except StoreError as exc:
            raise ReviewError(f"{self.path}: {exc}") from exc
        if review_id:
            try:
                store.claim_review_id(review_id, record=create)
            except StoreError as exc:
                store.close()
                raise ReviewError(f"{self.path}: {exc}") from exc
        return store

    def _missing(self, what: str, override: str | None) -> str:
        configured = self.config.store.url
        where = (f"LITSIEVE_DATABASE_URL ({display_url(normalize_url(override))})" if override
                 else f"[store] url ({display_url(normalize_url(configured))})" if configured
                 else "the default SQLite file")
        return (f"{self.path}: review {self.config.review.id or '(no id)'} is not in the store "
                f"it was opened with, {where}: {what}. Open it with the store it was created "
                "with (see [store] url in its litsieve.toml)")

    def source_path(self, raw: str) -> Path:
        """A ``[sources.*] path`` resolved against the config file's directory."""
        path = Path(raw)
        return path if path.is_absolute() else (self.path / path).resolve()


def review_schema(review_id: str) -> str:
    """The PostgreSQL schema of the review ``review_id``."""
    return f"review_{review_id}"


def _pg_schema(url: sa.URL, schema: str, *, create: bool) -> bool:
    """Whether ``schema`` exists on the server at ``url`` (made first when ``create``)."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            if create:
                conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                conn.commit()
                return True
            return conn.execute(sa.text(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"),
                {"name": schema}).first() is not None
    except sa.exc.OperationalError as exc:
        raise StoreError(f"cannot open the review store {display_url(engine.url)}: "
                         f"{exc.orig}") from exc
    finally:
        engine.dispose()


def _with_review_keys(text: str, review_id: str, store_url: str | None) -> str:
    """The config text with ``[review] id`` set (a copied id replaced) and, when given,
    ``[store] url`` (its password left out: it comes from the environment or ~/.pgpass)."""
    lines = text.splitlines(keepends=True)
    out, table, store_at = [], "", None
    for line in lines:
        if _TABLE.match(line):
            header = _HEADER.match(line)
            table = header.group(1) if header else ""
            out.append(line)
            if table == "review":
                out.append(f'id = "{review_id}"\n')
            elif table == "store":
                store_at = len(out)
            continue
        if table == "review" and re.match(r"^\s*id\s*=", line):
            continue
        out.append(line)
    if store_url is not None:
        entry = f'url = "{store_url}"\n'
        if store_at is None:
            out.append(("" if not out or out[-1].endswith("\n") else "\n") + "\n[store]\n")
            out.append(entry)
        else:
            out.insert(store_at, entry)
    return "".join(out)


def _rebase_source_paths(text: str, origin: Path, target: Path) -> str:
    """Rewrite relative ``path`` keys of ``[sources.*]`` tables from ``origin`` to ``target``."""
    out = []
    in_sources = False
    for line in text.splitlines(keepends=True):
        if _TABLE.match(line):
            in_sources = bool(_SOURCE_TABLE.match(line))
        match = _PATH_LINE.match(line.rstrip("\n")) if in_sources else None
        if match and not Path(match.group(2)).is_absolute():
            absolute = (origin / match.group(2)).resolve()
            relative = os.path.relpath(absolute, target.resolve())
            line = f'{match.group(1)}"{Path(relative).as_posix()}"{match.group(3)}\n'
        out.append(line)
    return "".join(out)


def init_review(
    directory: Path, *, config: Path | None = None, store_url: str | None = None
) -> tuple[ReviewDir, bool]:
    """Create a review directory (config copy with a new review id, empty store). Returns
    it and whether it was new.

    ``store_url`` (from LITSIEVE_DATABASE_URL): the store to create the review in; a
    PostgreSQL URL is written to the config's ``[store] url`` (without its password) so
    that the review is found there later. An existing review is left as it is.
    """
    directory = Path(directory)
    target = directory / CONFIG_NAME
    if target.exists():
        return open_review(directory), False
    if directory.exists() and not directory.is_dir():
        raise ReviewError(f"{directory}: exists and is not a directory")
    if config is not None:
        text = Path(config).read_text(encoding="utf-8-sig") if Path(config).is_file() else None
        if text is None:
            raise ConfigError(f"{config}: config file not found")
        parse_config(text, path=str(config))  # fail before creating anything
        text = _rebase_source_paths(text, Path(config).resolve().parent, directory)
    else:
        text = _DEFAULT_CONFIG.format(name=directory.resolve().name.replace('"', "'"))
    remembered = None
    if store_url is not None and normalize_url(store_url).get_backend_name() != "sqlite":
        if parse_config(text, path=str(config or target)).store.url is None:
            given = sa.make_url(store_url)
            remembered = sa.URL.create(  # URL.set() cannot remove a password
                given.drivername, given.username, None, given.host, given.port,
                given.database, given.query).render_as_string(hide_password=False)
    text = _with_review_keys(text, secrets.token_hex(6), remembered)
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    try:
        review = open_review(directory)
        review.open_store(store_url, create=True).close()
    except ReviewError:
        target.unlink()
        raise
    return review, True


def open_review(directory: Path) -> ReviewDir:
    """Load an initialised review directory."""
    directory = Path(directory)
    config_path = directory / CONFIG_NAME
    if not config_path.is_file():
        raise ReviewError(
            f"{directory}: not a litsieve review (no {CONFIG_NAME}); "
            f"run `litsieve init {directory}`"
        )
    return ReviewDir(directory, load_config(config_path))


