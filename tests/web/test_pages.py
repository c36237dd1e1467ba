"""The pages on a real review (SQLite and PostgreSQL): signing in, screening with forms,
undo, conflicts resolved by the lead, agreement, audit, the dashboard."""

from __future__ import annotations

import csv
import io
import re

from tests.web.conftest import csrf_of, login, new_client

_RECORD = re.compile(r'<article class="record" data-record-id="([^"]+)"')


def shown_record(html: str) -> str | None:
    found = _RECORD.search(html)
    return None if found is None else found.group(1)


def vote_form(client, csrf: str, record_id: str, outcome: str, stage: str = "title_abstract",
              **extra: str):
    return client.post(f"/screen/{stage}/vote", data={
        "csrf_token": csrf, "record_id": record_id, "outcome": outcome, **extra})


def test_signing_in_goes_to_each_role_s_start_page(client, app) -> None:
    login(client, "ann")
    assert client.get("/", follow_redirects=False).headers["location"] == \
        "/screen/title_abstract"
    lead = new_client(app)
    login(lead, "lead")
    assert lead.get("/", follow_redirects=False).headers["location"] == "/dashboard"
    anonymous = new_client(app)
    assert anonymous.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_page_asked_for_before_signing_in_comes_after_it(client) -> None:
    first = client.get("/agreement", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fagreement"
    page = client.get(first.headers["location"])
    assert 'name="next" value="/agreement"' in page.text
    response = client.post("/login", data={"reviewer_id": "ann", "password": "ann-password",
                                           "csrf_token": csrf_of(page.text),
                                           "next": "/agreement"}, follow_redirects=False)
    assert response.headers["location"] == "/agreement"


def test_a_wrong_password_says_so(client) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"reviewer_id": "ann", "password": "nope-nope",
                                           "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401
    assert "Wrong reviewer id or password." in response.text
    assert "litsieve_session" not in response.headers.get("set-cookie", "")


def test_screening_with_forms_and_undo(client) -> None:
    csrf = login(client, "ann")
    page = client.get("/screen/title_abstract")
    first = shown_record(page.text)
    assert first is not None
    assert "<strong>6</strong> to go" in page.text and "2 votes per record, blind" in page.text
    # The protocol's terms are highlighted in the abstract.
    assert '<mark class="term-include">randomized</mark>' in page.text
    assert '<mark class="term-include">placebo</mark>' in page.text
    assert 'data-key="i"' in page.text and 'data-key="u"' in page.text

    response = vote_form(client, csrf, first, "include", note="adults, IV")
    assert response.status_code == 200 and response.url.path == "/screen/title_abstract"
    assert "The record waits for another reviewer&#39;s vote." in response.text
    second = shown_record(response.text)
    assert second not in (None, first)

    undone = client.post("/screen/title_abstract/undo", data={"csrf_token": csrf})
    assert "Your last vote was taken back" in undone.text
    assert shown_record(undone.text) == first

    nothing = client.post("/screen/title_abstract/undo", data={"csrf_token": csrf})
    assert "You have no vote to take back at this stage." in nothing.text


def test_a_refused_vote_shows_the_reason_and_keeps_the_form(client, web_review) -> None:
    csrf = login(client, "ann")
    record_id = shown_record(client.get("/screen/title_abstract").text)
    refused = vote_form(client, csrf, record_id, "include", reason="wrong_design",
                        note="kept note")
    assert refused.status_code == 422
    assert "a reason goes with an exclusion, not with &#39;include&#39;" in refused.text
    assert 'value="kept note"' in refused.text
    assert '<option value="wrong_design" selected>' in refused.text


def _conflict(app, web_review) -> str:
    """ann includes and bob excludes the first record of the queue: a conflict."""
    ann, bob = new_client(app), new_client(app)
    ann_csrf, bob_csrf = login(ann, "ann"), login(bob, "bob")
    record_id = shown_record(ann.get("/screen/title_abstract").text)
    assert shown_record(bob.get("/screen/title_abstract").text) == record_id
    vote_form(ann, ann_csrf, record_id, "include")
    answer = vote_form(bob, bob_csrf, record_id, "exclude", reason="wrong_design")
    assert "The votes disagree: the lead will resolve the conflict." in answer.text
    return record_id


def test_the_lead_resolves_a_conflict(client, app, web_review) -> None:
    record_id = _conflict(app, web_review)
    csrf = login(client, "lead")
    dashboard = client.get("/dashboard")
    assert re.search(r'<a href="/conflicts">1</a>', dashboard.text)
    page = client.get("/conflicts")
    assert f'data-record-id="{record_id}"' in page.text
    assert "ann: <strong>Include</strong>" in page.text
    assert "bob: <strong>Exclude</strong> (wrong_design)" in page.text
    resolved = client.post(f"/conflicts/{record_id}/resolve", data={
        "csrf_token": csrf, "stage": "title_abstract", "outcome": "include",
        "note": "adults"})
    assert resolved.url.path == "/conflicts"
    assert "Conflict resolved: the record is decided." in resolved.text
    assert "No open conflicts." in resolved.text
    record = client.get(f"/records/{record_id}", params={"stage": "title_abstract"})
    assert "Decided: <strong>Include</strong>" in record.text and "by human:lead" in record.text

    agreement = client.get("/agreement")
    assert '<td class="num kappa">' in agreement.text and "include/exclude: 1" in agreement.text
    rows = list(csv.DictReader(io.StringIO(client.get("/agreement.csv").text)))
    assert rows == [{"stage": "title_abstract", "reviewer_a": "ann", "reviewer_b": "bob",
                     "n": "1", "n_agree": "0", "percent": "0.0", "kappa": "0.000",
                     "table": "include/exclude: 1"}]


def test_audit_lists_votes_and_decisions_with_filters(client, app, web_review) -> None:
    record_id = _conflict(app, web_review)
    login(client, "lead")
    everyone = client.get("/audit")
    assert "human:ann" in everyone.text and "human:bob" in everyone.text
    only_ann = client.get("/audit", params={"reviewer": "ann", "stage": "title_abstract"})
    assert "human:ann" in only_ann.text and "human:bob" not in only_ann.text
    rows = list(csv.DictReader(io.StringIO(
        client.get("/audit.csv", params={"reviewer": "bob"}).text)))
    assert [(r["kind"], r["record_id"], r["actor"], r["outcome"], r["reason"]) for r in rows] \
        == [("vote", record_id, "human:bob", "exclude", "wrong_design")]
    assert client.get("/audit", params={"stage": "extraction"}).status_code == 404


def test_the_dashboard_shows_progress_and_the_prisma_diagram(client) -> None:
    login(client, "lead")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert '<div class="prisma" id="prisma"><svg' in page.text
    assert "Ann Archer (ann)" in page.text and "Bob Baker (bob)" in page.text
    assert 'action="/dashboard/approve-automation"' in page.text
    assert "<?xml" not in page.text


def test_signing_out_ends_the_session(client) -> None:
    csrf = login(client, "ann")
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("litsieve_session=") and "Max-Age=0" in cookie
    assert client.get("/screen/title_abstract", follow_redirects=False).status_code == 303


def test_errors_of_pages_are_pages_and_of_the_api_json(client, tokens) -> None:
    from tests.web.conftest import bearer

    csrf = login(client, "ann")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "There is no such page." in missing.text
    assert "<h1>Not found</h1>" in missing.text
    stage = client.get("/screen/extraction")
    assert stage.status_code == 404 and "There is no screening stage &#39;extraction&#39;" \
        in stage.text
    incomplete = client.post("/screen/title_abstract/vote", data={"csrf_token": csrf})
    assert incomplete.status_code == 422
    assert "The form lacked or garbled: outcome, record_id." in incomplete.text
    api = client.get("/api/no/such", headers=bearer(tokens["ann"]))
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
