"""Scheduled PubMed updates of a review: search since the last update, import, deduplicate.

One update covers a window of Entrez dates (``[pubmed] datetype``) from the day after
the previous successful update's ``maxdate`` (or ``[pubmed] start``) to ``today``. Its
steps are plain functions, each safe to repeat, so a run killed at any point and run
again loses nothing and doubles nothing::

    plan_window     which window is due: a window whose file was imported by a run that
                    did not finish is resumed first (same window, same file)
    fetch_window    esearch + efetch into DIR/updates/pubmed-<min>-<max>.nbib; the file
                    appears only complete (written as .part, renamed); an existing file
                    of the window is reused, not fetched again
    import_window   one transaction; the same bytes again add nothing (already imported)
    dedup_update    incremental dedup against the whole review (its own ``dedup`` run;
                    links and decisions are append-only and only record changes)
    update_counts   counts derived from the store (never carried over from a step)
    write_report    DIR/updates/report-<maxdate>.md and .json (rewritten whole)

:func:`run_update` runs the due windows in order and records each as a run of kind
``update`` (parameters: window, query; summary: the counts). ``step`` lets a caller wrap
each step (flows/update.py runs them as Prefect tasks; tests inject crashes).

The library reads no environment: :func:`pubmed_settings` is given the environment as a
mapping by the CLI or the flow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from screening.errors import ConfigError
from screening.settings import PubmedSection
from screening.store import ReviewStore

__all__ = [
    "EUTILS_URL_ENV",
    "UPDATES_DIR",
    "FetchResult",
    "PubmedSettings",
    "UpdateCounts",
    "UpdateResult",
    "Window",
    "dedup_update",
    "fetch_window",
    "import_window",
    "make_client",
    "plan_window",
    "pubmed_settings",
    "queue_size",
    "run_update",
    "update_counts",
    "write_report",
    "write_update_diagram",
]

UPDATES_DIR = "updates"
DATABASE = "PubMed"
EUTILS_URL_ENV = "LITSIEVE_EUTILS_URL"
API_KEY_ENV = "NCBI_API_KEY"
EMAIL_ENV = "NCBI_EMAIL"
_FILE = re.compile(r"^pubmed-(\d{4}-\d{2}-\d{2})-(\d{4}-\d{2}-\d{2})\.nbib$")

#: ``step(name, function, *args, **kwargs)``: runs one step (default: calls it).
Step = Callable[..., Any]


def _direct(name: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


# -- settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class PubmedSettings:
    """The ``[pubmed]`` section with the environment's overrides applied."""

    query: str
    tool: str
    email: str
    api_key: str | None
    base_url: str
    datetype: str
    start: date
    schedule: str


def pubmed_settings(section: PubmedSection | None, environ: Mapping[str, str]) -> PubmedSettings:
    """Resolve ``[pubmed]`` against ``environ`` (LITSIEVE_EUTILS_URL, NCBI_EMAIL, NCBI_API_KEY).

    The base URL from the environment wins over the config (tests and mirrors); email and
    api_key from the config win over the environment.
    """
    if section is None:
        raise ConfigError("no [pubmed] section in the review's litsieve.toml: add one with "
                          'query = "..." and start = "YYYY/MM/DD" to run PubMed updates')
    email = section.email or environ.get(EMAIL_ENV) or ""
    if not email:
        raise ConfigError(f"[pubmed] email is not set (nor {EMAIL_ENV}): NCBI asks for the "
                          "address of the person running the updates")
    return PubmedSettings(
        query=section.query, tool=section.tool, email=email,
        api_key=section.api_key or environ.get(API_KEY_ENV) or None,
        base_url=environ.get(EUTILS_URL_ENV) or section.base_url,
        datetype=section.datetype, start=section.start_date, schedule=section.schedule)


def make_client(settings: PubmedSettings, *, session=None, **options: Any):
    """An EutilsClient for ``settings`` (a new requests.Session unless one is given)."""
    import requests

    from screening.eutils import EutilsClient

    return EutilsClient(session if session is not None else requests.Session(),
                        tool=settings.tool, email=settings.email, api_key=settings.api_key,
                        base_url=settings.base_url, **options)


# -- the window -----------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A range of dates (both ends included) searched by one update."""

    mindate: date
    maxdate: date
    resumed: bool = False

    @property
    def file_name(self) -> str:
        return f"pubmed-{self.mindate.isoformat()}-{self.maxdate.isoformat()}.nbib"

    @property
    def label(self) -> str:
        return f"{self.mindate:%Y/%m/%d}-{self.maxdate:%Y/%m/%d}"

    def parameters(self, query: str, datetype: str) -> dict[str, str]:
        return {"mindate": self.mindate.isoformat(), "maxdate": self.maxdate.isoformat(),
                "query": query, "datetype": datetype}


def _done_until(store: ReviewStore) -> date | None:
    done = [date.fromisoformat(run.parameters["maxdate"])
            for run in store.runs(kind="update")
            if run.status == "ok" and "maxdate" in run.parameters]
    return max(done) if done else None


def plan_window(store: ReviewStore, *, start: date, today: date) -> Window | None:
    """The window due now, or None when the review is up to date.

    A window imported by a run that did not finish (crashed or killed after the import) is
    resumed first, whatever ``today`` is, so its records are reported and never fetched
    twice; otherwise the window runs from the day after the last successful update (or
    ``start``) to yesterday: PubMed keeps adding records with today's Entrez date all day,
    so a window that ended today would miss those added after the run.
    """
    done = _done_until(store)
    for source in store.sources():
        match = _FILE.match(source.name)
        if match and source.database == DATABASE:
            low, high = (date.fromisoformat(g) for g in match.groups())
            if done is None or high > done:
                return Window(low, high, resumed=True)
    low = start if done is None else done + timedelta(days=1)
    last = today - timedelta(days=1)
    if low > last:
        return None
    return Window(low, last)


# -- fetching and importing -----------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    path: Path
    n_records: int
    reused: bool


def _count_nbib(path: Path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.startswith("PMID-"))


def fetch_window(client, query: str, window: Window, updates_dir: Path, *,
                 datetype: str = "edat") -> FetchResult:
    """Fetch the window's records into ``updates_dir/<window.file_name>``.

    The file is written as ``.part`` and renamed when complete (``write_nbib``); a complete
    file of the window from an earlier attempt is reused as it is (the same bytes import as
    nothing new).
    """
    from screening.eutils import write_nbib

    updates_dir = Path(updates_dir)
    updates_dir.mkdir(parents=True, exist_ok=True)
    path = updates_dir / window.file_name
    if path.is_file():
        return FetchResult(path, _count_nbib(path), True)
    batches = client.fetch_medline(query, mindate=window.mindate, maxdate=window.maxdate,
                                   datetype=datetype)
    return FetchResult(path, write_nbib(batches, path), False)


def import_window(store: ReviewStore, path: Path, *, run_id: str):
    """Import the window's file (one transaction) as a PubMed source; None if it is empty.

    Returns the ImportReport (``already_imported`` when these bytes were imported before).
    """
    from screening.ingest import import_file

    path = Path(path)
    if path.stat().st_size == 0 or _count_nbib(path) == 0:
        return None
    return import_file(store, path, run_id=run_id, export_format="medline", database=DATABASE)


def dedup_update(store: ReviewStore, *, update_run: str, engine=None):
    """Deduplicate the newly imported records against the whole review (incremental).

    Recorded as a run of kind ``dedup`` (so the next incremental dedup starts after it).
    """
    from screening.dedup.service import run_dedup

    run_id = store.begin_run("dedup", {"full": False, "update_run": update_run})
    try:
        kwargs = {} if engine is None else {"engine": engine}
        summary = run_dedup(store, run_id=run_id, **kwargs)
    except BaseException:
        store.finish_run(run_id, "failed", {})
        raise
    store.finish_run(run_id, "ok", {
        "duplicate_records": summary.n_duplicate_records, "maybe": summary.n_maybe,
        "new_links": summary.new_links, "new_decisions": summary.new_decisions})
    return summary


# -- counts and the report ------------------------------------------------------------


@dataclass(frozen=True)
class UpdateCounts:
    """What one update window brought (derived from the store).

    hits: records PubMed returned for the window; imported: records of the window's source;
    duplicates: those that are the same study as a record already in the review (another
    source) or a duplicate within the window; new_in_queue: new studies waiting for
    title/abstract screening; queue: every record waiting, after the update.
    """

    hits: int
    imported: int
    duplicates: int
    new_in_queue: int
    queue: int


def _duplicate_of(store: ReviewStore) -> dict[str, str]:
    return {d.record_id: str(d.duplicate_of or d.cluster_id or "")
            for d in store.latest_record_decisions(stage="deduplication")
            if d.outcome == "duplicate"}


def queue_size(store: ReviewStore) -> int:
    """Records waiting for screening: parsed, not a duplicate, no title/abstract decision."""
    duplicates = _duplicate_of(store)
    screened = {d.record_id for d in store.latest_record_decisions(stage="title_abstract")}
    return sum(1 for key in store.record_keys() if key.status == "ok"
               and key.record_id not in duplicates and key.record_id not in screened)


def _source_of(record_id: str) -> str:
    return record_id.split(":", 1)[0]


def update_counts(store: ReviewStore, source_id: str | None, hits: int) -> UpdateCounts:
    """Counts of the window whose records came in as ``source_id`` (None: nothing came)."""
    queue = queue_size(store)
    if source_id is None:
        return UpdateCounts(hits, 0, 0, 0, queue)
    duplicates = _duplicate_of(store)
    screened = {d.record_id for d in store.latest_record_decisions(stage="title_abstract")}
    # A record of the window is already known when it is marked a duplicate, or when a
    # record of another source is marked a duplicate of it (it became the canonical one).
    canonical_of_older = {target for record, target in duplicates.items()
                          if _source_of(record) != source_id}
    mine = [key.record_id for key in store.record_keys()
            if key.status == "ok" and _source_of(key.record_id) == source_id]
    known = [r for r in mine if r in duplicates or r in canonical_of_older]
    new = [r for r in mine if r not in duplicates and r not in canonical_of_older
           and r not in screened]
    return UpdateCounts(hits, len(mine), len(known), len(new), queue)


def write_report(updates_dir: Path, window: Window, counts: UpdateCounts, *, query: str,
                 datetype: str, file: Path | None, run_id: str) -> Path:
    """Write ``report-<maxdate>.md`` and ``.json`` (each replaced whole); returns the .md."""
    updates_dir = Path(updates_dir)
    updates_dir.mkdir(parents=True, exist_ok=True)
    stem = updates_dir / f"report-{window.maxdate.isoformat()}"
    data = {"window": window.parameters(query, datetype), "run_id": run_id,
            "file": None if file is None else Path(file).name, **asdict(counts)}
    text = "\n".join([
        f"# PubMed update {window.mindate.isoformat()} to {window.maxdate.isoformat()}",
        "",
        f"- Query: `{query}` ({datetype} {window.label})",
        f"- File: {data['file'] or '(no records)'}",
        f"- Records found: {counts.hits}",
        f"- Imported: {counts.imported}",
        f"- Already in the review (duplicates): {counts.duplicates}",
        f"- New records to screen: {counts.new_in_queue}",
        f"- Records waiting for screening in the whole review: {counts.queue}",
        f"- Run: {run_id}",
        "",
    ])
    for suffix, body in ((".json", json.dumps(data, indent=2) + "\n"), (".md", text)):
        target = stem.with_suffix(suffix)
        part = target.with_name(target.name + ".part")
        part.write_text(body, encoding="utf-8")
        part.replace(target)
    return stem.with_suffix(".md")


def write_update_diagram(store: ReviewStore, config, updates_dir: Path, window: Window) -> Path:
    """Draw the review's PRISMA 2020 diagram after an update: ``prisma-<maxdate>.png``.

    ``config`` is the review's ReviewConfig: with ``[prisma] previous_studies`` and
    ``previous_reports`` this is the updated-review template. New records still wait for
    screening, so the counts cannot add up yet: the diagram is marked as a draft.
    """
    from screening.prisma import prisma_counts, write_diagram

    counts = prisma_counts(
        store,
        source_kinds=config.prisma.source_kinds,
        previous_studies=config.prisma.previous_studies,
        previous_reports=config.prisma.previous_reports,
        reason_labels=config.criteria.reasons,
    )
    target = Path(updates_dir) / f"prisma-{window.maxdate.isoformat()}.png"
    part = target.with_name(target.name + ".part")
    with open(part, "wb") as handle:
        write_diagram(counts, handle, format="png", draft=True)
    part.replace(target)
    return target


# -- one update -----------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateResult:
    window: Window
    counts: UpdateCounts
    run_id: str
    file: Path | None
    report: Path
    already_imported: bool


def run_window(store: ReviewStore, updates_dir: Path, client, window: Window, *, query: str,
               datetype: str = "edat", step: Step = _direct, dedup_engine=None) -> UpdateResult:
    """Run every step of one window, recorded as a run of kind ``update``."""
    run_id = store.begin_run("update", {**window.parameters(query, datetype),
                                        "resumed": window.resumed})
    try:
        fetched = step("fetch", fetch_window, client, query, window, Path(updates_dir),
                       datetype=datetype)
        report = step("import", import_window, store, fetched.path, run_id=run_id)
        source_id = None if report is None else report.source_id
        if report is not None:
            step("dedup", dedup_update, store, update_run=run_id, engine=dedup_engine)
        counts = step("count", update_counts, store, source_id, fetched.n_records)
        path = step("report", write_report, Path(updates_dir), window, counts, query=query,
                    datetype=datetype, file=fetched.path if report else None, run_id=run_id)
    except BaseException:
        store.finish_run(run_id, "failed", {})
        raise
    store.finish_run(run_id, "ok", {**asdict(counts), "file": fetched.path.name,
                                    "already_imported": bool(report and report.already_imported),
                                    "report": path.name})
    return UpdateResult(window, counts, run_id, fetched.path if report else None, path,
                        bool(report and report.already_imported))


def run_update(store: ReviewStore, updates_dir: Path, client, *, query: str, start: date,
               today: date, datetype: str = "edat", step: Step = _direct,
               dedup_engine=None) -> list[UpdateResult]:
    """Run every window due (a resumed one first, then up to ``today``); [] if up to date."""
    results: list[UpdateResult] = []
    while (window := step("plan", plan_window, store, start=start, today=today)) is not None:
        if results and window == results[-1].window:  # pragma: no cover - defensive
            raise RuntimeError(f"update window {window.label} did not complete")
        results.append(run_window(store, updates_dir, client, window, query=query,
                                  datetype=datetype, step=step, dedup_engine=dedup_engine))
    return results
