"""Ranking formulas, published: the same expressions serve pages, API and digests.

Trending score of a paper at time ``now``, counting the votes cast in the tab's
horizon (Daily: 1 day, Weekly: 7 days, Monthly: 30 days)::

    score = Σ over those votes of 0.5 ** ((now - voted_at) / half_life)

A vote cast just now counts 1; one cast ``half_life`` ago (24 hours by default,
``PAPERWIRE_TRENDING_HALF_LIFE_HOURS``) counts 0.5; two half-lives ago, 0.25.
Ties go to the paper with more upvotes overall, then to the lower arXiv id.

This module holds the rule; ``paperwire.db.trending`` sums ``TrendingWindow.weight``
in SQL, over the votes the window admits.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.models import Period

HORIZON_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}
DECAY = 0.5  # a vote's weight is multiplied by this every half-life
FORMULA = "score = Σ 0.5 ^ ((now − voted_at) / half-life), over the votes of the last {days}"


@dataclass(frozen=True, slots=True)
class TrendingWindow:
    """Which votes count toward a trending score, and what each weighs."""

    now: int  # votes cast at or before ``now`` count ...
    since: int  # ... if cast after ``since`` (``now`` less the horizon)
    half_life_s: float

    @classmethod
    def of(cls, *, now: int, period: Period, half_life_hours: float) -> TrendingWindow:
        return cls(now=now, since=now - HORIZON_DAYS[period] * 86_400,
                   half_life_s=half_life_hours * 3600.0)

    def counts(self, voted_at: int) -> bool:
        return self.since < voted_at <= self.now

    def weight(self, voted_at: int) -> float:
        """What one vote adds to its paper's score."""
        return DECAY ** ((self.now - voted_at) / self.half_life_s)

    def score(self, votes_at: list[int]) -> float:
        """A paper's score from the times of its votes (the formula, in Python)."""
        return sum(self.weight(moment) for moment in votes_at if self.counts(moment))


def describe(period: Period, half_life_hours: float) -> str:
    days = HORIZON_DAYS[period]
    span = "day" if days == 1 else f"{days} days"
    return FORMULA.format(days=span) + f"; half-life = {half_life_hours:g} hours"
