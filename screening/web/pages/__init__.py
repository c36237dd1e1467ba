"""The HTML pages: one router per part of the app. Forms POST and redirect (PRG)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> list[APIRouter]:
    from screening.web.pages import lead, login, reports, screen

    return [login.router, screen.router, lead.router, reports.router]
