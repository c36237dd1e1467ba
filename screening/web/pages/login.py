"""Signing in and out, and the start page."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from screening.store.accounts import Account
from screening.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    FormAccount,
    client_address,
    decode_session,
    login_throttled,
    new_session,
    set_login_cookie,
    set_session_cookie,
)
from screening.web.render import render
from screening.web.state import State

__all__ = ["router", "safe_next"]

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path of this site (``/screen/full_text``), else None: a
    login link must never send anyone to another site (``//evil.example``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\r\n\\") or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _home(account: Account) -> str:
    return "/dashboard" if account.role == "lead" else "/screen/title_abstract"


@router.get("/")
def start(request: Request, state: State) -> Response:
    session = decode_session(request.cookies.get(SESSION_COOKIE), state.secret)
    account = None if session is None else state.store.account(session.reviewer_id)
    return RedirectResponse("/login" if account is None else _home(account), status_code=303)


def _login_page(request: Request, *, next_path: str | None, reviewer_id: str = "",
                error: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {
        "login_token": token, "next_path": next_path or "", "reviewer_id": reviewer_id,
        "error": error}, status_code=status_code)
    set_login_cookie(response, request, token)
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    state: State,
    reviewer_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    from screening.web.auth import check_login_csrf

    next_path = safe_next(next)
    reviewer_id = reviewer_id.strip()
    if not check_login_csrf(request, csrf_token):
        return _login_page(request, next_path=next_path, reviewer_id=reviewer_id,
                           error="The sign-in form had expired: please sign in again.",
                           status_code=403)
    if not reviewer_id or not password:
        return _login_page(request, next_path=next_path, reviewer_id=reviewer_id,
                           error="Give your reviewer id and your password.",
                           status_code=422)
    address = client_address(request)
    refused = login_throttled(state, reviewer_id, address)
    if refused is not None:
        return _login_page(request, next_path=next_path, reviewer_id=reviewer_id,
                           error=refused, status_code=429)
    account = state.store.check_password(reviewer_id, password)
    state.store.record_login(reviewer_id, address, account is not None)
    if account is None:
        return _login_page(request, next_path=next_path, reviewer_id=reviewer_id,
                           error="Wrong reviewer id or password.", status_code=401)
    response = RedirectResponse(next_path or _home(account), status_code=303)
    set_session_cookie(response, request, new_session(account.reviewer_id), state.secret)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(account: FormAccount) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
