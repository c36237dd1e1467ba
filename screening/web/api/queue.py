"""``/api/queue``: the next record for the caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from screening.web.api.common import UNAUTHORIZED, refusals
from screening.web.api.schemas import QueueItemOut, ScreenStage
from screening.web.auth import ApiAccount
from screening.web.state import State

__all__ = ["router"]

router = APIRouter(prefix="/queue", tags=["queue"], responses=UNAUTHORIZED)


@router.get("/next", response_model=QueueItemOut,
            responses={204: {"description": "nothing left for the caller at this stage"}})
def next_record(account: ApiAccount, state: State,
                stage: Annotated[ScreenStage, Query()] = "title_abstract") -> Any:
    """Claim and return the next record the caller should screen at ``stage`` (the same one
    again until they vote on it)."""
    with refusals():
        item = state.service.next_record(account.reviewer_id, stage)
    if item is None:
        return Response(status_code=204)
    return QueueItemOut(record_id=item.record_id, stage=item.stage, position=item.position,
                        remaining=item.remaining, params_hash=item.params_hash)
