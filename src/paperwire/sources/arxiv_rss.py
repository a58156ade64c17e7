"""arXiv's daily listings (``rss.arxiv.org/rss/...`` and ``/atom/...``) into announcements.

Each item says which paper (and version) was announced that day and how:
``new``, ``cross``, ``replace`` or ``replace-cross``. New and cross-listed
items also become ``PaperRecord``s (without version dates, which the listing
lacks, so any OAI-PMH or API record of the paper outranks them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element

from paperwire.errors import InvalidArxivId, InvalidRecord
from paperwire.harvest.calendar import EASTERN
from paperwire.ids import parse_arxiv_id
from paperwire.records import PaperRecord
from paperwire.sources.xmlsafe import MalformedDocument, child_text, local_name, parse_xml
from paperwire.text import split_authors

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
LISTED_AS_NEW = ("new", "cross")
_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
)


@dataclass(slots=True)
class ListingItem:
    arxiv_id: str
    version: int | None
    announce_type: str
    record: PaperRecord | None  # for new and cross listings


@dataclass(slots=True)
class Listing:
    day: date | None  # None when the feed does not say (no items, no date)
    items: list[ListingItem] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # "item N: reason"

    @property
    def has_mailing(self) -> bool:
        return bool(self.items)


def parse_listing(body: bytes) -> Listing:
    root = parse_xml(body).root
    name = local_name(root)
    if name == "rss":
        return _parse_rss(root)
    if name == "feed":
        return _parse_atom(root)
    raise MalformedDocument(f"expected an RSS or Atom feed, got <{name}>")


def _parse_rss(root: Element) -> Listing:
    channel = root.find("channel")
    if channel is None:
        raise MalformedDocument("RSS feed without <channel>")
    listing = Listing(_rss_day(child_text(channel, "pubDate")))
    for index, item in enumerate(channel.iterfind("item"), start=1):
        fields = {
            "guid": child_text(item, "guid"),
            "title": child_text(item, "title"),
            "summary": child_text(item, "description"),
            "type": child_text(item, f"{ARXIV}announce_type"),
            "categories": [c.text or "" for c in item.iterfind("category")],
            "published": _rss_day(child_text(item, "pubDate")),
        }
        _add_item(listing, index, item, fields)
    return listing


def _parse_atom(root: Element) -> Listing:
    listing = Listing(_atom_day(child_text(root, f"{ATOM}updated"), feed_level=True))
    for index, entry in enumerate(root.iterfind(f"{ATOM}entry"), start=1):
        fields = {
            "guid": child_text(entry, f"{ATOM}id"),
            "title": child_text(entry, f"{ATOM}title"),
            "summary": child_text(entry, f"{ATOM}summary"),
            "type": child_text(entry, f"{ARXIV}announce_type"),
            "categories": [c.get("term", "") for c in entry.iterfind(f"{ATOM}category")],
            "published": _atom_day(child_text(entry, f"{ATOM}published")),
        }
        _add_item(listing, index, entry, fields)
    return listing


def _add_item(listing: Listing, index: int, element: Element, fields: dict) -> None:
    try:
        item = _item(element, fields, listing.day)
    except (InvalidRecord, InvalidArxivId) as error:
        listing.bad.append(f"item {index}: {error}")
        return
    if listing.day is None:
        listing.day = fields["published"]
    listing.items.append(item)


def _item(element: Element, fields: dict, day: date | None) -> ListingItem:
    summary = fields["summary"] or ""
    match = _DESCRIPTION.match(summary)
    announce_type = (fields["type"] or (match.group("type") if match else "")).strip().lower()
    if announce_type not in ANNOUNCE_TYPES:
        raise InvalidRecord(f"field 'announce_type': {announce_type!r}")
    raw_id = (fields["guid"] or (match.group("id") if match else "")).strip()
    arxiv_id, version = parse_arxiv_id(raw_id)
    record = None
    if announce_type in LISTED_AS_NEW:
        record = PaperRecord(
            arxiv_id=arxiv_id,
            title=(fields["title"] or "").strip(),
            abstract=summary[match.end():].strip() if match else summary.strip(),
            authors=split_authors(child_text(element, f"{DC}creator") or ""),
            categories=[c.strip() for c in fields["categories"] if c.strip()],
            license=(child_text(element, f"{DC}rights") or "").strip() or None,
            doi=(child_text(element, f"{ARXIV}DOI") or "").strip() or None,
            journal_ref=(child_text(element, f"{ARXIV}journal_reference") or "").strip()
            or None,
            announced_on=fields["published"] or day,
        )
    return ListingItem(arxiv_id, version, announce_type, record)


def _rss_day(value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError):
        return None


def _atom_day(value: str | None, *, feed_level: bool = False) -> date | None:
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if feed_level and moment.tzinfo:  # generated around midnight Eastern
        return moment.astimezone(EASTERN).date()
    return moment.date()
