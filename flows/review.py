"""The ``review`` flow: the whole review as one Prefect workflow, run again and again.

Inputs: a review directory (its ``litsieve.toml`` and store). Each run, as a run of kind
``review`` in the store (parameters, and a summary of what it did and found)::

    [pubmed update]  with update_pubmed=True: the ``pubmed-update`` flow first (subflow)
    import           the [sources.*] not imported yet                  screening.review_run
    dedup            incremental, when records came in since the last dedup
    rank             the title/abstract queue rebuilt when due (embeddings of new records
                     first when the ranker needs them)
    prisma           DIR/prisma.svg and DIR/prisma.png (a draft while records wait)
    status           counts per stage, the stopping estimate, open conflicts
    included         DIR/exports/included.csv (the full-text includes)
    extraction       DIR/extraction/form.xlsx prefilled with them when none exists; what
                     is left to fill in
    pool             every [pooling.outcomes.*] whose form is complete (flows/pool.py's
                     pool_outcome), into DIR/<pooling.output>/<name>/

PRISMA boxes: every box follows the store (identified, duplicates removed, screened, ...).
Steps that wait for people (screening, full text, extraction) are never waited for: the
summary says where the review stands, and the next run picks up from there. Running again
with nothing new changes nothing: no source, link, decision or ranking is added, and a
file is rewritten only when its content changes.

``litsieve run DIR`` runs the flow once (flows/cli.py); ``litsieve serve DIR`` serves it
(:func:`serve_review`) on the ``[pubmed] schedule``, the PubMed update first; a team
deploys it to a work pool of a Prefect server (:func:`deploy_review`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extraction.errors import ExtractionError
from extraction.tables import Table, read_table
from screening.review_dir import CONFIG_NAME, ReviewDir, open_review
from screening.review_run import (
    INCLUDED_CSV,
    REVIEW_RUN,
    dedup_new,
    draw_prisma,
    export_included,
    import_sources,
    rank_queue,
    review_status,
    write_if_changed,
)
from screening.update import pubmed_settings

__all__ = [
    "FORM",
    "dask_engine",
    "deploy_review",
    "deployment_name",
    "deployment_options",
    "drain_prefect",
    "form_progress",
    "pool_ready",
    "prepare_form",
    "review_flow",
    "run_review",
    "serve_review",
]

DATABASE_URL_ENV = "LITSIEVE_DATABASE_URL"
#: The extraction form the flow prefills, relative to the review directory.
FORM = Path("extraction") / "form.xlsx"
#: Text columns of the extraction form; every other column holds data.
_TEXT_COLUMNS = ("record_id", "study", "report", "outcome", "timepoint", "arm", "group",
                 "subgroup", "notes")
_PLAIN_TEXT_COLUMNS = ("study", "subgroup", "outcome", "notes")


# -- extraction and pooling (plain functions) -----------------------------------------


def _is_form(table: Table) -> bool:
    return {"outcome", "arm", "group"} <= set(table.columns)


def _rows_left(table: Table, *, outcome: str | None = None,
               timepoint: str | None = None) -> list[Any]:
    """Rows with empty data cells: a form's rows with no number at all (of ``outcome``
    and ``timepoint`` when given), a plain table's rows with any data cell empty."""
    rows = list(table.rows)
    if outcome is not None and "outcome" in table.columns:
        rows = [r for r in rows if (r.get("outcome") or "") == outcome]
    if not _is_form(table):
        data = [c for c in table.columns if c not in _PLAIN_TEXT_COLUMNS]
        return [r for r in rows if any(r.get(c) is None for c in data)]
    if timepoint is not None:
        rows = [r for r in rows if str(r.get("timepoint") or "") == timepoint]
    data = [c for c in table.columns if c not in _TEXT_COLUMNS]
    return [r for r in rows if all(r.get(c) is None for c in data)]


def form_progress(form: Path, included_csv: Path | None = None) -> dict[str, Any]:
    """What is filled in ``form`` and what is left: rows without data, their studies, the
    included studies (``included_csv``) that have no row in the form, and once every row
    has data, the problems ``litsieve extract check`` would list (the first five)."""
    from extraction.schema import check_extraction
    from extraction.template import read_included

    try:
        table = read_table(form)
    except ExtractionError as exc:
        return {"path": str(form), "problems": str(exc)}
    left = _rows_left(table)
    studies_left = sorted({str(r.get("study") or r.get("record_id") or f"row {r.number}")
                           for r in left})
    result: dict[str, Any] = {"path": str(form), "rows": len(table.rows), "rows_left": len(left),
                              "studies_left": studies_left, "not_in_form": [],
                              "check": []}
    if not left:
        result["check"] = [str(p) for p in check_extraction(table)[1][:5]]
    if included_csv is not None and included_csv.is_file() and "record_id" in table.columns:
        in_form = {str(r.get("record_id")) for r in table.rows if r.get("record_id")}
        result["not_in_form"] = [s.record_id for s in read_included(included_csv)
                                 if s.record_id not in in_form]
    return result


def prepare_form(review_path: Path) -> dict[str, Any]:
    """Write the extraction form ``DIR/extraction/form.xlsx`` for the included studies
    (``DIR/exports/included.csv``) when there is none yet, with the outcomes of
    ``[pooling.outcomes]``; then say what is left to extract. An existing form is never
    touched: the included studies it lacks are listed instead."""
    from extraction.template import config_outcomes, read_included, write_template

    review_path = Path(review_path)
    included_csv = review_path / INCLUDED_CSV
    form = review_path / FORM
    created = False
    if not form.exists():
        included = read_included(included_csv) if included_csv.is_file() else []
        if not included:
            return {"path": None, "created": False, "why": "no included studies yet"}
        write_template(form, included=included,
                       outcomes=config_outcomes(review_path / CONFIG_NAME))
        created = True
    return {"created": created, **form_progress(form, included_csv)}


def _pool_into(name: str, spec: Any, review_path: Path, output_dir: Path) -> dict[str, Any]:
    """Pool one outcome in a scratch directory, then copy the files that changed."""
    import matplotlib

    from flows.pool import pool_outcome

    with tempfile.TemporaryDirectory(prefix="litsieve-pool-") as scratch, \
            matplotlib.rc_context({"svg.hashsalt": "litsieve"}):
        summary = pool_outcome(name, spec, config_dir=review_path, output_dir=Path(scratch))
        files, written = [], []
        for made in sorted((Path(scratch) / name).iterdir()):
            target = output_dir / name / made.name
            files.append(str(target))
            if write_if_changed(target, made.read_bytes()):
                written.append(str(target))
    return {**summary, "files": files, "written": written}


def pool_ready(review_path: Path, pooling: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Pool every ``[pooling.outcomes.<name>]`` whose data are complete; for the others,
    say what is left (rows with empty cells) or what is wrong (the form's problems).

    ``pooling``: the config's ``[pooling]`` table (nothing to do when it is empty); it is
    validated by flows.pool.load_pooling_config (a bad key is a ConfigError)."""
    if not pooling:
        return {}
    from flows.pool import load_pooling_config

    review_path = Path(review_path)
    section = load_pooling_config(review_path / CONFIG_NAME)
    output_dir = review_path / section.output
    results: dict[str, dict[str, Any]] = {}
    for name, spec in section.outcomes.items():
        file = Path(spec.file) if Path(spec.file).is_absolute() else review_path / spec.file
        if not file.is_file():
            results[name] = {"pooled": False, "file": str(file),
                             "left": f"{file} does not exist yet"}
            continue
        try:
            table = read_table(file)
            left = _rows_left(table, outcome=spec.outcome, timepoint=spec.timepoint)
            if left:
                studies = sorted({str(r.get("study") or f"row {r.number}") for r in left})
                results[name] = {
                    "pooled": False, "file": str(file),
                    "left": f"{len(left)} row{'s' if len(left) != 1 else ''} with empty data "
                            f"cells ({', '.join(studies)})"}
                continue
            results[name] = {"pooled": True, "file": str(file),
                             **_pool_into(name, spec, review_path, output_dir)}
        except ExtractionError as exc:
            results[name] = {"pooled": False, "file": str(file), "problems": str(exc)}
    return results


# -- one run --------------------------------------------------------------------------


def _direct(name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def _changes(summary: dict[str, Any]) -> list[str]:
    """What this run changed, in words ([] when nothing)."""
    changed = []
    for update in summary.get("update") or []:
        if update["imported"]:
            changed.append(f"PubMed {update['mindate']} to {update['maxdate']}: "
                           f"{update['imported']} records imported")
    new = [s for s in summary["sources"] if not s["already_imported"]]
    if new:
        changed.append(f"{len(new)} source{'s' if len(new) != 1 else ''} imported ("
                       + ", ".join(f"{s['source']}: {s['records']} records" for s in new) + ")")
    dedup = summary["dedup"]
    if dedup.get("new_links") or dedup.get("new_decisions"):
        changed.append(f"dedup: {dedup['new_links']} new links, {dedup['new_decisions']} new "
                       "decisions")
    if summary["ranking"]["rebuilt"]:
        changed.append("screening queue rebuilt")
    files = [*summary["prisma"]["written"]]
    if summary["included"].get("written"):
        files.append(summary["included"]["path"])
    if summary["extraction"].get("created"):
        files.append(summary["extraction"]["path"])
    for outcome in summary["pooling"].values():
        files += outcome.get("written", [])
    if files:
        changed.append("written: " + ", ".join(files))
    return changed


def dask_engine(address: str) -> Any:
    """A dedup engine that compares the pairs on the Dask cluster at ``address`` (the
    dedup flow of flows/dedup.py with a DaskTaskRunner), for run_dedup's ``engine``."""
    from flows.dedup import CHUNK_PAIRS, dask_runner, dedup_frame

    on_cluster = dedup_frame.with_options(task_runner=dask_runner(address=address))

    def deduplicate(frame: Any, *, workers: int = 1, known: Any = None,
                    new_record_ids: Any = None, overrides: Any = None, rules: Any = None) -> Any:
        return on_cluster(frame, chunk_size=CHUNK_PAIRS, known=known,
                          new_record_ids=new_record_ids, overrides=overrides, rules=rules)

    return deduplicate


def run_review(review_dir: str | Path, *, database_url: str | None = None,
               parameters: dict[str, Any] | None = None, before: dict[str, Any] | None = None,
               dedup_workers: int = 1, dedup_engine: Any = None,
               step: Any = _direct) -> dict[str, Any]:
    """Run every step once, recorded as a run of kind ``review``; returns its summary.

    ``before``: what ran before in the same flow run (the PubMed update's results), kept in
    the summary. ``dedup_workers`` and ``dedup_engine``: how dedup scores pairs (see
    screening.review_run.dedup_new). ``step(name, function, *args, **kwargs)`` runs one
    step (the flow runs them as tasks).
    """
    review = open_review(Path(review_dir))
    with review.open_store(database_url) as store:
        run_id = store.begin_run(REVIEW_RUN, {"review_dir": str(review.path),
                                              **(parameters or {})})
        try:
            sources = step("import", import_sources, store, review, run_id=run_id)
            if dedup_engine is None:
                dedup = step("dedup", dedup_new, store, review, review_run=run_id,
                             workers=dedup_workers)
            else:  # the engine is a flow of its own (Dask): a subflow, not inside a task
                dedup = dedup_new(store, review, review_run=run_id, engine=dedup_engine)
            ranking = step("rank", rank_queue, store, review)
            prisma = step("prisma", draw_prisma, store, review)
            status = step("status", review_status, store, review, prisma.counts)
            included = step("included", export_included, store, review)
            extraction = step("extraction", prepare_form, review.path)
            pooling = step("pool", pool_ready, review.path, review.config.pooling)
            summary: dict[str, Any] = {
                **(before or {}), "run_id": run_id, "review": review.config.review.name,
                "directory": str(review.path), "sources": sources, "dedup": dedup,
                "ranking": ranking,
                "prisma": {"files": list(prisma.files), "written": list(prisma.written),
                           "draft": prisma.draft, "pending": list(prisma.problems),
                           "fingerprint": prisma.fingerprint},
                **status, "included": included, "extraction": extraction,
                "pooling": pooling}
            summary["changed"] = _changes(summary)
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, "ok", summary)
    return summary


# -- the flow -------------------------------------------------------------------------

_STEP_NAMES = {"import": "import new sources", "dedup": "deduplicate new records",
               "rank": "rank the screening queue", "prisma": "PRISMA counts and diagram",
               "status": "where the review stands", "included": "export included studies",
               "extraction": "extraction form", "pool": "pool complete outcomes"}
_TASKS: dict[str, Any] = {}


def _as_task(name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    runner = _TASKS.get(name)
    if runner is None or runner.fn is not function:
        runner = _TASKS[name] = task(function, name=_STEP_NAMES.get(name, name),
                                     cache_policy=NO_CACHE)
    return runner(*args, **kwargs)


@flow(name="litsieve-review")
def review_flow(review_dir: str, *, update_pubmed: bool = False,
                database_url: str | None = None, today: date | None = None,
                base_url: str | None = None, dedup_workers: int = 1,
                dask_address: str | None = None) -> dict[str, Any]:
    """Run the review's steps once (the PubMed update first with ``update_pubmed``).

    The update runs as the ``pubmed-update`` subflow; if it fails, the review's steps
    still run on what the review has, and the flow then fails with the update's error.
    Dedup scores pairs in ``dedup_workers`` processes, or on the Dask cluster at
    ``dask_address`` (a scheduler address such as ``tcp://10.0.0.5:8786``).
    """
    logger = get_run_logger()
    database_url = database_url or os.environ.get(DATABASE_URL_ENV) or None
    update_failure: BaseException | None = None
    updates: list[dict[str, Any]] | None = None
    if update_pubmed:
        from flows.update import update_review

        state = update_review(review_dir, today=today, base_url=base_url,
                              database_url=database_url, return_state=True)
        if state.is_completed():
            updates = state.result()
        else:
            update_failure = RuntimeError(f"the PubMed update did not complete: {state.message}")
            logger.error("%s; the review's own steps run all the same", update_failure)
    summary = run_review(review_dir, database_url=database_url, step=_as_task,
                         parameters={"update_pubmed": update_pubmed,
                                     "dedup_workers": dedup_workers,
                                     "dask_address": dask_address},
                         dedup_workers=dedup_workers,
                         dedup_engine=dask_engine(dask_address) if dask_address else None,
                         before={"update": updates} if update_pubmed else None)
    for line in summary["changed"] or ["nothing new: nothing changed"]:
        logger.info("%s", line)
    if update_failure is not None:
        raise update_failure
    return summary


# -- serving and deploying ------------------------------------------------------------


def drain_prefect() -> None:
    """Send the logs and events Prefect still holds to the API (before stopping a server
    this process started: otherwise Prefect retries them against a closed port at exit)."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # a worker that never started
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    with contextlib.suppress(Exception):
        run_coro_as_sync(drain())


def deployment_name(review: ReviewDir) -> str:
    """``review-<directory name>-<review id>``: two reviews never share a deployment on
    one server, even in directories of the same name (reviews made before ids: no id)."""
    name = f"review-{Path(review.path).resolve().name}"
    return f"{name}-{review.config.review.id}" if review.config.review.id else name


def deployment_options(review_dir: str | Path) -> dict[str, Any]:
    """``name``, ``cron`` and ``parameters`` of the review's scheduled run: the PubMed
    update, then the review's steps, on the ``[pubmed] schedule``."""
    path = Path(review_dir).resolve()
    review: ReviewDir = open_review(path)
    settings = pubmed_settings(review.config.pubmed, os.environ)
    return {"name": deployment_name(review), "cron": settings.schedule,
            "parameters": {"review_dir": str(path), "update_pubmed": True}}


def _quiet_shutdown() -> None:
    """From now on, drop the errors Prefect's websocket and API clients report while the
    runner and its connections close (they are the shutdown itself, not problems): log
    records with a traceback or about connections, and exceptions of dying threads."""
    import threading

    class _Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            if record.levelno < logging.WARNING:
                return True
            text = record.getMessage().lower()
            return not (record.exc_info or "websocket" in text or "connection" in text)

    drop = _Drop()
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict
                                      .values() if isinstance(logger, logging.Logger))]
    for logger in loggers:
        logger.addFilter(drop)
        for handler in logger.handlers:
            handler.addFilter(drop)
    threading.excepthook = lambda args: None


async def _serve(deployments: list[Any], *, pause_on_shutdown: bool) -> None:
    """Run a Runner for ``deployments`` until SIGINT or SIGTERM, then stop it quietly
    (further signals while it stops change nothing; they are ignored afterwards, so the
    caller can stop its server undisturbed)."""
    from prefect.runner import Runner

    signals = (signal.SIGINT, signal.SIGTERM)
    runner = Runner(pause_on_shutdown=pause_on_shutdown)
    for deployment in deployments:
        await runner.add_deployment(deployment)
    stop = asyncio.Event()
    started = asyncio.create_task(runner.start())
    await asyncio.sleep(0)  # Runner.start installs its own SIGTERM handler first
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({started, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if started.done():  # the runner ended by itself: say why
            stopping.cancel()
            started.result()
            return
        _quiet_shutdown()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await runner.astop()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(started, timeout=30)
        loop.set_exception_handler(lambda loop, context: None)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)


def serve_review(review_dir: str | Path, *, api_url: str | None = None,
                 pause_on_shutdown: bool = True) -> None:
    """Serve the review flow on the ``[pubmed] schedule`` (the update first) until Ctrl-C
    or SIGTERM, which stop it cleanly. Needs a Prefect server: ``api_url``, else
    PREFECT_API_URL (flows/cli.py starts a local one when none is configured)."""
    from prefect.deployments.runner import EntrypointType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    options = deployment_options(review_dir)
    updates = {PREFECT_API_URL: api_url} if api_url else {}
    with temporary_settings(updates=updates):
        deployment = review_flow.to_deployment(entrypoint_type=EntrypointType.MODULE_PATH,
                                               **options)
        asyncio.run(_serve([deployment], pause_on_shutdown=pause_on_shutdown))


def deploy_review(review_dir: str | Path, work_pool_name: str, *, name: str | None = None,
                  cron: str | None = None, update_pubmed: bool | None = None,
                  dedup_workers: int = 1, dask_address: str | None = None) -> Any:
    """Deploy the review flow to a work pool of the Prefect server at PREFECT_API_URL.

    The deployment names the flow by module (``flows.review.review_flow``), so a worker on
    any machine with litsieve installed runs it (``prefect worker start --pool ...``); the
    review directory (and its store: SQLite there, or the PostgreSQL ``[store] url``) must
    be reachable from that machine at the same path. ``cron`` defaults to the ``[pubmed]
    schedule`` when the review has a ``[pubmed]`` section (then with the update first),
    else no schedule (runs are started through the API or ``prefect deployment run``).
    ``dedup_workers`` / ``dask_address``: how dedup scores pairs (see review_flow).
    Returns the deployment id."""
    from prefect.deployments.runner import EntrypointType

    path = Path(review_dir).resolve()
    review = open_review(path)
    has_pubmed = review.config.pubmed is not None
    if cron is None and has_pubmed:
        cron = pubmed_settings(review.config.pubmed, os.environ).schedule
    update = has_pubmed if update_pubmed is None else update_pubmed
    return review_flow.deploy(
        name or deployment_name(review), work_pool_name=work_pool_name, cron=cron,
        parameters={"review_dir": str(path), "update_pubmed": update,
                    "dedup_workers": dedup_workers, "dask_address": dask_address},
        entrypoint_type=EntrypointType.MODULE_PATH, build=False, push=False,
        print_next_steps=False, ignore_warnings=True)
