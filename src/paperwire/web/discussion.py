"""Upvotes, trending and comments: plain form POSTs that redirect, or, with
``HX-Request``, return just the changed fragment."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from paperwire.models import PaperFilter, SortOrder, code_days_param, page_param
from paperwire.ranking import HORIZON_DAYS, describe
from paperwire.surface import core_of, rate
from paperwire.web.pagecache import cached_page
from paperwire.web.pages import render
from paperwire.web.redirects import safe_next
from paperwire.web.viewer import is_htmx, see_other, signed_in, viewer

router = APIRouter(include_in_schema=False)
NEXT = Form(default="/", max_length=2000)
BODY = Form(default="", max_length=20_000)


@router.post("/papers/{arxiv_id:path}/upvote")
def upvote(request: Request, arxiv_id: str, up: str = Form(default="", max_length=1),
           next: str = NEXT) -> Response:
    """``up=1`` upvotes, ``up=0`` takes it back, nothing flips it."""
    user = signed_in(request)
    rate(request, "vote", str(user.id), "rate_limit_votes")
    state = core_of(request).upvote(user, arxiv_id, up={"1": True, "0": False}.get(up))
    if is_htmx(request):
        return render(request, "_vote.html", paper=state, next_url=safe_next(next))
    return see_other(safe_next(next))


@router.get("/trending")
def trending(request: Request) -> Response:
    """Time-decayed upvotes over the last ``period``; ``PaperFilter.from_params``."""
    return cached_page(request, lambda: _trending_page(request))


def _trending_page(request: Request) -> Response:
    core = core_of(request)
    user = viewer(request)
    paper_filter = PaperFilter.from_params(
        request.query_params, limit=core.settings.page_size, sort=SortOrder.TRENDING,
        viewer_id=user.id if user else None,
    )
    page = core.list_papers(paper_filter)
    core.with_summaries(page.papers)
    period, p = paper_filter.period, paper_filter.offset // paper_filter.limit
    formula = describe(period, core.settings.trending_half_life_hours)
    return render(request, "trending.html", page=page, period=period, p=p, formula=formula,
                  horizon=HORIZON_DAYS[period], nav="trending")


@router.get("/trending/code")
def trending_code(request: Request) -> Response:
    """Papers by the GitHub stars their repository gained over the last ``days`` days
    (1-30, default 7)."""
    return cached_page(request, lambda: _trending_code_page(request))


def _trending_code_page(request: Request) -> Response:
    core = core_of(request)
    limit = core.settings.page_size
    p, days = page_param(request.query_params), code_days_param(request.query_params)
    page = core.trending_by_code(days=days, limit=limit, offset=p * limit)
    core.with_summaries(page.papers)
    return render(request, "trending_code.html", page=page, p=p, nav="trending",
                  days=days)


@router.post("/papers/{arxiv_id:path}/comments")
def add_comment(request: Request, arxiv_id: str, body: str = BODY,
                parent_id: int | None = Form(default=None)) -> Response:
    user = signed_in(request)
    rate(request, "comment", str(user.id), "rate_limit_comments")
    core = core_of(request)
    comment_id = core.add_comment(user, arxiv_id, body, parent_id=parent_id)
    paper = core.get_paper(arxiv_id)
    return see_other(f"/papers/{paper.arxiv_id}#comment-{comment_id}")


@router.get("/comments/{comment_id}/edit")
def edit_form(request: Request, comment_id: int) -> Response:
    user = signed_in(request)
    comment = core_of(request).get_comment(comment_id)
    if comment.author.id != user.id or comment.deleted:
        return render(request, "error.html", 403, status=403, title="Not yours",
                      message="You can only edit your own comments.")
    return render(request, "comment_edit.html", comment=comment)


@router.post("/comments/{comment_id}/edit")
def edit(request: Request, comment_id: int, body: str = BODY) -> Response:
    user = signed_in(request)
    rate(request, "comment", str(user.id), "rate_limit_comments")
    comment = core_of(request).edit_comment(user, comment_id, body)
    return see_other(f"/papers/{comment.arxiv_id}#comment-{comment_id}")


@router.post("/comments/{comment_id}/delete")
def delete(request: Request, comment_id: int) -> Response:
    comment = core_of(request).delete_comment(signed_in(request), comment_id)
    return see_other(f"/papers/{comment.arxiv_id}#comments")


@router.post("/comments/{comment_id}/hide")
def hide(request: Request, comment_id: int) -> Response:
    comment = core_of(request).hide_comment(signed_in(request), comment_id, hidden=True)
    return see_other(f"/papers/{comment.arxiv_id}#comment-{comment_id}")


@router.post("/comments/{comment_id}/unhide")
def unhide(request: Request, comment_id: int) -> Response:
    comment = core_of(request).hide_comment(signed_in(request), comment_id, hidden=False)
    return see_other(f"/papers/{comment.arxiv_id}#comment-{comment_id}")


