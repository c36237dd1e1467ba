"""``litsieve update``: a PubMed update now, in-process (``litsieve serve``, the scheduled
version, is in flows/cli.py: it needs Prefect, which screening never imports).

``update`` calls screening.update directly and never imports Prefect.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from screening.cli.app import app, database_url, err, out
from screening.review_dir import open_review

__all__: list[str] = []

_STEPS = {"plan": "planning", "fetch": "searching and fetching PubMed", "import": "importing",
          "dedup": "deduplicating against the review", "count": "counting",
          "report": "writing the report"}


def _parse_day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD (got {value!r})",
                                 param_hint="--today") from None


@app.command("update")
def update_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    today: Annotated[str | None, typer.Option(
        "--today", metavar="YYYY-MM-DD", help="Last day searched (default: today).")] = None,
) -> None:
    """Search PubMed for records added since the last update; import and deduplicate them.

    Uses the review's [pubmed] section. The E-utilities URL may be overridden with
    LITSIEVE_EUTILS_URL; email and api_key may come from NCBI_EMAIL and NCBI_API_KEY.
    Writes DIR/updates/pubmed-<from>-<to>.nbib and report-<to>.md; prints the counts.
    """
    from screening.update import (
        UPDATES_DIR,
        make_client,
        pubmed_settings,
        run_update,
        write_update_diagram,
    )

    last_day = _parse_day(today)
    review = open_review(directory)
    settings = pubmed_settings(review.config.pubmed, os.environ)
    client = make_client(settings)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal, transient=True) as bar:
        task = bar.add_task("PubMed update")

        def step(name, function, *args, **kwargs):
            bar.update(task, description=f"PubMed update: {_STEPS.get(name, name)}")
            return function(*args, **kwargs)

        with review.open_store(database_url()) as store:
            results = run_update(store, review.path / UPDATES_DIR, client,
                                 query=settings.query, start=settings.start, today=last_day,
                                 datetype=settings.datetype, step=step)
            diagrams = [write_update_diagram(store, review.config, review.path / UPDATES_DIR,
                                             result.window) for result in results]
    if not results:
        searched = (last_day - timedelta(days=1)).strftime("%Y-%m-%d")  # windows end yesterday
        out.print(f"{directory} is up to date: PubMed was searched up to {searched}")
    for result, diagram in zip(results, diagrams, strict=True):
        c = result.counts
        resumed = " (resumed: finishing an interrupted update)" if result.window.resumed else ""
        out.print(
            f"PubMed {result.window.label}{resumed}: {c.hits:,} found, {c.imported:,} "
            f"imported, {c.duplicates:,} already in the review, {c.new_in_queue:,} new to "
            f"screen ({c.queue:,} waiting in all). Report: {result.report}; "
            f"PRISMA diagram: {diagram}")
