"""Reading E-utilities responses: esearch XML, error and rate-limit bodies, MEDLINE batches.

Pure functions over bytes; the client (client.py) decides what to retry. A function raising
:class:`Invalid` says "this body is not usable" (empty, truncated, an HTML page...), which
the client retries and finally reports; :class:`EutilsError` means NCBI refused the request
itself (an ``<ERROR>``), which no retry will change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from screening.eutils.errors import EutilsError

__all__ = [
    "Invalid",
    "MedlineBatch",
    "SearchResult",
    "error_text",
    "is_rate_limit_body",
    "parse_esearch",
    "parse_medline_batch",
]

_RATE_LIMIT = re.compile(rb"""["']?error["']?\s*[:>]\s*["']?API rate limit exceeded""", re.I)
_XML_ERROR = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
_JSON_ERROR = re.compile(rb'"(?:ERROR|error)"\s*:\s*"((?:[^"\\]|\\.)*)"', re.S)
_PMID_LINE = re.compile(r"PMID- *(\d+)")
_SO_LINE = re.compile(r"^SO  - ", re.M)
_RECORD_SEP = re.compile(r"\n[ \t]*\n")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class Invalid(Exception):
    """A response body that cannot be used as it stands (retry, then report)."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One esearch answer. ``ids`` holds at most 9,999 PMIDs (NCBI's cap)."""

    term: str
    count: int
    ids: tuple[str, ...] = ()
    webenv: str | None = None
    query_key: str | None = None
    datetype: str | None = None
    mindate: str | None = None
    maxdate: str | None = None
    query_translation: str | None = None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def window(self) -> str:
        """The date window as text, e.g. ``edat 2020/01/01-2020/06/30`` (or ``all dates``)."""
        if self.mindate is None and self.maxdate is None:
            return "all dates"
        return f"{self.datetype} {self.mindate}-{self.maxdate}"


@dataclass(frozen=True, slots=True)
class MedlineBatch:
    """One efetch batch of MEDLINE text, checked to hold exactly the PMIDs expected."""

    retstart: int
    pmids: tuple[str, ...]
    text: str
    window: str = field(default="")

    def __len__(self) -> int:
        return len(self.pmids)


def error_text(body: bytes) -> str | None:
    """The ``<ERROR>`` (XML) or ``"ERROR"`` (JSON) messages of a body, joined; None if none."""
    head = body[:20000]
    found = [m.group(1) for m in _XML_ERROR.finditer(head)] or [
        m.group(1) for m in _JSON_ERROR.finditer(head)
    ]
    if not found:
        return None
    texts = [f.decode("utf-8", "replace").replace("\\n", " ") for f in found]
    return "; ".join(" ".join(t.split()) for t in texts)


def is_rate_limit_body(body: bytes) -> bool:
    """NCBI's rate-limit answer (JSON whatever retmode was asked; sometimes with HTTP 200)."""
    head = body[:2000].lstrip()
    return head[:1] in (b"{", b"<") and _RATE_LIMIT.search(head) is not None


def _text(root: etree._Element, path: str) -> str | None:
    node = root.find(path)
    return node.text.strip() if node is not None and node.text else None


def parse_esearch(body: bytes, *, term: str, datetype: str | None = None,
                  mindate: str | None = None, maxdate: str | None = None) -> SearchResult:
    """Parse an esearch XML answer; an ``<ERROR>`` raises EutilsError, junk raises Invalid."""
    stripped = body.lstrip()
    if not stripped:
        raise Invalid("empty body with HTTP 200")
    if stripped[:1] == b"{":  # errors come back as JSON whatever retmode was asked
        message = error_text(body) or stripped[:200].decode("utf-8", "replace")
        raise EutilsError(f"esearch refused {term!r}: {message}", endpoint="esearch")
    try:
        root = etree.fromstring(stripped, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise Invalid(f"esearch answer is not XML ({exc}): {stripped[:80]!r}") from exc
    if root.tag != "eSearchResult":
        raise Invalid(f"esearch answer is <{root.tag}>, not <eSearchResult>")
    top_errors = [" ".join((e.text or "").split()) for e in root.findall("ERROR")]
    if top_errors:
        raise EutilsError(f"esearch refused {term!r}: {'; '.join(top_errors)}",
                          endpoint="esearch")
    count = _text(root, "Count")
    if count is None or not count.isdigit():
        raise Invalid(f"esearch answer has no Count (got {count!r})")
    listed = [f"{e.tag}: {e.text}" for e in root.findall("ErrorList/*")]
    warned = [f"{e.tag}: {e.text}" for e in root.findall("WarningList/*")]
    return SearchResult(
        term=term,
        count=int(count),
        ids=tuple(e.text.strip() for e in root.findall("IdList/Id") if e.text),
        webenv=_text(root, "WebEnv"),
        query_key=_text(root, "QueryKey"),
        datetype=datetype,
        mindate=mindate,
        maxdate=maxdate,
        query_translation=_text(root, "QueryTranslation"),
        errors=tuple(listed),
        warnings=tuple(warned),
    )


def parse_medline_batch(body: bytes, expected: Sequence[str] | int, *, retstart: int,
                        window: str = "") -> MedlineBatch:
    """Check an efetch MEDLINE text batch and return it; any doubt raises Invalid.

    ``expected`` is the PMIDs the batch must hold (in any order), or just their number when
    they are not known. Every record must start with its PMID line and carry its SO line
    (PubMed ends every record with it), so a batch cut short is caught.
    """
    if not body.strip():
        raise Invalid("empty body with HTTP 200")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(f"not UTF-8 at byte {exc.start}") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head = text.lstrip()[:200]
    if head.startswith("<") or head.startswith("{"):
        message = error_text(body) or head[:80]
        raise Invalid(f"not MEDLINE text: {message!r}")
    chunks = [c.strip("\n") for c in _RECORD_SEP.split(text) if c.strip()]
    pmids = []
    for number, chunk in enumerate(chunks, start=1):
        match = _PMID_LINE.match(chunk)
        if match is None:
            raise Invalid(f"record {number} does not start with a PMID line "
                          f"(got {chunk.splitlines()[0][:80]!r})")
        if _SO_LINE.search(chunk) is None:
            raise Invalid(f"record {number} (PMID {match.group(1)}) has no SO line: "
                          "the batch looks truncated")
        pmids.append(match.group(1))
    want = len(expected) if not isinstance(expected, int) else expected
    if len(pmids) != want:
        raise Invalid(f"{len(pmids)} records where {want} were expected")
    if not isinstance(expected, int):
        missing = set(expected) - set(pmids)
        if missing or len(set(pmids)) != len(pmids):
            extra = sorted(set(pmids) - set(expected))[:5]
            raise Invalid(f"PMIDs differ from those asked: missing {sorted(missing)[:5]}, "
                          f"unexpected {extra}")
    return MedlineBatch(retstart=retstart, pmids=tuple(pmids),
                        text="\n\n".join(chunks) + "\n", window=window)
