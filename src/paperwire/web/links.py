"""Readers propose code and project links on a paper page; moderators approve them."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from paperwire.surface import core_of, rate
from paperwire.web.pages import render
from paperwire.web.viewer import approves, see_other, signed_in

router = APIRouter(include_in_schema=False)


@router.post("/papers/{arxiv_id:path}/links")
def propose(request: Request, arxiv_id: str, url: str = Form(max_length=2000),
            corrects: str = Form(default="", max_length=2000)) -> Response:
    """``corrects``: the link this one replaces (empty: a link to add)."""
    user = signed_in(request)
    rate(request, "vote", str(user.id), "rate_limit_votes")
    core_of(request).propose_link(user, arxiv_id, url, corrects=corrects or None)
    return see_other(f"/papers/{arxiv_id}?proposed=1#code")


@router.get("/admin/links")
def proposals(request: Request) -> Response:
    entries = core_of(request).link_proposals(signed_in(request))
    return render(request, "link_proposals.html", proposals=entries)


@router.post("/admin/links/{link_id}")
def decide(request: Request, link_id: int,
           decision: str = Form(default="", max_length=10)) -> Response:
    """``decision=approve`` or ``reject``."""
    moderator = signed_in(request)
    core_of(request).decide_link(moderator, link_id, approve=approves(decision))
    return see_other("/admin/links")
