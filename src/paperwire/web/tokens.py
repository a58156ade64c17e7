"""The account settings page's tokens: personal API tokens (create, list, revoke) and
the private feed token (make, rotate). Cookie + CSRF forms, like every other page."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from paperwire.community.models import NewApiToken, User
from paperwire.errors import InvalidInput
from paperwire.library.models import ImportSummary
from paperwire.surface import core_of
from paperwire.web.pages import render
from paperwire.web.viewer import see_other, signed_in

router = APIRouter(include_in_schema=False)
FEED_FORMATS = (("Atom", "atom"), ("RSS", "rss"), ("JSON Feed", "json"))
LIBRARY_SHOWN = 500  # the newest entries listed on the page (the CLI lists them all)


def account_page(request: Request, user: User, status: int = 200, *, error: str | None = None,
                 new_token: NewApiToken | None = None,
                 library_summary: ImportSummary | None = None) -> Response:
    """The settings page: profile fields, API tokens, private feed URLs, the library."""
    core = core_of(request)
    feed_token = core.feed_token(user)
    base = core.settings.base_url.rstrip("/")
    feed_urls = [
        (label, f"{base}/personal.{fmt}?token={feed_token}") for label, fmt in FEED_FORMATS
    ] if feed_token else []
    return render(request, "account.html", status, user=user, error=error,
                  tokens=core.api_tokens(user), new_token=new_token, feed_urls=feed_urls,
                  library=core.library(user.id, limit=LIBRARY_SHOWN),
                  library_size=core.library_size(user.id), library_summary=library_summary,
                  library_deleted=request.query_params.get("deleted") == "library")


@router.post("/account/tokens")
def create_token(request: Request, name: str = Form(default="", max_length=200)) -> Response:
    """Create a token and show it, this once, on the page this answers."""
    user = signed_in(request)
    try:
        created = core_of(request).create_api_token(user, name)
    except InvalidInput as error:
        return account_page(request, user, 400, error=str(error))
    response = account_page(request, user, 201, new_token=created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int) -> Response:
    core_of(request).revoke_api_token(signed_in(request), token_id)
    return see_other("/account#tokens")


@router.post("/account/feed-token")
def rotate_feed_token(request: Request) -> Response:
    """Make the private feed URLs, or replace them (old ones stop working)."""
    core_of(request).rotate_feed_token(signed_in(request))
    return see_other("/account#feeds")
