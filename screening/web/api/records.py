"""``/api/records``: a record as the caller may see it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from screening.web.api.common import UNAUTHORIZED, refusals
from screening.web.api.schemas import RecordOut, ScreenStage
from screening.web.auth import ApiAccount
from screening.web.state import State

__all__ = ["record_out", "router"]

router = APIRouter(prefix="/records", tags=["records"], responses=UNAUTHORIZED)


def record_out(view: Any) -> RecordOut:
    return RecordOut.model_validate(view.as_dict())


@router.get("/{record_id}", response_model=RecordOut,
            responses={404: {"description": "no such record"}})
def get_record(record_id: str, account: ApiAccount, state: State,
               stage: Annotated[ScreenStage, Query()] = "title_abstract") -> RecordOut:
    """The record at ``stage``: its text, its duplicate cluster's databases, the caller's
    vote, and other reviewers' votes when blind screening allows."""
    with refusals():
        view = state.service.record_view(record_id, account.reviewer_id, stage,
                                         viewer_is_lead=account.role == "lead")
    return record_out(view)
