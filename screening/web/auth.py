"""Who is asking: signed session cookies and CSRF tokens for the pages, bearer tokens for
the API, login rate limits, and the lead's role.

- **Session cookie** ``litsieve_session``: ``<payload>.<signature>``, the payload a JSON
  object (reviewer id, expiry, CSRF token) in URL-safe base64, signed with HMAC-SHA256 under
  the store's web secret (``store.web_secret()``: one secret per review, so every worker
  process accepts every other's cookies). HttpOnly, SameSite=Strict, Path=/; Secure over
  HTTPS. A cookie that is forged, malformed or expired is refused: pages redirect to
  ``/login``. The account is looked up on every request, so a removed account is refused.
- **CSRF**: every form carries the session's CSRF token in a hidden field
  (``csrf_token``), checked on every POST from a form. The login form, before there is a
  session, pairs its field with a random ``litsieve_login`` cookie (double submit).
- **API**: ``Authorization: Bearer <token>`` only (tokens from ``litsieve reviewer
  token``); a session cookie does not open the API. 401 without a valid token.
- **Roles**: lead-only pages and endpoints answer 403 to a reviewer.
- **Login rate limit**: more than ``MAX_FAILURES_PER_ACCOUNT`` failed logins for one
  account, or ``MAX_FAILURES_PER_ADDRESS`` from one address, within ``LOGIN_WINDOW`` make
  the next attempt a 429 (the attempts are recorded in the store, shared by every worker).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

from screening.store.accounts import Account
from screening.web.state import State, WebState

__all__ = [
    "CSRF_FIELD",
    "ApiAccount",
    "FormAccount",
    "LeadApiAccount",
    "LeadFormAccount",
    "LeadPageAccount",
    "PageAccount",
    "LOGIN_COOKIE",
    "LOGIN_WINDOW",
    "MAX_FAILURES_PER_ACCOUNT",
    "MAX_FAILURES_PER_ADDRESS",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "Forbidden",
    "FormRejected",
    "LoginRequired",
    "Session",
    "api_account",
    "check_login_csrf",
    "client_address",
    "decode_session",
    "encode_session",
    "form_account",
    "lead_api_account",
    "lead_form_account",
    "lead_page_account",
    "login_throttled",
    "new_session",
    "page_account",
    "set_login_cookie",
    "set_session_cookie",
]

SESSION_COOKIE = "litsieve_session"
LOGIN_COOKIE = "litsieve_login"
CSRF_FIELD = "csrf_token"
#: How long a sign-in lasts.
SESSION_SECONDS = 12 * 3600
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True, slots=True)
class Session:
    """What a session cookie says: who, until when (Unix seconds), and its CSRF token."""

    reviewer_id: str
    expires: int
    csrf: str


def new_session(reviewer_id: str, *, now: float | None = None,
                lifetime: int = SESSION_SECONDS) -> Session:
    """A fresh session for ``reviewer_id`` (a new CSRF token) lasting ``lifetime`` seconds."""
    now = time.time() if now is None else now
    return Session(reviewer_id, int(now) + lifetime, secrets.token_urlsafe(32))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def encode_session(session: Session, secret: bytes) -> str:
    """The cookie value of ``session``: payload and signature, both URL-safe base64."""
    data = {"sub": session.reviewer_id, "exp": session.expires, "csrf": session.csrf}
    payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{payload}.{_sign(payload, secret)}"


def decode_session(value: str | None, secret: bytes, *, now: float | None = None
                   ) -> Session | None:
    """The session of a cookie value; None when it is missing, malformed, signed with
    another key or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    try:
        payload.encode("ascii")
    except UnicodeEncodeError:
        return None
    if not hmac.compare_digest(_sign(payload, secret), signature):
        return None
    try:
        data: Any = json.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    sub, exp, csrf = data.get("sub"), data.get("exp"), data.get("csrf")
    if not (isinstance(sub, str) and sub and isinstance(exp, int) and isinstance(csrf, str)
            and csrf):
        return None
    if exp <= (time.time() if now is None else now):
        return None
    return Session(sub, exp, csrf)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Any, request: Request, session: Session, secret: bytes
                       ) -> None:
    response.set_cookie(
        SESSION_COOKIE, encode_session(session, secret),
        max_age=max(0, session.expires - int(time.time())), path="/", httponly=True,
        samesite="strict", secure=_secure(request))


def set_login_cookie(response: Any, request: Request, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))


# -- failures the app turns into pages --------------------------------------------------


class LoginRequired(Exception):
    """No valid session: a page answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """Signed in, but not allowed (a reviewer on a lead's page): a 403 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FormRejected(Exception):
    """A form POST without the session's CSRF token: a 403 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- dependencies ---------------------------------------------------------------------


def _next_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_account(request: Request, state: State) -> Account:
    """The signed-in account of a page request (the session goes to
    ``request.state.session``); LoginRequired without a valid session."""
    session = decode_session(request.cookies.get(SESSION_COOKIE), state.secret)
    account = None if session is None else state.store.account(session.reviewer_id)
    if session is None or account is None:
        raise LoginRequired(_next_path(request) if request.method == "GET" else "/")
    request.state.session = session
    request.state.account = account
    return account


def lead_page_account(request: Request,
                      account: Annotated[Account, Depends(page_account)]) -> Account:
    if account.role != "lead":
        raise Forbidden("This page is for the review's lead.")
    return account


async def _check_csrf(request: Request) -> None:
    form = await request.form()
    given = form.get(CSRF_FIELD)
    session: Session = request.state.session
    if not isinstance(given, str) or not hmac.compare_digest(given, session.csrf):
        raise FormRejected("The form was not sent from this site's page, or your sign-in "
                           "has changed since the page was loaded: reload the page and try "
                           "again.")


async def form_account(request: Request,
                       account: Annotated[Account, Depends(page_account)]) -> Account:
    """The account of a form POST whose CSRF token matches its session."""
    await _check_csrf(request)
    return account


async def lead_form_account(request: Request,
                            account: Annotated[Account, Depends(lead_page_account)]
                            ) -> Account:
    await _check_csrf(request)
    return account


def api_account(request: Request, state: State) -> Account:
    """The account of an API request's bearer token; 401 without a valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    account = None
    if scheme.lower() == "bearer" and token.strip():
        account = state.store.account_by_token(token.strip())
    if account is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid API token is required: send 'Authorization: Bearer <token>' "
                   "(litsieve reviewer token DIR ID makes one)",
            headers={"WWW-Authenticate": "Bearer"})
    return account


def lead_api_account(account: Annotated[Account, Depends(api_account)]) -> Account:
    if account.role != "lead":
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="only the review's lead may do this")
    return account


#: Route parameters: the signed-in account of a page, of a form POST (CSRF checked), of an
#: API call; the ``Lead`` ones answer 403 to a reviewer.
PageAccount = Annotated[Account, Depends(page_account)]
LeadPageAccount = Annotated[Account, Depends(lead_page_account)]
FormAccount = Annotated[Account, Depends(form_account)]
LeadFormAccount = Annotated[Account, Depends(lead_form_account)]
ApiAccount = Annotated[Account, Depends(api_account)]
LeadApiAccount = Annotated[Account, Depends(lead_api_account)]


# -- logging in -----------------------------------------------------------------------


def client_address(request: Request) -> str:
    """The caller's address (as uvicorn gives it: a trusted proxy's forwarded one)."""
    return request.client.host if request.client else "unknown"


def check_login_csrf(request: Request, given: str | None) -> bool:
    """Whether the login form's token matches its ``litsieve_login`` cookie."""
    cookie = request.cookies.get(LOGIN_COOKIE)
    return bool(cookie and given and hmac.compare_digest(cookie, given))


def login_throttled(state: WebState, reviewer_id: str, address: str) -> str | None:
    """Why a login attempt is refused before its password is checked, or None."""
    since = datetime.now(UTC) - LOGIN_WINDOW
    minutes = int(LOGIN_WINDOW.total_seconds() // 60)
    if state.store.failed_logins(reviewer_id=reviewer_id, since=since) \
            >= MAX_FAILURES_PER_ACCOUNT:
        return (f"Too many failed sign-ins for this account: wait {minutes} minutes, or ask "
                "the review's lead to set a new password.")
    if state.store.failed_logins(address=address, since=since) >= MAX_FAILURES_PER_ADDRESS:
        return f"Too many failed sign-ins from this address: wait {minutes} minutes."
    return None
