"""Commands that need Prefect, added to the ``litsieve`` CLI through the
``litsieve.commands`` entry point (screening never imports flows or Prefect).

``litsieve run DIR`` runs the review flow once; ``litsieve serve DIR`` serves it on the
``[pubmed] schedule``, the PubMed update first. Both check the review before Prefect is
imported (a missing review or ``[pubmed]`` section fails at once), and both set Prefect's
offline settings (DESIGN.md) unless the environment has its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["format_summary", "register"]


class _Stopped(Exception):
    """SIGINT or SIGTERM arrived while ``serve`` was starting or stopping."""


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def format_summary(summary: dict[str, Any]) -> list[str]:
    """The review flow's summary as lines of text (what ``litsieve run`` prints)."""
    lines = [f"Review '{summary['review']}' ({summary['directory']}), run {summary['run_id']}"]
    for update in summary.get("update") or []:
        lines.append(f"PubMed {update['mindate']} to {update['maxdate']}: {update['hits']} "
                     f"found, {update['imported']} imported, {update['duplicates']} already "
                     f"in the review, {update['new_in_queue']} new to screen")
    sources = summary["sources"]
    new = [s for s in sources if not s["already_imported"]]
    if not sources:
        lines.append("Sources: none listed in litsieve.toml ([sources.<name>])")
    else:
        text = ", ".join(f"{s['source']} {_count(s['records'], 'record')}"
                         + (f" ({s['quarantined']} quarantined)" if s["quarantined"] else "")
                         for s in new) or "nothing new"
        lines.append(f"Sources: {text}; {len(sources) - len(new)} of {len(sources)} "
                     "already imported")
    dedup = summary["dedup"]
    if dedup["ran"]:
        duplicates = _count(dedup["duplicate_records"], "duplicate record")
        lines.append(f"Dedup ({dedup['why']}): {duplicates}"
                     f" in {_count(dedup['clusters'], 'cluster')}, "
                     f"{_count(dedup['maybe'], 'pair')} for a person; "
                     f"{dedup['new_links']} new links, {dedup['new_decisions']} new decisions")
    else:
        lines.append(f"Dedup: {dedup['why']}")
    ranking = summary["ranking"]
    queue = ranking["queue"]
    order = ("none yet" if queue is None else "import order" if queue["actor"] == "import-order"
             else f"ranked by {queue['actor']}")
    size = "" if queue is None else f", {_count(queue['records'], 'record')}"
    state = f"rebuilt ({ranking['why']})" if ranking["rebuilt"] else f"kept ({ranking['why']})"
    embedded = f"; {ranking['embedded']} new embeddings" if ranking["embedded"] else ""
    lines.append(f"Screening queue: {state}: {order}{size}{embedded}")
    stages = summary["stages"]
    ident, ta = stages["identification"], stages["title_abstract"]
    ret, ft, inc = stages["retrieval"], stages["full_text"], stages["included"]
    lines.append(
        f"Stages: {ident['records']} identified, {ident['duplicates']} duplicates removed; "
        f"title/abstract {ta['screened']} screened, {ta['excluded']} excluded, "
        f"{ta['waiting']} waiting; full text {ret['sought']} sought, {ret['not_retrieved']} "
        f"not retrieved, {ret['waiting']} waiting for retrieval, {ft['assessed']} assessed, "
        f"{ft['excluded']} excluded, {ft['waiting']} undecided; included "
        f"{_count(inc['studies'], 'study', 'studies')} ({_count(inc['reports'], 'report')})")
    prisma = summary["prisma"]
    lines.append(f"PRISMA diagram{' (draft: work is pending)' if prisma['draft'] else ''}: "
                 + ", ".join(prisma["files"]))
    conflicts = summary["conflicts"]
    lines.append("Conflicts: " + (", ".join(f"{n} at {stage}" for stage, n in conflicts.items())
                                  or "none open")
                 + (f"; {_count(summary['dedup_maybe_pairs'], 'dedup pair')} for a person"
                    if summary["dedup_maybe_pairs"] else ""))
    lines.append(f"Stopping: {summary['stopping']}")
    included = summary["included"]
    if included["path"]:
        lines.append(f"Included: {_count(included['records'], 'record')} in {included['path']}")
    extraction = summary["extraction"]
    if extraction.get("path") is None:
        lines.append(f"Extraction: {extraction.get('why', 'no form')}")
    elif "problems" in extraction:
        lines.append(f"Extraction: {extraction['path']} cannot be read: {extraction['problems']}")
    else:
        made = " (created)" if extraction["created"] else ""
        left = (f"{extraction['rows_left']} of {_count(extraction['rows'], 'row')} left to fill "
                f"({', '.join(extraction['studies_left'])})" if extraction["rows_left"]
                else f"all {_count(extraction['rows'], 'row')} filled")
        missing = (f"; included but not in the form: {', '.join(extraction['not_in_form'])}"
                   if extraction["not_in_form"] else "")
        check = (f"; problems (litsieve extract check): {'; '.join(extraction['check'])}"
                 if extraction.get("check") else "")
        lines.append(f"Extraction: {extraction['path']}{made}: {left}{missing}{check}")
    pooling = summary["pooling"]
    if not pooling:
        lines.append("Pooling: no [pooling.outcomes] in litsieve.toml")
    for name, outcome in pooling.items():
        if outcome["pooled"]:
            lines.append(f"Pooled {name}: k = {outcome['k']}, estimate {outcome['estimate']:.4g} "
                         f"[{outcome['ci_low']:.4g}, {outcome['ci_high']:.4g}]")
        else:
            lines.append(f"Not pooled {name}: "
                         + (outcome.get("left") or f"the form has problems: {outcome['problems']}"))
    changed = summary["changed"]
    lines.append("Changed: " + "; ".join(changed) if changed
                 else "Nothing new: nothing changed")
    return lines


@contextlib.contextmanager
def _prefect_api(review_path: Path) -> Iterator[None]:
    """The Prefect API for one ``litsieve run``, chosen before Prefect is imported: the
    configured one (PREFECT_API_URL or the profile's), else the review's local server
    when ``litsieve serve`` runs one, else a temporary API server of our own, as Prefect's
    ephemeral mode starts, but launched now, so that it starts while this process imports
    Prefect and the library (and stopped afterwards). A process that imported Prefect
    already (tests) keeps its settings."""
    from flows.local_server import (
        LocalPrefectServer,
        check_api,
        configured_api_url,
        offline_defaults,
        running_server_url,
    )

    offline_defaults(os.environ)
    if "prefect" in sys.modules:
        yield
        return
    configured = configured_api_url(os.environ)
    if configured is not None:
        check_api(configured)
        yield
        return
    server = None
    url = running_server_url(review_path)
    if url is None:
        server = LocalPrefectServer(None, ephemeral=True)
        url = server.launch()
    os.environ["PREFECT_API_URL"] = url
    try:
        import flows.review  # noqa: F401  (Prefect and the library, while the server starts)

        if server is not None:
            server.wait()
        yield
    finally:
        if server is not None:
            from flows.review import drain_prefect

            drain_prefect()
            server.stop()
        os.environ.pop("PREFECT_API_URL", None)


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def register(app: typer.Typer) -> None:
    """Add ``litsieve run`` and ``litsieve serve`` to the CLI."""

    @app.command("run")
    def run_command(
        directory: Annotated[Path, typer.Argument(help="The review directory.")],
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print the run's summary as JSON.")] = False,
        workers: Annotated[int, typer.Option(
            "--workers", min=1, help="Processes scoring dedup pairs.")] = 1,
        dask_address: Annotated[str | None, typer.Option(
            "--dask-address", metavar="ADDRESS",
            help="Score dedup pairs on this Dask cluster (tcp://host:8786).")] = None,
    ) -> None:
        """Run the review's steps once as a Prefect flow; print where the review stands.

        Imports the [sources] not imported yet, deduplicates new records, rebuilds the
        screening queue when due, draws DIR/prisma.svg and .png, writes the included
        studies to DIR/exports/included.csv and a prefilled DIR/extraction/form.xlsx,
        and pools every [pooling.outcomes] whose form is complete. Steps that wait for
        people are reported, not waited for. Running again with nothing new changes nothing.
        """
        from screening.cli.app import out
        from screening.review_dir import open_review

        review = open_review(directory)  # a missing review fails before Prefect starts
        with _prefect_api(review.path):
            from flows.review import review_flow
            from screening.cli.app import database_url

            summary = review_flow(str(directory), database_url=database_url(),
                                  dedup_workers=workers, dask_address=dask_address)
        if as_json:
            sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
            return
        for line in format_summary(summary):
            out.print(line, markup=False, highlight=False)

    @app.command("serve")
    def serve_command(
        directory: Annotated[Path, typer.Argument(help="The review directory.")],
    ) -> None:
        """Run the PubMed update and then the review's steps on the [pubmed] schedule
        (cron) with Prefect, until stopped (Ctrl-C or SIGTERM).

        Uses the Prefect server at PREFECT_API_URL when set (a team's server). Otherwise
        it starts a local one (its database in DIR/.prefect) and stops it on exit. Logs
        each run to the terminal.
        """
        from screening.cli.app import err, out
        from screening.review_dir import open_review
        from screening.update import pubmed_settings

        review = open_review(directory)
        # A missing [pubmed] section or email fails before Prefect starts.
        settings = pubmed_settings(review.config.pubmed, os.environ)
        from flows.local_server import (
            PREFECT_DIR,
            LocalPrefectServer,
            ServerStartError,
            check_api,
            configured_api_url,
            offline_defaults,
        )

        offline_defaults(os.environ)
        previous = {sig: signal.signal(sig, _raise_stopped)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        server = None
        try:
            api_url = configured_api_url(os.environ)
            if api_url is None:
                server = LocalPrefectServer(review.path.resolve() / PREFECT_DIR)
                out.print(f"Starting a local Prefect server (its data in {server.home}) ...",
                          markup=False, highlight=False)
                try:
                    api_url = server.start()
                except ServerStartError as exc:
                    err.print(f"error: {exc}", markup=False, highlight=False)
                    raise typer.Exit(1) from None
                os.environ["PREFECT_API_URL"] = api_url
                out.print(f"Prefect server: {api_url.removesuffix('/api')} (dashboard; "
                          "stops with litsieve serve)", markup=False, highlight=False)
            else:
                check_api(api_url)
                out.print(f"Prefect server: {api_url} (PREFECT_API_URL)", markup=False,
                          highlight=False)
            from flows.review import serve_review

            out.print(f"Serving the review of {directory}: PubMed update and review steps on "
                      f"'{settings.schedule}' (cron); stop with Ctrl-C", markup=False,
                      highlight=False)
            serve_review(directory, api_url=api_url)
        except _Stopped:
            pass
        finally:
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)
            if server is not None:
                server.stop()
                os.environ.pop("PREFECT_API_URL", None)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        out.print("Stopped", markup=False, highlight=False)
