"""``/api/conflicts``: records whose votes disagree, and the lead's resolution."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from screening.web.api.common import LEAD_ONLY, refusals
from screening.web.api.schemas import ConflictOut, ResolveIn, ResolveOut, ScreenStage
from screening.web.auth import LeadApiAccount
from screening.web.state import State

__all__ = ["router"]

router = APIRouter(prefix="/conflicts", tags=["conflicts"], responses=LEAD_ONLY)


@router.get("", response_model=list[ConflictOut])
def list_conflicts(account: LeadApiAccount, state: State,
                   stage: Annotated[ScreenStage | None, Query()] = None) -> list[ConflictOut]:
    """Every open conflict (of ``stage``, if given) with the votes that disagree."""
    with refusals():
        found = state.service.conflicts(stage)
    return [ConflictOut.model_validate(c.as_dict()) for c in found]


@router.post("/{record_id}/resolve", status_code=201, response_model=ResolveOut, responses={
    404: {"description": "no such record"},
    409: {"description": "the record has no open conflict at this stage"},
    422: {"description": "a bad outcome or reason"}})
def resolve(record_id: str, body: ResolveIn, account: LeadApiAccount,
            state: State) -> ResolveOut:
    """Decide a record in conflict (the lead's decision, kept with the votes it settles)."""
    with refusals():
        decision_id = state.service.resolve(account.reviewer_id, record_id, body.stage,
                                            body.outcome, reason=body.reason, note=body.note)
    state.voted(body.stage)
    return ResolveOut(decision_id=decision_id)
