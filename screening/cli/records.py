"""Commands about records: ``init``, ``import``, ``status``, ``export``, ``formats``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from screening.cli.app import app, database_url, err, out
from screening.errors import MAX_LISTED_PROBLEMS
from screening.review_dir import init_review, open_review
from screening.store import EXPORT_COLUMNS, normalize_url
from screening.store.engine import display_url

__all__ = ["EXPORT_COLUMNS"]


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="The review directory to create.")],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="A review protocol TOML to copy (see config/example.toml)."
        ),
    ] = None,
) -> None:
    """Create a review directory with its protocol and an empty store."""
    review, created = init_review(directory, config=config, store_url=database_url())
    where = display_url(normalize_url(review.store_url(database_url())))
    if created:
        out.print(f"Created review '{review.config.review.name}' in {directory} (store: {where})")
    else:
        name = review.config.review.name
        out.print(f"{directory} is already a review ('{name}'); nothing changed")


@app.command("import")
def import_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Export files; without any, the [sources] of the review's config."),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", "-d", help="The database the records came from (e.g. Embase)."),
    ] = None,
    export_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Reader to use instead of detecting it (see `litsieve formats`)."
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding of the files (default UTF-8).")
    ] = None,
    quarantine: Annotated[
        bool,
        typer.Option(
            "--quarantine",
            help="Import the good records and write bad ones to rejects/ instead of stopping.",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every warning, not only the first 20.")
    ] = False,
) -> None:
    """Import database exports into the review (one transaction per file; re-importing is safe).

    A record that cannot be read (cut off, not delimited, neither title nor identifier, not
    text) stops the import, or goes to rejects/ with --quarantine. A garbled field (a year
    like '219', a PMID without digits, an id twice in one file) is a warning: the record is
    imported and screened, the field stays empty and its raw value is kept.
    """
    from screening.cli.app import reader_format, text_encoding

    export_format = reader_format(export_format)  # any case; unknown: a usage error (exit 2)
    encoding = text_encoding(encoding)
    review = open_review(directory)
    jobs = _import_jobs(review, files, database, export_format, encoding)
    quarantine = quarantine or review.config.import_.on_bad_record == "quarantine"
    with review.open_store(database_url()) as store:
        run_id = store.begin_run(
            "import", {"files": [str(j[0]) for j in jobs], "quarantine": quarantine}
        )
        reports = []
        try:
            for path, db, fmt, enc in jobs:
                reports.append(_import_one(store, review, path, run_id, db, fmt, enc, quarantine))
        except BaseException:
            store.finish_run(run_id, "failed", {"imported": [r.path for r in reports]})
            raise
        store.finish_run(
            run_id, "ok",
            {
                "files": len(reports),
                "records": sum(r.n_records for r in reports if not r.already_imported),
            },
        )
    for report in reports:
        if report.already_imported:
            out.print(
                f"{report.path}: already imported as source {report.source_id} "
                f"({report.n_records} records); nothing added"
            )
            continue
        line = (
            f"{report.path}: {report.n_records} records imported as source {report.source_id} "
            f"({report.export_format}, {report.database or 'database unknown'}) "
            f"in {report.seconds:.1f} s"
        )
        if report.n_rejects:
            line += f"; {report.n_rejects} quarantined to {report.rejects_path}"
        out.print(line, highlight=False)
        print_warnings(report.warnings, verbose=verbose,
                       hint=f"`litsieve status {directory}` lists them per source")


def print_warnings(warnings, *, verbose: bool, hint: str) -> None:
    """The count of field warnings and the first 20 of them (all when ``verbose``)."""
    if not warnings:
        return
    total = len(warnings)
    out.print(f"  {total:,} warning{'s' if total != 1 else ''} (field problems: the records "
              "were imported, the fields named stay empty):", highlight=False)
    shown = warnings if verbose else warnings[:MAX_LISTED_PROBLEMS]
    for warning in shown:
        out.print(f"  {warning}", markup=False, highlight=False)
    if len(shown) < total:
        out.print(f"  ... and {total - len(shown):,} more (--verbose lists all; {hint})",
                  markup=False, highlight=False)


def _import_jobs(review, files, database, export_format, encoding):
    default_encoding = review.config.import_.encoding
    if files:
        return [(Path(f), database, export_format, encoding or default_encoding) for f in files]
    if not review.config.sources:
        raise typer.BadParameter(
            "give export FILEs, or list [sources.<id>] in the review's litsieve.toml",
            param_hint="FILES",
        )
    return [
        (
            review.source_path(source.path),
            database or source.database,
            export_format or source.format,
            encoding or source.encoding or default_encoding,
        )
        for source in review.config.sources.values()
    ]


def _import_one(store, review, path, run_id, database, export_format, encoding, quarantine):
    from screening.ingest import import_file

    kwargs = dict(
        run_id=run_id, export_format=export_format, database=database, encoding=encoding,
        quarantine=quarantine, rejects_dir=review.rejects_dir,
    )
    if not err.is_terminal:
        return import_file(store, path, **kwargs)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err, transient=True,
    ) as progress:
        task = progress.add_task(f"Importing {path.name}", total=None)

        def update(n: int) -> None:
            progress.update(task, description=f"Importing {path.name}: {n:,} records read")

        return import_file(store, path, progress=update, **kwargs)


@app.command("status")
def status_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every warning of every source.")
    ] = False,
) -> None:
    """Records per source and database, problems and warnings, and decisions per stage."""
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        sources = store.sources()
        retracted = store.retractions()
        by_database = store.record_counts_by_database()
        decisions = store.decision_counts()
        warnings: dict[str, list] = {}
        for source_id, warning in store.iter_warnings():
            warnings.setdefault(source_id, []).append(warning)
    out.print(f"Review: {review.config.review.name} ({directory})")
    if not sources:
        out.print("No records yet: `litsieve import DIR FILE...` adds an export.")
        _print_retracted(retracted, directory)
        return
    table = Table(title="Sources", title_justify="left")
    for column in ("source", "file", "format", "database", "records", "quarantined",
                   "warnings", "imported"):
        numeric = column in {"records", "quarantined", "warnings"}
        table.add_column(column, justify="right" if numeric else "left")
    for s in sources:
        table.add_row(
            s.source_id, s.name, s.export_format, s.database or "-", f"{s.n_records:,}",
            f"{s.n_rejects:,}", f"{len(warnings.get(s.source_id, ())):,}",
            s.imported_at.strftime("%Y-%m-%d %H:%M"),
        )
    table.add_row("", "total", "", "", f"{sum(s.n_records for s in sources):,}",
                  f"{sum(s.n_rejects for s in sources):,}",
                  f"{sum(len(found) for found in warnings.values()):,}", "")
    out.print(table)
    dbs = Table(title="Records per database", title_justify="left")
    dbs.add_column("database")
    dbs.add_column("records", justify="right")
    for name, count in sorted(by_database.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        dbs.add_row(name or "unknown", f"{count:,}")
    out.print(dbs)
    quarantined = sum(s.n_rejects for s in sources)
    if quarantined:
        out.print(f"Problems: {quarantined} records quarantined (see {review.rejects_dir}/)")
    else:
        out.print("Problems: none")
    _print_retracted(retracted, directory)
    for s in sources:
        if s.source_id in warnings:
            out.print(f"Warnings of {s.name} (source {s.source_id}):", highlight=False)
            print_warnings(warnings[s.source_id], verbose=verbose,
                           hint=f"`litsieve export {directory} --warnings` adds them per record")
    stages = Table(title="Decisions per stage", title_justify="left")
    for column in ("stage", "outcome", "decisions"):
        stages.add_column(column, justify="right" if column == "decisions" else "left")
    for (stage, outcome), count in sorted(decisions.items()):
        stages.add_row(stage, outcome, f"{count:,}")
    if decisions:
        out.print(stages)
    else:
        out.print("Decisions: none yet")


def _print_retracted(retracted, directory: Path) -> None:
    for gone in retracted:
        out.print(f"Retracted: source {gone.source_id} on {gone.retracted_at:%Y-%m-%d %H:%M} "
                  f"by {gone.actor}: {gone.reason} (not counted; `litsieve source list "
                  f"{directory}`)", highlight=False, markup=False)


@app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="FILE.csv or FILE.ris; one row per record.")
    ],
    stage: Annotated[str | None, typer.Option(
        "--stage", metavar="STAGE",
        help="Only records with a decision at this stage: title_abstract or full_text.")
    ] = None,
    outcome: Annotated[str | None, typer.Option(
        "--outcome", metavar="OUTCOME",
        help="Only records whose latest decision at --stage (any reviewer) is this: include, "
             "exclude, maybe; excluded_automation (title_abstract), not_retrieved "
             "(full_text).")
    ] = None,
    no_duplicates: Annotated[bool, typer.Option(
        "--no-duplicates", help="Leave out the records deduplication marked as duplicates.")
    ] = False,
    warnings: Annotated[bool, typer.Option(
        "--warnings", help="Add a 'warnings' column: each record's field problems (CSV).")
    ] = False,
) -> None:
    """Export records with their source, ids, abstract, dedup links and decisions (CSV or RIS).

    The decisions column (RIS: N1 notes) gives each stage's latest decision with its
    reason and reviewer. `--stage full_text --outcome include`: the included studies;
    `--stage full_text --outcome exclude`: the full-text exclusions with their reasons.
    """
    from screening.cli.app import choose_name
    from screening.store.export import FILTER_OUTCOMES

    suffix = output.suffix.lower()
    if suffix not in {".csv", ".ris"}:
        raise typer.BadParameter("the output must end in .csv or .ris", param_hint="--output")
    if warnings and suffix != ".csv":
        raise typer.BadParameter("warnings are exported to CSV only (FILE.csv)",
                                 param_hint="--warnings")
    if outcome is not None and stage is None:
        raise typer.BadParameter(
            "an outcome is that of the latest decision at one stage: add --stage "
            f"{' or --stage '.join(FILTER_OUTCOMES)}", param_hint="--outcome")
    if stage is not None:
        stage = choose_name(stage, FILTER_OUTCOMES, what="stage", param_hint="--stage")
        if outcome is not None:
            outcome = choose_name(outcome, FILTER_OUTCOMES[stage], what=f"{stage} outcome",
                                  param_hint="--outcome")
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        rows = store.export_rows(warnings=warnings, stage=stage, outcome=outcome,
                                 no_duplicates=no_duplicates, notes=suffix == ".ris",
                                 reason_labels=review.config.criteria.reasons)
        output.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            n = _write_csv(rows, output, warnings=warnings)
        else:
            from screening.ris_export import write_ris

            notes = {row["record_id"]: row["notes"] for row in rows if row["status"] == "ok"}
            chosen = (record for record in store.iter_records(status="ok", raw=False)
                      if record.record_id in notes)
            n = write_ris(chosen, output, notes=notes)
    chosen_by = [f"--stage {stage}"] if stage else []
    chosen_by += [f"--outcome {outcome}"] if outcome else []
    chosen_by += ["--no-duplicates"] if no_duplicates else []
    which = f" ({' '.join(chosen_by)})" if chosen_by else ""
    out.print(f"Wrote {n:,} records{which} to {output}")


def _write_csv(rows, output: Path, *, warnings: bool = False) -> int:
    n = 0
    columns = [*EXPORT_COLUMNS, "warnings"] if warnings else list(EXPORT_COLUMNS)
    with open(output, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


@app.command("formats")
def formats_command() -> None:
    """List the export formats litsieve reads (names for --format)."""
    from screening.readers import available_readers, get_reader

    table = Table(title="Formats (detected from the content; --format to force one)")
    table.add_column("--format")
    table.add_column("what")
    table.add_column("database")
    for name in available_readers():
        reader = get_reader(name)
        what = reader.label or type(reader).__doc__ or ""
        table.add_row(name, what, reader.database or "from content")
    out.print(table)
