"""The For-you page (signed-in readers only), and the Not interested / More like this
forms on paper cards (plain POST forms; htmx swaps in a small fragment)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from paperwire.library.models import SignalKind
from paperwire.models import page_param
from paperwire.surface import core_of
from paperwire.web.pages import render
from paperwire.web.redirects import safe_next
from paperwire.web.viewer import is_htmx, see_other, signed_in

router = APIRouter(include_in_schema=False)
NEXT = Form(default="/for-you", max_length=2000)
UNDO = Form(default="", max_length=1)
SEEN = Form(default=[])
MAX_SEEN = 200
SIGNALS = {"not-interested": SignalKind.NOT_INTERESTED, "more-like-this": SignalKind.MORE_LIKE_THIS}


@router.get("/for-you", response_class=HTMLResponse)
def for_you(request: Request) -> Response:
    """The reader's picks, each with why; ``hide_seen=1`` leaves out what they saw."""
    user = signed_in(request)
    core = core_of(request)
    hide_seen = request.query_params.get("hide_seen") == "1"
    page_param(request.query_params)  # a bad p is a 400 like on every list
    result = core.recommend(user.id, limit=core.settings.page_size, hide_seen=hide_seen)
    return render(request, "for_you.html", result=result, hide_seen=hide_seen,
                  nav="for-you", here="/for-you" + ("?hide_seen=1" if hide_seen else ""))


@router.post("/for-you/seen")
def seen(request: Request, papers: list[str] = SEEN, next: str = NEXT) -> Response:
    """Remember papers as seen: the page posts what it showed (and a paper's page the
    paper) once loaded, so a GET never changes anything."""
    user = signed_in(request)
    core = core_of(request)
    found = core.papers_by_arxiv_ids(papers[:MAX_SEEN])
    core.record_seen(user.id, [paper.id for paper in found])
    if is_htmx(request):
        return Response(status_code=204)
    return see_other(safe_next(next))


@router.post("/papers/{arxiv_id:path}/not-interested")
def not_interested(request: Request, arxiv_id: str, undo: str = UNDO, next: str = NEXT) -> Response:
    return _signal(request, arxiv_id, "not-interested", undo == "1", next)


@router.post("/papers/{arxiv_id:path}/more-like-this")
def more_like_this(request: Request, arxiv_id: str, undo: str = UNDO, next: str = NEXT) -> Response:
    return _signal(request, arxiv_id, "more-like-this", undo == "1", next)


def _signal(request: Request, arxiv_id: str, action: str, undo: bool, next_url: str) -> Response:
    user = signed_in(request)
    core = core_of(request)
    paper = core.get_paper(arxiv_id)
    kind = SIGNALS[action]
    if undo:
        core.clear_signal(user.id, paper.id, kind)
    else:
        core.mark_signal(user.id, paper.id, kind)
    if is_htmx(request):
        return render(request, "_signal_done.html", paper=paper, action=action, undone=undo,
                      next_url=safe_next(next_url))
    return see_other(safe_next(next_url))
