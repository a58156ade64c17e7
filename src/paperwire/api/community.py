"""JSON twins of the community pages: trending, a paper's comments, collections,
profiles, and who a token belongs to. Each calls the same core method as its page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from paperwire.api import community_shapes as shapes
from paperwire.api.auth import AUTH_ERRORS, TokenUser, TokenViewer
from paperwire.api.community_schemas import CollectionOut, CollectionSummary, CommentOut, ProfileOut, WhoAmI
from paperwire.api.papers import ERRORS, MAX_LIMIT, json_response
from paperwire.api.schemas import DailyPaperItem
from paperwire.api.shapes import daily_item
from paperwire.ids import parse_arxiv_id
from paperwire.models import (
    PaperFilter,
    Period,
    SortOrder,
    code_days_param,
    page_param,
    whole_param,
)
from paperwire.surface import (
    ArxivId,
    CategoryParam,
    CodeDaysParam,
    ErrorBody,
    PageParam,
    core_of,
    limit_param,
)

router = APIRouter(prefix="/api", tags=["community"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "Not found"}}
CollectionId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[1])]
Username = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_\-]{1,29}$", examples=["ada"])]


@router.get("/trending", summary="Trending papers", response_model=list[DailyPaperItem],
            responses=ERRORS)
def trending(
    request: Request,
    period: Period = Query(default=Period.DAY, description="Horizon: `day`, `week` or `month`."),
    category: CategoryParam = None,
    limit: int = limit_param(50, MAX_LIMIT),
    p: PageParam = 0,
) -> Response:
    """The `/trending` page's list (the same as `/api/daily_papers?sort=trending`): papers
    ranked by time-decayed upvotes, each with its `trendingScore`. The next page, if any,
    is in a `Link: rel="next"` header."""
    paper_filter = PaperFilter.from_params(
        request.query_params, max_limit=MAX_LIMIT, sort=SortOrder.TRENDING
    )
    page = core_of(request).list_papers(paper_filter)
    headers = {}
    if page.offset + len(page.papers) < page.total:
        params = {**request.query_params, "p": str(page.offset // page.limit + 1)}
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return json_response([daily_item(paper) for paper in page.papers], headers)


@router.get("/trending/code", summary="Trending by code", response_model=list[DailyPaperItem],
            responses=ERRORS)
def trending_code(
    request: Request, limit: int = limit_param(50, MAX_LIMIT), p: PageParam = 0,
    days: CodeDaysParam = None,
) -> Response:
    """The `/trending/code` page's list: papers by the GitHub stars their repository gained
    over the last `days` days (stars today − stars `days` days ago; 1-30, default 7), each
    with `starsGained` and `githubStars`. The next page, if any, is in a `Link: rel="next"`
    header."""
    # The parameters above document the call; the parsers check them (a 400 naming one).
    limit = whole_param(request.query_params, "limit", 1, MAX_LIMIT, default=50)
    p, days = page_param(request.query_params), code_days_param(request.query_params)
    page = core_of(request).trending_by_code(days=days, limit=limit, offset=p * limit)
    headers = {}
    if page.offset + len(page.papers) < page.total:
        params = {**request.query_params, "p": str(p + 1)}
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return json_response([{**daily_item(paper), "starsGained": paper.stars_gained}
                          for paper in page.papers], headers)


@router.get("/papers/{arxiv_id:path}/comments", summary="A paper's comments",
            response_model=list[CommentOut], responses={**NOT_FOUND, **ERRORS, **AUTH_ERRORS})
def comments(request: Request, arxiv_id: ArxivId, viewer: TokenViewer) -> Response:
    """The discussion on the paper's page: top-level comments oldest first, each with its
    replies. Deleted comments (and hidden ones, except to moderators) keep their place
    without their text when replies hang from them."""
    core = core_of(request)
    paper = core.get_paper(parse_arxiv_id(arxiv_id)[0])
    thread = core.paper_comments(paper.id, viewer)
    return json_response([shapes.comment(item, viewer) for item in thread])


@router.get("/collections", summary="Your collections", response_model=list[CollectionSummary],
            responses=AUTH_ERRORS)
def my_collections(request: Request, user: TokenUser) -> Response:
    """The token owner's collections, private ones included (the `/collections` page)."""
    found = core_of(request).collections_of(user)
    return json_response([shapes.collection_summary(c) for c in found])


@router.get("/collections/{collection_id}", summary="A collection", response_model=CollectionOut,
            responses={**NOT_FOUND, **ERRORS, **AUTH_ERRORS})
def collection(request: Request, collection_id: CollectionId, viewer: TokenViewer) -> Response:
    """A public collection with its papers, or a private one to its owner's token."""
    return json_response(shapes.collection(core_of(request).collection(collection_id, viewer)))


@router.get("/users/{username}", summary="A user's profile", response_model=ProfileOut,
            responses={**NOT_FOUND, **ERRORS, **AUTH_ERRORS})
def user_profile(request: Request, username: Username, viewer: TokenViewer) -> Response:
    """What the profile page shows: upvoted papers, comments and public collections."""
    return json_response(shapes.profile(core_of(request).profile(username, viewer)))


@router.get("/whoami-v2", summary="Who the token belongs to", response_model=WhoAmI,
            responses=AUTH_ERRORS)
def whoami(user: TokenUser) -> Response:
    """The token's owner (named after Hugging Face's `/api/whoami-v2`)."""
    return json_response(shapes.whoami(user))
