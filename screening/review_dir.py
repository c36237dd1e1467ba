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
from dataclasses import dataclass
from pathlib import Path

from screening.errors import ConfigError, ReviewError
from screening.settings import ReviewConfig, load_config, parse_config
from screening.store import ReviewStore, sqlite_url

__all__ = ["CONFIG_NAME", "ReviewDir", "init_review", "open_review"]

CONFIG_NAME = "litsieve.toml"

_DEFAULT_CONFIG = """\
# litsieve review protocol (see config/example.toml in the litsieve repository)
[review]
name = "{name}"
"""

_SOURCE_TABLE = re.compile(r"^\s*\[sources\.[^\]]+\]\s*$")
_TABLE = re.compile(r"^\s*\[")
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

    def open_store(self, override: str | None = None) -> ReviewStore:
        return ReviewStore.connect(self.store_url(override))

    def source_path(self, raw: str) -> Path:
        """A ``[sources.*] path`` resolved against the config file's directory."""
        path = Path(raw)
        return path if path.is_absolute() else (self.path / path).resolve()


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


def init_review(directory: Path, *, config: Path | None = None) -> tuple[ReviewDir, bool]:
    """Create a review directory (config copy, empty store). Returns it and whether it was new.

    An existing review is left as it is.
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
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    try:
        review = open_review(directory)
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


