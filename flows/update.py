"""The ``update`` flow: scheduled PubMed updates of a review.

Inputs: a review directory whose ``litsieve.toml`` has a ``[pubmed]`` section (query,
start, email, schedule). Outputs: ``DIR/updates/pubmed-<min>-<max>.nbib`` (the records
found), a new PubMed source in the store, ``deduplication`` decisions for the records
that are already in the review, and ``DIR/updates/report-<maxdate>.md``/``.json``.
PRISMA boxes: "records identified from databases" (PubMed) and "duplicate records
removed" grow; the new records wait for title/abstract screening.

The steps are screening.update's plain functions, run here as tasks: only the network
task (fetch) has a Prefect retry, and just one (the E-utilities client already retries
each request with backoff). No result caching: every step reads the store, which changes
between runs. Every step is safe to repeat, so a crashed run is finished by the next one.

``litsieve serve DIR`` serves flows/review.py's review flow, which runs this flow first and
then the review's own steps, on the ``[pubmed] schedule`` cron (it starts a local Prefect
server when none is configured). ``serve_updates(review_dir)`` serves this flow alone on
that schedule against the server at PREFECT_API_URL; for a team, deploy the review flow
to a work pool of a Prefect server (flows.review.deploy_review).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from screening.review_dir import open_review
from screening.update import (
    UPDATES_DIR,
    dedup_update,
    fetch_window,
    import_window,
    make_client,
    plan_window,
    pubmed_settings,
    run_update,
    update_counts,
    write_report,
    write_update_diagram,
)

__all__ = ["deployment_options", "serve_updates", "update_review"]

DATABASE_URL_ENV = "LITSIEVE_DATABASE_URL"

_TASKS = {
    "plan": task(plan_window, name="plan window", cache_policy=NO_CACHE),
    "fetch": task(fetch_window, name="fetch from PubMed", cache_policy=NO_CACHE, retries=1,
                  retry_delay_seconds=60),
    "import": task(import_window, name="import", cache_policy=NO_CACHE),
    "dedup": task(dedup_update, name="dedup against the review", cache_policy=NO_CACHE),
    "count": task(update_counts, name="count", cache_policy=NO_CACHE),
    "report": task(write_report, name="write report", cache_policy=NO_CACHE),
}


def _as_task(name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    runner = _TASKS[name]
    assert runner.fn is function, f"step {name!r} is not {runner.fn.__name__}"
    return runner(*args, **kwargs)


draw_diagram_task = task(write_update_diagram, name="draw PRISMA diagram",
                         cache_policy=NO_CACHE)


@flow(name="pubmed-update")
def update_review(review_dir: str, *, today: date | None = None, base_url: str | None = None,
                  database_url: str | None = None) -> list[dict]:
    """Search PubMed since the last update, import and deduplicate the new records.

    ``base_url`` overrides LITSIEVE_EUTILS_URL and ``[pubmed] base_url``; ``today``
    (default: today) is the last day searched.
    """
    logger = get_run_logger()
    review = open_review(Path(review_dir))
    environ = dict(os.environ)
    if base_url:
        environ["LITSIEVE_EUTILS_URL"] = base_url
    settings = pubmed_settings(review.config.pubmed, environ)
    client = make_client(settings)
    with review.open_store(database_url or os.environ.get(DATABASE_URL_ENV)) as store:
        results = run_update(store, review.path / UPDATES_DIR, client, query=settings.query,
                             start=settings.start, today=today or date.today(),
                             datetype=settings.datetype, step=_as_task)
        diagrams = [draw_diagram_task(store, review.config, review.path / UPDATES_DIR,
                                      result.window) for result in results]
    if not results:
        logger.info("%s is up to date: nothing to search", review_dir)
    out = []
    for result, diagram in zip(results, diagrams, strict=True):
        counts = result.counts
        logger.info(
            "PubMed %s%s: %d found, %d imported, %d already in the review, %d new to screen "
            "(%d waiting in all); report %s", result.window.label,
            " (resumed)" if result.window.resumed else "", counts.hits, counts.imported,
            counts.duplicates, counts.new_in_queue, counts.queue, result.report)
        out.append({"mindate": result.window.mindate.isoformat(),
                    "maxdate": result.window.maxdate.isoformat(), "run_id": result.run_id,
                    "prisma": str(diagram), **asdict(counts)})
    return out


def deployment_options(review_dir: str | Path) -> dict[str, Any]:
    """``name``, ``cron`` and ``parameters`` of the review's scheduled update."""
    path = Path(review_dir).resolve()
    review = open_review(path)
    settings = pubmed_settings(review.config.pubmed, os.environ)
    return {"name": f"pubmed-update-{path.name}", "cron": settings.schedule,
            "parameters": {"review_dir": str(path)}}


def serve_updates(review_dir: str | Path) -> None:
    """Serve the update flow alone on the review's ``[pubmed] schedule`` (blocks until
    stopped; needs a Prefect server at PREFECT_API_URL). ``litsieve serve`` serves the
    review flow instead (flows.review.serve_review), the update first."""
    update_review.serve(**deployment_options(review_dir))
