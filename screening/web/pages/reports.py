"""Reports: agreement between reviewers (Cohen's kappa) and the audit trail, as pages and
CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from screening.web.auth import LeadPageAccount, PageAccount
from screening.web.pages.screen import screen_stage
from screening.web.render import render
from screening.web.state import State, WebState

__all__ = ["AGREEMENT_COLUMNS", "AUDIT_COLUMNS", "csv_text", "router"]

router = APIRouter(include_in_schema=False)

AGREEMENT_COLUMNS = ("stage", "reviewer_a", "reviewer_b", "n", "n_agree", "percent", "kappa",
                     "table")
AUDIT_COLUMNS = ("at", "kind", "id", "record_id", "stage", "actor", "outcome", "reason",
                 "note", "params_hash")
#: The most audit rows a page shows (newest first); the CSV has them all.
AUDIT_PAGE_ROWS = 1000

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text: a note such as ``=HYPERLINK(...)`` is
    prefixed with ``'`` so that it is never run as a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def _csv_response(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table_text(table: dict[tuple[str, str], int]) -> str:
    """An agreement row's counts: ``include/exclude: 3; include/include: 10``."""
    return "; ".join(f"{a}/{b}: {n}" for (a, b), n in sorted(table.items()))


@router.get("/agreement")
def agreement(request: Request, account: PageAccount,
              state: State) -> Response:
    return render(request, "agreement.html", {"rows": state.service.agreement(),
                                              "table_text": table_text})


@router.get("/agreement.csv")
def agreement_csv(account: PageAccount,
                  state: State) -> Response:
    rows = ((r.stage, r.reviewer_a, r.reviewer_b, r.n, r.n_agree,
             "" if r.percent is None else f"{100 * r.percent:.1f}",
             "" if r.kappa is None else f"{r.kappa:.3f}", table_text(r.table))
            for r in state.service.agreement())
    return _csv_response(csv_text(AGREEMENT_COLUMNS, rows), "agreement.csv")


def _audit_rows(state: WebState, reviewer: str | None, stage: str | None) -> list[Any]:
    return state.service.audit(reviewer=reviewer or None,
                               stage=screen_stage(stage) if stage else None)


@router.get("/audit")
def audit(request: Request, account: LeadPageAccount, state: State, reviewer: str = "",
          stage: str = "") -> Response:
    rows = _audit_rows(state, reviewer, stage)
    shown = list(reversed(rows))[:AUDIT_PAGE_ROWS]
    return render(request, "audit.html", {
        "rows": shown, "n_rows": len(rows), "reviewer": reviewer, "stage": stage,
        "accounts": state.store.accounts(), "page_rows": AUDIT_PAGE_ROWS})


@router.get("/audit.csv")
def audit_csv(account: LeadPageAccount, state: State, reviewer: str = "",
              stage: str = "") -> Response:
    rows = ((r.at.isoformat(), r.kind, r.id, r.record_id, r.stage, r.actor, r.outcome,
             r.reason, r.note, r.params_hash) for r in _audit_rows(state, reviewer, stage))
    return _csv_response(csv_text(AUDIT_COLUMNS, rows), "audit.csv")
