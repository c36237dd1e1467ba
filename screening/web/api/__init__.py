"""The JSON API under ``/api``: one router per resource, pydantic bodies (the OpenAPI
document at ``/openapi.json`` comes from them), bearer tokens (see ``screening.web.auth``)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> list[APIRouter]:
    from screening.web.api import automation, conflicts, decisions, queue, records, reports

    return [queue.router, decisions.router, records.router, conflicts.router,
            reports.router, automation.router]
