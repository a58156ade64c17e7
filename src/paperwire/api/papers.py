"""JSON API for papers, shaped like Hugging Face's Daily Papers API.

Lists are serialized once with orjson (FastAPI's model serialization costs
several times more on list payloads); the Pydantic schemas in ``schemas``
document the responses in OpenAPI.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.api.schemas import (
    CategoryParam,
    DailyPaperItem,
    DateParam,
    ErrorBody,
    HFPaper,
    MonthParam,
    SearchItem,
    SimilarItem,
    WeekParam,
)
from paperwire.api.shapes import daily_item, hf_paper, search_item, similar_item
from paperwire.core import Paperwire
from paperwire.ids import parse_arxiv_id
from paperwire.models import PaperFilter, Period, SearchOptions, Sort, SortOrder, window_from

router = APIRouter(prefix="/api", tags=["papers"])
# An arXiv id as a path parameter: new style or old style, with an optional version.
ARXIV_ID_PATTERN = r"^(\d{4}\.\d{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7})(v\d+)?$"

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Invalid parameters"},
    422: {"model": ErrorBody, "description": "Parameters of the wrong type"},
}


def json_response(payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json", headers=headers)


def core_of(request: Request) -> Paperwire:
    return request.app.state.core


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
    limit: int = Query(default=50, ge=1, le=100),
    p: int = Query(default=0, ge=0, le=10_000, description="0-based page."),
    sort: SortOrder = Query(
        default=SortOrder.UPVOTES,
        description="`upvotes` (the day's list) or `trending` (time-decayed upvotes;"
        " date/week/month are then ignored and `period` picks the horizon).",
    ),
    period: Period = Query(
        default=Period.DAY, description="Trending horizon: `day`, `week` or `month`."
    ),
) -> Response:
    """Most upvoted first, then announcement order. Without date/week/month: the
    latest day that has papers. With `sort=trending`: the trending ranking, the same
    function as the `/trending` page. The next page, if any, is in a `Link: rel="next"`
    header."""
    trending = sort is SortOrder.TRENDING
    paper_filter = PaperFilter(
        window=None if trending else window_from(date, week, month),
        period=period,
        category=category or None,
        limit=limit,
        offset=p * limit,
        sort=sort,
    )
    page = core_of(request).list_papers(paper_filter)
    headers = {}
    if page.offset + len(page.papers) < page.total:
        params = {k: v for k, v in request.query_params.items() if k != "p"}
        params["p"] = str(p + 1)
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return json_response([daily_item(paper) for paper in page.papers], headers)


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
    limit: int = Query(default=20, ge=1, le=100),
    p: int = Query(default=0, ge=0, le=10_000),
    sort: Sort = Query(default=Sort.RELEVANCE, description="relevance, newest or upvotes."),
    date_from: dt.date | None = Query(default=None, alias="from",
                                      description="Listed on or after this day.",
                                      examples=["2024-01-01"]),
    date_to: dt.date | None = Query(default=None, alias="to",
                                    description="Listed on or before this day.",
                                    examples=["2024-12-31"]),
    cat: CategoryParam = None,
    author: str | None = Query(default=None, max_length=200),
    semantic: bool = Query(default=True, description="false: keyword matches only."),
    keyword: bool = Query(default=True, description="false: semantic matches only."),
) -> Response:
    """The same engine as the search page and `paperwire search`: papers with every word
    and papers close in meaning, fused (see `matchKind`). The total is in `X-Total-Count`."""
    options = SearchOptions.from_params(
        sort, date_from, date_to, cat, author, semantic=semantic, keyword=keyword
    )
    results = core_of(request).search_papers(q, limit=limit, offset=p * limit, options=options)
    if results.jump_to:
        return RedirectResponse(f"/api/papers/{results.jump_to}", status_code=307)
    headers = {"X-Total-Count": str(results.total)}
    return json_response([search_item(hit) for hit in results.hits], headers)


@router.get(
    "/papers/{arxiv_id:path}/similar",
    summary="Papers similar to one paper",
    response_model=list[SimilarItem],
    responses={404: {"model": ErrorBody, "description": "No such paper"}, **ERRORS},
)
def similar(
    request: Request,
    arxiv_id: Annotated[str, Path(pattern=ARXIV_ID_PATTERN, examples=["2604.26375"])],
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
    request: Request, arxiv_id: Annotated[str, Path(pattern=ARXIV_ID_PATTERN, examples=["2604.26375"])]
) -> Response:
    """A paper by arXiv id (`2401.01234`, `hep-th/9901001`; a version suffix is ignored)."""
    canonical, _ = parse_arxiv_id(arxiv_id)
    return json_response(hf_paper(core_of(request).get_paper(canonical), detail=True))
