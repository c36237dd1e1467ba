"""Rows for CSV/RIS export: one per record, with its dedup cluster, links and latest decisions.

The export is for the people writing the review up: each record's abstract, the dedup
links that put it in a cluster (``litsieve dedup DIR --undo LINK_ID`` takes one back), and
the latest decision per stage with its reason and who took it. Filters select the records
whose latest decision at a stage (across reviewers) has a given outcome, e.g. the studies
included at full text, or the full-text exclusions with their reasons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from screening.errors import StoreError
from screening.model import Outcome, Stage
from screening.store._common import loads
from screening.store.decisions import latest_per_record_query
from screening.store.links import latest_links_query
from screening.store.records import STATUS_OK, warnings_from_json
from screening.store.retractions import active_source
from screening.store.schema import links, records, sources

__all__ = ["EXPORT_COLUMNS", "FILTER_OUTCOMES", "check_export_filter", "iter_export_rows"]

#: The keys of each export row, in column order (the CSV header).
EXPORT_COLUMNS = (
    "record_id",
    "source_file",
    "line",
    "database",
    "native_id",
    "title",
    "authors",
    "year",
    "journal",
    "doi",
    "pmid",
    "status",
    "cluster_id",
    "is_canonical",
    "dedup_links",
    "decisions",
    "abstract",
)

#: The stages an export filters on, and the outcomes a decision there can have (the names
#: the store and ``litsieve decisions import`` use; PRISMA counts each of them).
FILTER_OUTCOMES: Mapping[str, tuple[str, ...]] = {
    Stage.TITLE_ABSTRACT.value: (Outcome.INCLUDE.value, Outcome.EXCLUDE.value,
                                 Outcome.MAYBE.value, Outcome.EXCLUDED_AUTOMATION.value),
    Stage.FULL_TEXT.value: (Outcome.INCLUDE.value, Outcome.EXCLUDE.value,
                            Outcome.MAYBE.value, Outcome.NOT_RETRIEVED.value),
}

_STAGE_ORDER = {stage.value: index for index, stage in enumerate(Stage)}
_DEDUP = Stage.DEDUPLICATION.value
_DUPLICATE = Outcome.DUPLICATE.value


class _Latest(NamedTuple):
    """A record's latest decision at one stage (across actors)."""

    outcome: str
    reason: str | None
    actor: str
    cluster_id: str | None
    duplicate_of: str | None


def check_export_filter(stage: str | None, outcome: str | None) -> tuple[str | None, str | None]:
    """``(stage, outcome)`` as stored (any case in, lower case out); StoreError for an
    outcome without a stage, or a name not in :data:`FILTER_OUTCOMES`."""
    if stage is None:
        if outcome is not None:
            raise StoreError("an outcome filter needs a stage: the outcome of the latest "
                             f"decision at {' or '.join(FILTER_OUTCOMES)}")
        return None, None
    key = stage.strip().casefold()
    if key not in FILTER_OUTCOMES:
        raise StoreError(f"unknown stage {stage!r}; one of: {', '.join(FILTER_OUTCOMES)}")
    if outcome is None:
        return key, None
    found = outcome.strip().casefold()
    if found not in FILTER_OUTCOMES[key]:
        raise StoreError(f"unknown {key} outcome {outcome!r}; one of: "
                         f"{', '.join(FILTER_OUTCOMES[key])}")
    return key, found


def _records_decided(stage: str, outcome: str | None) -> sa.Select[Any]:
    """The ids of the records whose latest decision at ``stage`` (across actors) is
    ``outcome`` (None: any)."""
    latest = latest_per_record_query(stage=stage).order_by(None).subquery("latest")
    query = sa.select(latest.c.record_id)
    if outcome is not None:
        query = query.where(latest.c.outcome == outcome)
    return query


def _latest_decisions(conn: sa.Connection) -> dict[str, dict[str, _Latest]]:
    """record_id -> stage -> the record's latest decision there (across actors)."""
    latest = latest_per_record_query().order_by(None).subquery("latest")
    c = latest.c
    query = sa.select(c.record_id, c.stage, c.outcome, c.reason, c.actor, c.cluster_id,
                      c.duplicate_of)
    found: dict[str, dict[str, _Latest]] = defaultdict(dict)
    for record_id, stage, *rest in conn.execute(query):
        found[record_id][stage] = _Latest(*rest)
    return found


def _duplicate_links(conn: sa.Connection) -> dict[str, list[tuple[int, str]]]:
    """record_id -> (link_id, other record) of every current ``duplicate`` link it is in."""
    query = latest_links_query().where(links.c.outcome == _DUPLICATE)
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in conn.execute(query).mappings():
        found[row["record_a"]].append((row["link_id"], row["record_b"]))
        found[row["record_b"]].append((row["link_id"], row["record_a"]))
    return found


def _ordered(stages: Mapping[str, _Latest]) -> list[tuple[str, _Latest]]:
    return sorted(stages.items(), key=lambda item: (_STAGE_ORDER.get(item[0], 99), item[0]))


def _say(decision: _Latest, labels: Mapping[str, str]) -> str:
    """``exclude — <reason> (human:bob)``, ``duplicate of <record> (model:...)``."""
    text = decision.outcome
    if decision.outcome == _DUPLICATE and decision.duplicate_of:
        text += f" of {decision.duplicate_of}"
    if decision.reason:
        text += f" — {labels.get(decision.reason, decision.reason)}"
    return f"{text} ({decision.actor})"


def _notes(stages: Mapping[str, _Latest], pairs: list[tuple[int, str]], cluster: str,
           duplicate: bool, labels: Mapping[str, str]) -> list[str]:
    """The RIS notes (``N1``) of a record: its place in a duplicate cluster, its decisions."""
    notes = []
    if duplicate:
        ids = ", ".join(str(link_id) for link_id, _ in pairs)
        where = f" ({'link' if len(pairs) == 1 else 'links'} {ids})" if pairs else ""
        notes.append(f"litsieve: duplicate of {cluster}{where}")
    elif pairs:
        others = ", ".join(f"{other} (link {link_id})" for link_id, other in pairs)
        notes.append(f"litsieve: duplicates of this record: {others}")
    for stage, decision in _ordered(stages):
        if stage == _DEDUP and decision.outcome == _DUPLICATE:
            continue  # said above, with the links
        notes.append(f"litsieve: {stage} {_say(decision, labels)}")
    return notes


def iter_export_rows(
    engine: Engine,
    *,
    batch_size: int = 2000,
    warnings: bool = False,
    stage: str | None = None,
    outcome: str | None = None,
    no_duplicates: bool = False,
    reason_labels: Mapping[str, str] | None = None,
    notes: bool = False,
) -> Iterator[dict[str, Any]]:
    """One dict per record (every status), in import order; keys are :data:`EXPORT_COLUMNS`.

    ``authors`` is ``"; "``-joined; ``cluster_id`` is the record's dedup cluster (named
    after its canonical record; empty for a record with no duplicate); ``is_canonical`` is
    ``false`` for a record whose latest deduplication decision says it is a duplicate;
    ``dedup_links`` lists the current duplicate links the record is in as
    ``"<link_id> (<other record>); …"``; ``decisions`` lists the latest decision per stage
    (across actors), stages in review order, as ``"stage: outcome[ — reason] (actor); …"``
    (a duplicate's as ``"deduplication: duplicate of <record> (actor)"``), a reason given
    by its ``reason_labels`` description when it has one.

    Filters: ``stage`` keeps the records with a decision at that stage (one of
    :data:`FILTER_OUTCOMES`), ``outcome`` those whose latest decision there has that
    outcome (it needs ``stage``; names in any case; StoreError for others);
    ``no_duplicates`` leaves out the records deduplication marked as duplicates.

    With ``warnings``, a ``warnings`` key holds the record's field problems
    (``file:line: field: message (got 'value')``), one per line ("" when none). With
    ``notes``, a ``notes`` key holds a list of one-line notes for RIS ``N1``:
    ``"litsieve: duplicate of <record> (link 12)"``, ``"litsieve: full_text exclude —
    <reason> (human:bob)"``.
    """
    stage, outcome = check_export_filter(stage, outcome)  # now, not at the first row
    return _rows(engine, batch_size=batch_size, warnings=warnings, stage=stage,
                 outcome=outcome, no_duplicates=no_duplicates, labels=reason_labels or {},
                 notes=notes)


def _rows(
    engine: Engine, *, batch_size: int, warnings: bool, stage: str | None,
    outcome: str | None, no_duplicates: bool, labels: Mapping[str, str], notes: bool,
) -> Iterator[dict[str, Any]]:
    r, s = records.c, sources.c
    query = (
        sa.select(
            r.record_id,
            s.name,
            r.line_start,
            sa.func.coalesce(r.database, s.database),
            r.native_id,
            r.title,
            r.authors,
            r.year,
            r.journal,
            r.doi,
            r.pmid,
            r.status,
            r.abstract,
            s.path,
            r.problems,
        )
        .join_from(records, sources, r.source_id == s.source_id)
        .where(active_source(r.source_id))  # a retracted import is not exported
        .order_by(s.imported_at, s.source_id, r.ordinal)
    )
    if stage is not None:
        query = query.where(r.record_id.in_(_records_decided(stage, outcome)))
    if no_duplicates:
        query = query.where(r.record_id.not_in(_records_decided(_DEDUP, _DUPLICATE)))
    with engine.connect() as conn:
        latest = _latest_decisions(conn)
        linked = _duplicate_links(conn)
        # Canonical records of clusters: those other records are duplicates of.
        heads = {
            stages[_DEDUP].cluster_id
            for stages in latest.values()
            if _DEDUP in stages and stages[_DEDUP].outcome == _DUPLICATE
        }
        result = conn.execution_options(yield_per=batch_size).execute(query)
        for row in result:
            (record_id, source_file, line, database, native_id, title, authors, year,
             journal, doi, pmid, status, abstract, path, problems) = row
            stages = latest.get(record_id) or {}
            dedup = stages.get(_DEDUP)
            duplicate = dedup is not None and dedup.outcome == _DUPLICATE
            if duplicate:
                cluster = dedup.cluster_id or ""
            else:
                cluster = record_id if record_id in heads else ""
            pairs = sorted(linked.get(record_id, ()))
            exported = {
                "record_id": record_id,
                "source_file": source_file,
                "line": line,
                "database": database,
                "native_id": native_id,
                "title": title,
                "authors": "; ".join(loads(authors)) if authors else "",
                "year": year,
                "journal": journal,
                "doi": doi,
                "pmid": pmid,
                "status": status,
                "cluster_id": cluster,
                "is_canonical": "false" if duplicate else "true",
                "dedup_links": "; ".join(f"{link_id} ({other})" for link_id, other in pairs),
                "decisions": "; ".join(f"{name}: {_say(decision, labels)}"
                                       for name, decision in _ordered(stages)),
                "abstract": abstract,
            }
            if warnings:
                found = warnings_from_json(problems, path) if status == STATUS_OK else ()
                exported["warnings"] = "\n".join(str(w) for w in found)
            if notes:
                exported["notes"] = _notes(stages, pairs, cluster, duplicate, labels)
            yield exported
