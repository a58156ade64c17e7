"""Write calls of the JSON API, authenticated by a personal API token only.

``Authorization: Bearer <token>``; no cookie, no CSRF token. The same core
methods and the same rate limits as the web forms.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from paperwire.api import community_shapes as shapes
from paperwire.api.auth import AUTH_ERRORS, TokenUser
from paperwire.api.community import NOT_FOUND, CollectionId
from paperwire.api.community_schemas import (
    CollectionIn,
    CollectionOut,
    CommentIn,
    CommentOut,
    SaveRequest,
    VoteOut,
)
from paperwire.api.papers import ERRORS, json_response
from paperwire.community.models import User
from paperwire.ids import parse_arxiv_id
from paperwire.surface import ArxivId, ErrorBody, core_of, rate

router = APIRouter(prefix="/api", tags=["writes (API token)"])
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Over a rate limit; see `Retry-After`",
          "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}},
}
WRITE_ERRORS = {**AUTH_ERRORS, **NOT_FOUND, **ERRORS, **LIMITED}


def _vote(request: Request, user: User, arxiv_id: str, up: bool) -> Response:
    rate(request, "vote", str(user.id), "rate_limit_votes")
    state = core_of(request).upvote(user, parse_arxiv_id(arxiv_id)[0], up=up)
    return json_response({"id": state.arxiv_id, "upvoted": state.voted, "upvotes": state.upvotes})


@router.get("/papers/{arxiv_id:path}/upvote", summary="Whether you upvoted a paper",
            response_model=VoteOut, responses={**AUTH_ERRORS, **NOT_FOUND, **ERRORS})
def vote_state(request: Request, arxiv_id: ArxivId, user: TokenUser) -> Response:
    """The token owner's upvote on the paper, and the paper's upvotes."""
    paper = core_of(request).get_paper(parse_arxiv_id(arxiv_id)[0], viewer_id=user.id)
    return json_response({"id": paper.arxiv_id, "upvoted": paper.voted, "upvotes": paper.upvotes})


@router.post("/papers/{arxiv_id:path}/upvote", summary="Upvote a paper", response_model=VoteOut,
             responses=WRITE_ERRORS)
def upvote(request: Request, arxiv_id: ArxivId, user: TokenUser) -> Response:
    """Upvote as the token's owner (again: no change)."""
    return _vote(request, user, arxiv_id, True)


@router.delete("/papers/{arxiv_id:path}/upvote", summary="Take an upvote back",
               response_model=VoteOut, responses=WRITE_ERRORS)
def unvote(request: Request, arxiv_id: ArxivId, user: TokenUser) -> Response:
    """Take the token owner's upvote back (none: no change)."""
    return _vote(request, user, arxiv_id, False)


@router.post("/papers/{arxiv_id:path}/comments", summary="Comment on a paper", status_code=201,
             response_model=CommentOut, responses=WRITE_ERRORS)
def add_comment(request: Request, arxiv_id: ArxivId, body: CommentIn, user: TokenUser) -> Response:
    """Markdown with math, as on the paper's page. With `parentId`, a reply (one level)."""
    rate(request, "comment", str(user.id), "rate_limit_comments")
    core = core_of(request)
    comment_id = core.add_comment(user, parse_arxiv_id(arxiv_id)[0], body.comment,
                                  parent_id=body.parentId)
    created = core.get_comment(comment_id)
    return Response(
        json_response(shapes.comment(created, user)).body, status_code=201,
        media_type="application/json",
        headers={"Location": f"/papers/{created.arxiv_id}#comment-{comment_id}"},
    )


@router.post("/collections", summary="Create a collection", status_code=201,
             response_model=CollectionOut, responses={**AUTH_ERRORS, **ERRORS, **LIMITED})
def create_collection(request: Request, body: CollectionIn, user: TokenUser) -> Response:
    """A new, empty collection owned by the token's owner (private unless `private: false`)."""
    core = core_of(request)
    collection_id = core.create_collection(user, body.title, description=body.description,
                                           public=not body.private)
    found = shapes.collection(core.collection(collection_id, user))
    return Response(json_response(found).body, status_code=201, media_type="application/json",
                    headers={"Location": f"/api/collections/{collection_id}"})


@router.put("/collections/{collection_id}/items/{arxiv_id:path}",
            summary="Save a paper to a collection", response_model=CollectionOut,
            responses=WRITE_ERRORS)
def save(request: Request, collection_id: CollectionId, arxiv_id: ArxivId, user: TokenUser,
         body: SaveRequest | None = None) -> Response:
    """Save a paper in one of the token owner's collections; saving it again replaces its note."""
    core = core_of(request)
    core.save_paper(user, collection_id, parse_arxiv_id(arxiv_id)[0], note=body.note if body else "")
    return json_response(shapes.collection(core.collection(collection_id, user)))


@router.delete("/collections/{collection_id}/items/{arxiv_id:path}",
               summary="Remove a paper from a collection", response_model=CollectionOut,
               responses=WRITE_ERRORS)
def unsave(request: Request, collection_id: CollectionId, arxiv_id: ArxivId,
           user: TokenUser) -> Response:
    """Remove a paper from one of the token owner's collections (absent: no change)."""
    core = core_of(request)
    core.unsave_paper(user, collection_id, parse_arxiv_id(arxiv_id)[0])
    return json_response(shapes.collection(core.collection(collection_id, user)))
