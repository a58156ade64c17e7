"""Parse XML from the network safely: no DTDs, no entities, no surprises.

arXiv never sends a DTD, so any document that declares one is refused before
a single entity is expanded (that stops XXE and "billion laughs" in
microseconds): the same rule as defusedxml's ``forbid_dtd``, checked up front
so UTF-8 pages can then go through the fast C parser (without a DTD, expat has
no entities to expand or fetch). Documents in other encodings take
defusedxml's parser. Bytes that are not UTF-8 are replaced (U+FFFD) rather than
losing a whole page to one bad byte; the caller is told how many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, XMLParser

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import fromstring

_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


class MalformedDocument(ValueError):
    """A response that is not well-formed, safe XML. ``position`` is (line, column)."""

    def __init__(self, reason: str, position: tuple[int, int] | None = None) -> None:
        where = f" at line {position[0]}, column {position[1]}" if position else ""
        super().__init__(f"{reason}{where}")
        self.reason = reason
        self.position = position


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    root: Element
    replaced_bytes: int  # invalid UTF-8 sequences replaced by U+FFFD
    first_bad_offset: int | None


def parse_xml(body: bytes) -> ParsedDocument:
    """Parse ``body`` into an element tree or raise :class:`MalformedDocument`."""
    if not body.strip():
        raise MalformedDocument("empty response")
    text, replaced, offset = _decode(body)
    try:
        root = _parse(text)
    except DefusedXmlException as error:
        raise MalformedDocument(f"unsafe XML refused ({type(error).__name__})") from None
    except ParseError as error:
        raise MalformedDocument(_parse_reason(error), error.position) from None
    return ParsedDocument(root, replaced, offset)


def _parse(text: str | bytes) -> Element:
    if isinstance(text, bytes):  # a declared non-UTF-8 encoding: the careful parser
        return fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    if _DTD.search(text):
        raise DTDForbidden(None, None, None)
    parser = XMLParser()
    parser.feed(text)
    return parser.close()


def _decode(body: bytes) -> tuple[str | bytes, int, int | None]:
    match = _DECLARATION.match(body)
    encoding = match.group(1).decode().lower() if match else "utf-8"
    if encoding.replace("-", "").replace("_", "") not in ("utf8", "usascii", "ascii"):
        return body, 0, None  # let the parser honour another declared encoding
    try:
        return body.decode("utf-8"), 0, None
    except UnicodeDecodeError as error:
        first = error.start
    text = body.decode("utf-8", errors="replace")
    return text, text.count("\ufffd") - body.count("\xef\xbf\xbd".encode("latin-1")), first


def _parse_reason(error: ParseError) -> str:
    message = str(error)
    return message.split(":")[0] if ":" in message else message


def local_name(element: Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child_text(parent: Element, tag: str) -> str | None:
    """The text of the first child called ``tag`` (namespace-qualified), or None."""
    child = parent.find(tag)
    if child is None:
        return None
    return "".join(child.itertext())
