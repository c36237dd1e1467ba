"""Commands about the PRISMA 2020 flow: ``prisma`` and ``decisions import``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from screening.cli import records  # noqa: F401  (its commands come first in --help)
from screening.cli.app import app, database_url, err, out
from screening.review_dir import open_review

__all__ = ["PrismaFormat", "decisions_app"]


class PrismaFormat(StrEnum):
    """What ``litsieve prisma`` writes."""

    SVG = "svg"
    PNG = "png"
    PDF = "pdf"
    JSON = "json"
    CSV = "csv"


decisions_app = typer.Typer(
    name="decisions",
    help="Decisions taken elsewhere (another screening tool, a spreadsheet).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(decisions_app)


@decisions_app.command("import")
def decisions_import_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    file: Annotated[
        Path,
        typer.Argument(
            help="A CSV with the columns record_id or native_id, stage (title_abstract or "
            "full_text), decision (include, exclude, maybe; not_retrieved at full_text), "
            "reason, reviewer and time."
        ),
    ],
) -> None:
    """Record decisions from a CSV like any other (one transaction; re-importing is safe).

    A row that decides a stage its record never reaches is an error, like any bad row: a
    full-text decision on a record excluded at title/abstract or without a title/abstract
    decision, or any decision on a record removed as a duplicate.
    """
    from screening.decisions_import import import_decisions

    review = open_review(directory)
    with review.open_store(database_url()) as store:
        report = import_decisions(store, file, reasons=review.config.criteria.reasons,
                                  source_kinds=review.config.prisma.source_kinds,
                                  timezone=review.config.review.timezone)
    if report.already_imported:
        out.print(f"{file}: already imported (run {report.run_id}, {report.n_added} decisions); "
                  "nothing added")
        return
    by_outcome = ", ".join(f"{stage} {outcome}: {n}" for (stage, outcome), n in
                           report.counts.items())
    out.print(f"{file}: {report.n_added} decisions imported ({by_outcome or 'none'})")
    if report.ignored_columns:
        out.print(f"{file}: ignored columns: {', '.join(report.ignored_columns)}")
    if report.naive_times:
        out.print(f"{file}: {report.naive_times} times had no time zone and were read as "
                  f"{report.timezone} (the review's [review] timezone)", highlight=False,
                  markup=False)


def _format(fmt: PrismaFormat | None, output: Path | None) -> PrismaFormat:
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if fmt is None:
        if suffix in PrismaFormat.__members__.values():
            return PrismaFormat(suffix)
        if output is not None:
            raise typer.BadParameter(
                f"cannot tell the format from {output.name!r}; give --format "
                f"({', '.join(PrismaFormat)})", param_hint="--format",
            )
        return PrismaFormat.JSON
    if suffix and suffix != fmt.value:
        raise typer.BadParameter(
            f"the output {output.name!r} does not end in .{fmt.value}", param_hint="--output"
        )
    return fmt


@app.command("prisma")
def prisma_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    fmt: Annotated[
        PrismaFormat | None,
        typer.Option("--format", "-f", case_sensitive=False,
                     help="svg, png or pdf (the diagram), json or csv "
                     "(the boxes). Default: from --output, else json."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write. Default: stdout for json and "
                     "csv, DIR/prisma.<format> for a diagram."),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option("--draft", help="Write even when the counts do not add up (a review in "
                     "progress); the diagram says so."),
    ] = False,
) -> None:
    """The PRISMA 2020 counts and flow diagram, derived from the recorded decisions.

    Every box is counted from the store and the arithmetic is checked: a count that does
    not add up is an error naming the boxes and the numbers (unless --draft). Decisions the
    counts leave out because they contradict their record's earlier stages (a full-text
    decision after a title/abstract exclusion, a decision about a duplicate) are warnings.
    """
    from screening.prisma import (
        check_counts,
        counts_to_csv,
        counts_to_json,
        ensure_counts_add_up,
        prisma_counts,
        write_diagram,
    )

    fmt = _format(fmt, output)
    review = open_review(directory)
    settings = review.config.prisma
    with review.open_store(database_url()) as store:
        counts = prisma_counts(
            store,
            source_kinds=settings.source_kinds,
            previous_studies=settings.previous_studies,
            previous_reports=settings.previous_reports,
            reason_labels=review.config.criteria.reasons,
        )
    ignored = counts.ignored_decisions  # warnings: the first 20, then how many more
    for item in ignored[:20]:
        err.print(f"warning: {item}", markup=False)
    if len(ignored) > 20:
        err.print(f"warning: ... and {len(ignored) - 20} more decisions not counted "
                  f"({len(ignored)} in total; the JSON's litsieve.ignored_decisions lists all)",
                  markup=False)
    if not draft:
        ensure_counts_add_up(counts)
    for problem in check_counts(counts):
        err.print(f"warning: {problem}")
    if fmt in (PrismaFormat.JSON, PrismaFormat.CSV):
        text = counts_to_json(counts) if fmt == PrismaFormat.JSON else counts_to_csv(counts)
        if output is None:
            sys.stdout.write(text)
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8", newline="")
        out.print(f"Wrote the PRISMA 2020 counts to {output}")
        return
    target = output if output is not None else review.path / f"prisma.{fmt.value}"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_diagram(counts, target, format=fmt.value, draft=draft)
    template = "updated review" if counts.updated else "new review"
    sources = "databases, registers and other methods" if counts.other_methods else (
        "databases and registers")
    draft_text = ", draft" if draft and check_counts(counts) else ""
    out.print(f"Wrote the PRISMA 2020 flow diagram ({template}, {sources}{draft_text}) "
              f"to {target}")
