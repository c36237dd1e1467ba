"""``/api/agreement``, ``/api/progress``, ``/api/stopping`` and ``/api/prisma``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from screening.web.api.common import UNAUTHORIZED
from screening.web.api.schemas import AgreementOut, ProgressOut
from screening.web.auth import ApiAccount
from screening.web.state import State

__all__ = ["router"]

router = APIRouter(tags=["reports"], responses=UNAUTHORIZED)


@router.get("/agreement", response_model=list[AgreementOut])
def agreement(account: ApiAccount,
              state: State) -> list[AgreementOut]:
    """Cohen's kappa and percent agreement per pair of reviewers and stage."""
    return [AgreementOut.model_validate(row.as_dict()) for row in state.service.agreement()]


@router.get("/progress", response_model=list[ProgressOut])
def progress(account: ApiAccount,
             state: State) -> list[ProgressOut]:
    """Per stage: records decided, still to screen, in conflict; votes per reviewer."""
    return [ProgressOut.model_validate(p, from_attributes=True)
            for p in state.service.progress()]


@router.get("/stopping")
def stopping(account: ApiAccount,
             state: State) -> dict[str, Any]:
    """What the stopping rule says about the title/abstract screening now: whether it
    applies, whether screening may stop, its statistics, and the sentence the pages show
    (``text``)."""
    verdict = state.service.stopping()
    return {**verdict.to_dict(), "text": verdict.summary()}


@router.get("/prisma")
def prisma(account: ApiAccount,
           state: State) -> dict[str, Any]:
    """The PRISMA 2020 counts: the same JSON as ``litsieve prisma --format json``."""
    return state.service.prisma_json()
