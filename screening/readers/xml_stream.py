"""Stream the records of an XML export, keeping every record read before a syntax error.

Shared by the PubMed XML and EndNote XML readers. The file is fed to an
``lxml.etree.XMLPullParser`` in chunks and the parser's events are drained after every
chunk and once more after a syntax error, so the records before the broken part of a file
are read whatever the lxml release. (``etree.iterparse`` over a file lost them from lxml
6.2 / libxml2 2.14 on: the whole file became one reject.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from screening.errors import Problem
from screening.readers.textio import iter_chunks, read_head

__all__ = ["end_line", "is_empty", "iter_xml", "local_name", "rest_of_file", "xml_problem"]

Element = Any  # lxml's _Element (not importable as a type at runtime)

#: Bytes fed to the parser at a time. 64 KiB parses as fast as larger chunks (measured on
#: PubMed XML) and keeps at most one chunk of events waiting between two drains.
FEED_BYTES = 1 << 16


def local_name(tag: Any) -> str:
    """An element's name without its namespace; "" for comments and processing instructions."""
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


class _Events:
    """``(event, element)`` pairs of a file, like ``iterparse``, then its syntax error if any.

    Every event of what was read before the error is yielded before the error is raised.
    ``root`` is the document's root element once the whole file was parsed.
    """

    def __init__(self, path: Path, tags: set[str], encoding: str | None) -> None:
        self.path = path
        self.root: Element | None = None
        self._parser = etree.XMLPullParser(
            events=("start", "end"), tag=tags, encoding=encoding, resolve_entities=False,
            load_dtd=False, no_network=True, huge_tree=True, remove_comments=True,
            remove_pis=True,
        )

    def __iter__(self) -> Iterator[tuple[str, Element]]:
        parser, source = self._parser, _Newlines(self.path)
        try:
            while data := source.read(FEED_BYTES):
                try:
                    parser.feed(data)
                except etree.XMLSyntaxError as exc:
                    yield from self._before(exc)
                    raise
                yield from parser.read_events()
            try:
                self.root = parser.close()
            except etree.XMLSyntaxError as exc:
                yield from self._before(exc)
                raise
            yield from parser.read_events()
        finally:
            source.close()

    def _before(self, exc: etree.XMLSyntaxError) -> Iterator[tuple[str, Element]]:
        """The events parsed before the syntax error ``exc``.

        What the parser queued in the chunk that failed is kept up to the first element
        whose end is not before the error's line: at the end of a cut-off file libxml2
        closes the open elements itself, and such an element was never read whole.
        """
        try:
            events = list(self._parser.read_events())
        except etree.XMLSyntaxError:  # the error again, in releases that re-raise it here
            return
        for event, elem in events:
            if event == "end" and not end_line(elem) < (exc.lineno or 0):
                return
            yield event, elem


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
    context = _Events(path, set(chain) | set(record_tags), encoding)
    holder: Any = None  # the container element, once its start tag is read
    last_line = 0
    try:
        for event, elem in context:
            if last_line == 0:
                root = elem.getroottree().getroot()
                last_line = root.sourceline or 1
                yield "root", local_name(root.tag), last_line, last_line
            if event == "start":
                if holder is None and _ancestry(elem) == chain:
                    holder = elem
                continue
            parent = elem.getparent()
            if elem is holder:
                for item in _between(elem, None, last_line, record_tags):
                    last_line = max(last_line, item[3])
                    yield item
            elif parent is not None and parent is holder and local_name(elem.tag) in record_tags:
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
    if holder is None:  # not the expected document: report what the root holds
        root = context.root
        if root is None:
            return
        if last_line == 0:
            yield "root", local_name(root.tag), root.sourceline or 1, root.sourceline or 1
        if not _blank(root.text):
            yield "text", root.text.strip(), root.sourceline or 1, root.sourceline or 1
        for child in root:
            if isinstance(child.tag, str):
                yield "other", child, child.sourceline or 1, end_line(child)


def _ancestry(elem: Element) -> tuple[str, ...]:
    names = []
    node = elem
    while node is not None:
        names.append(local_name(node.tag))
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
        isinstance(children[0].tag, str) and local_name(children[0].tag) in record_tags
    ):
        yield "text", holder.text.strip(), last_line + 1, children[0].sourceline or last_line
    following = [*children[1:], record]
    for child, after in zip(children, following, strict=True):
        processed = isinstance(child.tag, str) and local_name(child.tag) in record_tags
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
