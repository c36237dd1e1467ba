"""``litsieve source``: the imported files of a review, and taking a wrong import back."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from screening.cli.app import app, database_url, out
from screening.model import Actor
from screening.review_dir import open_review

__all__: list[str] = []

source_app = typer.Typer(
    help="The imported files (sources) of a review: list them, take a wrong import back.",
    no_args_is_help=True,
)
app.add_typer(source_app, name="source")


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "reviewer"


@source_app.command("list")
def list_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
) -> None:
    """Every imported file, retracted ones too, with its id (for `source retract`)."""
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        every = store.sources(retracted=None)
        retracted = {r.source_id: r for r in store.retractions()}
    if not every:
        out.print("No sources yet: `litsieve import DIR FILE...` adds an export.")
        return
    table = Table(title="Sources", title_justify="left")
    for column in ("source", "file", "format", "database", "records", "imported", "state"):
        table.add_column(column, justify="right" if column == "records" else "left")
    for s in every:
        gone = retracted.get(s.source_id)
        state = "in the review" if gone is None else (
            f"retracted {gone.retracted_at:%Y-%m-%d %H:%M} by {gone.actor}: {gone.reason}")
        table.add_row(s.source_id, s.name, s.export_format, s.database or "-",
                      f"{s.n_records:,}", s.imported_at.strftime("%Y-%m-%d %H:%M"), state)
    out.print(table)


@source_app.command("retract")
def retract_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    source_id: Annotated[str, typer.Argument(
        help="The source to take back (its id from `litsieve status` or `source list`).")],
    reason: Annotated[str, typer.Option(
        "--reason", help="Why (kept with the retraction, e.g. 'imported with the wrong "
        "--format').")],
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="Who retracts (recorded as human:<id>; default: your user name).")
    ] = None,
) -> None:
    """Take an import back: nothing is deleted, a retraction is recorded.

    The source's records leave every count, queue, export and PRISMA box; the duplicate
    links and decisions about them stop counting; the same file can then be imported
    again, with other --format or --database. A retraction cannot be undone: import the
    file again instead.
    """
    if not reason.strip():
        raise typer.BadParameter("give the reason for taking the import back",
                                 param_hint="--reason")
    review = open_review(directory)
    actor = Actor.human(reviewer or _default_reviewer())
    with review.open_store(database_url()) as store:
        found = {s.source_id: s for s in store.sources(retracted=None)}
        run_id = store.begin_run("retract", {"source_id": source_id, "reason": reason})
        try:
            store.retract_source(source_id, reason=reason, actor=actor, run_id=run_id)
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        source = found[source_id]
        store.finish_run(run_id, "ok", {"source_id": source_id, "records": source.n_records,
                                        "rejects": source.n_rejects})
    out.print(
        f"Retracted source {source_id} ({source.name}: {source.n_records:,} records, "
        f"{source.n_rejects:,} quarantined) by {actor}: {reason}.\n"
        "Its records, their duplicate links and decisions no longer count; the file can "
        f"be imported again (`litsieve import {directory} {source.path} --format ... "
        "--database ...`).",
        highlight=False, markup=False,
    )
