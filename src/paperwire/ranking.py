"""Ranking formulas, published: the same expressions serve pages, API and digests.

Trending score of a paper at time ``now``, counting the votes cast in the tab's
horizon (Daily: 1 day, Weekly: 7 days, Monthly: 30 days)::

    score = Σ over those votes of 0.5 ** ((now - voted_at) / half_life)

A vote cast just now counts 1; one cast ``half_life`` ago (24 hours by default,
``PAPERWIRE_TRENDING_HALF_LIFE_HOURS``) counts 0.5; two half-lives ago, 0.25.
Ties go to the paper with more upvotes overall, then to the lower arXiv id.
"""

from __future__ import annotations

from sqlalchemy import Float, Select, func, literal, select

from paperwire.db.tables import votes
from paperwire.models import Period

HORIZON_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}
FORMULA = "score = Σ 0.5 ^ ((now − voted_at) / half-life), over the votes of the last {days}"


def trending_scores(*, now: int, period: Period, half_life_hours: float) -> Select:
    """(paper_id, score) for every paper with a vote in the horizon."""
    half_life_s = literal(half_life_hours * 3600.0, Float)
    age = literal(now) - votes.c.voted_at
    weight = func.power(literal(0.5, Float), age / half_life_s)
    horizon = now - HORIZON_DAYS[period] * 86_400
    return (
        select(votes.c.paper_id, func.sum(weight).label("score"))
        .where(votes.c.voted_at > horizon, votes.c.voted_at <= now)
        .group_by(votes.c.paper_id)
    )


def describe(period: Period, half_life_hours: float) -> str:
    days = HORIZON_DAYS[period]
    span = "day" if days == 1 else f"{days} days"
    return FORMULA.format(days=span) + f"; half-life = {half_life_hours:g} hours"
