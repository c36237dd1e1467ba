"""PubMed XML (efetch ``retmode=xml`` and the web "XML" download).

Streamed with ``lxml.etree.iterparse``: each ``PubmedArticle`` / ``PubmedBookArticle`` is
mapped when its end tag is read and then cleared, so memory stays flat on 100k-record
files. The XPaths follow FORMATS.md §2; in particular the PMID comes from
``MedlineCitation/PMID`` only and DOIs from ``ELocationID`` or the direct children of
``PubmedData/ArticleIdList`` (never from the ``ReferenceList``).

:func:`iter_xml` is the streaming part and is shared with the EndNote XML reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from screening.errors import Problem
from screening.model import Flag, Record, SourceRef
from screening.readers.base import Head, Reader, Reject, build_record, empty_file, register
from screening.readers.textio import iter_chunks, read_head

__all__ = ["PubmedXmlReader", "end_line", "flatten", "iter_xml", "pubmed_record", "xml_problem"]

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


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _blank(text: str | None) -> bool:
    return not text or not text.replace("\ufeff", "").strip()


def end_line(elem: Element) -> int:
    """Line of ``elem``'s end tag: its last descendant's line plus the newlines after it."""
    node = elem
    while len(node):
        node = node[-1]
    line = (node.sourceline or 0) + (node.text or "").count("\n")
    while node is not elem:
        line += (node.tail or "").count("\n")
        node = node.getparent()
    return line


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
                    _add(raw, f"{path}@{_local(key)}", value)
        if len(node):
            # Mixed content starts with text, or with an inline element (or an EndNote style
            # run) whose tail or tag gives it away; checking the first child is enough.
            text, first = node.text, node[0]
            tail, name = first.tail, first.tag
            if not (
                (text and not text.isspace())
                or (tail and not tail.isspace())
                or name in _INLINE
                or (transparent and _local(name) in transparent)
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


class _Newlines:
    """A binary file whose lone CR line breaks read as LF.

    libxml2 counts lines at LF only, so in a CR-only file (classic Mac, seen in Cochrane
    exports) every element would be on line 1. XML treats CR, CRLF and LF alike, so the
    translation changes no content.
    """

    def __init__(self, path: Path) -> None:
        self._handle = open(path, "rb")  # noqa: SIM115  (closed by close())
        self._held = b""

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size if size > 0 else -1)
        if self._held:
            data, self._held = self._held + data, b""
        if size > 0 and len(data) > 1 and data.endswith(b"\r"):
            data, self._held = data[:-1], b"\r"  # a CRLF may be split between two reads
        return self._translate(data)

    @staticmethod
    def _translate(data: bytes) -> bytes:
        if b"\r" not in data:
            return data
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def close(self) -> None:
        self._handle.close()


def iter_xml(
    path: Path, container: tuple[str, ...], record_tags: frozenset[str], encoding: str | None
) -> Iterator[tuple[str, Any, int, int]]:
    """Stream the children of ``container`` (a path of element names from the root).

    Yields ``(kind, item, line_start, line_end)`` with kind ``root`` (item: root name),
    ``record`` or ``other`` (item: the element, cleared after the consumer resumes),
    ``text`` (item: non-blank text between records) and ``error`` (item: the
    XMLSyntaxError; line_start is the last line read well). When the root is not
    ``container[0]`` its children are yielded as ``other`` at the end.

    Only the container and record elements raise parser events (lxml's ``tag`` filter);
    anything else between records is found among a record's preceding siblings.
    """
    chain = tuple(container)
    source = _Newlines(path)
    context = etree.iterparse(
        source, events=("start", "end"), tag=set(chain) | set(record_tags), encoding=encoding,
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True,
        remove_comments=True, remove_pis=True,
    )
    holder: Any = None  # the container element, once its start tag is read
    last_line = 0
    try:
        for event, elem in context:
            if last_line == 0:
                root = elem.getroottree().getroot()
                last_line = root.sourceline or 1
                yield "root", _local(root.tag), last_line, last_line
            if event == "start":
                if holder is None and _ancestry(elem) == chain:
                    holder = elem
                continue
            parent = elem.getparent()
            if elem is holder:
                for item in _between(elem, None, last_line, record_tags):
                    last_line = max(last_line, item[3])
                    yield item
            elif parent is not None and parent is holder and _local(elem.tag) in record_tags:
                for item in _between(parent, elem, last_line, record_tags):
                    last_line = max(last_line, item[3])
                    yield item
                line_end = end_line(elem)
                yield "record", elem, elem.sourceline or last_line + 1, line_end
                last_line = line_end
                elem.clear(keep_tail=True)
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        yield "error", exc, last_line, last_line
        return
    finally:
        source.close()
    if holder is None:  # not the expected document: report what the root holds
        root = context.root
        if root is None:
            return
        if last_line == 0:
            yield "root", _local(root.tag), root.sourceline or 1, root.sourceline or 1
        if not _blank(root.text):
            yield "text", root.text.strip(), root.sourceline or 1, root.sourceline or 1
        for child in root:
            if isinstance(child.tag, str):
                yield "other", child, child.sourceline or 1, end_line(child)


def _ancestry(elem: Element) -> tuple[str, ...]:
    names = []
    node = elem
    while node is not None:
        names.append(_local(node.tag))
        node = node.getparent()
    return tuple(reversed(names))


def _between(
    holder: Element, record: Element | None, last_line: int, record_tags: frozenset[str]
) -> Iterator[tuple[str, Any, int, int]]:
    """Text and non-record elements in ``holder`` before ``record`` (None: up to the end)."""
    children = []
    for child in holder:
        if child is record:
            break
        children.append(child)
    if not children:
        text = holder.text
        if not _blank(text) and record is not None:
            yield "text", text.strip(), last_line + 1, record.sourceline or last_line + 1
        return
    if not _blank(holder.text) and len(children) and not (
        isinstance(children[0].tag, str) and _local(children[0].tag) in record_tags
    ):
        yield "text", holder.text.strip(), last_line + 1, children[0].sourceline or last_line
    following = [*children[1:], record]
    for child, after in zip(children, following, strict=True):
        processed = isinstance(child.tag, str) and _local(child.tag) in record_tags
        if not processed and isinstance(child.tag, str):
            line_end = end_line(child)
            yield "other", child, child.sourceline or last_line + 1, line_end
            last_line = line_end
        if not _blank(child.tail):
            end = (after.sourceline if after is not None else None) or last_line + 1
            yield "text", child.tail.strip(), last_line + 1, end


def xml_problem(
    name: str, exc: etree.XMLSyntaxError, last_good: int, rest: str = ""
) -> Problem:
    """A Problem for an XML syntax error; ``rest`` is the text from the error's record on.

    An error where the data runs out (libxml2 says "Premature end", or the text stops
    inside a tag) says that the file looks truncated.
    """
    message = (exc.msg or str(exc)).strip()
    line = exc.lineno or max(last_good, 1)
    value = re.sub(r", line \d+, column \d+$", "", message)
    cut = rest.strip() and not rest.rstrip().endswith(">") and line >= last_good + 1 + \
        rest.rstrip().count("\n")
    if cut or "Premature end of data" in value or "EndTag: '</' not found" in value:
        return Problem(name, line, "xml", "the XML ends early: the file looks truncated", value)
    if "UTF-8" in value or "encoding" in value.lower():
        return Problem(name, line, "encoding", "bytes that are not valid in the XML encoding",
                       value)
    return Problem(name, line, "xml", "the XML is not well-formed", value)


def rest_of_file(path: Path, first_line: int) -> tuple[str, int]:
    """Text from ``first_line`` to the end, and the number of the last line."""
    parts: list[str] = []
    last = first_line - 1
    for line_no, chunk in iter_chunks(path):
        lines = chunk.splitlines(keepends=True)
        if line_no + len(lines) <= first_line:
            last = line_no + len(lines) - 1
            continue
        skip = max(0, first_line - line_no)
        parts.append("".join(lines[skip:]))
        last = line_no + len(lines) - 1
    return "".join(parts), max(last, first_line)


def is_empty(path: Path) -> bool:
    data, text = read_head(path)
    return not text.strip() and len(data) < 65536


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
    book = _local(article.tag) == "PubmedBookArticle"
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
                tag = _local(item.tag)
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
