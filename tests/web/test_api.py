"""The JSON API on a real review (SQLite and PostgreSQL): the queue, votes, blind dual
screening, conflicts and their resolution, agreement, PRISMA, the automation's approval,
and the answers for bad calls."""

from __future__ import annotations

import pytest

from tests.web.conftest import bearer


def vote(client, token, record_id, outcome, stage="title_abstract", **extra):
    return client.post("/api/decisions", headers=bearer(token), json={
        "record_id": record_id, "stage": stage, "outcome": outcome, **extra})


def test_openapi_lists_every_endpoint(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/queue/next", "/api/decisions", "/api/records/{record_id}",
                 "/api/conflicts", "/api/conflicts/{record_id}/resolve", "/api/agreement",
                 "/api/prisma", "/api/automation/approve", "/api/progress"):
        assert path in paths
    assert not any(p.startswith(("/screen", "/login", "/dashboard")) for p in paths)


def test_no_token_or_a_wrong_one_is_401(client) -> None:
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic YW5uOng="}):
        response = client.get("/api/queue/next", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer <token>" in response.json()["detail"]


def test_a_session_cookie_does_not_open_the_api(client) -> None:
    from tests.web.conftest import login

    login(client, "lead")
    assert client.get("/api/conflicts").status_code == 401


def test_dual_blind_screening_through_the_api(client, tokens, web_review) -> None:
    ann, bob, lead = tokens["ann"], tokens["bob"], tokens["lead"]
    first = client.get("/api/queue/next", headers=bearer(ann))
    assert first.status_code == 200
    item = first.json()
    assert item["stage"] == "title_abstract" and item["position"] == 1
    assert item["remaining"] == 6  # 7 records, one a duplicate
    # The same record again until ann votes on it.
    assert client.get("/api/queue/next", headers=bearer(ann)).json() == item
    record_id = item["record_id"]

    made = vote(client, ann, record_id, "include", note="looks like an RCT")
    assert made.status_code == 201
    assert made.json()["state"] == "pending" and made.json()["decision_id"] is None

    # Blind: bob sees that someone voted, not what.
    seen = client.get(f"/api/records/{record_id}", headers=bearer(bob)).json()
    assert seen["votes"] == [] and seen["votes_hidden"] is True and seen["state"] == "pending"
    assert client.get(f"/api/records/{record_id}", headers=bearer(ann)).json()["my_vote"][
        "outcome"] == "include"

    # Bob's queue hands him the record ann voted on (it needs two votes).
    assert client.get("/api/queue/next", headers=bearer(bob)).json()["record_id"] == record_id
    second = vote(client, bob, record_id, "exclude", reason="wrong_design")
    assert second.status_code == 201 and second.json()["state"] == "conflict"

    # A third vote is refused: the record has the votes it needs.
    third = vote(client, lead, record_id, "include")
    assert third.status_code == 409
    assert "has the votes it needs" in third.json()["detail"]

    conflicts = client.get("/api/conflicts", headers=bearer(lead)).json()
    assert [c["record_id"] for c in conflicts] == [record_id]
    assert sorted(v["outcome"] for v in conflicts[0]["votes"]) == ["exclude", "include"]

    resolved = client.post(f"/api/conflicts/{record_id}/resolve", headers=bearer(lead),
                           json={"stage": "title_abstract", "outcome": "include",
                                 "note": "randomised, adults"})
    assert resolved.status_code == 201 and resolved.json()["decision_id"] > 0
    assert client.get("/api/conflicts", headers=bearer(lead)).json() == []

    # Decided: now bob sees ann's vote.
    after = client.get(f"/api/records/{record_id}", headers=bearer(bob)).json()
    assert after["state"] == "decided" and [v["outcome"] for v in after["votes"]] == [
        "include"]

    (row,) = client.get("/api/agreement", headers=bearer(ann)).json()
    assert (row["reviewer_a"], row["reviewer_b"], row["n"], row["n_agree"]) == (
        "ann", "bob", 1, 0)
    assert row["table"] == {"include/exclude": 1}

    # The resolved record is sought for retrieval: full text, one vote decides.
    full = client.get("/api/queue/next", params={"stage": "full_text"},
                      headers=bearer(ann)).json()
    assert full["record_id"] == record_id
    no_reason = vote(client, ann, record_id, "exclude", stage="full_text")
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"].startswith("a full-text exclusion needs a reason")
    done = vote(client, ann, record_id, "exclude", stage="full_text", reason="wrong_population")
    assert done.json()["state"] == "decided"
    assert client.get("/api/queue/next", params={"stage": "full_text"},
                      headers=bearer(ann)).status_code == 204

    prisma = client.get("/api/prisma", headers=bearer(ann)).json()
    assert prisma == _prisma_json(web_review)


def _prisma_json(web_review) -> dict:
    import json

    from screening.cli import main

    out = web_review.path / "prisma.json"
    assert main(["prisma", str(web_review.path), "--format", "json", "--draft",
                 "--output", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_agreement_gives_kappa(client, tokens, web_review) -> None:
    ids = [web_review.record_id(n) for n in ("EMB1", "EMB2", "EMB4", "EMB5")]
    votes = {"ann": ["include", "exclude", "include", "exclude"],
             "bob": ["include", "exclude", "exclude", "exclude"]}
    for reviewer, outcomes in votes.items():
        for record_id, outcome in zip(ids, outcomes, strict=True):
            assert vote(client, tokens[reviewer], record_id, outcome).status_code == 201
    (row,) = client.get("/api/agreement", headers=bearer(tokens["bob"])).json()
    assert (row["n"], row["n_agree"], row["percent"]) == (4, 3, 0.75)
    assert row["kappa"] == pytest.approx(0.5)  # po 0.75, pe 0.5
    progress = {p["stage"]: p for p in client.get("/api/progress",
                                                  headers=bearer(tokens["ann"])).json()}
    assert progress["title_abstract"]["decided"] == 3
    assert progress["title_abstract"]["conflicts"] == 1
    assert progress["title_abstract"]["by_reviewer"] == {"ann": 4, "bob": 4}


@pytest.mark.parametrize("body, words", [
    ({"stage": "title_abstract", "outcome": "include"}, "record_id"),
    ({"record_id": "x", "stage": "abstracts", "outcome": "include"}, "stage"),
    ({"record_id": "x", "stage": "title_abstract", "outcome": "yes"}, "outcome"),
    ({"record_id": "x", "stage": "title_abstract", "outcome": "include", "extra": 1},
     "extra"),
])
def test_a_malformed_body_is_422_naming_the_field(client, tokens, body, words) -> None:
    response = client.post("/api/decisions", headers=bearer(tokens["ann"]), json=body)
    assert response.status_code == 422
    assert any(words in [str(p) for p in error["loc"]] for error in response.json()["detail"])


def test_the_service_refusals_keep_their_status_and_message(client, tokens, web_review) -> None:
    ann = tokens["ann"]
    unknown = vote(client, ann, "nope:1", "include")
    assert unknown.status_code == 404 and unknown.json()["detail"] == (
        "no record 'nope:1' in this review")
    record_id = web_review.record_id("EMB2")
    reason = vote(client, ann, record_id, "exclude", reason="too_long")
    assert reason.status_code == 422 and "unknown exclusion reason 'too_long'" in \
        reason.json()["detail"]
    early = vote(client, ann, record_id, "include", stage="full_text")
    assert early.status_code == 422 and "is not at the full-text stage" in \
        early.json()["detail"]
    duplicate = vote(client, ann, web_review.record_id("SCO1"), "include")
    assert duplicate.status_code == 422 and "removed as a duplicate" in \
        duplicate.json()["detail"]
    assert client.get("/api/records/nope:1", headers=bearer(ann)).status_code == 404


def test_lead_only_endpoints_are_403_for_reviewers(client, tokens, web_review) -> None:
    ann = bearer(tokens["ann"])
    record_id = web_review.record_id("EMB1")
    calls = [client.get("/api/conflicts", headers=ann),
             client.post(f"/api/conflicts/{record_id}/resolve", headers=ann,
                         json={"stage": "title_abstract", "outcome": "include"}),
             client.post("/api/automation/approve", headers=ann, json={})]
    for response in calls:
        assert response.status_code == 403
        assert response.json()["detail"] == "only the review's lead may do this"


def test_automation_is_refused_until_the_stopping_rule_allows_it(client, tokens) -> None:
    stopping = client.get("/api/stopping", headers=bearer(tokens["ann"])).json()
    assert stopping["claim"] is False and "no claim: no record is screened yet" in stopping["text"]
    response = client.post("/api/automation/approve", headers=bearer(tokens["lead"]))
    assert response.status_code == 409
    assert response.json()["detail"].startswith(
        "the stopping rule does not support stopping now: no record is screened yet")


WORDS = ("ketamine pain trial opioid nerve block infusion dose cohort survey rats mice "
         "depression anaesthesia surgery children adults placebo saline lidocaine").split()


@pytest.fixture
def large_review(store_target, monkeypatch, tmp_path, capsys):
    """120 invented records, single screening: enough for the stopping rule to say stop."""
    import random

    from tests.web.conftest import WebReview, cli, drop_review_schemas

    url = None if store_target.dialect == "sqlite" else store_target.url
    if url is None:
        monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("LITSIEVE_DATABASE_URL", url)
    rng = random.Random(7)
    export = tmp_path / "records.ris"
    with export.open("w", encoding="utf-8") as out:
        for i in range(120):
            title = " ".join(rng.choice(WORDS) for _ in range(8)) + f" study {i}"
            out.write(f"TY  - JOUR\nTI  - {title}\nAU  - Author {i}\nPY  - 2020\n"
                      f"AB  - {title} abstract\nER  - \n\n")
    protocol = tmp_path / "protocol.toml"
    protocol.write_text('[review]\nname = "Stopping"\n', encoding="utf-8")
    directory = tmp_path / "review"
    cli(capsys, "init", directory, "--config", protocol)
    cli(capsys, "import", directory, export, "--database", "Embase")
    review = WebReview(directory, url, store_target.dialect)
    with review.store() as store:
        store.add_account("ann", "Ann", role="reviewer", password="ann-password")
        store.add_account("lead", "Lea", role="lead", password="lead-password")
    yield review
    if url is not None:
        drop_review_schemas(url, tmp_path)


def test_the_lead_approves_the_automation_once_the_rule_allows(large_review) -> None:
    from fastapi.testclient import TestClient

    from screening.votes.ranking import retrain_if_due
    from screening.web.app import create_app

    with large_review.store() as store:
        ann, lead = bearer(store.new_token("ann")), bearer(store.new_token("lead"))
    app = create_app(large_review.path, store_url=large_review.store_url, background=False)
    with TestClient(app) as client:
        for i in range(116):
            item = client.get("/api/queue/next", headers=ann).json()
            assert vote(client, ann["Authorization"].split()[1], item["record_id"],
                        "include" if i in (0, 3) else "exclude",
                        params_hash=item["params_hash"]).status_code == 201
            if i == 1:  # the ranker takes over from import order (as the app's thread does)
                assert retrain_if_due(app.state.web.store, retrain_every=1000) is not None
        stopping = client.get("/api/stopping", headers=ann).json()
        assert stopping["stop"] is True, stopping["text"]
        approved = client.post("/api/automation/approve", headers=lead)
        assert approved.status_code == 200 and approved.json() == {"approved": 4}
        assert client.get("/api/queue/next", headers=ann).status_code == 204
        prisma = client.get("/api/prisma", headers=ann).json()
        assert (prisma["records_screened"], prisma["litsieve"]["records_excluded_automation"],
                prisma["litsieve"]["records_excluded_human"]) == (120, 4, 114)
