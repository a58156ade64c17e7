"""``GET /api/for-you``: the token owner's For-you picks, the page's twin."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from paperwire.api.auth import AUTH_ERRORS, TokenUser
from paperwire.api.papers import ERRORS, json_response
from paperwire.api.schemas import HFPaper
from paperwire.api.shapes import hf_paper
from paperwire.models import parse_day, whole_param
from paperwire.surface import DateParam, core_of, limit_param

router = APIRouter(prefix="/api", tags=["for you"])
MAX_LIMIT = 100


class ForYouPick(BaseModel):
    id: str = Field(description="arXiv id")
    rank: int
    score: float = Field(description="The blend's score (see `formula`)")
    because: list[str] = Field(description="Why it was picked, strongest reason first")
    paper: HFPaper


class ForYouOut(BaseModel):
    basis: str = Field(description="`model` (the reader's signals), `topics` or `trending` (cold start)")
    formula: str = Field(description="The blend that ranked the picks")
    picks: list[ForYouPick]


@router.get("/for-you", summary="Your For-you picks", response_model=ForYouOut,
            responses={**ERRORS, **AUTH_ERRORS})
def for_you(
    request: Request, user: TokenUser,
    limit: int = limit_param(20, MAX_LIMIT),
    since: DateParam = None,
    hide_seen: bool = Query(default=False, description="Leave out papers already shown or opened."),
) -> Response:
    """The token owner's picks from their library, votes, saves and signals, blended with
    the community's trending score, each with why. Only ever the owner's own."""
    params = request.query_params
    limit = whole_param(params, "limit", 1, MAX_LIMIT, default=20)
    day = parse_day(since, "since") if since else None
    result = core_of(request).recommend(user.id, limit=limit, since=day, hide_seen=hide_seen)
    return json_response({
        "basis": result.basis, "formula": result.formula,
        "picks": [{"id": pick.paper.arxiv_id, "rank": pick.rank, "score": pick.score,
                   "because": pick.because, "paper": hf_paper(pick.paper)}
                  for pick in result.picks],
    })
