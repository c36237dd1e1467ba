"""The E-utilities client against the fake server: splitting, rate limits, faults, .nbib."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from screening.eutils import EutilsClient, EutilsError, TokenBucket, write_nbib
from screening.readers.medline import MedlineReader
from tests.fakes.eutils_server import FakeEutils, make_corpus

KEY = "test-key"
DATES = {"mindate": "2020/01/01", "maxdate": "2020/12/31"}


def _client(server: FakeEutils, *, api_key: str | None = KEY, **options) -> EutilsClient:
    """A client with tiny backoffs; against a server that does not rate-limit (the fault
    tests) it gets a bucket of its own at 200/s, so those tests run fast."""
    options = {"timeout": 2.0, "max_tries": 4, "backoff_base": 0.01, **options}
    if not server.rate_limit:
        options.setdefault("bucket", TokenBucket(200))
    return EutilsClient(requests.Session(), tool="litsieve-tests", email="tests@example.org",
                        api_key=api_key, base_url=server.base_url, **options)


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    """1,200 records over 2020; no rate limit and Retry-After 0, so faults cost no time."""
    with FakeEutils(make_corpus(1200), rate_limit=False, retry_after="0",
                    slow_seconds=0.6) as fake:
        yield fake


def _pmids(batches) -> list[str]:
    return [pmid for batch in batches for pmid in batch.pmids]


def test_25000_hits_are_split_by_date_and_fetched_exactly_once(tmp_path: Path) -> None:
    corpus = make_corpus(25_000)
    with FakeEutils(corpus) as fake:
        client = _client(fake)
        windows = client.search_windows("asthma", **DATES)
        assert [w.count for w in windows] == [6285, 6215, 6285, 6215]  # quarters of 2020
        assert [(w.mindate, w.maxdate) for w in windows] == [
            ("2020/01/01", "2020/04/01"), ("2020/04/02", "2020/07/01"),
            ("2020/07/02", "2020/10/01"), ("2020/10/02", "2020/12/31")]
        batches = [b for w in windows for b in client.efetch_history(w)]
        pmids = _pmids(batches)
        assert len(pmids) == 25_000 and set(pmids) == {r.pmid for r in corpus}
        assert max(len(b) for b in batches) == 500
        assert fake.count("esearch") == 7  # 1 + 2 + 4: whole year, halves, quarters
        assert fake.count(status=429) == 0
        assert fake.max_in_window() <= 10
        assert all(r.query["tool"] == "litsieve-tests" and r.query["email"] ==
                   "tests@example.org" and r.query["api_key"] == KEY for r in fake.log)
        path = tmp_path / "update.nbib"
        assert write_nbib(batches, path) == 25_000
    result = MedlineReader().read(path)
    assert result.problems == [] and len(result.records) == 25_000


@pytest.mark.parametrize(("api_key", "limit"), [(None, 3), (KEY, 10)],
                         ids=["without-key", "with-key"])
def test_never_more_requests_per_second_than_ncbi_allows(api_key: str | None,
                                                         limit: int) -> None:
    # Three threads share the process-wide bucket; the server counts every arrival.
    with FakeEutils(make_corpus(750)) as fake:
        errors: list[BaseException] = []

        def fetch() -> None:
            try:
                client = _client(fake, api_key=api_key, batch_size=250)
                assert len(_pmids(client.fetch_medline("x", **DATES))) == 750
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=fetch) for _ in range(3 if api_key else 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert fake.count() == len(threads) * 4
        assert fake.count(status=429) == 0
        assert fake.max_in_window(1.0) <= limit
        # The key does raise the rate (lower bounds loose: CI may be loaded).
        assert fake.max_in_window(1.0) >= (4 if api_key else 2)


@pytest.mark.parametrize("fault", ["429", "429-200", "500", "502", "503", "drop", "reset",
                                   "slow", "truncate", "short-read", "empty", "html",
                                   "malformed", "short-batch"])
def test_transient_faults_are_retried(server: FakeEutils, fault: str) -> None:
    server.inject(fault, times=2, endpoint="efetch")
    server.inject(fault if fault not in ("short-batch", "truncate") else "503",
                  endpoint="esearch")
    client = _client(server, timeout=0.3)
    pmids = _pmids(client.fetch_medline("x", **DATES))
    assert sorted(pmids) == sorted(r.pmid for r in server.corpus)
    assert server.pending_faults() == 0
    assert server.count("efetch") == 3 + 2


def test_a_429_storm_is_ridden_out(server: FakeEutils) -> None:
    server.inject("429", times=5)
    client = _client(server, max_tries=6)
    assert len(_pmids(client.fetch_medline("x", **DATES))) == 1200
    assert server.count(status=429) == 5


def test_retry_after_is_honoured() -> None:
    slept: list[float] = []
    with FakeEutils(make_corpus(10), retry_after="1") as fake:
        fake.inject("429", endpoint="esearch")
        client = _client(fake, sleep=lambda s: (slept.append(s), __import__("time").sleep(s)))
        assert client.esearch("x").count == 10
    assert len(slept) == 1 and 1.0 <= slept[0] < 1.01


@pytest.mark.parametrize(("fault", "last"), [
    ("503", r"HTTP 503"),
    ("429", r"rate limited \(HTTP 429\)"),
    ("slow", r"timed out after 0.3 s \(ReadTimeout\)"),
    ("drop", r"connection failed \(ConnectionError: "),
    ("short-read", r"connection failed \(ChunkedEncodingError: "),
    ("truncate", r"(record \d+ \(PMID \d+\) has no SO line: the batch looks truncated"
                 r"|\d+ records where 500 were expected)"),
    ("short-batch", r"499 records where 500 were expected"),
    ("empty", r"empty body with HTTP 200"),
    ("malformed", r"not MEDLINE text: '<pre>\\nGarbled output"),
    ("html", r"not MEDLINE text: '<html>"),
], ids=lambda v: v if len(v) < 12 else "")
def test_a_batch_that_keeps_failing_names_its_retstart_and_yields_nothing(
        server: FakeEutils, tmp_path: Path, fault: str, last: str) -> None:
    client = _client(server, max_tries=3, timeout=0.3)
    batches = client.fetch_medline("x", **DATES)
    first = next(batches)
    server.inject(fault, times=3, endpoint="efetch")
    with pytest.raises(EutilsError, match=r"^efetch batch retstart=500 \(edat 2020/01/01-"
                                          r"2020/12/31\): gave up after 3 tries; last: " + last):
        next(batches)
    assert first.retstart == 0 and len(first) == 500

    server.inject(fault, times=3, endpoint="efetch")
    path = tmp_path / "update.nbib"
    with pytest.raises(EutilsError, match=r"efetch batch retstart=0 "):
        write_nbib(client.fetch_medline("x", **DATES), path)
    assert list(tmp_path.iterdir()) == []  # nothing imported from a failed fetch


def test_efetch_error_status_is_not_retried(server: FakeEutils) -> None:
    client = _client(server)
    window = client.esearch("x", **DATES)
    stale = type(window)(**{**{f: getattr(window, f) for f in window.__slots__},
                            "webenv": "MCID_000000000000000000000000"})
    with pytest.raises(EutilsError, match=r"efetch batch retstart=0 \(edat .*\): HTTP 400: "
                                          r"Cannot retrieve history data. query_key: 1"):
        next(client.efetch_history(stale))
    assert server.count("efetch") == 1


def test_ids_are_posted_in_batches(server: FakeEutils) -> None:
    wanted = [r.pmid for r in server.corpus[:700]]
    batches = list(_client(server).efetch_ids(wanted))
    assert [b.retstart for b in batches] == [0, 500]
    assert _pmids(batches) == wanted
    assert [r.method for r in server.log] == ["POST", "POST"]
    with pytest.raises(EutilsError, match=r"efetch batch retstart=0 \(id list\): gave up after "
                                          r"4 tries; last: record 1 does not start with a PMID "
                                          r"line \(got 'id: 1 Error occurred: The following "
                                          r"PMID is not available: 1'\)"):
        list(_client(server).efetch_ids(["1"]))


def test_no_hits_fetches_nothing(server: FakeEutils) -> None:
    client = _client(server)
    [window] = client.search_windows("nothing", **DATES)
    assert window.count == 0 and window.errors == ("PhraseNotFound: nothing",)
    assert list(client.fetch_medline("nothing", **DATES)) == []
    assert server.count("efetch") == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"term": ""}, r"esearch refused '': Empty term and query_key - nothing todo"),
    ({"term": "x", "retstart": 10_000},
     r"esearch refused 'x': Search Backend failed: Exception: 'retstart' cannot be larger "
     r"than 9998"),
    ({"term": "x", "mindate": "2020"}, r"mindate and maxdate must be given together"),
    ({"term": "x", "mindate": "2020-01-01", "maxdate": "2020/02/01"},
     r"date must be YYYY, YYYY/MM or YYYY/MM/DD \(got '2020-01-01'\)"),
], ids=["empty-term", "retstart-cap", "one-date", "bad-date"])
def test_esearch_errors(server: FakeEutils, kwargs: dict, message: str) -> None:
    with pytest.raises(EutilsError, match=message):
        _client(server).esearch(**kwargs)


def test_more_than_9999_hits_needs_a_date_range() -> None:
    with FakeEutils(make_corpus(10_000)) as fake:
        with pytest.raises(EutilsError, match=r"esearch 'x' matches 10000 records, more than "
                                              r"PubMed returns for one query \(9999\); give "
                                              r"mindate and maxdate"):
            _client(fake).search_windows("x")


def test_a_day_with_more_than_9999_hits_cannot_be_split() -> None:
    from datetime import date
    day = date(2021, 5, 4)
    with FakeEutils(make_corpus(10_000, start=day, end=day)) as fake:
        with pytest.raises(EutilsError, match=r"matches 10000 records with edat 2021/05/04 "
                                              r"alone: more than 9999, and a day cannot be split"):
            _client(fake).search_windows("x", mindate="2021/05", maxdate="2021/05")
        # May 1-31, 1-16, 1-8, 1-4, 1-2 (no hits), 3-4, 3-3 (no hits), then 4 alone
        assert fake.count("esearch") == 8


def test_tool_and_email_must_not_hold_spaces() -> None:
    with pytest.raises(EutilsError, match=r"email must be non-empty without spaces "
                                          r"\(got 'a b@example.org'\)"):
        EutilsClient(requests.Session(), tool="litsieve", email="a b@example.org")
