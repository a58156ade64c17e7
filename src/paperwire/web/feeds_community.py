"""Feeds of the community's lists: trending, a public collection, a profile's upvotes,
and a user's private personal feed (by feed token). Each is built by the same core
method as its page."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from paperwire.errors import NotFound
from paperwire.feeds.build import FeedFormat, last_modified
from paperwire.models import PaperFilter, Period, SortOrder, code_days_param
from paperwire.ranking import HORIZON_DAYS
from paperwire.surface import CodeDaysParam, ErrorBody, core_of
from paperwire.web.feeds import FEED_LIMIT, FEED_RESPONSES, feed_response

router = APIRouter(tags=["feeds"])
NOT_FOUND: dict[int | str, dict] = {404: {"model": ErrorBody, "description": "No such list"}}
RESPONSES = {**FEED_RESPONSES, **NOT_FOUND}
# Lists that change without any paper changing are "modified" at most this often.
TICK_S = 300
USERNAME = Path(pattern=r"^[a-z0-9][a-z0-9_\-]{1,29}$", examples=["ada"])


def _tick() -> datetime:
    now = int(datetime.now(UTC).timestamp())
    return datetime.fromtimestamp(now - now % TICK_S, UTC)


def _epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


@router.get("/trending.{fmt}", summary="Feed of the trending papers", response_class=Response,
            responses=FEED_RESPONSES)
def trending_feed(request: Request, fmt: FeedFormat, period: Period = Period.DAY) -> Response:
    """The `/trending` list (time-decayed upvotes over the last day, week or month)."""
    core = core_of(request)
    paper_filter = PaperFilter.from_params(request.query_params, limit=FEED_LIMIT, sort=SortOrder.TRENDING)
    page = core.list_papers(paper_filter)
    period = paper_filter.period
    days = HORIZON_DAYS[period]
    return feed_response(
        request, fmt, title=f"{core.settings.site_name}: Trending ({period.value})",
        description=f"Papers ranked by time-decayed upvotes of the last {days} day(s).",
        page_path="/trending", papers=page.papers, modified=_tick(),
    )


@router.get("/trending/code.{fmt}", summary="Feed of Trending by code", response_class=Response,
            responses=FEED_RESPONSES)
def trending_code_feed(request: Request, fmt: FeedFormat, days: CodeDaysParam = None) -> Response:
    """The `/trending/code` list: papers by the GitHub stars their repository gained over
    the last `days` days (1-30, default 7)."""
    core = core_of(request)
    days = code_days_param(request.query_params)
    page = core.trending_by_code(days=days, limit=FEED_LIMIT)
    return feed_response(
        request, fmt, title=f"{core.settings.site_name}: Trending by code ({days} days)",
        description=f"Papers ranked by the GitHub stars their repository gained in {days} days.",
        page_path="/trending/code", papers=page.papers, modified=_tick(),
    )


@router.get("/collections/{collection_id}.{fmt}", summary="Feed of a public collection",
            response_class=Response, responses=RESPONSES)
def collection_feed(
    request: Request, fmt: FeedFormat,
    collection_id: int = Path(ge=1, le=2**31 - 1, examples=[1]),
) -> Response:
    """A public collection's papers, the latest saved first. Private collections are 404."""
    core = core_of(request)
    collection = core.collection(collection_id, None)
    papers = core.papers_by_arxiv_ids([item.arxiv_id for item in collection.items[:FEED_LIMIT]])
    saved = [_epoch(item.added_at) for item in collection.items[:1]]
    return feed_response(
        request, fmt, title=f"{core.settings.site_name}: {collection.name}",
        description=collection.description or f"A collection by {collection.owner.display_name}.",
        page_path=f"/collections/{collection_id}", papers=papers,
        modified=max([last_modified(papers), *saved]),
    )


@router.get("/u/{username}.{fmt}", summary="Feed of the papers a user upvoted",
            response_class=Response, responses=RESPONSES)
def profile_feed(request: Request, fmt: FeedFormat, username: str = USERNAME) -> Response:
    """What the profile page lists as upvoted, newest vote first."""
    core = core_of(request)
    profile = core.profile(username, None)
    papers = core.papers_by_arxiv_ids([arxiv_id for arxiv_id, _ in profile.upvoted])
    return feed_response(
        request, fmt, title=f"{core.settings.site_name}: upvoted by {profile.user.display_name}",
        description=f"Papers @{profile.user.username} upvoted, newest vote first.",
        page_path=f"/u/{username}", papers=papers, modified=_tick(),
    )


@router.get("/authors/{name}.{fmt}", summary="Feed of an author's papers",
            response_class=Response, responses=RESPONSES)
def author_feed(request: Request, fmt: FeedFormat,
                name: str = Path(min_length=1, max_length=200, examples=["ada-lovelace"])) -> Response:
    """The author page's papers, newest first (any spelling of the name)."""
    core = core_of(request)
    found = core.author_page(name, limit=FEED_LIMIT)
    return feed_response(
        request, fmt, title=f"{core.settings.site_name}: papers by {found.author.name}",
        description=f"Papers by {found.author.name}, newest first.",
        page_path=found.author.url, papers=found.page.papers,
    )


@router.get("/personal.{fmt}", summary="A user's private personal feed",
            response_class=Response, responses=RESPONSES)
def personal_feed(
    request: Request, fmt: FeedFormat,
    token: str = Query(min_length=1, max_length=80, description="The feed token from the"
                       " account settings page.", examples=["1.0123456789abcdef0123456789abcdef01234567"]),
) -> Response:
    """The week's papers For you picked for the user (their library, votes, saves and
    signals; see docs/for-you.md), then the newest week of papers in their topics (the
    categories of the papers they upvoted or saved). The token is private; rotating it
    on the settings page ends old URLs."""
    core = core_of(request)
    user = core.user_for_feed_token(token)
    if user is None:
        raise NotFound("no such feed (was its token rotated?)")
    personal = core.personal_papers(user, limit=FEED_LIMIT)
    topics = ", ".join(personal.topics) or "none yet: upvote or save papers to choose them"
    return feed_response(
        request, fmt, title=f"{core.settings.site_name}: papers for {user.display_name}",
        description=f"Picked for you, then the newest papers in your topics ({topics}).",
        page_path="/account", papers=personal.papers, private=True,
    )
