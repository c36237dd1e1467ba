"""Session cookies: signed, expiring, refused when forged; login redirects stay on site."""

from __future__ import annotations

import json

import pytest

from screening.web.auth import Session, _b64, decode_session, encode_session, new_session
from screening.web.pages.login import safe_next

KEY = b"k" * 32


def test_a_session_reads_back() -> None:
    session = new_session("ann", now=1000.0, lifetime=60)
    assert session.expires == 1060 and len(session.csrf) >= 32
    assert decode_session(encode_session(session, KEY), KEY, now=1059.0) == session


def test_expired_sessions_are_refused() -> None:
    cookie = encode_session(Session("ann", 1060, "t" * 32), KEY)
    assert decode_session(cookie, KEY, now=1060.0) is None


def test_another_key_or_a_changed_payload_is_refused() -> None:
    cookie = encode_session(Session("ann", 2_000_000_000, "t" * 32), KEY)
    assert decode_session(cookie, b"other" * 8) is None
    payload, signature = cookie.split(".")
    forged = _b64(json.dumps({"sub": "lead", "exp": 2_000_000_000,
                              "csrf": "t" * 32}).encode())
    assert decode_session(f"{forged}.{signature}", KEY) is None


@pytest.mark.parametrize("value", [None, "", "abc", "a.b.c", "é.x", "..", "eyJ9.sig"])
def test_malformed_cookies_are_refused(value) -> None:
    assert decode_session(value, KEY) is None


@pytest.mark.parametrize("data", [
    [], {"sub": "", "exp": 2_000_000_000, "csrf": "x"}, {"sub": "ann", "exp": "never",
                                                          "csrf": "x"},
    {"sub": "ann", "exp": 2_000_000_000}])
def test_well_signed_but_incomplete_payloads_are_refused(data) -> None:
    from screening.web.auth import _sign

    payload = _b64(json.dumps(data).encode())
    assert decode_session(f"{payload}.{_sign(payload, KEY)}", KEY) is None


@pytest.mark.parametrize("target, expected", [
    ("/screen/full_text", "/screen/full_text"),
    ("/audit?stage=full_text", "/audit?stage=full_text"),
    ("//evil.example/", None), ("/\\evil.example", None), ("https://evil.example", None),
    ("", None), (None, None), ("/ok\r\nSet-Cookie: x=1", None)])
def test_login_sends_people_only_to_this_site(target, expected) -> None:
    assert safe_next(target) == expected
