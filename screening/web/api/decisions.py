"""``/api/decisions``: a reviewer's vote."""

from __future__ import annotations

from fastapi import APIRouter

from screening.web.api.common import UNAUTHORIZED, refusals
from screening.web.api.schemas import DecisionIn, DecisionOut
from screening.web.auth import ApiAccount
from screening.web.state import State

__all__ = ["router"]

router = APIRouter(prefix="/decisions", tags=["decisions"], responses=UNAUTHORIZED)


@router.post("", status_code=201, response_model=DecisionOut, responses={
    404: {"description": "no such record"},
    409: {"description": "the record has the votes it needs already"},
    422: {"description": "a bad outcome or reason, a full-text exclusion without a reason, "
                         "or a record not at this stage"}})
def decide(body: DecisionIn, account: ApiAccount,
           state: State) -> DecisionOut:
    """Record the caller's vote (a new vote on the same record replaces theirs)."""
    with refusals():
        result = state.service.vote(account.reviewer_id, body.record_id, body.stage,
                                    body.outcome, reason=body.reason, note=body.note,
                                    params_hash=body.params_hash)
    state.voted(body.stage)
    return DecisionOut(vote_id=result.vote_id, record_id=result.record_id,
                       stage=result.stage, state=result.state,
                       decision_id=result.decision_id)
