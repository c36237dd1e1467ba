"""Map parsed RIS tags (``tag -> list[str]``) to a Record, for every RIS flavour.

RIS is one syntax with many dialects: the same tag means different things per exporter
(Embase ``IS`` is the issue, Ovid MEDLINE via Zotero writes a journal code there; Ovid's
PsycINFO ``M3`` is a classification, Embase's is the publication type). The reader keeps
every tag; this module decides, per record, which database it came from and what each
tag means for that database. See docs/FORMATS.md sections 4-10.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import build_record

__all__ = ["detect_database", "find_ids", "ris_record"]

_EMPTY: tuple[str, ...] = ()

# Canonical database names (docs/FORMATS.md section 0, ``source_db``).
PUBMED, MEDLINE, EMBASE, SCOPUS = "PubMed", "MEDLINE", "Embase", "Scopus"
WOS, CENTRAL, PSYCINFO = "Web of Science", "Cochrane CENTRAL", "PsycINFO"
CINAHL, ERIC, CAB = "CINAHL", "ERIC", "CAB Abstracts"

# ``DB`` values as written by Embase, Scopus, Ovid and reference managers, matched on
# their start, lower-cased ("APA PsycInfo <2021>", "Ovid MEDLINE(R) <2022>", "ERIC <1992 …>").
_DB_NAMES: tuple[tuple[str, str], ...] = (
    ("embase", EMBASE),
    ("scopus", SCOPUS),
    ("apa psycinfo", PSYCINFO),
    ("psycinfo", PSYCINFO),
    ("ovid medline", MEDLINE),
    ("medline", MEDLINE),
    ("pubmed", PUBMED),
    ("eric", ERIC),
    ("cab abstracts", CAB),
    ("cinahl", CINAHL),
    ("web of science", WOS),
    ("cochrane", CENTRAL),
)
# EBSCOhost writes a short database code in ``DB`` (with ``DP  - EBSCOhost``).
# "aph" is Academic Search Premier; it is not one of the canonical names, so it is
# reported as such rather than guessed to be CINAHL.
_EBSCO_CODES = {
    "psyh": PSYCINFO, "pdh": PSYCINFO,
    "rzh": CINAHL, "ccm": CINAHL, "cin20": CINAHL, "c8h": CINAHL, "cin": CINAHL,
    "cmedm": MEDLINE, "mdc": MEDLINE, "mnh": MEDLINE,
    "eric": ERIC,
    "aph": "Academic Search Premier",
}
# Ovid database codes in links (``D=psyc16``, ``D=caba6``, ``D=medp``).
_OVID_CODES: tuple[tuple[str, str], ...] = (
    ("psyc", PSYCINFO), ("caba", CAB), ("cabs", CAB), ("eric", ERIC),
    ("emed", EMBASE), ("emez", EMBASE), ("oemez", EMBASE), ("emb", EMBASE),
    ("med", MEDLINE), ("prem", MEDLINE), ("pmnm", MEDLINE), ("mesz", MEDLINE),
)

_OVID_LINK = re.compile(
    r"ovid\.com/ovidweb\.cgi\?\S*?\bD=([a-z]+)\d*\S*?&AN=([\w-]+?)(?=Link to|[&\s]|$)", re.I
)
_EMBASE_L = re.compile(r"^L\d{6,}$")
_EMBASE_URL = re.compile(r"embase\.com/\S*[?&]id=(L\d+)", re.I)
_SCOPUS_EID = re.compile(r"eid=(2-s2\.0-\d+)")
_WOS_ID = re.compile(r"WOS:(\d{15})")
_CENTRAL_ID = re.compile(r"\b(CN-\d{8})\b")
_PUBMED_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d+)")
_XREF = re.compile(r"\b(PUBMED|EMBASE)\s+(\d+)", re.I)
_PSYCINFO_AN = re.compile(r"^\d{4}-\d{5}-\d{3}$")
_ERIC_AN = re.compile(r"^E[DJ]\d{6}$")
_EBSCO_AN = re.compile(r"(?:[?&]AN=|^Accession Number: )([\w.-]+)")
_RAYYAN = re.compile(r"^rayyan-(\d+)$")
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.I)
# Ovid PsycINFO puts its classification code in M3 ("Cognitive Therapy [3311]").
_CLASS_CODE = re.compile(r"\[\d{4}\]$")
# Ovid MEDLINE (through Zotero) writes "<subset>, <NLM id>" in IS: not an issue.
_NLM_CODE = re.compile(r"^\w+, \d{7,9}[A-Z]?$")

_TY_NAMES = {
    "JOUR": "Journal Article", "JFULL": "Journal", "EJOUR": "Journal Article",
    "INPR": "Article in Press", "ABST": "Abstract", "CONF": "Conference Proceeding",
    "CPAPER": "Conference Paper", "CHAP": "Book Chapter", "BOOK": "Book",
    "EBOOK": "Book", "ECHAP": "Book Chapter", "EDBOOK": "Edited Book",
    "THES": "Thesis", "RPRT": "Report", "SER": "Serial", "CASE": "Case",
    "NEWS": "Newspaper Article", "MGZN": "Magazine Article", "GEN": "Generic",
    "ELEC": "Web Page", "DATA": "Dataset", "PAT": "Patent", "STAT": "Statute",
}


def _first(raw: Mapping[str, list[str]], *tags: str) -> str | None:
    """The first non-empty value of the first tag that has one."""
    for tag in tags:
        for value in raw.get(tag, _EMPTY):
            if value:
                return value
    return None


def _values(raw: Mapping[str, list[str]], *tags: str) -> list[str]:
    out: list[str] = []
    for tag in tags:
        values = raw.get(tag)
        if values:
            out.extend(values)
    return out


def detect_database(raw: Mapping[str, list[str]]) -> str | None:
    """The database a record was exported from, or None when nothing says.

    Identifiers win over ``DB`` (a Zotero re-export of a WoS record may carry any DB),
    then ``DB``/``DP`` as the vendors write them, then Ovid links.
    """
    an = _first(raw, "AN") or ""
    if "U2" in raw and any(_EMBASE_L.match(v) for v in raw["U2"]):
        return EMBASE
    if an.startswith("WOS:") or "WE" in raw:
        return WOS
    if an.startswith("CN-"):
        return CENTRAL
    urls = _values(raw, "UR", "L2")
    if any("embase.com" in url and _EMBASE_URL.search(url) for url in urls):
        # Before DB: Embase.com writes "DB  - Medline" alone on records it took from MEDLINE.
        return EMBASE
    dbs = [v for v in raw.get("DB", _EMPTY) if v]
    provider = (_first(raw, "DP") or "").lower()
    if provider == "nlm":
        return PUBMED  # EndNote's PubMed import
    if provider == "ebscohost":
        for value in dbs:
            name = _EBSCO_CODES.get(value.strip().lower())
            if name:
                return name
        return None
    for value in dbs:
        low = value.lower()
        for prefix, name in _DB_NAMES:
            if low.startswith(prefix):
                return name
    for url in _values(raw, "L2", "UR", "_link"):
        if "ovid.com" in url:
            match = _OVID_LINK.search(url)
            if match:
                code = match.group(1).lower()
                for prefix, name in _OVID_CODES:
                    if code.startswith(prefix):
                        return name
        elif "scopus.com" in url and "eid=2-s2.0-" in url:
            return SCOPUS
        elif "cochranelibrary.com" in url and "/CN-" in url:
            return CENTRAL
    return None


def find_ids(
    raw: Mapping[str, list[str]], database: str | None
) -> tuple[str | None, str | None, str | None, dict[str, str]]:
    """Return ``(native_id, pmid, embase_id, other_ids)`` found anywhere in the record."""
    other: dict[str, str] = {}
    pmid = _first(raw, "C5")  # Embase: the MEDLINE PMID, when the record is in both
    embase_id = next((v for v in raw.get("U2", _EMPTY) if _EMBASE_L.match(v)), None)
    an = _first(raw, "AN")
    accession = _first(raw, "ID") if database in (PSYCINFO, ERIC, CAB) else None
    urls = _values(raw, "UR", "L2", "_link")
    for url in urls:
        if embase_id is None and (match := _EMBASE_URL.search(url)):
            embase_id = match.group(1)
        if "scopus_eid" not in other and (match := _SCOPUS_EID.search(url)):
            other["scopus_eid"] = match.group(1)
        if "wos" not in other and (match := _WOS_ID.search(url)):
            other["wos"] = "WOS:" + match.group(1)
        if "cochrane_central" not in other and (match := _CENTRAL_ID.search(url)):
            other["cochrane_central"] = match.group(1)
        if pmid is None and (match := _PUBMED_URL.search(url)):
            pmid = match.group(1)
        if (match := _OVID_LINK.search(url)) and match.group(1).lower().startswith(
            ("med", "prem", "pmnm", "mesz")
        ):
            # Ovid MEDLINE's accession number is the PMID.
            pmid = pmid or match.group(2)
        elif match and accession is None:
            accession = match.group(2)
    ebsco = (_first(raw, "DP") or "").lower() == "ebscohost"
    if ebsco and not an:
        # Without AN, EBSCOhost still names the accession in UR and N1.
        for value in _values(raw, "UR", "N1"):
            if match := _EBSCO_AN.search(value):
                other["ebsco_an"] = match.group(1)
                break
    for value in raw.get("C3", _EMPTY):
        # Cochrane CENTRAL: "PUBMED 38407106,EMBASE 643589775". CENTRAL's Embase number
        # has the same digits as the Embase accession (Embase writes it with an "L").
        for kind, number in _XREF.findall(value):
            if kind.upper() == "PUBMED":
                pmid = pmid or number
            else:
                embase_id = embase_id or "L" + number
    if an:
        if an.startswith("WOS:"):
            other["wos"] = an
        elif an.startswith("CN-"):
            other["cochrane_central"] = an
        elif match := _RAYYAN.match(an):
            other["rayyan"] = match.group(1)
        elif ebsco:
            other["ebsco_an"] = an
        elif an.isdigit() and (_first(raw, "DP") or "").upper() == "NLM":
            pmid = pmid or an  # EndNote's PubMed import keeps the PMID in AN
    if embase_id is None and database == EMBASE:
        # EndNote writes the Embase accession as the first N1 value.
        embase_id = next((v for v in raw.get("N1", _EMPTY) if _EMBASE_L.match(v)), None)
    for value in (accession, an):
        if value and _PSYCINFO_AN.match(value):
            other.setdefault("psycinfo", value)
        elif value and _ERIC_AN.match(value):
            other.setdefault("eric", value)
    if accession and database == CAB:
        other.setdefault("cab", accession)
    native = _native_id(database, embase_id, pmid, other, accession, an, raw)
    return native, pmid, embase_id, other


def _native_id(
    database: str | None,
    embase_id: str | None,
    pmid: str | None,
    other: Mapping[str, str],
    accession: str | None,
    an: str | None,
    raw: Mapping[str, list[str]],
) -> str | None:
    if database == EMBASE and embase_id:
        return embase_id
    if database == SCOPUS and "scopus_eid" in other:
        return other["scopus_eid"]
    if database == WOS and "wos" in other:
        return other["wos"]
    if database == CENTRAL and "cochrane_central" in other:
        return other["cochrane_central"]
    if "ebsco_an" in other:
        return other["ebsco_an"]
    if database in (MEDLINE, PUBMED) and pmid:
        return pmid
    return accession or an or _first(raw, "ID")


def _publication_types(raw: Mapping[str, list[str]], ty: str) -> list[str]:
    types = [v for v in raw.get("M3", _EMPTY) if v and not _CLASS_CODE.search(v)]
    types += [v for v in raw.get("PT", _EMPTY) if v]
    if not types and ty:
        types.append(_TY_NAMES.get(ty, ty))
    return types


def _abstract(raw: Mapping[str, list[str]]) -> str | None:
    # EBSCOhost appends its copyright disclaimer as a second AB ("Copyright of <journal>
    # is the property of ..."); it is not part of the abstract.
    parts = [
        v for v in _values(raw, "AB", "N2") if v and not v.startswith("Copyright of ")
    ]
    return "\n".join(parts) or None


def ris_record(
    raw: Mapping[str, list[str]], source: SourceRef, database: str | None
) -> tuple[Record, list[Problem]]:
    """Map one RIS record to a Record; ``database`` is the record's database (or None).

    Parameters
    ----------
    raw
        Every tag of the record with all its values, in file order.
    source
        Where the record is (file, lines, database, format).
    database
        The database used to interpret tags (given by the user or detected).

    Returns
    -------
    tuple
        The Record and the problems ``build_record`` found (for example a bad year).
    """
    ty = (_first(raw, "TY") or "").upper()
    native, pmid, embase_id, other = find_ids(raw, database)
    pages = _first(raw, "SP")
    end_page = _first(raw, "EP")
    if pages is None and end_page is None:
        pages = _first(raw, "C7")  # Scopus/WoS article number
    issue = next((v for v in raw.get("IS", _EMPTY) if v and not _NLM_CODE.match(v)), None)
    keywords = _values(raw, "KW")
    emtree = None
    if database == EMBASE:
        # Embase's KW are Emtree index terms, not author keywords (FORMATS.md section 4).
        keywords, emtree = [], keywords
    dois = _values(raw, "DO", "L3", "L2", "M3")
    dois += [v for v in raw.get("UR", _EMPTY) if _DOI_URL.match(v)]
    issn = [v[1:] if v[:1] == "E" and v[1:2].isdigit() else v for v in _values(raw, "SN")]
    flags = {Flag.IN_PRESS.value} if ty == "INPR" else set()
    journal = _first(raw, "JF", "T2", "JO", "JA", "J2")
    abbrevs = _values(raw, "J2", "JO", "JA", "JI", "J9")
    return build_record(
        source,
        raw,
        native_id=native,
        title=_first(raw, "TI", "T1", "ST", "CT"),
        abstract=_abstract(raw),
        authors=raw.get("AU") or raw.get("A1"),
        year=_first(raw, "PY", "Y1", "DA"),
        journal=journal,
        journal_abbrev=next((v for v in abbrevs if v and v != journal), None),
        volume=_first(raw, "VL"),
        issue=issue,
        pages=pages,
        end_page=end_page,
        dois=dois,
        pmid=pmid,
        embase_id=embase_id,
        other_ids=other,
        issn=issn,
        language=_values(raw, "LA"),
        publication_types=_publication_types(raw, ty),
        keywords=keywords,
        emtree=emtree,
        flags=flags,
    )
