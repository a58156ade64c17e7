"""Feed routes: each list page has RSS, Atom and JSON Feed twins built from the same query."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from paperwire.feeds.build import FeedFormat, FeedSpec, last_modified, render
from paperwire.models import MAX_AUTHOR_CHARS, Paper, PaperFilter, Period, SearchOptions, Sort, SortOrder
from paperwire.surface import DAY_SCHEMA, CategoryParam, DateParam, ErrorBody, MonthParam, WeekParam, core_of
from paperwire.web.templating import window_title

router = APIRouter(tags=["feeds"])
FEED_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "The feed",
        "content": {
            "application/rss+xml": {"schema": {"type": "string"}},
            "application/atom+xml": {"schema": {"type": "string"}},
            "application/feed+json": {"schema": {"type": "object"}},
        },
    },
    304: {"description": "Not modified since the reader's ETag / Last-Modified"},
    400: {"model": ErrorBody, "description": "Invalid parameters"},
    422: {"model": ErrorBody, "description": "Parameters of the wrong type"},
}
FEED_LIMIT = 100


def conditional(
    request: Request, body: bytes, papers: list[Paper], fmt: FeedFormat,
    *, modified: datetime | None = None, private: bool = False,
) -> Response:
    """The feed, or 304 when the reader's ETag / Last-Modified still holds.

    ``modified`` overrides the papers' newest date for lists whose membership changes
    without any paper changing (trending, collections, profiles).
    """
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    modified = (modified or last_modified(papers)).astimezone(UTC).replace(microsecond=0)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Cache-Control": "private, no-store" if private else "public, max-age=300",
    }
    if private:
        headers["X-Robots-Tag"] = "noindex"
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=fmt.media_type, headers=headers)


def _not_modified(request: Request, etag: str, modified: datetime) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:  # ETags win over dates (RFC 9110, 13.2.2)
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def feed_response(
    request: Request, fmt: FeedFormat, *, title: str, description: str, page_path: str,
    papers: list[Paper], modified: datetime | None = None, private: bool = False,
) -> Response:
    """Render ``papers`` as the feed twin of the page at ``page_path`` (a private feed's
    page link leaves out the query, which holds its token)."""
    core = core_of(request)
    page_url, feed_url = _urls(request, page_path, fmt, page_query=not private)
    spec = FeedSpec(title=title, description=description, page_url=page_url, feed_url=feed_url)
    body = render(spec, core.with_summaries(papers), core.settings.base_url.rstrip("/"), fmt)
    return conditional(request, body, papers, fmt, modified=modified, private=private)


def _urls(request: Request, page_path: str, fmt: FeedFormat, *, page_query: bool = True) -> tuple[str, str]:
    base = core_of(request).settings.base_url.rstrip("/")
    query = urlencode(dict(request.query_params))
    suffix = f"?{query}" if query else ""
    return f"{base}{page_path}{suffix if page_query else ''}", f"{base}{request.url.path}{suffix}"


@router.get("/daily.{fmt}", summary="Feed of a daily, weekly or monthly list",
            response_class=Response, responses=FEED_RESPONSES)
def daily_feed(
    request: Request,
    fmt: FeedFormat,
    date: DateParam = None,
    week: WeekParam = None,
    month: MonthParam = None,
    period: Period = Period.DAY,
    category: CategoryParam = None,
) -> Response:
    """The same list as `/` with the same parameters, as RSS (`rss`), Atom (`atom`) or JSON Feed (`json`)."""
    core = core_of(request)
    paper_filter = PaperFilter.from_params(request.query_params, limit=FEED_LIMIT, sort=SortOrder.UPVOTES)
    category = paper_filter.category
    page = core.list_papers(paper_filter)
    page_url, feed_url = _urls(request, "/", fmt)
    label = window_title(page.window) if page.window else "no papers yet"
    spec = FeedSpec(
        title=f"{core.settings.site_name}: Daily Papers{f' in {category}' if category else ''}",
        description=f"Papers listed {label}, most upvoted first.",
        page_url=page_url,
        feed_url=feed_url,
    )
    body = render(spec, core.with_summaries(page.papers), core.settings.base_url.rstrip("/"), fmt)
    return conditional(request, body, page.papers, fmt)


@router.get("/search.{fmt}", summary="Feed of a search", response_class=Response, responses=FEED_RESPONSES)
def search_feed(
    request: Request, fmt: FeedFormat, q: str = Query(max_length=500, min_length=1),
    sort: Sort = Sort.RELEVANCE,
    date_from: str | None = Query(default=None, alias="from", json_schema_extra=DAY_SCHEMA,
                                  description="Listed on or after this day."),
    date_to: str | None = Query(default=None, alias="to", json_schema_extra=DAY_SCHEMA,
                                description="Listed on or before this day."),
    cat: CategoryParam = None,
    author: str | None = Query(default=None, json_schema_extra={"maxLength": MAX_AUTHOR_CHARS}),
) -> Response:
    """The best matches for a query with the search page's filters, as RSS, Atom or JSON Feed."""
    core = core_of(request)
    options = SearchOptions.from_params(request.query_params)
    results = core.search_papers(q, limit=FEED_LIMIT, options=options)
    papers = [hit.paper for hit in results.hits]
    if results.jump_to:
        papers = [core.get_paper(results.jump_to)]
    page_url, feed_url = _urls(request, "/papers", fmt)
    spec = FeedSpec(
        title=f"{core.settings.site_name}: search for {q}",
        description=f"Papers matching {q}, best match first.",
        page_url=page_url,
        feed_url=feed_url,
    )
    body = render(spec, core.with_summaries(papers), core.settings.base_url.rstrip("/"), fmt)
    return conditional(request, body, papers, fmt)
