"""Reviewers' sign-in: roles, password hashes, API tokens, sign-in attempts, the web secret.

Passwords are hashed with scrypt (the standard library's, RFC 7914; n=2**14, r=8, p=1, a
random 16-byte salt) and compared in constant time. API tokens are 32 random bytes shown
once; only their SHA-256 is stored. The web secret (which signs session cookies) lives in
``meta`` so that every worker process and host serving a review shares it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from screening.errors import StoreError
from screening.store._common import utcnow
from screening.store.schema import accounts, api_tokens, login_attempts, meta, reviewers

__all__ = [
    "ROLES",
    "Account",
    "check_password",
    "hash_password",
]

ROLES = ("lead", "reviewer")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_MIN_PASSWORD = 8
_REVIEWER_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


@dataclass(frozen=True, slots=True)
class Account:
    """A reviewer who can sign in: ``human:<reviewer_id>`` on every decision they take."""

    reviewer_id: str
    name: str
    role: str

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt),
                               dklen=32, n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, base64.b64decode(digest))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_new_account(reviewer_id: str, role: str, password: str) -> None:
    import re

    if re.fullmatch(_REVIEWER_ID, reviewer_id or "") is None:
        raise StoreError(f"reviewer id {reviewer_id!r}: use letters, digits, '.', '_' or '-' "
                         "(up to 64, starting with a letter or digit)")
    if role not in ROLES:
        raise StoreError(f"role {role!r}: one of {', '.join(ROLES)}")
    if len(password) < _MIN_PASSWORD:
        raise StoreError(f"the password must have at least {_MIN_PASSWORD} characters")


def add_account(conn: Connection, reviewer_id: str, name: str, *, role: str,
                password: str) -> Account:
    _check_new_account(reviewer_id, role, password)
    now = utcnow()
    known = conn.execute(sa.select(reviewers.c.name)
                         .where(reviewers.c.reviewer_id == reviewer_id)).first()
    if known is None:
        conn.execute(reviewers.insert().values(reviewer_id=reviewer_id, name=name,
                                               created_at=now))
    elif conn.execute(sa.select(accounts.c.reviewer_id)
                      .where(accounts.c.reviewer_id == reviewer_id)).first() is not None:
        raise StoreError(f"reviewer {reviewer_id} already has an account")
    conn.execute(accounts.insert().values(reviewer_id=reviewer_id, role=role,
                                          password_hash=hash_password(password), changed_at=now))
    return Account(reviewer_id, name if known is None else known.name, role)


def set_password(conn: Connection, reviewer_id: str, password: str) -> None:
    if len(password) < _MIN_PASSWORD:
        raise StoreError(f"the password must have at least {_MIN_PASSWORD} characters")
    done = conn.execute(accounts.update().where(accounts.c.reviewer_id == reviewer_id)
                        .values(password_hash=hash_password(password), changed_at=utcnow()))
    if done.rowcount != 1:
        raise StoreError(f"no account {reviewer_id!r} in this review")


def _account_query() -> sa.Select:
    return sa.select(accounts.c.reviewer_id, reviewers.c.name, accounts.c.role,
                     accounts.c.password_hash).join_from(
        accounts, reviewers, accounts.c.reviewer_id == reviewers.c.reviewer_id)


def get_account(conn: Connection, reviewer_id: str) -> tuple[Account, str] | None:
    row = conn.execute(_account_query().where(accounts.c.reviewer_id == reviewer_id)).first()
    if row is None:
        return None
    return Account(row.reviewer_id, row.name, row.role), row.password_hash


def list_accounts(conn: Connection) -> list[Account]:
    rows = conn.execute(_account_query().order_by(accounts.c.reviewer_id))
    return [Account(row.reviewer_id, row.name, row.role) for row in rows]


def new_token(conn: Connection, reviewer_id: str) -> str:
    if get_account(conn, reviewer_id) is None:
        raise StoreError(f"no account {reviewer_id!r} in this review "
                         "(add one with `litsieve reviewer add`)")
    token = secrets.token_urlsafe(32)
    conn.execute(api_tokens.insert().values(token_hash=token_hash(token),
                                            reviewer_id=reviewer_id, created_at=utcnow()))
    return token


def account_by_token(conn: Connection, token: str) -> Account | None:
    row = conn.execute(
        _account_query()
        .join(api_tokens, api_tokens.c.reviewer_id == accounts.c.reviewer_id)
        .where(api_tokens.c.token_hash == token_hash(token))
    ).first()
    return None if row is None else Account(row.reviewer_id, row.name, row.role)


def record_login(conn: Connection, reviewer_id: str, address: str, ok: bool) -> None:
    conn.execute(login_attempts.insert().values(reviewer_id=reviewer_id[:200],
                                                address=address[:200], ok=ok,
                                                attempted_at=utcnow()))


def failed_logins(conn: Connection, *, since: datetime, reviewer_id: str | None = None,
                  address: str | None = None) -> int:
    a = login_attempts.c
    query = sa.select(sa.func.count()).where(a.ok.is_(False), a.attempted_at >= since)
    if reviewer_id is not None:
        query = query.where(a.reviewer_id == reviewer_id)
    if address is not None:
        query = query.where(a.address == address)
    return int(conn.execute(query).scalar_one())


def web_secret(conn: Connection) -> bytes:
    """The review's cookie-signing secret, made on first use (the caller's transaction
    must hold the write lock, so that two workers never make two)."""
    found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "web_secret")).scalar()
    if found is None:
        found = secrets.token_urlsafe(48)
        conn.execute(meta.insert().values(key="web_secret", value=found))
    return found.encode("ascii")
