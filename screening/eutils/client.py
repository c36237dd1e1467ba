"""PubMed E-utilities client: esearch (split by date window) and efetch of MEDLINE text.

One injected ``requests.Session``; a timeout on every call; every attempt waits for a token
of the process-wide bucket (ratelimit.py); 429, NCBI's rate-limit body (also with HTTP 200),
5xx, timeouts, dropped or reset connections and unusable bodies are retried with exponential
backoff and jitter (``Retry-After`` is honoured). The library reads no environment: tool,
email and api_key are passed in.

Typical use (a scheduled update)::

    client = EutilsClient(requests.Session(), tool="litsieve", email="me@example.org")
    batches = client.fetch_medline("asthma[tiab]", mindate=last_run, maxdate=today)
    write_nbib(batches, review_dir / "updates" / "2024-06-01.nbib")
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import TypeVar

import requests

from screening.eutils.errors import EutilsError
from screening.eutils.parse import (
    Invalid,
    MedlineBatch,
    SearchResult,
    error_text,
    is_rate_limit_body,
    parse_esearch,
    parse_medline_batch,
)
from screening.eutils.ratelimit import TokenBucket, process_bucket

__all__ = ["DEFAULT_BASE_URL", "MAX_BATCH", "MAX_RETRIEVABLE", "EutilsClient"]

#: NCBI's E-utilities (EUTILS.md §1).
DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: PubMed esearch returns at most this many ids of one query (users see 9,999, not 10,000).
MAX_RETRIEVABLE = 9999
#: Largest efetch batch this client asks for (NCBI's own samples use 500).
MAX_BATCH = 500

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_DATE = re.compile(r"^(\d{4})(?:/(\d{1,2})(?:/(\d{1,2}))?)?$")
T = TypeVar("T")


def _as_date(value: date | str, *, end: bool) -> date:
    """A date from ``date`` or NCBI text (YYYY, YYYY/MM, YYYY/MM/DD); partial ends widen."""
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value).strip())
    if match is None:
        raise EutilsError(f"date must be YYYY, YYYY/MM or YYYY/MM/DD (got {value!r})")
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    if month is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    if day is None:
        first = date(year, int(month), 1)
        if not end:
            return first
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return date(year, int(month), int(day))


def _fmt(day: date) -> str:
    return day.strftime("%Y/%m/%d")


class EutilsClient:
    """A client of NCBI E-utilities for PubMed (esearch + efetch of MEDLINE text).

    Parameters
    ----------
    session : requests.Session
        Used for every request (inject one with adapters or proxies as needed).
    tool, email : str
        Sent with every request, as NCBI asks; neither may contain spaces.
    api_key : str, optional
        NCBI API key: raises the allowed rate from 3 to 10 requests/s.
    base_url : str
        E-utilities base URL, ending in ``/`` (tests pass the fake server's).
    timeout : float
        Seconds for connecting and for each read, on every call.
    batch_size : int
        Records per efetch (at most 500).
    max_tries : int
        Attempts per request before an EutilsError.
    backoff_base, backoff_max : float
        Exponential backoff: about ``backoff_base * 2**(try-1)`` seconds, capped, jittered.
    bucket : TokenBucket, optional
        Defaults to the process-wide bucket for ``api_key``.
    sleep, rng
        Injectable for tests.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        tool: str,
        email: str,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        batch_size: int = MAX_BATCH,
        max_tries: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        bucket: TokenBucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        for name, value in (("tool", tool), ("email", email)):
            if not value or any(c.isspace() for c in value):
                raise EutilsError(f"{name} must be non-empty without spaces (got {value!r})")
        if not 1 <= batch_size <= MAX_BATCH:
            raise EutilsError(f"batch_size must be 1..{MAX_BATCH} (got {batch_size})")
        self.session = session
        self.tool = tool
        self.email = email
        self.api_key = api_key
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self.batch_size = batch_size
        self.max_tries = max_tries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.bucket = bucket if bucket is not None else process_bucket(api_key)
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()

    # -- HTTP ---------------------------------------------------------------------------

    def _params(self, extra: Mapping[str, object]) -> dict[str, str]:
        params = {"db": "pubmed", "tool": self.tool, "email": self.email}
        if self.api_key:
            params["api_key"] = self.api_key
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return params

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After", "").strip()
        try:
            return min(self.backoff_max, max(0.0, float(value)))
        except ValueError:
            return None

    def _call(
        self,
        endpoint: str,
        params: Mapping[str, object],
        parse: Callable[[bytes], T],
        *,
        what: str,
        post: bool = False,
        retstart: int | None = None,
    ) -> T:
        """One E-utility call with rate limiting and retries; ``parse`` checks the body."""
        url = f"{self.base_url}{endpoint}.fcgi"
        sent = self._params(params)
        last = "no attempt"
        status: int | None = None
        for attempt in range(1, self.max_tries + 1):
            self.bucket.acquire()
            delay: float | None = None
            try:
                if post:
                    response = self.session.post(url, data=sent, timeout=self.timeout)
                else:
                    response = self.session.get(url, params=sent, timeout=self.timeout)
                body = response.content
            except requests.Timeout as exc:
                last = f"timed out after {self.timeout:g} s ({type(exc).__name__})"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                last = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                status = response.status_code
                if status == 429 or is_rate_limit_body(body):
                    last = f"rate limited (HTTP {status})"
                    delay = self._retry_after(response)
                elif status in _RETRY_STATUSES or status >= 500:
                    last = f"HTTP {status}"
                elif status >= 400:
                    detail = error_text(body) or body[:200].decode("utf-8", "replace").strip()
                    raise EutilsError(f"{what}: HTTP {status}: {detail}", endpoint=endpoint,
                                      retstart=retstart, status=status)
                else:
                    try:
                        return parse(body)
                    except Invalid as exc:
                        last = str(exc)
            if attempt < self.max_tries:
                wait = self._backoff(attempt)
                if delay is not None:  # honour Retry-After, plus a little jitter
                    wait = delay + self._rng.uniform(0, self.backoff_base / 4)
                self._sleep(wait)
        raise EutilsError(f"{what}: gave up after {self.max_tries} tries; last: {last}",
                          endpoint=endpoint, retstart=retstart, status=status)

    # -- esearch ------------------------------------------------------------------------

    def esearch(
        self,
        term: str,
        *,
        datetype: str = "edat",
        mindate: date | str | None = None,
        maxdate: date | str | None = None,
        retstart: int = 0,
        retmax: int = MAX_RETRIEVABLE,
        usehistory: bool = True,
    ) -> SearchResult:
        """One esearch (XML). ``mindate`` and ``maxdate`` go together (NCBI requires both)."""
        if (mindate is None) != (maxdate is None):
            raise EutilsError("mindate and maxdate must be given together (NCBI needs both)")
        low = _fmt(_as_date(mindate, end=False)) if mindate is not None else None
        high = _fmt(_as_date(maxdate, end=True)) if maxdate is not None else None
        params = {
            "term": term,
            "datetype": datetype if low else None,
            "mindate": low,
            "maxdate": high,
            "retstart": retstart,
            "retmax": retmax,
            "usehistory": "y" if usehistory else None,
        }
        post = len(term) > 1000

        def parse(body: bytes) -> SearchResult:
            return parse_esearch(body, term=term, datetype=datetype if low else None,
                                 mindate=low, maxdate=high)

        where = f"esearch {term!r} ({'all dates' if low is None else f'{low}-{high}'})"
        return self._call("esearch", params, parse, what=where, post=post)

    def search_windows(
        self,
        term: str,
        *,
        mindate: date | str | None = None,
        maxdate: date | str | None = None,
        datetype: str = "edat",
    ) -> list[SearchResult]:
        """Search, halving the date range until every window has at most 9,999 hits.

        Returns the windows in date order, each with its WebEnv/query_key and all its ids.
        """
        result = self.esearch(term, datetype=datetype, mindate=mindate, maxdate=maxdate)
        if result.count <= MAX_RETRIEVABLE:
            if len(result.ids) != result.count:
                raise EutilsError(
                    f"esearch {term!r} ({result.window}): Count is {result.count} but "
                    f"{len(result.ids)} ids came back", endpoint="esearch")
            return [result]
        if result.mindate is None or result.maxdate is None:
            raise EutilsError(
                f"esearch {term!r} matches {result.count} records, more than PubMed returns "
                f"for one query ({MAX_RETRIEVABLE}); give mindate and maxdate so the search "
                "can be split by date", endpoint="esearch")
        low = _as_date(result.mindate, end=False)
        high = _as_date(result.maxdate, end=True)
        if low >= high:
            raise EutilsError(
                f"esearch {term!r} matches {result.count} records with {datetype} "
                f"{_fmt(low)} alone: more than {MAX_RETRIEVABLE}, and a day cannot be split",
                endpoint="esearch")
        middle = low + (high - low) // 2
        return self.search_windows(term, mindate=low, maxdate=middle, datetype=datetype) + \
            self.search_windows(term, mindate=middle + timedelta(days=1), maxdate=high,
                                datetype=datetype)

    # -- efetch -------------------------------------------------------------------------

    def efetch_history(self, result: SearchResult) -> Iterator[MedlineBatch]:
        """MEDLINE batches of a search window, through the History server (WebEnv)."""
        if result.count == 0:
            return
        if not result.webenv or not result.query_key:
            raise EutilsError(f"esearch {result.term!r} ({result.window}) gave no WebEnv: "
                              "search with usehistory", endpoint="efetch")
        if result.count > MAX_RETRIEVABLE:
            raise EutilsError(f"{result.count} records in {result.window}: more than "
                              f"{MAX_RETRIEVABLE}; use search_windows", endpoint="efetch")
        fetched = 0
        for retstart in range(0, result.count, self.batch_size):
            want: Sequence[str] | int = min(self.batch_size, result.count - retstart)
            if result.ids:
                want = result.ids[retstart:retstart + self.batch_size]
            params = {"WebEnv": result.webenv, "query_key": result.query_key,
                      "retstart": retstart, "retmax": self.batch_size,
                      "rettype": "medline", "retmode": "text"}
            batch = self._fetch(params, want, retstart=retstart, window=result.window)
            fetched += len(batch)
            yield batch
        if fetched != result.count:
            raise EutilsError(f"efetch {result.window}: {fetched} records where esearch "
                              f"counted {result.count}", endpoint="efetch")

    def efetch_ids(self, pmids: Sequence[str]) -> Iterator[MedlineBatch]:
        """MEDLINE batches for a list of PMIDs, POSTed ``batch_size`` at a time."""
        pmids = [str(p) for p in pmids]
        for retstart in range(0, len(pmids), self.batch_size):
            chunk = pmids[retstart:retstart + self.batch_size]
            params = {"id": ",".join(chunk), "rettype": "medline", "retmode": "text"}
            yield self._fetch(params, chunk, retstart=retstart, window="id list", post=True)

    def _fetch(self, params: Mapping[str, object], want: Sequence[str] | int, *,
               retstart: int, window: str, post: bool = False) -> MedlineBatch:
        def parse(body: bytes) -> MedlineBatch:
            return parse_medline_batch(body, want, retstart=retstart, window=window)

        what = f"efetch batch retstart={retstart} ({window})"
        return self._call("efetch", params, parse, what=what, post=post, retstart=retstart)

    def fetch_medline(
        self,
        term: str,
        *,
        mindate: date | str | None = None,
        maxdate: date | str | None = None,
        datetype: str = "edat",
    ) -> Iterator[MedlineBatch]:
        """Every record of ``term`` in the date range, as checked MEDLINE batches.

        The search is split into windows of at most 9,999 hits first, so a failure in the
        search happens before anything is fetched.
        """
        windows = self.search_windows(term, mindate=mindate, maxdate=maxdate,
                                      datetype=datetype)
        for window in windows:
            yield from self.efetch_history(window)
