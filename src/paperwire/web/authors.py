"""Author pages, author search, follow / unfollow (a form, or an htmx fragment), claims,
and the admins' review of claims."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.authors import author_key, author_slug
from paperwire.models import author_url, page_param
from paperwire.surface import core_of, rate
from paperwire.web.pages import render
from paperwire.web.viewer import approves, is_htmx, see_other, signed_in, viewer

router = APIRouter(include_in_schema=False)
NAME = Form(default="", max_length=300)


@router.get("/authors")
def author_search(request: Request, q: str = Query(default="", max_length=200)) -> Response:
    """Authors whose name contains ``q``, most papers first."""
    found = core_of(request).search_authors(q) if q.strip() else []
    return render(request, "authors.html", q=q, found=found, nav="authors")


@router.get("/authors/{name}")
def author_page(request: Request, name: str) -> Response:
    """An author's papers, newest first (page ``p``); any spelling of the name redirects
    to the page under its key."""
    key = author_key(name)
    if key and name != author_slug(key):
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(author_url(key) + query, status_code=301)
    user = viewer(request)
    core = core_of(request)
    found = core.author_page(name, viewer=user, page=page_param(request.query_params))
    core.with_summaries(found.page.papers)
    return render(request, "author.html", author=found, p=found.page.offset // found.page.limit)


@router.post("/authors/{name}/follow")
def follow(request: Request, name: str, follow: str = Form(default="1", max_length=1)) -> Response:
    """``follow=1`` follows, ``follow=0`` unfollows; htmx gets the button back."""
    user = signed_in(request)
    rate(request, "vote", str(user.id), "rate_limit_votes")
    core = core_of(request)
    following = follow != "0"
    author = core.follow_author(user, name) if following else core.unfollow_author(user, name)
    if is_htmx(request):
        return render(request, "_follow.html", target=author, following=following)
    return see_other(author.url)


@router.post("/authors/{name}/claim")
def claim(request: Request, name: str, withdraw: str = Form(default="", max_length=1)) -> Response:
    """Claim the name as yours (an admin approves it before it shows), or withdraw it."""
    user = signed_in(request)
    rate(request, "vote", str(user.id), "rate_limit_votes")
    core = core_of(request)
    if withdraw == "1":
        core.withdraw_author_claim(user, name)
    else:
        core.claim_author(user, name)
    return see_other(author_url(author_key(name)) + "#claim")


@router.get("/admin/claims")
def claims(request: Request) -> Response:
    entries = core_of(request).author_claims(signed_in(request))
    return render(request, "claims.html", claims=entries)


@router.post("/admin/claims/{claim_id}")
def decide(request: Request, claim_id: int,
           decision: str = Form(default="", max_length=10)) -> Response:
    """``decision=approve`` or ``reject``."""
    admin = signed_in(request)
    core_of(request).decide_author_claim(claim_id, approve=approves(decision), admin=admin)
    return see_other("/admin/claims")
