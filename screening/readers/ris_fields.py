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
from itertools import chain

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import build_record

__all__ = ["detect_database", "find_ids", "ris_record"]

_EMPTY: tuple[str, ...] = ()
_NO_VALUE: tuple[None] = (None,)

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
# Ovid MEDLINE (through Zotero) writes "<subset>, <NLM id>" (either order) in IS: not an
# issue ("eag, 7805975", "0401664, du5", "6dr, 2985151r").
_NLM_CODE = re.compile(
    r"^(?:[a-z0-9]{2,4}, \d{7,9}[a-z]?|\d{7,9}[a-z]?, [a-z0-9]{2,4})$", re.I
)

_OVID_MEDLINE = ("med", "prem", "pmnm", "mesz")
_TITLE = ("TI", "T1", "ST", "CT")
_YEAR = ("PY", "Y1", "DA")
_JOURNAL = ("JF", "T2", "JO", "JA", "J2")
_ABBREV = ("J2", "JO", "JA", "JI", "J9")

_TY_NAMES = {
    "JOUR": "Journal Article", "JFULL": "Journal", "EJOUR": "Journal Article",
    "INPR": "Article in Press", "ABST": "Abstract", "CONF": "Conference Proceeding",
    "CPAPER": "Conference Paper", "CHAP": "Book Chapter", "BOOK": "Book",
    "EBOOK": "Book", "ECHAP": "Book Chapter", "EDBOOK": "Edited Book",
    "THES": "Thesis", "RPRT": "Report", "SER": "Serial", "CASE": "Case",
    "NEWS": "Newspaper Article", "MGZN": "Magazine Article", "GEN": "Generic",
    "ELEC": "Web Page", "DATA": "Dataset", "PAT": "Patent", "STAT": "Statute",
}


def _first(raw: Mapping[str, list[str]], tags: Sequence[str]) -> str | None:
    """The first non-empty value of the first tag that has one."""
    for tag in tags:
        values = raw.get(tag)
        if values:
            for value in values:
                if value:
                    return value
    return None


def _values(raw: Mapping[str, list[str]], tags: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        values = raw.get(tag)
        if values:
            out.extend(values)
    return out


def detect_database(raw: Mapping[str, list[str]]) -> str | None:
    """The database a record was exported from, or None when nothing says.

    Parameters
    ----------
    raw
        The record's tags.

    Returns
    -------
    str or None
        A canonical name (``"Embase"``, ``"Web of Science"`` ...). Identifiers win over
        ``DB`` (Embase.com writes ``DB  - Medline`` alone on records it took from MEDLINE),
        then ``DB``/``DP`` as the vendors write them, then Ovid, Scopus and Cochrane links.
    """
    get = raw.get
    if "U2" in raw and any(_EMBASE_L.match(v) for v in raw["U2"]):
        return EMBASE
    an = (get("AN") or _NO_VALUE)[0] or ""
    if an.startswith("WOS:") or "WE" in raw:
        return WOS
    if an.startswith("CN-"):
        return CENTRAL
    urls = _values(raw, ("UR", "L2", "_link"))
    if any("embase.com" in url and _EMBASE_URL.search(url) for url in urls):
        return EMBASE
    provider = ((get("DP") or _NO_VALUE)[0] or "").lower()
    if provider == "nlm":
        return PUBMED  # EndNote's PubMed import
    if provider == "ebscohost":
        for value in get("DB") or _EMPTY:
            name = _EBSCO_CODES.get(value.strip().lower())
            if name:
                return name
        return None
    for value in get("DB") or _EMPTY:
        low = value.lower()
        for prefix, name in _DB_NAMES:
            if low.startswith(prefix):
                return name
    for url in urls:
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
    """Identifiers found anywhere in a record.

    Parameters
    ----------
    raw
        The record's tags.
    database
        The record's database: it decides which accession is the native id.

    Returns
    -------
    tuple
        ``(native_id, pmid, embase_id, other_ids)``.
    """
    get = raw.get
    other: dict[str, str] = {}
    pmid = (get("C5") or _NO_VALUE)[0] or None  # Embase: the PMID, when also in MEDLINE
    embase_id = None
    if "U2" in raw:
        embase_id = next((v for v in raw["U2"] if _EMBASE_L.match(v)), None)
    an = (get("AN") or _NO_VALUE)[0] or None
    accession = _first(raw, ("ID",)) if database in (PSYCINFO, ERIC, CAB) else None
    provider = ((get("DP") or _NO_VALUE)[0] or "").lower()
    for url in _values(raw, ("UR", "L2", "_link")):
        # Cheap substring tests first: this runs for every record.
        if "embase.com" in url:
            if embase_id is None and (match := _EMBASE_URL.search(url)):
                embase_id = match.group(1)
        elif "eid=2-s2.0-" in url:
            if match := _SCOPUS_EID.search(url):
                other.setdefault("scopus_eid", match.group(1))
        elif "WOS:" in url:
            if match := _WOS_ID.search(url):
                other.setdefault("wos", "WOS:" + match.group(1))
        elif "/CN-" in url:
            if match := _CENTRAL_ID.search(url):
                other.setdefault("cochrane_central", match.group(1))
        elif "pubmed" in url:
            if pmid is None and (match := _PUBMED_URL.search(url)):
                pmid = match.group(1)
        elif "ovid.com" in url and (match := _OVID_LINK.search(url)):
            if match.group(1).lower().startswith(_OVID_MEDLINE):
                pmid = pmid or match.group(2)  # Ovid MEDLINE's accession is the PMID
            elif accession is None:
                accession = match.group(2)
    if "C3" in raw:
        # Cochrane CENTRAL: "PUBMED 38407106,EMBASE 643589775". CENTRAL's Embase number
        # has the digits of the Embase accession, which Embase writes with an "L".
        for value in raw["C3"]:
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
        elif provider == "ebscohost":
            other["ebsco_an"] = an
        elif provider == "nlm" and an.isdigit():
            pmid = pmid or an  # EndNote's PubMed import keeps the PMID in AN
    elif provider == "ebscohost":
        # Without AN, EBSCOhost still names the accession in UR and N1.
        for value in _values(raw, ("UR", "N1")):
            if match := _EBSCO_AN.search(value):
                other["ebsco_an"] = match.group(1)
                break
    if embase_id is None and database == EMBASE and "N1" in raw:
        # EndNote writes the Embase accession as the first N1 value.
        embase_id = next((v for v in raw["N1"] if _EMBASE_L.match(v)), None)
    for value in (accession, an):
        if value and value[:1].isdigit() and _PSYCINFO_AN.match(value):
            other.setdefault("psycinfo", value)
        elif value and value[:1] == "E" and _ERIC_AN.match(value):
            other.setdefault("eric", value)
    if accession and database == CAB:
        other.setdefault("cab", accession)
    if database == EMBASE and embase_id:
        native = embase_id
    elif database == SCOPUS and "scopus_eid" in other:
        native = other["scopus_eid"]
    elif database == WOS and "wos" in other:
        native = other["wos"]
    elif database == CENTRAL and "cochrane_central" in other:
        native = other["cochrane_central"]
    elif "ebsco_an" in other:
        native = other["ebsco_an"]
    elif database in (MEDLINE, PUBMED) and pmid:
        native = pmid
    else:
        native = accession or an or _first(raw, ("ID",))
    return native, pmid, embase_id, other


def _publication_types(raw: Mapping[str, list[str]], ty: str) -> list[str]:
    # Ovid PsycINFO's M3 is a classification ("Cognitive Therapy [3311]"), not a type.
    types = [v for v in raw.get("M3") or _EMPTY if v and not _CLASS_CODE.search(v)]
    if "PT" in raw:
        types += [v for v in raw["PT"] if v]
    if not types and ty:
        types.append(_TY_NAMES.get(ty, ty))
    return types


def _abstract(raw: Mapping[str, list[str]]) -> str | None:
    values = raw.get("AB") or raw.get("N2")
    if not values:
        return None
    if len(values) == 1:
        return values[0] or None
    # EBSCOhost appends its copyright disclaimer as a second AB ("Copyright of <journal>
    # is the property of ..."); it is not part of the abstract.
    return "\n".join(v for v in values if v and not v.startswith("Copyright of ")) or None


def _issue(raw: Mapping[str, list[str]]) -> str | None:
    for value in raw.get("IS") or _EMPTY:
        # Ovid MEDLINE through Zotero writes "<subset>, <NLM id>" in IS: not an issue.
        if value and not ("," in value and _NLM_CODE.match(value)):
            return value
    return None


def ris_record(
    raw: dict[str, list[str]], source: SourceRef, database: str | None
) -> tuple[Record, list[Problem]]:
    """Map one RIS record to a Record.

    Parameters
    ----------
    raw
        Every tag of the record with all its values, in file order. It becomes
        ``Record.raw`` as it is.
    source
        Where the record is (file, lines, database, format).
    database
        The database used to interpret tags (given by the user or detected), or None.

    Returns
    -------
    tuple
        The Record and the problems ``build_record`` found (for example a bad year).
    """
    get = raw.get
    # Single tags: the first value as written ("" and None mean the same to build_record).
    ty = (get("TY") or _NO_VALUE)[0] or ""
    native, pmid, embase_id, other = find_ids(raw, database)
    pages = (get("SP") or _NO_VALUE)[0]
    end_page = (get("EP") or _NO_VALUE)[0]
    if not pages and not end_page:
        pages = (get("C7") or _NO_VALUE)[0]  # Scopus/WoS article number
    keywords = get("KW")
    emtree = None
    if database == EMBASE:
        # Embase's KW are Emtree index terms, not author keywords (FORMATS.md section 4).
        keywords, emtree = None, keywords
    journal = _first(raw, _JOURNAL)
    abbrev = None
    for tag in _ABBREV:
        for value in get(tag) or _EMPTY:
            if value and value != journal:
                abbrev = value
                break
        if abbrev:
            break
    issn = get("SN") or _EMPTY
    if "E" in "".join(v[:1] for v in issn):
        issn = [v[1:] if v[:1] == "E" else v for v in issn]  # ERIC: "E2196-7822"
    dois = chain(
        get("DO") or _EMPTY, get("L3") or _EMPTY, get("L2") or _EMPTY, get("M3") or _EMPTY,
        (v for v in get("UR") or _EMPTY if _DOI_URL.match(v)),
    )
    return build_record(
        source,
        raw,
        native_id=native,
        title=_first(raw, _TITLE),
        abstract=_abstract(raw),
        authors=get("AU") or get("A1"),
        year=_first(raw, _YEAR),
        journal=journal,
        journal_abbrev=abbrev,
        volume=(get("VL") or _NO_VALUE)[0],
        issue=_issue(raw),
        pages=pages,
        end_page=end_page,
        dois=dois,
        pmid=pmid,
        embase_id=embase_id,
        other_ids=other,
        issn=issn,
        language=get("LA") or _EMPTY,
        publication_types=_publication_types(raw, ty.upper()),
        keywords=keywords,
        emtree=emtree,
        flags=(Flag.IN_PRESS.value,) if ty.upper() == "INPR" else _EMPTY,
    )
