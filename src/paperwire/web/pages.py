"""HTML pages: the daily/weekly/monthly lists, a page per paper, and search."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire import citations
from paperwire.ids import parse_arxiv_id
from paperwire.models import PaperFilter, Period, SearchOptions, Sort, SortOrder, page_param
from paperwire.surface import core_of
from paperwire.web.pagecache import cached_page
from paperwire.web.viewer import viewer

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def daily(request: Request) -> Response:
    """The day's (or ``date``/``week``/``month``'s) papers, most upvoted first; the
    parameters are ``PaperFilter.from_params``'s."""
    return cached_page(request, lambda: _daily_page(request))


def _daily_page(request: Request) -> Response:
    core = core_of(request)
    user = viewer(request)
    # "for you" orders the list by the reader's model: signed-in readers only.
    chosen = request.query_params.get("sort", "").strip()
    sort = SortOrder.FOR_YOU if user and chosen == SortOrder.FOR_YOU.value else SortOrder.UPVOTES
    paper_filter = PaperFilter.from_params(
        request.query_params, limit=core.settings.page_size, sort=sort,
        viewer_id=user.id if user else None,
    )
    page = core.list_papers(paper_filter)
    core.with_summaries(page.papers)
    announcement = None
    if page.total == 0 and page.window is not None and page.window.period is Period.DAY:
        announcement = core.announcement_status(page.window.start)
    return render(request, "daily.html", page=page, category=paper_filter.category,
                  has_code=paper_filter.has_code,
                  p=paper_filter.offset // paper_filter.limit, announcement=announcement,
                  sort=sort.value)


@router.get("/papers", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query(default="", max_length=500)) -> Response:
    """Search; the filters are ``SearchOptions.from_params``'s (``from``, ``to``, ``cat``,
    ``author``, ``sort``), the page ``p``."""
    return cached_page(request, lambda: _search_page(request, q))


def _search_page(request: Request, q: str) -> Response:
    core = core_of(request)
    size = core.settings.search_page_size
    params = request.query_params
    options = SearchOptions.from_params(params)
    p = page_param(params)
    filters = {key: params.get(key, "") for key in ("from", "to", "cat", "author")}
    if not q.strip() and not any(filters.values()):
        return render(request, "search.html", results=None, q=q, p=0,
                      filters={**filters, "sort": options.sort.value})
    filters["sort"] = options.sort.value
    results = core.search_papers(q, limit=size, offset=p * size, options=options)
    if results.jump_to:
        return RedirectResponse(f"/papers/{results.jump_to}", status_code=303)
    core.with_summaries([hit.paper for hit in results.hits])
    keep = urlencode({"q": q, **{k: v for k, v in filters.items() if v}})
    # The feeds take the same filters (and leave out the default order).
    feed_query = urlencode({"q": q, **{k: v for k, v in filters.items() if v and v != Sort.RELEVANCE}})
    return render(request, "search.html", results=results, q=q, p=p, filters=filters, keep=keep,
                  feed_query=feed_query)


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
        summary=core.summaries_of([paper.id]).get(paper.id),
        github=core.github_repos_of([paper]),
        thread=core.paper_comments(paper.id, user),
        my_collections=core.collections_of(user) if user else [],
        submitted=request.query_params.get("submitted") == "1",
        proposed=request.query_params.get("proposed") == "1",
        highwire=citations.highwire_tags(paper), coins=citations.coins(paper),
        bibtex=citations.bibtex([paper]),
    )
