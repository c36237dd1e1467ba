"""Screening a stage: the next record of the caller's queue, their vote, undo; a record's
own page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from screening.store.accounts import Account
from screening.web.auth import FormAccount, PageAccount
from screening.web.highlight import highlight
from screening.web.render import render
from screening.web.state import State, WebState

__all__ = ["SCREEN_STAGES", "router", "screen_stage", "view_context"]

router = APIRouter(include_in_schema=False)

#: The stages people screen.
SCREEN_STAGES = ("title_abstract", "full_text")


def screen_stage(stage: str) -> str:
    """``stage`` when people screen it; an unknown one in a URL is a 404 page."""
    if stage not in SCREEN_STAGES:
        raise HTTPException(404, f"There is no screening stage {stage!r}: "
                                 "title_abstract or full_text.")
    return stage


#: The buttons of each stage: outcome, label, key.
BUTTONS = {
    "title_abstract": (("include", "Include", "i"), ("exclude", "Exclude", "e"),
                       ("maybe", "Maybe", "m")),
    "full_text": (("include", "Include", "i"), ("exclude", "Exclude", "e"),
                  ("maybe", "Maybe", "m"), ("not_retrieved", "Not retrieved", "n")),
}

#: What a redirect after a vote or an undo may say (only these: no text from the URL
#: reaches the page).
NOTICES = {
    "pending": "Vote saved. The record waits for another reviewer's vote.",
    "decided": "Vote saved: the record is decided.",
    "conflict": "Vote saved. The votes disagree: the lead will resolve the conflict.",
    "undone": "Your last vote was taken back: the record is yours to screen again.",
    "nothing": "You have no vote to take back at this stage.",
}


def view_context(state: WebState, view: Any) -> dict[str, Any]:
    """What templates show of a RecordView: its title and abstract escaped, with the
    protocol's terms highlighted."""
    criteria = state.review.config.criteria
    include, exclude = criteria.include_terms, criteria.exclude_terms
    return {
        "view": view,
        "title_html": highlight(view.title or "(no title)", include, exclude),
        "abstract_html": highlight(view.abstract, include, exclude),
    }


def _stage_progress(state: WebState, stage: str) -> Any:
    return next((p for p in state.service.progress() if p.stage == stage), None)


def screen_page(request: Request, state: WebState, account: Account, stage: str, *,
                error: str | None = None, status_code: int = 200,
                form: dict[str, str] | None = None) -> Response:
    item = state.service.next_record(account.reviewer_id, stage)
    context: dict[str, Any] = {
        "stage": stage, "item": item, "buttons": BUTTONS[stage],
        "reasons": state.review.config.criteria.reasons,
        "reason_required": stage == "full_text",
        "progress": _stage_progress(state, stage),
        "stopping": state.stopping_text() if stage == "title_abstract" else None,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "error": error, "form": form or {},
    }
    if item is not None:
        view = state.service.record_view(item.record_id, account.reviewer_id, stage,
                                         viewer_is_lead=account.role == "lead")
        context.update(view_context(state, view))
    return render(request, "screen.html", context, status_code=status_code)


@router.get("/screen/{stage}")
def screen(stage: str, request: Request, account: PageAccount,
           state: State) -> Response:
    return screen_page(request, state, account, screen_stage(stage))


@router.post("/screen/{stage}/vote")
def vote(
    stage: str,
    request: Request,
    account: FormAccount,
    state: State,
    record_id: Annotated[str, Form()],
    outcome: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    params_hash: Annotated[str, Form()] = "",
) -> Response:
    from screening.votes.service import VoteError

    stage = screen_stage(stage)
    try:
        result = state.service.vote(account.reviewer_id, record_id, stage, outcome,
                                    reason=reason or None, note=note or None,
                                    params_hash=params_hash or None)
    except VoteError as exc:
        return screen_page(request, state, account, stage, error=str(exc),
                           status_code=exc.status,
                           form={"reason": reason, "note": note, "outcome": outcome})
    state.voted(stage)
    return RedirectResponse(f"/screen/{stage}?done={result.state}", status_code=303)


@router.post("/screen/{stage}/undo")
def undo(stage: str, request: Request, account: FormAccount,
         state: State) -> Response:
    from screening.votes.service import VoteError

    stage = screen_stage(stage)
    try:
        result = state.service.withdraw_last(account.reviewer_id, stage)
    except VoteError as exc:
        return screen_page(request, state, account, stage, error=str(exc),
                           status_code=exc.status)
    if result is not None:
        state.voted(stage)
    done = "nothing" if result is None else "undone"
    return RedirectResponse(f"/screen/{stage}?done={done}", status_code=303)


@router.get("/records/{record_id}")
def record_page(record_id: str, request: Request, account: PageAccount, state: State,
                stage: str = "title_abstract") -> Response:
    from screening.votes.service import VoteError

    stage = screen_stage(stage)
    try:
        view = state.service.record_view(record_id, account.reviewer_id, stage,
                                         viewer_is_lead=account.role == "lead")
    except VoteError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return render(request, "record.html", {"stage": stage, **view_context(state, view)})
