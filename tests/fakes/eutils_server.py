"""A fake NCBI E-utilities server (esearch + efetch for PubMed) on 127.0.0.1, in a thread.

It serves a generated corpus of tiny synthetic MEDLINE records, behaves as EUTILS.md
describes (XML envelopes as in ../shared/data/exports/eutils, the 9,999 cap, History
WebEnv/query_key, POSTed id lists, the 429 rate-limit JSON body when a site exceeds 3
requests/s, or 10 with an api_key) and injects faults on demand. It logs every request so
tests can count requests per one-second window.

    with FakeEutils(make_corpus(25_000)) as server:
        client = EutilsClient(session, tool="t", email="e@x.org", base_url=server.base_url)
        server.inject("503", times=2, endpoint="efetch")
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CAP = 9999
FAULTS = ("429", "429-200", "500", "502", "503", "slow", "drop", "reset", "truncate",
          "short-read", "empty", "html", "malformed", "short-batch")
RATE_BODY = ('{{"error":"API rate limit exceeded","api-key":"{key}",'
             '"count":"{count}","limit":"{limit}"}}\n')
HTML_PAGE = (b"<html><head><title>Service unavailable</title></head>"
             b"<body>down_bethesda</body></html>")
CAP_ERROR = ("Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. "
             "For PubMed, ESearch can only retrieve the first 9,999 records matching the query.")


@dataclass(frozen=True, slots=True)
class FakeRecord:
    pmid: str
    edat: date

    def medline(self) -> str:
        day = self.edat.strftime("%Y/%m/%d")
        return (f"PMID- {self.pmid}\nOWN - NLM\nSTAT- Publisher\nDP  - {self.edat.year}\n"
                f"TI  - Synthetic record {self.pmid}.\nAU  - Doe J\nJT  - Journal of Fakes\n"
                f"EDAT- {day} 00:00\nSO  - J Fakes. {self.edat.year}.\n")


def make_corpus(n: int, *, start: date = date(2020, 1, 1), end: date = date(2020, 12, 31),
                first_pmid: int = 30_000_000) -> list[FakeRecord]:
    """``n`` records with PMIDs first_pmid.. and Entrez dates spread evenly over start..end."""
    days = (end - start).days + 1
    return [FakeRecord(str(first_pmid + i), start + timedelta(days=i * days // n))
            for i in range(n)]


def _parse_date(text: str, *, end: bool) -> date:
    parts = [int(p) for p in text.split("/")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        return ((first.replace(day=28) + timedelta(days=4)).replace(day=1)
                - timedelta(days=1)) if end else first
    return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)


@dataclass(slots=True)
class LoggedRequest:
    """One request, logged on arrival; ``status`` is set before the answer is sent
    (0: the connection was dropped; None: still being served)."""

    time: float
    endpoint: str
    key: str
    fault: str | None
    method: str
    query: dict[str, str]
    status: int | None = None


class _Reply(Exception):
    def __init__(self, status: int, body: bytes, content_type: str = "text/xml") -> None:
        self.status, self.body, self.content_type = status, body, content_type


class FakeEutils:
    """The fake server. ``rate_limit``: answer 429 above 3 (10 with a key) requests/s."""

    def __init__(self, corpus: list[FakeRecord], *, rate_limit: bool = True,
                 retry_after: str = "1", slow_seconds: float = 2.0, cap_status: int = 200):
        self.corpus = sorted(corpus, key=lambda r: int(r.pmid), reverse=True)  # as NCBI
        self.by_pmid = {r.pmid: r for r in corpus}
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.cap_status = cap_status
        self.log: list[LoggedRequest] = []
        self.histories: dict[str, dict[str, list[str]]] = {}
        self._faults: list[tuple[str, str | None]] = []
        self._arrivals: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeEutils:
        handler = type("Handler", (_Handler,), {"fake": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        httpd.handle_error = lambda request, address: None  # clients hanging up are normal
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/entrez/eutils/"

    # -- faults and counters -------------------------------------------------------------

    def inject(self, fault: str, *, times: int = 1, endpoint: str | None = None) -> None:
        """Answer the next ``times`` requests (to ``endpoint``, or any) with ``fault``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults += [(fault, endpoint)] * times

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def count(self, endpoint: str | None = None, *, status: int | None = None) -> int:
        return sum(1 for r in self.log if (endpoint is None or r.endpoint == endpoint)
                   and (status is None or r.status == status))

    def max_in_window(self, window: float = 1.0, endpoint: str | None = None) -> int:
        """Most requests that arrived within any ``window`` seconds (a sliding window)."""
        times = sorted(r.time for r in self.log if endpoint is None or r.endpoint == endpoint)
        best, first = 0, 0
        for last, t in enumerate(times):
            while t - times[first] >= window:
                first += 1
            best = max(best, last - first + 1)
        return best

    def per_second(self, endpoint: str | None = None) -> dict[int, int]:
        """Requests per whole second since the first request (fixed windows)."""
        times = [r.time for r in self.log if endpoint is None or r.endpoint == endpoint]
        if not times:
            return {}
        t0 = min(times)
        return dict(sorted(Counter(int(t - t0) for t in times).items()))

    def _take_fault(self, endpoint: str) -> str | None:
        with self._lock:
            for i, (fault, where) in enumerate(self._faults):
                if where is None or where == endpoint:
                    del self._faults[i]
                    return fault
        return None

    def _over_rate(self, key: str, limited: int, now: float) -> int | None:
        """Requests from ``key`` in the last second, if that exceeds the limit."""
        with self._lock:
            arrivals = self._arrivals[key]
            arrivals.append(now)
            while now - arrivals[0] >= 1.0:
                arrivals.popleft()
            return len(arrivals) if len(arrivals) > limited else None

    # -- E-utilities ---------------------------------------------------------------------

    def esearch(self, q: dict[str, str]) -> bytes:
        term = q.get("term", "").strip()
        if not term and "query_key" not in q:
            raise _Reply(200, b"<eSearchResult><ERROR>Empty term and query_key - nothing todo"
                              b"</ERROR></eSearchResult>")
        hits = [] if term == "nothing" else self.corpus
        if "mindate" in q and "maxdate" in q:  # NCBI ignores one without the other
            low = _parse_date(q["mindate"], end=False)
            high = _parse_date(q["maxdate"], end=True)
            hits = [r for r in hits if low <= r.edat <= high]
        ids = [r.pmid for r in hits]
        retstart, retmax = int(q.get("retstart", 0)), int(q.get("retmax", 20))
        if retstart > CAP - 1:
            body = '{"esearchresult":{"ERROR":"' + CAP_ERROR + '"}}'  # raw newline, as NCBI
            raise _Reply(self.cap_status, body.encode(), "application/json")
        warnings = ""
        if retmax > CAP or retstart + retmax > CAP:
            retmax = CAP - retstart
            warnings = (f"<WarningList><OutputMessage>Restrictions achieved. start and count "
                        f"adjusted to {retstart}, {retmax}</OutputMessage></WarningList>")
        history = ""
        if q.get("usehistory") == "y":
            webenv = "MCID_" + uuid.uuid4().hex[:24]
            with self._lock:
                self.histories[webenv] = {"1": ids}
            history = f"<QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv>"
        page = "".join(f"<Id>{i}</Id>\n" for i in ids[retstart:retstart + retmax])
        errors = "" if hits else (
            "<ErrorList><PhraseNotFound>nothing</PhraseNotFound></ErrorList><WarningList>"
            "<OutputMessage>No items found.</OutputMessage></WarningList>")
        return (f'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC '
                f'"-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/'
                f'dtd/20060628/esearch.dtd">\n<eSearchResult><Count>{len(ids)}</Count><RetMax>'
                f"{len(ids[retstart:retstart + retmax])}</RetMax><RetStart>{retstart}</RetStart>"
                f"{history}<IdList>\n{page}</IdList><TranslationSet/><QueryTranslation>{term}"
                f"</QueryTranslation>{errors}{warnings}</eSearchResult>\n").encode()

    def efetch(self, q: dict[str, str]) -> bytes:
        if q.get("rettype") != "medline" or q.get("retmode") != "text":
            raise _Reply(400, b"<eFetchResult><ERROR>this fake serves rettype=medline&"
                              b"retmode=text only</ERROR></eFetchResult>")
        if "id" in q:
            ids = [i.strip() for i in q["id"].split(",") if i.strip()]
        elif "WebEnv" in q and "query_key" in q:
            with self._lock:
                found = self.histories.get(q["WebEnv"], {}).get(q["query_key"])
            if found is None:
                raise _Reply(400, f"<eFetchResult><ERROR>Cannot retrieve history data. query_key:"
                                  f" {q['query_key']}, WebEnv: {q['WebEnv']}</ERROR>"
                                  f"</eFetchResult>".encode())
            retstart, retmax = int(q.get("retstart", 0)), int(q.get("retmax", 20))
            if retstart > CAP - 1:
                raise _Reply(400, b"<eFetchResult><ERROR>Search backend cannot retrieve history "
                                  b"data. Reason: Exception: 'retstart' cannot be larger than 9998."
                                  b"</ERROR></eFetchResult>")
            ids = found[retstart:min(retstart + retmax, CAP)]
        else:
            raise _Reply(400, b"<eFetchResult><ERROR>Neither query_key nor id specified"
                              b"</ERROR></eFetchResult>")
        parts = []
        for pmid in ids:
            record = self.by_pmid.get(pmid)
            parts.append(record.medline() if record else
                         f"id: {pmid} Error occurred: The following PMID is not available: "
                         f"{pmid}\n")
        return ("\n" + "\n".join(parts)).encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeEutils
    entry: LoggedRequest
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._serve(self.rfile.read(length).decode("utf-8"))

    def _serve(self, form: str) -> None:
        fake = self.fake
        now = time.monotonic()
        url = urlsplit(self.path)
        endpoint = url.path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        q.update({k: v[-1] for k, v in parse_qs(form).items()})
        key = q.get("api_key") or self.client_address[0]
        limit = 10 if q.get("api_key") else 3
        over = fake._over_rate(key, limit, now) if fake.rate_limit else None
        fault = fake._take_fault(endpoint)
        self.entry = LoggedRequest(now, endpoint, key, fault, self.command, q)
        with fake._lock:
            fake.log.append(self.entry)
        try:
            if over is not None or fault in ("429", "429-200"):
                body = RATE_BODY.format(key=key, count=over or limit + 1, limit=limit).encode()
                raise _Reply(200 if fault == "429-200" else 429, body, "application/json")
            if fault in ("500", "502", "503"):
                raise _Reply(int(fault), HTML_PAGE, "text/html")
            if fault in ("drop", "reset"):
                self.entry.status = 0
                self._hang_up(reset=fault == "reset")
                return
            if fault == "slow":
                time.sleep(fake.slow_seconds)
            if fault == "empty":
                raise _Reply(200, b"")
            if fault == "html":
                raise _Reply(200, HTML_PAGE, "text/html")
            if endpoint == "esearch":
                body = fake.esearch(q)
            elif endpoint == "efetch":
                body = fake.efetch(q)
            else:
                raise _Reply(404, b"<ERROR>unknown E-utility</ERROR>")
            if fault == "malformed":
                body = b"\n<pre>\nGarbled output " + body[:40] + b"\n"
            if fault == "short-batch":  # one whole record fewer than asked
                body = body[: body.rstrip(b"\n").rfind(b"\n\nPMID-") + 1]
            self._send(200, body, "text/plain" if endpoint == "efetch" else "text/xml",
                       cut=fault in ("truncate", "short-read"), lie=fault == "short-read")
        except _Reply as reply:
            self._send(reply.status, reply.body, reply.content_type)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.close_connection = True

    def _send(self, status: int, body: bytes, content_type: str, *, cut: bool = False,
              lie: bool = False) -> None:
        sent = body[: len(body) // 2] if cut else body
        self.entry.status = status
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=UTF-8")
        self.send_header("Content-Length", str(len(body) if lie else len(sent)))
        if status == 429:
            self.send_header("Retry-After", self.fake.retry_after)
        self.end_headers()
        self.wfile.write(sent)
        if lie:
            self.close_connection = True

    def _hang_up(self, *, reset: bool) -> None:
        self.close_connection = True
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
