"""The lead's pages: the dashboard (progress, PRISMA diagram, stopping estimate, approving
the automation's exclusions) and the conflicts to resolve."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from screening.web.auth import LeadFormAccount, LeadPageAccount
from screening.web.highlight import highlight
from screening.web.pages.screen import BUTTONS, screen_stage
from screening.web.render import render
from screening.web.state import State, WebState

__all__ = ["inline_svg", "router"]

router = APIRouter(include_in_schema=False)

_SVG_START = re.compile(r"<svg[\s>]")
_ACTIVE = re.compile(r"<script|<foreignObject|\son[a-z]+\s*=|javascript:", re.IGNORECASE)

DASHBOARD_NOTICES = {
    "approved": "Approved: the records left in the title/abstract queue are excluded by "
                "automation.",
    "nothing": "There was nothing for the automation to exclude.",
}
CONFLICT_NOTICES = {"resolved": "Conflict resolved: the record is decided."}


def inline_svg(svg: str) -> Markup:
    """The PRISMA diagram (drawn by litsieve from counts and the protocol, never from record
    text) as markup to put in a page: the ``<svg>`` element without the XML prolog. A
    diagram holding anything active (a script, an event handler) is refused outright."""
    start = _SVG_START.search(svg)
    if start is None or _ACTIVE.search(svg):
        return Markup("<p class=\"error\">The PRISMA diagram could not be shown.</p>")
    return Markup(svg[start.start():])  # our own drawing, checked above


def dashboard_page(request: Request, state: WebState, *, error: str | None = None,
                   status_code: int = 200) -> Response:
    service = state.service
    progress = service.progress()
    verdict = service.stopping()
    return render(request, "dashboard.html", {
        "progress": progress,
        "conflicts": sum(p.conflicts for p in progress),
        "accounts": state.store.accounts(),
        "prisma_svg": inline_svg(state.prisma_svg()),
        "stopping": verdict.summary(),
        "may_stop": bool(verdict.claim and verdict.stop),
        "notice": DASHBOARD_NOTICES.get(request.query_params.get("done", "")),
        "error": error,
    }, status_code=status_code)


@router.get("/dashboard")
def dashboard(request: Request, account: LeadPageAccount,
              state: State) -> Response:
    return dashboard_page(request, state)


@router.post("/dashboard/approve-automation")
def approve_automation(request: Request, account: LeadFormAccount,
                       state: State) -> Response:
    from screening.votes.service import VoteError

    try:
        approved = state.service.approve_automation(account.reviewer_id)
    except VoteError as exc:
        return dashboard_page(request, state, error=str(exc), status_code=exc.status)
    return RedirectResponse(f"/dashboard?done={'approved' if approved else 'nothing'}",
                            status_code=303)


def conflicts_page(request: Request, state: WebState, *, error: str | None = None,
                   status_code: int = 200) -> Response:
    criteria = state.review.config.criteria
    conflicts = [
        {"conflict": c, "title_html": highlight(c.title or "(no title)", criteria.include_terms,
                                                 criteria.exclude_terms)}
        for c in state.service.conflicts()]
    return render(request, "conflicts.html", {
        "conflicts": conflicts, "buttons": BUTTONS, "reasons": criteria.reasons,
        "notice": CONFLICT_NOTICES.get(request.query_params.get("done", "")),
        "error": error}, status_code=status_code)


@router.get("/conflicts")
def conflicts(request: Request, account: LeadPageAccount,
              state: State) -> Response:
    return conflicts_page(request, state)


@router.post("/conflicts/{record_id}/resolve")
def resolve(
    record_id: str,
    request: Request,
    account: LeadFormAccount,
    state: State,
    stage: Annotated[str, Form()],
    outcome: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    from screening.votes.service import VoteError

    try:
        state.service.resolve(account.reviewer_id, record_id, screen_stage(stage), outcome,
                              reason=reason or None, note=note or None)
    except VoteError as exc:
        return conflicts_page(request, state, error=str(exc), status_code=exc.status)
    state.voted(stage)
    return RedirectResponse("/conflicts?done=resolved", status_code=303)
