"""EndNote XML (File > Export > XML in EndNote; also what Covidence and others write).

``<xml><records><record>…`` with ``<ref-type name="Journal Article">``, authors under
``contributors/authors/author``, titles under ``titles``, the journal under
``periodical/full-title`` (or ``titles/secondary-title``), ``dates/year``,
``electronic-resource-num`` (DOI), ``accession-num``, ``remote-database-name`` and the
ISSN in ``isbn``. EndNote wraps most text in ``<style face="normal" font="default"
size="100%">`` runs, sometimes several per field, so text is always read with itertext.
Streamed like PubMed XML (see :mod:`screening.readers.xml_stream`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from screening.errors import Problem
from screening.model import Record, SourceRef
from screening.readers import fields as F
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.pubmed_xml import flatten
from screening.readers.xml_stream import is_empty, iter_xml, rest_of_file, xml_problem

__all__ = ["EndnoteXmlReader", "endnote_database", "endnote_record"]

_DATABASES = (
    ("embase", "Embase"),
    ("scopus", "Scopus"),
    ("web of science", "Web of Science"),
    ("wos", "Web of Science"),
    ("zoological record", "Zoological Record"),
    ("central", "Cochrane CENTRAL"),
    ("cochrane", "Cochrane Library"),
    ("pubmed", "PubMed"),
    ("medline", "PubMed"),
)


def _text(elem: Any) -> str | None:
    if elem is None:
        return None
    text = "".join(elem.itertext()).strip()
    return text or None


def _texts(record: Any, path: str) -> list[str]:
    return [t for t in (_text(e) for e in record.findall(path)) if t]


def endnote_database(name: str | None) -> str | None:
    """The canonical database for an EndNote ``remote-database-name``; None when unknown."""
    lowered = (name or "").lower()
    for key, canonical in _DATABASES:
        if key in lowered:
            return canonical
    return None


def endnote_record(
    record: Any, source: SourceRef, database: str | None
) -> tuple[Record, list[Problem]]:
    """Map one ``<record>`` element to a Record."""
    accession = _text(record.find("accession-num"))
    pmid = embase_id = None
    other: dict[str, str] = {}
    if accession:
        if database == "PubMed" and accession.isdigit():
            pmid = accession
        elif database == "Embase":
            embase_id = accession if accession.upper().startswith("L") else f"L{accession}"
        elif accession.upper().startswith("WOS:"):
            other["wos"] = accession
        elif accession.startswith("2-s2.0-"):
            other["scopus_eid"] = accession
        elif accession.upper().startswith("CN-"):
            other["cochrane_central"] = accession
    pmcid = next((v for v in _texts(record, "custom2") if v.upper().startswith("PMC")), None)
    ref_type = record.find("ref-type")
    types = [t.strip() for v in _texts(record, "work-type") for t in re.split(r"[;\r\n]", v)]
    if not any(types) and ref_type is not None and ref_type.get("name"):
        types = [ref_type.get("name")]
    isbn = [part for v in _texts(record, "isbn") for part in re.split(r"[\r\n;]+", v)]
    year = _text(record.find("dates/year"))
    keywords = [part.strip() for v in _texts(record, "keywords/keyword")
                for part in re.split(r"[\r\n]+", v)]
    return build_record(
        source,
        flatten(record, transparent=frozenset({"style"})),
        native_id=accession,
        title=_text(record.find("titles/title")),
        title_original=_text(record.find("titles/translated-title")),
        abstract=_text(record.find("abstract")),
        authors=[a.rstrip(",") for a in _texts(record, "contributors/authors/author")],
        year=year if year and any(ch.isdigit() for ch in year) else None,  # "n.d.", "in press"
        journal=_text(record.find("periodical/full-title"))
        or _text(record.find("titles/secondary-title")),
        journal_abbrev=_text(record.find("periodical/abbr-1"))
        or _text(record.find("titles/alt-title")),
        volume=_text(record.find("volume")),
        issue=_text(record.find("number")),
        pages=_text(record.find("pages")),
        dois=_texts(record, "electronic-resource-num") + _texts(record, "urls/related-urls/url"),
        pmid=pmid,
        pmcid=pmcid,
        embase_id=embase_id,
        other_ids=other,
        issn=isbn,
        language=_texts(record, "language"),
        publication_types=[t for t in types if t],
        keywords=[k for k in keywords if k],
        flags=F.flags_from_types(types),
    )


@register("endnote_xml")
class EndnoteXmlReader(Reader):
    """EndNote XML export (``<xml><records><record>``)."""

    label = "EndNote XML"
    database = None
    suffixes = (".xml",)

    def sniff(self, head: Head) -> float:
        text = head.text[:4096]
        if re.search(r"<xml>\s*<records>\s*<record>", text):
            return 0.95
        if "<records>" in text and "<ref-type" in text:
            return 0.8
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        if is_empty(path):
            yield empty_file(name)
            return
        xml_encoding = None if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        ordinal = 0
        root, root_line, errors, last_line = "", 1, 0, 1
        for kind, item, first, last in iter_xml(
            path, ("xml", "records"), frozenset({"record"}), xml_encoding
        ):
            last_line = max(last_line, last)
            if kind == "root":
                root, root_line = item, first
            elif kind == "record":
                ordinal += 1
                db = database or endnote_database(_text(item.find("remote-database-name")))
                source = SourceRef(name, first, last, db, self.name, ordinal)
                record, problems = endnote_record(item, source, db)
                if problems:
                    yield Reject(name, first, last, etree.tostring(item, encoding="unicode"),
                                 tuple(problems))
                else:
                    yield record
            elif kind == "other":
                errors += 1
                tag = etree.QName(item).localname
                yield Reject(name, first, last,
                             etree.tostring(item, encoding="unicode", with_tail=False),
                             (Problem(name, first, tag, "unexpected element outside records",
                                      f"<{tag}>"),))
            elif kind == "text":
                errors += 1
                yield Reject(name, first, last, item, (
                    Problem(name, first, "line", "text outside records", item.split("\n")[0]),))
            else:
                errors += 1
                text, end = rest_of_file(path, first + 1)
                yield Reject(name, first + 1, end, text,
                             (xml_problem(name, item, first, text),))
        if ordinal == 0 and errors == 0:
            message = ("no records: the file holds no <record>" if root == "xml"
                       else f"no records: the root element is <{root}>, not <xml>")
            yield Reject(name, root_line, last_line, "", (Problem(name, root_line, "file",
                                                                  message),))
