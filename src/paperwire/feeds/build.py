"""Render a list of papers as RSS 2.0, Atom or JSON Feed.

Every text is stripped of the control characters XML forbids; feedgen
(lxml) escapes the rest. Ids are the papers' permanent URLs, so a reader
never sees an item twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from enum import StrEnum

import orjson
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from paperwire.models import Paper
from paperwire.text import excerpt

# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except
# surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class FeedFormat(StrEnum):
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return {
            FeedFormat.RSS: "application/rss+xml; charset=utf-8",
            FeedFormat.ATOM: "application/atom+xml; charset=utf-8",
            FeedFormat.JSON: "application/feed+json; charset=utf-8",
        }[self]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a feed is about: its title, the page it mirrors and its own address."""

    title: str
    description: str
    page_url: str
    feed_url: str


def clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def paper_date(paper: Paper) -> datetime:
    return paper.published or datetime.combine(paper.announced_on, time(), tzinfo=UTC)


def paper_updated(paper: Paper) -> datetime:
    return paper.updated or paper_date(paper)


def last_modified(papers: list[Paper]) -> datetime:
    if not papers:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return max(paper_updated(p) for p in papers).replace(microsecond=0)


def render(spec: FeedSpec, papers: list[Paper], base_url: str, fmt: FeedFormat) -> bytes:
    if fmt is FeedFormat.JSON:
        return _json_feed(spec, papers, base_url)
    generator = _generator(spec, papers, base_url, fmt)
    return generator.rss_str(pretty=False) if fmt is FeedFormat.RSS else generator.atom_str()


def _generator(spec: FeedSpec, papers: list[Paper], base_url: str, fmt: FeedFormat) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(clean(spec.feed_url))
    feed.title(clean(spec.title))
    feed.subtitle(clean(spec.description))
    feed.link(href=clean(spec.page_url), rel="alternate")
    feed.link(href=clean(spec.feed_url), rel="self")
    feed.language("en")
    feed.updated(last_modified(papers))
    feed.lastBuildDate(last_modified(papers))
    if fmt is FeedFormat.RSS:
        feed.load_extension("dc")
    feed.generator("paperwire")
    for paper in reversed(papers):  # feedgen prepends; keep the list's order
        url = f"{base_url}/papers/{paper.arxiv_id}"
        entry = feed.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(clean(paper.title))
        entry.link(href=url)
        entry.published(paper_date(paper))
        entry.updated(paper_updated(paper))
        names = [clean(name) for name in paper.authors[:50] if clean(name)]
        if fmt is FeedFormat.ATOM:
            for name in names:
                entry.author({"name": name})
        elif names:  # RSS <author> needs an e-mail address; Dublin Core takes names
            entry.dc.dc_creator(", ".join(names))
        for category in paper.categories:
            entry.category(term=clean(category))
        _texts(entry, paper, fmt)
    return feed


def _texts(entry: FeedEntry, paper: Paper, fmt: FeedFormat) -> None:
    """Atom: the one-line summary as ``<summary>``, the abstract as ``<content>``; RSS:
    both in ``<description>``, the summary first. Plain text either way (escaped)."""
    summary, abstract = clean(paper.ai_summary), clean(paper.abstract)
    if not summary:
        entry.summary(abstract)
    elif fmt is FeedFormat.ATOM:
        entry.summary(summary)
        entry.content(abstract, type="text")
    else:
        entry.summary(f"{summary}\n\n{abstract}")


def _json_feed(spec: FeedSpec, papers: list[Paper], base_url: str) -> bytes:
    items = []
    for paper in papers:
        url = f"{base_url}/papers/{paper.arxiv_id}"
        items.append({
            "id": url,
            "url": url,
            "external_url": paper.abs_url,
            "title": clean(paper.title),
            "content_text": clean(paper.abstract),
            "summary": clean(paper.ai_summary) or clean(excerpt(paper.abstract, 300)),
            "date_published": paper_date(paper).isoformat(),
            "date_modified": paper_updated(paper).isoformat(),
            "authors": [{"name": clean(name)} for name in paper.authors],
            "tags": paper.categories,
            "_paperwire": {"arxiv_id": paper.arxiv_id, "upvotes": paper.upvotes},
        })
    return orjson.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": clean(spec.title),
        "description": clean(spec.description),
        "home_page_url": spec.page_url,
        "feed_url": spec.feed_url,
        "language": "en",
        "items": items,
    })
