"""The typer application every command module adds its commands to, and its consoles."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

__all__ = ["DATABASE_URL_ENV", "app", "choose_name", "database_url", "err", "litsieve_version",
           "out", "progress_bar", "reader_format", "text_encoding"]

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


class _Count(ProgressColumn):
    """done/total of a counted task; nothing for a task without a total (a spinner)."""

    def render(self, task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{task.completed:,.0f}/{task.total:,.0f}")


def progress_bar() -> Progress:
    """What a long command is doing, on stderr while it is a terminal: a spinner, the step,
    a bar and a count for counted work, the time so far. Transient (gone when the work is
    done) and disabled when stderr is not a terminal: logs, pipes and tests get none of it.

    A task added with ``total=None`` is a spinner with its description only."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
                    _Count(), TimeElapsedColumn(), console=err, disable=not err.is_terminal,
                    transient=True)


def litsieve_version() -> str:
    """The installed litsieve's version (``0+unknown`` in a source tree never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litsieve")
    except PackageNotFoundError:
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        out.print(f"litsieve {litsieve_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, expose_value=False,
        help="Print the version and exit.")] = False,
) -> None:
    """Options for every command."""


def choose_name(value: str, names: Iterable[str], *, what: str, param_hint: str) -> str:
    """The one of ``names`` that ``value`` spells, ignoring case ("RIS", "Medline", "SVM").

    Anything else is a usage error (exit 2) that lists the names; raised while a command
    runs, it still prints the command's usage line."""
    names = sorted(names)
    by_key = {name.casefold(): name for name in names}
    found = by_key.get(value.strip().casefold())
    if found is None:
        raise typer.BadParameter(f"unknown {what} {value!r}; one of: {', '.join(names)}",
                                 ctx=click.get_current_context(silent=True),
                                 param_hint=param_hint)
    return found


def reader_format(value: str | None, *, param_hint: str = "--format") -> str | None:
    """A ``--format`` value as the reader's registered name (any case), or None."""
    if value is None:
        return None
    from screening.readers import available_readers

    return choose_name(value, available_readers(), what="format", param_hint=param_hint)


def text_encoding(value: str | None, *, param_hint: str = "--encoding") -> str | None:
    """An ``--encoding`` value, checked: a name Python has no codec for is a usage error."""
    if value is None:
        return None
    import codecs

    try:
        codecs.lookup(value.strip())
    except LookupError:
        raise typer.BadParameter(
            f"unknown encoding {value!r}; give a Python codec name such as utf-8, latin-1, "
            "cp1252 or mac-roman", ctx=click.get_current_context(silent=True),
            param_hint=param_hint) from None
    return value


def database_url() -> str | None:
    """The store URL from the environment (it overrides the review's config), if any."""
    return os.environ.get(DATABASE_URL_ENV) or None
