"""The typer application every command module adds its commands to, and its consoles."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["DATABASE_URL_ENV", "app", "database_url", "err", "out"]

DATABASE_URL_ENV = "LITSIEVE_DATABASE_URL"

app = typer.Typer(
    name="litsieve",
    help=(
        "Systematic-review screening: import database exports into a review, find the "
        "duplicates, rank the records for screening, count the PRISMA 2020 flow, update "
        "from PubMed on a schedule, and pool the extracted data.\n\n"
        "A review is a directory made by `litsieve init`; it holds the protocol "
        "(litsieve.toml), the store (review.sqlite, or PostgreSQL when "
        f"{DATABASE_URL_ENV} is set) and rejected records (rejects/)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _console(stderr: bool = False) -> Console:
    # Piped output (logs, CI) gets wide tables instead of rich's default of 80 columns.
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=160)


out = _console()
err = _console(stderr=True)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Options for every command."""


def database_url() -> str | None:
    """The store URL from the environment (it overrides the review's config), if any."""
    return os.environ.get(DATABASE_URL_ENV) or None
