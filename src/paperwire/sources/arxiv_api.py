"""The arXiv API's Atom feed (``export.arxiv.org/api/query``) into ``PaperRecord``s.

The API gives the first version's date (``published``) and the current
version's (``updated``), not the whole history; the store merges versions it
already knows. An API error comes back as a feed with one entry whose id is
``.../api/errors#...``: :class:`ArxivApiError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element

from paperwire.errors import InvalidArxivId, InvalidRecord
from paperwire.ids import parse_arxiv_id
from paperwire.records import PaperRecord, Version
from paperwire.sources.xmlsafe import MalformedDocument, child_text, local_name, parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
MAX_IDS_PER_CALL = 100


class ArxivApiError(ValueError):
    """The API answered with an error entry."""


@dataclass(slots=True)
class ApiResult:
    total: int | None
    records: list[PaperRecord] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


def parse_api_feed(body: bytes) -> ApiResult:
    root = parse_xml(body).root
    if local_name(root) != "feed":
        raise MalformedDocument(f"expected an Atom feed, got <{local_name(root)}>")
    total_text = (child_text(root, f"{OPENSEARCH}totalResults") or "").strip()
    result = ApiResult(int(total_text) if total_text.isdigit() else None)
    for index, entry in enumerate(root.iterfind(f"{ATOM}entry"), start=1):
        entry_id = (child_text(entry, f"{ATOM}id") or "").strip()
        if "/api/errors" in entry_id:
            raise ArxivApiError((child_text(entry, f"{ATOM}summary") or entry_id).strip())
        try:
            result.records.append(record_from_entry(entry))
        except (InvalidRecord, InvalidArxivId) as error:
            result.bad.append(f"entry {index} ({entry_id}): {error}")
    return result


def record_from_entry(entry: Element) -> PaperRecord:
    arxiv_id, version = parse_arxiv_id((child_text(entry, f"{ATOM}id") or "").strip())
    published = _timestamp(entry, "published")
    updated = _timestamp(entry, "updated")
    versions = [Version(1, published)]
    if version and version > 1:
        versions.append(Version(version, updated))
    primary = entry.find(f"{ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.iterfind(f"{ATOM}category")]
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=(child_text(entry, f"{ATOM}title") or "").strip(),
        abstract=(child_text(entry, f"{ATOM}summary") or "").strip(),
        authors=[
            name.strip()
            for author in entry.iterfind(f"{ATOM}author")
            if (name := child_text(author, f"{ATOM}name") or "").strip()
        ],
        categories=list(dict.fromkeys(c for c in categories if c)),
        versions=versions,
        comments=_optional(entry, f"{ARXIV}comment"),
        journal_ref=_optional(entry, f"{ARXIV}journal_ref"),
        doi=_optional(entry, f"{ARXIV}doi"),
        update_date=updated.date(),
    )


def _timestamp(entry: Element, tag: str) -> datetime:
    text = (child_text(entry, f"{ATOM}{tag}") or "").strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRecord(f"field '{tag}': {text!r} is not a timestamp") from None


def _optional(entry: Element, tag: str) -> str | None:
    value = child_text(entry, tag)
    return value.strip() or None if value is not None else None
