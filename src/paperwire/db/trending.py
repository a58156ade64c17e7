"""Storage side of trending: ``paperwire.ranking``'s formula summed in SQL."""

from __future__ import annotations

from sqlalchemy import Float, Select, func, literal, select

from paperwire.db.tables import votes
from paperwire.ranking import DECAY, TrendingWindow


def trending_scores(window: TrendingWindow) -> Select:
    """(paper_id, score) for every paper with a vote in the window, where score is the
    sum of ``window.weight(voted_at)`` over those votes."""
    half_life_s = literal(window.half_life_s, Float)
    age = literal(window.now) - votes.c.voted_at
    weight = func.power(literal(DECAY, Float), age / half_life_s)
    return (
        select(votes.c.paper_id, func.sum(weight).label("score"))
        .where(votes.c.voted_at > window.since, votes.c.voted_at <= window.now)
        .group_by(votes.c.paper_id)
    )
