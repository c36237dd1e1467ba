"""The fake E-utilities server itself: NCBI limits and envelopes, so client tests mean something."""

from __future__ import annotations

import json

import pytest
import requests

from tests.fakes.eutils_server import FakeEutils, make_corpus


@pytest.fixture(scope="module")
def fake():
    with FakeEutils(make_corpus(12_000)) as server:
        yield server


def test_server_answers_429_with_ncbi_body_above_3_per_second_without_key(fake) -> None:
    session = requests.Session()
    url = fake.base_url + "esearch.fcgi"
    answers = [session.get(url, params={"term": "x", "retmax": 0}, timeout=5) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    body = json.loads(answers[3].text)
    assert body == {"error": "API rate limit exceeded", "api-key": "127.0.0.1",
                    "count": "4", "limit": "3"}
    assert answers[3].headers["Retry-After"] == "1"
    assert fake.max_in_window() >= 5


def test_esearch_clamps_retmax_to_the_9999_cap() -> None:
    with FakeEutils(make_corpus(12_000), rate_limit=False) as server:
        answer = requests.get(server.base_url + "esearch.fcgi",
                              params={"term": "x", "retmax": 20_000, "usehistory": "y"},
                              timeout=5)
        assert answer.status_code == 200
        assert "<Count>12000</Count><RetMax>9999</RetMax>" in answer.text
        assert answer.text.count("<Id>") == 9999
        assert "Restrictions achieved. start and count adjusted to 0, 9999" in answer.text
        assert "<QueryKey>1</QueryKey><WebEnv>MCID_" in answer.text


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown fault 'teapot'; known: 429, 429-200"):
        FakeEutils([]).inject("teapot")
