"""``litsieve reviewer``: the accounts that sign in to the web app, and API tokens."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from screening.cli.app import app, database_url, out
from screening.errors import ReviewError, StoreError
from screening.review_dir import open_review

__all__ = ["Role", "reviewer_app"]


class Role(StrEnum):
    """What an account may do in the web app."""

    LEAD = "lead"
    REVIEWER = "reviewer"


reviewer_app = typer.Typer(
    help="The review team's accounts for the web app (`litsieve web`): add a reviewer or "
         "the lead, set a password, make an API token.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(reviewer_app, name="reviewer")

_DIRECTORY = Annotated[Path, typer.Argument(help="The review directory.")]
_ID = Annotated[str, typer.Argument(
    help="The reviewer's id: letters, digits, '.', '_' or '-' (their decisions are "
         "recorded as human:<id>).")]
_PASSWORD_STDIN = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input "
    "(for scripts) instead of asking twice.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise typer.BadParameter("standard input gave no password",
                                     param_hint="--password-stdin")
        return password
    if not sys.stdin.isatty():
        raise typer.BadParameter("no terminal to ask for the password on: pass it on "
                                 "standard input with --password-stdin",
                                 param_hint="--password-stdin")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password again: ")
    if first != second:
        raise ReviewError("the two passwords differ; nothing was changed")
    return first


@reviewer_app.command("add")
def add_command(
    directory: _DIRECTORY,
    reviewer_id: _ID,
    name: Annotated[str, typer.Option("--name", help="The reviewer's full name.")],
    role: Annotated[Role, typer.Option(
        "--role", case_sensitive=False,
        help="lead: resolves conflicts, sees the dashboard and audit, approves the "
        "automation; reviewer: screens.")] = Role.REVIEWER,
    password_stdin: _PASSWORD_STDIN = False,
) -> None:
    """Add an account that signs in to the web app (the password is asked twice)."""
    if not name.strip():
        raise typer.BadParameter("give the reviewer's name", param_hint="--name")
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        password = _password(password_stdin)
        try:
            account = store.add_account(reviewer_id, name.strip(), role=role.value,
                                        password=password)
        except StoreError as exc:
            raise ReviewError(f"{directory}: {exc}") from exc
    out.print(f"Added {account.role} {account.reviewer_id} ({account.name}); they sign in at "
              f"the app of `litsieve web {directory}`.", markup=False, highlight=False)


@reviewer_app.command("password")
def password_command(directory: _DIRECTORY, reviewer_id: _ID,
                     password_stdin: _PASSWORD_STDIN = False) -> None:
    """Set a new password for an account (its API tokens stay valid)."""
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        if store.account(reviewer_id) is None:
            raise ReviewError(f"{directory}: no account {reviewer_id!r} in this review "
                              "(add one with `litsieve reviewer add`)")
        password = _password(password_stdin)
        try:
            store.set_password(reviewer_id, password)
        except StoreError as exc:
            raise ReviewError(f"{directory}: {exc}") from exc
    out.print(f"New password set for {reviewer_id}.", markup=False, highlight=False)


@reviewer_app.command("token")
def token_command(directory: _DIRECTORY, reviewer_id: _ID) -> None:
    """Make a new API token for an account and print it (it is shown only this once; the
    API takes it as `Authorization: Bearer <token>`)."""
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        try:
            token = store.new_token(reviewer_id)
        except StoreError as exc:
            raise ReviewError(f"{directory}: {exc}") from exc
    out.print(f"API token for {reviewer_id} (shown once; keep it secret): {token}",
              markup=False, highlight=False, soft_wrap=True)


@reviewer_app.command("list")
def list_command(directory: _DIRECTORY) -> None:
    """Every account of the review, with its role."""
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        accounts = store.accounts()
    if not accounts:
        out.print("No accounts yet: `litsieve reviewer add DIR ID --name NAME --role lead` "
                  "adds the lead.", markup=False, highlight=False)
        return
    table = Table(title="Accounts", title_justify="left")
    for column in ("reviewer", "name", "role"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.reviewer_id, account.name, account.role)
    out.print(table)
