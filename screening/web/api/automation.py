"""``/api/automation``: the lead approves the automation's exclusions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from screening.web.api.common import LEAD_ONLY, refusals
from screening.web.api.schemas import ApproveIn, ApproveOut
from screening.web.auth import LeadApiAccount
from screening.web.state import State

__all__ = ["router"]

router = APIRouter(prefix="/automation", tags=["automation"], responses=LEAD_ONLY)


@router.post("/approve", response_model=ApproveOut, responses={
    409: {"description": "the stopping rule does not support stopping now"}})
def approve(account: LeadApiAccount, state: State,
            body: Annotated[ApproveIn | None, Body()] = None) -> ApproveOut:
    """Approve the stopping rule's verdict: the records left in the title/abstract queue
    become decisions ``excluded_automation`` (PRISMA counts them apart). Records a
    reviewer voted to include or maybe stay for people. 409 while the rule does not
    support stopping."""
    with refusals():
        approved = state.service.approve_automation(account.reviewer_id)
    return ApproveOut(approved=approved)
