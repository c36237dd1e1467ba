"""PubMed XML (efetch ``retmode=xml`` and the web "XML" download).

Streamed (:mod:`screening.readers.xml_stream`): each ``PubmedArticle`` /
``PubmedBookArticle`` is mapped when its end tag is read and then cleared, so memory stays
flat on 100k-record files. The XPaths follow FORMATS.md §2; in particular the PMID comes from
``MedlineCitation/PMID`` only and DOIs from ``ELocationID`` or the direct children of
``PubmedData/ArticleIdList`` (never from the ``ReferenceList``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.xml_stream import (
    is_empty,
    iter_xml,
    local_name,
    rest_of_file,
    xml_problem,
)

__all__ = ["PubmedXmlReader", "flatten", "pubmed_record"]

Element = Any  # lxml's _Element (not importable as a type at runtime)

_RECORDS = frozenset({"PubmedArticle", "PubmedBookArticle"})
# Inline markup inside PubMed titles and abstracts.
_INLINE = frozenset({"i", "b", "u", "sup", "sub", "{http://www.w3.org/1998/Math/MathML}math"})
_REF_FLAGS = {
    "ErratumFor": Flag.ERRATUM.value,
    "RetractionOf": Flag.RETRACTION_NOTICE.value,
    "RetractionIn": Flag.RETRACTED.value,
    "CommentOn": Flag.COMMENT.value,
}


def flatten(
    elem: Element, transparent: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """Every text and attribute under ``elem`` as ``path -> values`` (``a/b``, ``a/b@attr``).

    Mixed content (``<i>``, ``<sup>`` inside a title) is kept as the joined text of the
    element that holds it. Elements named in ``transparent`` (EndNote's ``style``) add
    nothing to the path and their attributes are dropped. One ``iterwalk`` over the
    subtree (C-level iteration; this runs for every element of every record).
    """
    raw: dict[str, list[str]] = {}
    paths = [""]
    skip = 0  # > 0 inside a subtree already taken as text
    walk = etree.iterwalk(elem, events=("start", "end"))
    next(walk)  # the record element itself
    for event, node in walk:
        if event == "end":
            if skip:
                skip -= 1
            else:
                paths.pop()
            continue
        tag = node.tag
        if skip or tag.__class__ is not str:
            skip += 1
            continue
        if tag[0] == "{":
            tag = tag.rsplit("}", 1)[1]
        path = paths[-1]
        if tag not in transparent:
            path = f"{path}/{tag}" if path else tag
            if node.attrib:
                for key, value in node.attrib.items():
                    _add(raw, f"{path}@{local_name(key)}", value)
        if len(node):
            # Mixed content starts with text, or with an inline element (or an EndNote style
            # run) whose tail or tag gives it away; checking the first child is enough.
            text, first = node.text, node[0]
            tail, name = first.tail, first.tag
            if not (
                (text and not text.isspace())
                or (tail and not tail.isspace())
                or name in _INLINE
                or (transparent and local_name(name) in transparent)
            ):
                paths.append(path)
                continue
            value = "".join(node.itertext()).strip()
            skip = 1  # the children are part of this text
        else:
            value = (node.text or "").strip()
            paths.append(path)
        if value:
            _add(raw, path, value)
    return raw


def _add(raw: dict[str, list[str]], key: str, value: str) -> None:
    values = raw.get(key)
    if values is None:
        raw[key] = [value]
    else:
        values.append(value)


def _text(elem: Element | None) -> str | None:
    if elem is None:
        return None
    text = "".join(elem.itertext()).strip()
    return text or None


def _author(author: Element) -> str | None:
    last = _text(author.find("LastName"))
    given = _text(author.find("ForeName")) or _text(author.find("Initials"))
    if last and given:
        return f"{last}, {given}"
    return last


def pubmed_record(article: Element, source: SourceRef) -> tuple[Record, list[Problem]]:
    """Map one PubmedArticle or PubmedBookArticle element to a Record."""
    book = local_name(article.tag) == "PubmedBookArticle"
    citation = article.find("BookDocument" if book else "MedlineCitation")
    if citation is None:
        citation = etree.Element("MedlineCitation")
    art = citation if book else citation.find("Article")
    if art is None:
        art = etree.Element("Article")
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    date = issue.find("PubDate") if issue is not None else None
    if book:
        date = citation.find("Book/PubDate")
    year = None
    if date is not None:
        year = _text(date.find("Year")) or _text(date.find("MedlineDate"))
    if year is None:
        year = _text(art.find("ArticleDate/Year"))
    abstract_parts = []
    for part in art.findall("Abstract/AbstractText"):
        text = _text(part)
        if text:
            label = part.get("Label")
            abstract_parts.append(f"{label}: {text}" if label else text)
    authors, groups = [], []
    for author in art.findall("AuthorList/Author"):
        if author.get("ValidYN") == "N":
            continue
        collective = _text(author.find("CollectiveName"))
        if collective:
            groups.append(collective)
        else:
            name = _author(author)
            if name:
                authors.append(name)
    ids = {}
    id_list = article.find("PubmedData/ArticleIdList")
    if book and id_list is None:
        id_list = citation.find("ArticleIdList")
    for ident in id_list if id_list is not None else ():
        kind, value = ident.get("IdType"), _text(ident)
        if kind and value and kind not in ids:
            ids[kind] = value
    dois = [_text(e) for e in art.findall("ELocationID") if e.get("EIdType") == "doi"]
    dois.append(ids.get("doi"))
    pagination = art.find("Pagination")
    pages = end = None
    if pagination is not None:
        pages = _text(pagination.find("MedlinePgn"))
        if not pages:
            pages, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    mesh = []
    for heading in citation.findall("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        if descriptor is None:
            continue
        term = ("*" if descriptor.get("MajorTopicYN") == "Y" else "") + (_text(descriptor) or "")
        for qualifier in heading.findall("QualifierName"):
            star = "*" if qualifier.get("MajorTopicYN") == "Y" else ""
            term += f"/{star}{_text(qualifier) or ''}"
        mesh.append(term)
    flags = {
        _REF_FLAGS[ref.get("RefType")]
        for ref in citation.findall("CommentsCorrectionsList/CommentsCorrections")
        if ref.get("RefType") in _REF_FLAGS
    }
    if _text(article.find("PubmedData/PublicationStatus")) == "aheadofprint":
        flags.add(Flag.AHEAD_OF_PRINT.value)
    other = {"nihms": ids["mid"]} if "mid" in ids else {}
    title = art.find("ArticleTitle")
    if book and _text(title) is None:
        title = citation.find("Book/BookTitle")
    return build_record(
        source,
        flatten(article),
        native_id=_text(citation.find("PMID")),
        title=_text(title),
        strip_title_period=True,
        title_original=_text(art.find("VernacularTitle")),
        abstract="\n\n".join(abstract_parts) or None,
        authors=authors,
        group_authors=groups,
        year=year,
        journal=_text(journal.find("Title")) if journal is not None
        else _text(citation.find("Book/BookTitle")),
        journal_abbrev=(_text(journal.find("ISOAbbreviation")) if journal is not None else None)
        or _text(citation.find("MedlineJournalInfo/MedlineTA")),
        volume=_text(issue.find("Volume")) if issue is not None else None,
        issue=_text(issue.find("Issue")) if issue is not None else None,
        pages=pages,
        end_page=end,
        dois=dois,
        pmid=_text(citation.find("PMID")),
        pmcid=ids.get("pmc"),
        other_ids=other,
        issn=[_text(e) or "" for e in art.findall("Journal/ISSN")]
        + [_text(citation.find("MedlineJournalInfo/ISSNLinking")) or ""],
        language=[_text(e) or "" for e in art.findall("Language")],
        publication_types=[
            _text(e) or "" for e in art.findall("PublicationTypeList/PublicationType")
        ],
        keywords=[_text(e) or "" for e in citation.findall("KeywordList/Keyword")],
        mesh=mesh,
        flags=flags,
    )


@register("pubmed_xml")
class PubmedXmlReader(Reader):
    """PubMed XML: PubmedArticleSet of PubmedArticle and PubmedBookArticle."""

    label = "PubMed XML"
    database = "PubMed"
    suffixes = (".xml",)

    def sniff(self, head: Head) -> float:
        text = head.text[:4096]
        if "<PubmedArticleSet" in text or "<PubmedArticle>" in text or "<PubmedBookArticle" in text:
            return 0.95
        if "<eFetchResult" in text:
            return 0.9
        if text.lstrip().startswith("<?xml") and "<ERROR>" in text:
            return 0.5
        return 0.0

    def iter_read(
        self, path: Path, *, encoding: str = "utf-8", database: str | None = None
    ) -> Iterator[Record | Reject]:
        name = str(path)
        if is_empty(path):
            yield empty_file(name)
            return
        db = database or self.database
        xml_encoding = None if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        ordinal = 0
        root, root_line, errors, last_line = "", 1, 0, 1
        foreign: list[Problem] = []  # problems of a document that is not a PubmedArticleSet
        items = iter_xml(path, ("PubmedArticleSet",), _RECORDS, xml_encoding)
        for kind, item, first, last in items:
            last_line = max(last_line, last)
            if kind == "root":
                root, root_line = item, first
            elif kind == "record":
                ordinal += 1
                source = SourceRef(name, first, last, db, self.name, ordinal)
                record, problems = pubmed_record(item, source)
                if record.pmid is None:
                    problems.append(Problem(name, first, "PMID", "record has no PMID"))
                if problems:
                    yield Reject(name, first, last, etree.tostring(item, encoding="unicode"),
                                 tuple(problems))
                else:
                    yield record
            elif kind == "other":
                tag = local_name(item.tag)
                if tag == "ERROR":
                    problem = Problem(name, first, "ERROR",
                                      "E-utilities error response, not records", _text(item))
                elif tag == "DeleteCitation":
                    problem = Problem(name, first, tag,
                                      "a list of PMIDs to delete, not records; not imported")
                else:
                    problem = Problem(name, first, tag, "unexpected element outside records",
                                      f"<{tag}>")
                if root != "PubmedArticleSet":
                    if tag == "ERROR" and _text(item):
                        foreign.append(problem)
                    continue
                errors += 1
                raw = etree.tostring(item, encoding="unicode", with_tail=False)
                yield Reject(name, first, last, raw, (problem,))
            elif kind == "text":
                errors += 1
                yield Reject(name, first, last, item, (
                    Problem(name, first, "line", "text outside records", item.split("\n")[0]),))
            else:
                errors += 1
                text, end = rest_of_file(path, first + 1)
                yield Reject(name, first + 1, end, text, (xml_problem(name, item, first, text),))
        if root and root != "PubmedArticleSet" and errors == 0:
            foreign = foreign or [Problem(
                name, root_line, "file",
                f"not PubMed XML: the root element is <{root}>, not <PubmedArticleSet>")]
            text, end = rest_of_file(path, 1)
            yield Reject(name, 1, end, text, tuple(foreign))
        elif ordinal == 0 and errors == 0:
            yield Reject(name, root_line, last_line, "", (
                Problem(name, root_line, "file", "no records: the file holds no PubmedArticle"),))
