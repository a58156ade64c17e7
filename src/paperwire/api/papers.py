"""JSON API for papers, shaped like Hugging Face's Daily Papers API.

Lists are serialized once with orjson (FastAPI's model serialization costs
several times more on list payloads); the Pydantic schemas in ``schemas``
document the responses in OpenAPI.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.api.schemas import DailyPaperItem, HFPaper, SearchItem, SimilarItem
from paperwire.api.shapes import daily_item, hf_paper, search_item, similar_item
from paperwire.ids import parse_arxiv_id
from paperwire.models import (
    MAX_AUTHOR_CHARS,
    PaperFilter,
    Period,
    SearchOptions,
    Sort,
    SortOrder,
    page_param,
    whole_param,
)
from paperwire.surface import (
    DAY_SCHEMA,
    ArxivId,
    CategoryParam,
    DateParam,
    ErrorBody,
    MonthParam,
    PageParam,
    WeekParam,
    core_of,
    limit_param,
)

router = APIRouter(prefix="/api", tags=["papers"])
MAX_LIMIT = 100

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Invalid parameters"},
    422: {"model": ErrorBody, "description": "Parameters of the wrong type"},
}


def json_response(payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json", headers=headers)


@router.get(
    "/daily_papers",
    summary="Papers of a day, week or month",
    response_model=list[DailyPaperItem],
    responses=ERRORS,
)
def daily_papers(
    request: Request,
    date: DateParam = None,
    week: WeekParam = None,
    month: MonthParam = None,
    category: CategoryParam = None,
    limit: int = limit_param(50, MAX_LIMIT),
    p: PageParam = 0,
    sort: SortOrder = Query(
        default=SortOrder.UPVOTES,
        description="`upvotes` (the day's list), `publishedAt` (newest first) or `trending`"
        " (time-decayed upvotes, `period` picks the horizon; with date/week/month, that"
        " window's papers by it; without, and with no votes in the horizon, the latest"
        " day's papers by upvotes).",
    ),
    submitter: str | None = Query(default=None, max_length=64,
                                  description="Only papers this user (username) submitted."),
    code: bool = Query(default=False, description="Only papers with a code repository link."),
    period: Period = Query(
        default=Period.DAY, description="Trending horizon: `day`, `week` or `month`."
    ),
) -> Response:
    """Most upvoted first, then announcement order. Without date/week/month: the
    latest day that has papers. With `sort=trending`: the trending ranking, the same
    function as the `/trending` page. `huggingface_hub`'s `HfApi.list_daily_papers`
    reads this endpoint as it reads Hugging Face's. The next page, if any, is in a `Link: rel="next"`
    header."""
    # The parameters above document the call; the one filter parser reads them.
    paper_filter = PaperFilter.from_params(request.query_params, max_limit=MAX_LIMIT)
    core = core_of(request)
    page = core.list_papers(paper_filter)
    keywords = core.concepts_of([paper.id for paper in page.papers])
    summaries = _summary_texts(core, [paper.id for paper in page.papers])
    headers = {}
    if page.offset + len(page.papers) < page.total:
        params = {k: v for k, v in request.query_params.items() if k != "p"}
        params["p"] = str(page.offset // page.limit + 1)
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return json_response([daily_item(paper, keywords.get(paper.id), summaries.get(paper.id))
                          for paper in page.papers], headers)


def _summary_texts(core: Any, ids: list[int]) -> dict[int, str]:
    return {paper_id: summary.text for paper_id, summary in core.summaries_of(ids).items()}


@router.get(
    "/papers/search",
    summary="Search papers",
    response_model=list[SearchItem],
    responses=ERRORS,
)
def search(
    request: Request,
    q: str = Query(max_length=250, description="Words, \"phrases\", -excluded, "
                   "author:name, cat:cs.LG, or an arXiv id.", examples=["task-specific heads"]),
    limit: int = limit_param(20, MAX_LIMIT),
    p: PageParam = 0,
    sort: Sort = Query(default=Sort.RELEVANCE, description="relevance, newest or upvotes."),
    date_from: str | None = Query(default=None, alias="from", json_schema_extra=DAY_SCHEMA,
                                  description="Listed on or after this day.", examples=["2024-01-01"]),
    date_to: str | None = Query(default=None, alias="to", json_schema_extra=DAY_SCHEMA,
                                description="Listed on or before this day.", examples=["2024-12-31"]),
    cat: CategoryParam = None,
    author: str | None = Query(default=None, json_schema_extra={"maxLength": MAX_AUTHOR_CHARS}),
    semantic: bool = Query(default=True, description="false: keyword matches only."),
    keyword: bool = Query(default=True, description="false: semantic matches only."),
) -> Response:
    """The same engine as the search page and `paperwire search`: papers with every word
    and papers close in meaning, fused (see `matchKind`). The total is in `X-Total-Count`."""
    params = request.query_params  # the parameters above document them; the parsers read them
    options = SearchOptions.from_params(params)
    limit = whole_param(params, "limit", 1, MAX_LIMIT, default=20)
    offset = page_param(params) * limit
    results = core_of(request).search_papers(q, limit=limit, offset=offset, options=options)
    if results.jump_to:
        return RedirectResponse(f"/api/papers/{results.jump_to}", status_code=307)
    headers = {"X-Total-Count": str(results.total)}
    summaries = _summary_texts(core_of(request), [hit.paper.id for hit in results.hits])
    return json_response([search_item(hit, summaries.get(hit.paper.id)) for hit in results.hits],
                         headers)


@router.get(
    "/authors/{name}",
    summary="An author's papers",
    response_model=list[HFPaper],
    responses={404: {"model": ErrorBody, "description": "No paper by that name"}, **ERRORS},
)
def author_papers(
    request: Request,
    name: str = Path(min_length=1, max_length=MAX_AUTHOR_CHARS, examples=["ada-lovelace"]),
    limit: int = limit_param(50, MAX_LIMIT),
    p: PageParam = 0,
) -> Response:
    """The papers of the author page `/authors/{name}`, newest first (any spelling of
    the name: `Ada Lovelace`, `Lovelace, Ada`, `ada-lovelace`). The total is in
    `X-Total-Count`."""
    params = request.query_params
    limit = whole_param(params, "limit", 1, MAX_LIMIT, default=50)
    found = core_of(request).author_page(name, page=page_param(params), limit=limit)
    headers = {"X-Total-Count": str(found.page.total)}
    return json_response([hf_paper(paper) for paper in found.page.papers], headers)


@router.get(
    "/papers/{arxiv_id:path}/similar",
    summary="Papers similar to one paper",
    response_model=list[SimilarItem],
    responses={404: {"model": ErrorBody, "description": "No such paper"}, **ERRORS},
)
def similar(
    request: Request,
    arxiv_id: ArxivId,
    limit: int = Query(default=10, ge=1, le=50),
) -> Response:
    """Nearest papers by embedding of title and abstract, most similar first; the paper
    itself and exact duplicates are left out. Empty until the paper has been embedded."""
    canonical, _ = parse_arxiv_id(arxiv_id)
    found = core_of(request).similar_papers(canonical, limit=limit)
    return json_response([similar_item(item) for item in found])


@router.get(
    "/papers/{arxiv_id:path}",
    summary="One paper",
    response_model=HFPaper,
    responses={404: {"model": ErrorBody, "description": "No such paper"}, **ERRORS},
)
def paper(
    request: Request, arxiv_id: ArxivId
) -> Response:
    """A paper by arXiv id (`2401.01234`, `hep-th/9901001`; a version suffix is ignored)."""
    canonical, _ = parse_arxiv_id(arxiv_id)
    core = core_of(request)
    found = core.get_paper(canonical)
    keywords = core.concepts_of([found.id]).get(found.id)
    summary = _summary_texts(core, [found.id]).get(found.id)
    return json_response(hf_paper(found, detail=True, keywords=keywords, summary=summary))
