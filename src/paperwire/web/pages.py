"""HTML pages: the daily/weekly/monthly lists, a page per paper, and search."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.errors import InvalidQuery
from paperwire.ids import parse_arxiv_id
from paperwire.models import DateWindow, PaperFilter, Period, SearchOptions, Sort, window_from
from paperwire.web.pagecache import cached_page
from paperwire.web.viewer import core_of, viewer

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def page_number(p: int) -> int:
    if p < 0 or p > 10_000:
        raise InvalidQuery(f"page must be between 0 and 10000, got {p}")
    return p


@router.get("/", response_class=HTMLResponse)
def daily(
    request: Request,
    date: str | None = None,
    week: str | None = None,
    month: str | None = None,
    period: Period = Period.DAY,
    category: str | None = Query(default=None, max_length=40),
    p: int = 0,
) -> Response:
    window = window_from(date, week, month)
    return cached_page(request, lambda: _daily_page(request, window, period, category, p))


def _daily_page(
    request: Request, window: DateWindow | None, period: Period, category: str | None, p: int
) -> Response:
    core = core_of(request)
    size = core.settings.page_size
    user = viewer(request)
    paper_filter = PaperFilter(
        window=window,
        period=period,
        category=category or None,
        limit=size,
        offset=page_number(p) * size,
        viewer_id=user.id if user else None,
    )
    page = core.list_papers(paper_filter)
    announcement = None
    if page.total == 0 and page.window is not None and page.window.period is Period.DAY:
        announcement = core.announcement_status(page.window.start)
    return render(request, "daily.html", page=page, category=category, p=p, announcement=announcement)


@router.get("/papers", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str = Query(default="", max_length=500),
    p: int = 0,
    sort: Sort = Sort.RELEVANCE,
    date_from: str | None = Query(default=None, alias="from", max_length=10),
    date_to: str | None = Query(default=None, alias="to", max_length=10),
    cat: str | None = Query(default=None, max_length=40),
    author: str | None = Query(default=None, max_length=200),
) -> Response:
    return cached_page(request, lambda: _search_page(request, q, p, sort, date_from, date_to, cat, author))


def _search_page(
    request: Request, q: str, p: int, sort: Sort, date_from: str | None, date_to: str | None,
    cat: str | None, author: str | None,
) -> Response:
    core = core_of(request)
    size = core.settings.search_page_size
    options = SearchOptions.from_params(sort, date_from, date_to, cat, author)
    filters = {"from": date_from or "", "to": date_to or "", "cat": cat or "",
               "author": author or "", "sort": sort.value}
    if not q.strip() and not any(v for k, v in filters.items() if k != "sort"):
        return render(request, "search.html", results=None, q=q, p=0, filters=filters)
    results = core.search_papers(q, limit=size, offset=page_number(p) * size, options=options)
    if results.jump_to:
        return RedirectResponse(f"/papers/{results.jump_to}", status_code=303)
    keep = urlencode({"q": q, **{k: v for k, v in filters.items() if v}})
    return render(request, "search.html", results=results, q=q, p=p, filters=filters, keep=keep)


@router.get("/papers/{arxiv_id:path}", response_class=HTMLResponse)
def paper_page(request: Request, arxiv_id: str) -> Response:
    canonical, version = parse_arxiv_id(arxiv_id)
    if canonical != arxiv_id:
        return RedirectResponse(f"/papers/{canonical}", status_code=301)
    core, user = core_of(request), viewer(request)
    paper = core.get_paper(canonical, viewer_id=user.id if user else None)
    extras = core.paper_extras(paper)
    return render(
        request, "paper.html", paper=paper, requested_version=version,
        concepts=extras.concepts, similar=extras.similar,
        thread=core.paper_comments(paper.id, user),
        my_collections=core.collections_of(user) if user else [],
        submitted=request.query_params.get("submitted") == "1",
    )
