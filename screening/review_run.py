"""One run of the whole review up to "studies included": the steps ``litsieve run`` and the
review flow (flows/review.py) chain, each a plain function that is safe to repeat::

    import_sources   the [sources.*] of litsieve.toml not imported yet (one transaction
                     per file; a file already imported adds nothing)
    dedup_new        incremental dedup when records came in since the last dedup run
                     (its own run of kind ``dedup``, like ``litsieve dedup``)
    rank_queue       the title/abstract queue rebuilt when due (retrain_if_due), after
                     the sentence embeddings of new records when the ranker needs them
    draw_prisma      DIR/prisma.svg and DIR/prisma.png (a draft while work is pending)
    review_status    where the review stands: counts per stage, the stopping estimate,
                     open conflicts, dedup pairs left for a person
    export_included  DIR/exports/included.csv: the full-text includes, as ``litsieve
                     export DIR --stage full_text --outcome include`` writes them

Steps that wait for people (screening, full text, extraction) are not waited for: the
status says what is left and the next run goes on from there. Nothing is written that
did not change: files are rewritten only when their bytes differ (:func:`write_if_changed`),
dedup runs only when there are new records, the queue is rebuilt only when due.

Extraction and pooling come after "studies included" and live outside ``screening``
(flows/review.py adds them).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screening.review_dir import ReviewDir
from screening.store import EXPORT_COLUMNS, ReviewStore

__all__ = [
    "INCLUDED_CSV",
    "PRISMA_FORMATS",
    "REVIEW_RUN",
    "PrismaResult",
    "dedup_new",
    "draw_prisma",
    "export_included",
    "import_sources",
    "rank_queue",
    "review_status",
    "stage_counts",
    "write_if_changed",
]

#: The ``runs.kind`` of a review run.
REVIEW_RUN = "review"
#: The included studies, where ``litsieve extract template`` reads them
#: (extraction.template.INCLUDED_CSV; screening does not import extraction).
INCLUDED_CSV = Path("exports") / "included.csv"
#: The diagrams a run keeps up to date in the review directory.
PRISMA_FORMATS = ("svg", "png")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly these bytes; returns
    whether it wrote. The file appears whole (written as ``.part``, then renamed)."""
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)
    return True


# -- import and dedup -----------------------------------------------------------------


def import_sources(store: ReviewStore, review: ReviewDir, *, run_id: str) -> list[dict[str, Any]]:
    """Import every ``[sources.<key>]`` of the config that is not in the store yet.

    As ``litsieve import DIR`` does without FILE arguments (the config's database, format
    and encoding; ``[import] on_bad_record``). A file already imported adds nothing and is
    listed with ``already_imported``. A missing file or bad records (without quarantine)
    raise, naming the file, as the import command does."""
    from screening.ingest import import_file

    config = review.config
    quarantine = config.import_.on_bad_record == "quarantine"
    out = []
    for key, source in config.sources.items():
        path = review.source_path(source.path)
        report = import_file(store, path, run_id=run_id, export_format=source.format,
                             database=source.database,
                             encoding=source.encoding or config.import_.encoding,
                             quarantine=quarantine, rejects_dir=review.rejects_dir)
        out.append({"source": key, "file": str(path), "source_id": report.source_id,
                    "database": report.database, "records": report.n_records,
                    "quarantined": report.n_rejects, "warnings": len(report.warnings),
                    "already_imported": report.already_imported})
    return out


def _dedup_due(store: ReviewStore) -> tuple[bool, str]:
    """Whether dedup should run now (records came in since the last dedup run), and why."""
    sources = store.sources()
    if not sources:
        return False, "no records yet"
    done = [run.started_at for run in store.runs(kind="dedup") if run.status == "ok"]
    if not done:
        return True, "no deduplication yet"
    new = [s for s in sources if s.imported_at > max(done)]
    if not new:
        return False, "no new records since the last dedup"
    return True, f"{len(new)} source{'s' if len(new) != 1 else ''} imported since the last dedup"


def dedup_new(store: ReviewStore, review: ReviewDir, *, review_run: str, workers: int = 1,
              engine: Any = None) -> dict[str, Any]:
    """Incremental dedup (the review's ``[dedup]`` rules) when records came in since the
    last dedup run; recorded as a run of kind ``dedup`` so the next one starts after it.

    ``workers``: processes scoring pairs (as ``litsieve dedup --workers``); ``engine``:
    another engine (flows/dedup.py's, on a Dask cluster), as for ``run_dedup``."""
    due, reason = _dedup_due(store)
    if not due:
        return {"ran": False, "why": reason}
    from screening.dedup.service import rules_for, run_dedup

    run_id = store.begin_run("dedup", {"full": False, "review_run": review_run,
                                       "workers": workers})
    try:
        options = {} if engine is None else {"engine": engine}
        summary = run_dedup(store, run_id=run_id, workers=workers,
                            rules=rules_for(review.config.dedup), **options)
    except BaseException:
        store.finish_run(run_id, "failed", {})
        raise
    result = {"duplicate_records": summary.n_duplicate_records, "maybe": summary.n_maybe,
              "new_links": summary.new_links, "new_decisions": summary.new_decisions}
    store.finish_run(run_id, "ok", result)
    return {"ran": True, "why": reason, "run_id": run_id, "clusters": summary.n_clusters,
            "incremental": summary.incremental, **result}


# -- the screening queue --------------------------------------------------------------


def _screenable_texts(store: ReviewStore) -> list[tuple[str | None, str | None]]:
    duplicates = {d.record_id for d in store.latest_record_decisions(stage="deduplication")
                  if d.outcome == "duplicate"}
    return [(r.title, r.abstract) for r in store.iter_records(raw=False)
            if r.record_id not in duplicates]


def _embed_new(store: ReviewStore) -> int:
    """Encode the records whose embedding is not cached yet; returns how many."""
    from screening.rank.embeddings import embed_texts, embedding_text

    texts = [embedding_text(title, abstract) for title, abstract in _screenable_texts(store)]
    encoded = [0]

    def progress(done: int, total: int) -> None:
        encoded[0] = total

    if texts:
        embed_texts(texts, progress=progress)
    return encoded[0]


def _current_queue(store: ReviewStore) -> dict[str, Any] | None:
    from screening.store import votes as queue_sql

    with store.engine.connect() as conn:
        current = queue_sql.current_ranking(conn, "title_abstract")
    if current is None:
        return None
    return {"ranking_id": current["ranking_id"], "actor": current["actor"],
            "records": current["n_records"], "included": current["n_included"],
            "excluded": current["n_excluded"]}


def rank_queue(store: ReviewStore, review: ReviewDir) -> dict[str, Any]:
    """Rebuild the title/abstract queue when due (``[screening] model`` and
    ``retrain_every``), as the web app does in the background. A ranker that needs
    sentence embeddings gets those of new records first (each text is encoded once, ever:
    the cache keeps them)."""
    from screening.rank.rankers import get_ranker
    from screening.votes.ranking import ranking_due, retrain_if_due

    settings = review.config.screening
    embedded = 0
    if getattr(get_ranker(settings.model), "needs_embeddings", False):
        embedded = _embed_new(store)
    due = ranking_due(store, retrain_every=settings.retrain_every)
    ranking_id, why = None, due.why
    if due.due:
        ranking_id = retrain_if_due(store, model=settings.model,
                                    retrain_every=settings.retrain_every, owner="review-run")
        if ranking_id is None:
            why += "; another process is rebuilding it"
    return {"rebuilt": ranking_id is not None, "why": why, "model": settings.model,
            "embedded": embedded, "queue": _current_queue(store)}


# -- PRISMA, status and the included studies ------------------------------------------


@dataclass(frozen=True)
class PrismaResult:
    """The counts, the arithmetic problems (pending work), the diagrams and those written.

    ``fingerprint`` (kept in the run's summary) lets the next run skip drawing when the
    counts are the same and the files are still the ones it wrote."""

    counts: Any  # screening.prisma.PrismaCounts
    problems: tuple[str, ...]
    files: tuple[str, ...]
    written: tuple[str, ...]
    fingerprint: dict[str, Any]

    @property
    def draft(self) -> bool:
        return bool(self.problems)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _last_prisma_fingerprint(store: ReviewStore) -> dict[str, Any] | None:
    done = [run for run in store.runs(kind=REVIEW_RUN) if run.status == "ok" and run.summary]
    if not done:
        return None
    found = (done[-1].summary or {}).get("prisma", {}).get("fingerprint")
    return found if isinstance(found, dict) else None


def _unchanged(previous: dict[str, Any] | None, counts_hash: str,
               targets: dict[str, Path]) -> bool:
    if not previous or previous.get("counts") != counts_hash:
        return False
    files = previous.get("files") or {}
    return all(target.is_file() and files.get(fmt) == _sha256(target.read_bytes())
               for fmt, target in targets.items())


def draw_prisma(store: ReviewStore, review: ReviewDir) -> PrismaResult:
    """Count the PRISMA 2020 boxes and draw DIR/prisma.svg and .png (marked as a draft
    while the counts do not add up: records still wait for a decision).

    Drawing takes seconds (text is measured glyph by glyph), so when the counts are those
    of the last review run and both files are still the ones it wrote, nothing is drawn."""
    from screening.prisma import check_counts, counts_to_json, prisma_counts, write_diagram
    from screening.store._common import litsieve_version

    settings = review.config.prisma
    counts = prisma_counts(store, source_kinds=settings.source_kinds,
                           previous_studies=settings.previous_studies,
                           previous_reports=settings.previous_reports,
                           reason_labels=review.config.criteria.reasons)
    problems = tuple(str(p) for p in check_counts(counts))
    counts_hash = _sha256(f"{counts_to_json(counts)}\ndraft={bool(problems)}\n"
                          f"litsieve={litsieve_version()}".encode())
    targets = {fmt: review.path / f"prisma.{fmt}" for fmt in PRISMA_FORMATS}
    files = tuple(str(t) for t in targets.values())
    previous = _last_prisma_fingerprint(store)
    if _unchanged(previous, counts_hash, targets):
        return PrismaResult(counts, problems, files, (), dict(previous or {}))
    written, hashes = [], {}
    for fmt, target in targets.items():
        buffer = io.BytesIO()
        write_diagram(counts, buffer, format=fmt, draft=bool(problems))
        hashes[fmt] = _sha256(buffer.getvalue())
        if write_if_changed(target, buffer.getvalue()):
            written.append(str(target))
    return PrismaResult(counts, problems, files, tuple(written),
                        {"counts": counts_hash, "files": hashes})


def stage_counts(counts: Any) -> dict[str, dict[str, int]]:
    """Records and reports per stage from PrismaCounts, with the work waiting at each."""
    c = counts
    return {
        "identification": {"records": c.identified_dbr + c.identified_other,
                           "duplicates": c.duplicates,
                           "removed_other": c.excluded_automatic + c.excluded_other},
        "title_abstract": {"screened": c.records_screened, "excluded": c.records_excluded,
                           "waiting": c.awaiting_screening},
        "retrieval": {"sought": c.dbr_sought_reports + c.other_sought_reports,
                      "not_retrieved": c.dbr_notretrieved_reports
                      + c.other_notretrieved_reports,
                      "waiting": c.dbr_awaiting_retrieval + c.other_awaiting_retrieval},
        "full_text": {"assessed": c.dbr_assessed + c.other_assessed,
                      "excluded": sum(c.dbr_excluded.values()) + sum(c.other_excluded.values()),
                      "waiting": c.dbr_awaiting_eligibility + c.other_awaiting_eligibility},
        "included": {"studies": c.total_studies, "reports": c.total_reports},
    }


def review_status(store: ReviewStore, review: ReviewDir, counts: Any) -> dict[str, Any]:
    """Where the review stands: counts per stage, the stopping estimate, the conflicts
    between reviewers' votes nobody has resolved, and dedup pairs left for a person."""
    from screening.votes.automation import stopping_verdict
    from screening.votes.service import ScreeningService

    conflicts = ScreeningService(store, review.config).conflicts()
    return {"stages": stage_counts(counts),
            "stopping": stopping_verdict(store).summary(),
            "conflicts": dict(Counter(str(c.stage) for c in conflicts)),
            "dedup_maybe_pairs": len(store.latest_links(outcome="maybe"))}


def export_included(store: ReviewStore, review: ReviewDir) -> dict[str, Any]:
    """Write DIR/exports/included.csv: the records whose latest full-text decision is
    include (the same rows and columns as ``litsieve export DIR --stage full_text
    --outcome include --output DIR/exports/included.csv``). Nothing is written before the
    first include; afterwards the file follows the decisions (rewritten when it changes)."""
    rows = list(store.export_rows(stage="full_text", outcome="include",
                                  reason_labels=review.config.criteria.reasons))
    path = review.path / INCLUDED_CSV
    if not rows and not path.exists():
        return {"path": None, "records": 0, "written": False}
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(EXPORT_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    written = write_if_changed(path, buffer.getvalue().encode("utf-8"))
    return {"path": str(path), "records": len(rows), "written": written}
