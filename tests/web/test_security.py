"""Security of the pages and the API: record text is always text, sessions cannot be
forged or outlive their expiry, forms need their CSRF token, reviewers cannot do the
lead's work, and sign-in attempts are rate limited."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest

from screening.web.auth import Session, encode_session
from screening.web.render import TEMPLATES_DIR, make_environment
from tests.web.conftest import ONERROR_ABSTRACT, SCRIPT_TITLE, bearer, csrf_of, login, new_client

#: Elements that record text would bring if it were not escaped.
FOREIGN_TAGS = {"script", "img", "i", "b", "iframe"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """The page as a browser parses it: the only script is our keyboard script, no element
    has an event handler, no link runs javascript:, no element of record text exists."""
    parser = _Elements()
    parser.feed(html)
    scripts = [attrs for tag, attrs in parser.found if tag == "script"]
    assert scripts == [{"src": "/static/app.js", "defer": None}]
    for tag, attrs in parser.found:
        assert tag == "script" or tag not in FOREIGN_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not (attrs.get("href") or "").strip().lower().startswith("javascript:"), attrs


def test_markup_in_records_is_text_on_every_page(app, web_review) -> None:
    record_id = web_review.record_id("EMB3")
    with web_review.store() as store:  # the markup did reach the store
        stored = store.records_by_id([record_id])[record_id]
    assert (stored.title, stored.abstract) == (SCRIPT_TITLE, ONERROR_ABSTRACT)
    ann, bob, lead = new_client(app), new_client(app), new_client(app)
    csrf = {"ann": login(ann, "ann"), "bob": login(bob, "bob"), "lead": login(lead, "lead")}
    # The lead screens until the markup record is the one on the screening page.
    screening = lead.get("/screen/title_abstract")
    for _ in range(6):
        if f'data-record-id="{record_id}"' in screening.text:
            break
        current = re.search(r'name="record_id" value="([^"]+)"', screening.text)
        assert current is not None, "the markup record never came up in the queue"
        screening = lead.post("/screen/title_abstract/vote", data={
            "csrf_token": csrf["lead"], "record_id": current.group(1), "outcome": "exclude"})
    assert f'data-record-id="{record_id}"' in screening.text
    # Two reviewers disagree on it, with a note full of markup: it shows in the conflict
    # list, the record page, the audit and the CSV files.
    note = '<script>alert("note")</script><img src=x onerror=alert(6)>'
    for client, reviewer, outcome in ((ann, "ann", "include"), (bob, "bob", "maybe")):
        answer = client.post("/screen/title_abstract/vote", data={
            "csrf_token": csrf[reviewer], "record_id": record_id, "outcome": outcome,
            "note": note})
        assert answer.status_code == 200
    pages = {
        "screening": screening,
        "conflicts": lead.get("/conflicts"),
        "record (lead)": lead.get(f"/records/{record_id}"),
        "record (reviewer)": ann.get(f"/records/{record_id}"),
        "audit": lead.get("/audit"),
        "dashboard": lead.get("/dashboard"),
        "agreement": ann.get("/agreement"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert_inert(page.text)
    for name in ("screening", "conflicts", "record (lead)", "record (reviewer)"):
        assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Ketamine" in pages[name].text
    record = pages["record (lead)"].text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in record
    assert "&lt;a href=&#34;javascript:alert(2)&#34;&gt;more&lt;/a&gt; &amp; " in record
    assert "&lt;i onmouseover=&#34;alert(4)&#34;&gt;Eur J Pain<" in record  # the journal
    assert "&lt;img src=x onerror=alert(3)&gt;, Eve" in record  # an author
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in record  # a keyword
    assert "&lt;script&gt;alert(&#34;note&#34;)&lt;/script&gt;" in pages["conflicts"].text
    assert "&lt;script&gt;alert(&#34;note&#34;)&lt;/script&gt;" in pages["audit"].text
    # The PRISMA diagram is drawn from counts, never from record text.
    svg = pages["dashboard"].text.split('id="prisma">', 1)[1].split("</svg>", 1)[0]
    assert "Ketamine" not in svg and "alert" not in svg
    # CSV files: markup stays as it was typed, and a leading '=' cannot run as a formula.
    audit_csv = lead.get("/audit.csv").text
    assert note.replace('"', '""') in audit_csv


def test_record_text_in_the_api_is_json_not_html(client, tokens, web_review) -> None:
    record_id = web_review.record_id("EMB3")
    response = client.get(f"/api/records/{record_id}", headers=bearer(tokens["ann"]))
    assert response.headers["content-type"] == "application/json"
    assert response.json()["title"] == SCRIPT_TITLE
    assert response.json()["abstract"] == ONERROR_ABSTRACT


def test_csv_cells_never_start_a_formula(client, app, web_review) -> None:
    ann = new_client(app)
    csrf = login(ann, "ann")
    record_id = web_review.record_id("EMB2")
    ann.post("/screen/title_abstract/vote", data={
        "csrf_token": csrf, "record_id": record_id, "outcome": "exclude",
        "note": '=HYPERLINK("http://evil.example","x")'})
    login(client, "lead")
    text = client.get("/audit.csv").text
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text


def test_every_template_autoescapes_and_none_marks_text_safe() -> None:
    env = make_environment()
    assert env.autoescape is True
    for template in TEMPLATES_DIR.glob("*.html"):
        assert "|safe" not in template.read_text().replace(" ", ""), template.name
        assert "autoescape false" not in template.read_text(), template.name


# -- sessions -------------------------------------------------------------------------


PAGES = ["/screen/title_abstract", "/screen/full_text", "/dashboard", "/conflicts",
         "/agreement", "/agreement.csv", "/audit", "/audit.csv", "/records/x"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_without_a_session_go_to_the_login(client, path) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2F")


def test_forged_and_expired_cookies_are_refused(client, web_review) -> None:
    with web_review.store() as store:
        secret = store.web_secret()
    forged = encode_session(Session("lead", int(time.time()) + 3600, "x" * 32), b"guess" * 8)
    expired = encode_session(Session("lead", int(time.time()) - 1, "x" * 32), secret)
    unknown = encode_session(Session("mallory", int(time.time()) + 3600, "x" * 32), secret)
    valid = encode_session(Session("lead", int(time.time()) + 3600, "x" * 32), secret)
    for cookie in (forged, expired, unknown, valid[:-2] + "AA", "garbage"):
        client.cookies.set("litsieve_session", cookie)
        response = client.get("/dashboard", follow_redirects=False)
        assert response.status_code == 303, cookie
        assert client.get("/api/conflicts").status_code == 401
    client.cookies.set("litsieve_session", valid)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200


def test_the_session_cookie_is_httponly_strict_and_site_wide(client) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"reviewer_id": "ann", "password": "ann-password",
                                           "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("litsieve_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age=43200" in cookie


def test_every_response_carries_the_security_headers(client) -> None:
    for response in (client.get("/login"), client.get("/static/app.js"),
                     client.get("/api/agreement")):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


# -- CSRF -------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(client, web_review) -> None:
    csrf = login(client, "lead")
    record_id = web_review.record_id("EMB1")
    posts = [("/screen/title_abstract/vote", {"record_id": record_id, "outcome": "include"}),
             ("/screen/title_abstract/undo", {}),
             (f"/conflicts/{record_id}/resolve", {"stage": "title_abstract",
                                                  "outcome": "include"}),
             ("/dashboard/approve-automation", {}),
             ("/logout", {})]
    for path, data in posts:
        for token in (None, "", csrf[:-1] + ("A" if csrf[-1] != "A" else "B")):
            form = data if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=form)
            assert response.status_code == 403, (path, token)
            assert "reload the page and try again" in response.text
    # Nothing was recorded, and the session still works.
    assert "0 rows" in client.get("/audit").text


def test_a_form_of_one_session_does_not_work_in_another(client, app, web_review) -> None:
    ann_csrf = login(client, "ann")
    bob = new_client(app)
    login(bob, "bob")
    response = bob.post("/screen/title_abstract/vote", data={
        "csrf_token": ann_csrf, "record_id": web_review.record_id("EMB1"),
        "outcome": "include"})
    assert response.status_code == 403


def test_the_login_form_needs_its_own_token(client) -> None:
    client.get("/login")
    response = client.post("/login", data={"reviewer_id": "ann", "password": "ann-password",
                                           "csrf_token": "made-up"})
    assert response.status_code == 403
    assert "The sign-in form had expired" in response.text


def test_posts_without_a_session_are_sent_to_the_login(client) -> None:
    response = client.post("/screen/title_abstract/vote",
                           data={"record_id": "x", "outcome": "include"},
                           follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")


# -- roles ------------------------------------------------------------------------------


def test_reviewers_cannot_use_the_lead_s_pages(client, web_review) -> None:
    csrf = login(client, "ann")
    record_id = web_review.record_id("EMB1")
    for path in ("/dashboard", "/conflicts", "/audit", "/audit.csv"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "This page is for the review&#39;s lead." in response.text
    for path, data in ((f"/conflicts/{record_id}/resolve",
                        {"stage": "title_abstract", "outcome": "include"}),
                       ("/dashboard/approve-automation", {})):
        assert client.post(path, data={**data, "csrf_token": csrf}).status_code == 403
    assert client.get("/agreement").status_code == 200
    assert 'href="/dashboard"' not in client.get("/agreement").text


def test_api_tokens_of_reviewers_cannot_resolve(client, tokens, web_review) -> None:
    response = client.post(f"/api/conflicts/{web_review.record_id('EMB1')}/resolve",
                           headers=bearer(tokens["bob"]),
                           json={"stage": "title_abstract", "outcome": "include"})
    assert response.status_code == 403


# -- rate limits ------------------------------------------------------------------------


def _attempt(client, reviewer_id: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"reviewer_id": reviewer_id, "password": password,
                                       "csrf_token": csrf_of(page.text)},
                       follow_redirects=False)


def test_five_failures_lock_the_account_for_a_while(client, app) -> None:
    for _ in range(5):
        assert _attempt(client, "ann", "wrong-password").status_code == 401
    refused = _attempt(client, "ann", "ann-password")  # even the right password
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this account: wait 15 minutes" in refused.text
    # Other accounts from the same address still sign in.
    assert _attempt(client, "bob", "bob-password").status_code == 303


def test_twenty_failures_from_one_address_stop_it(client) -> None:
    for n in range(20):
        assert _attempt(client, f"nobody{n}", "wrong-password").status_code == 401
    refused = _attempt(client, "ann", "ann-password")
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this address" in refused.text
