"""Build a period's issue once: freeze the trending list, match every confirmed
subscriber's topics, and fill the send log (one row per subscriber) in one transaction.

Building again for the same (kind, period) changes nothing: the issue's unique key
makes a second build — another worker, a doubled schedule — find the first one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from paperwire.db import digest_sends, digests
from paperwire.db.session import Engine, read_transaction, write_transaction
from paperwire.digest.models import Frequency, Period, Topics, pack_papers
from paperwire.models import Paper
from paperwire.models import Period as ListPeriod

SEARCH_DEPTH = 100  # hits per topic query examined for papers of the period
Search = Callable[[str], list[Paper]]


@dataclass(slots=True)
class Plan:
    """An issue before it is stored: the frozen trending list and each subscriber's extras."""

    period: Period
    trending: list[int]
    extras: dict[int, list[int]] = field(default_factory=dict)  # subscription id -> paper ids
    for_you: dict[int, list[int]] = field(default_factory=dict)  # subscription id -> paper ids


def list_period(kind: Frequency) -> ListPeriod:
    return ListPeriod.DAY if kind is Frequency.DAILY else ListPeriod.WEEK


def trending_now(period: Period, now: float, timezone: tzinfo) -> int:
    """Trending as of now, or as of the end of a past period's day (midnight in the
    time zone the digest day is a day of)."""
    end = datetime.combine(period.day + timedelta(days=1), time(0), tzinfo=timezone).timestamp()
    return int(min(now, end))


class TopicMatcher:
    """Papers of the period matching a topic query, each query asked once per build."""

    def __init__(self, search: Search, period: Period, limit: int) -> None:
        self.search, self.period, self.limit = search, period, limit
        self.cache: dict[str, list[int]] = {}

    def matches(self, query: str) -> list[int]:
        if query not in self.cache:
            first, last = self.period.first_day, self.period.day
            self.cache[query] = [
                paper.id for paper in self.search(query)
                if first <= paper.announced_on <= last and not paper.withdrawn
            ]
        return self.cache[query]

    def extras(self, topics: Topics, exclude: set[int]) -> list[int]:
        """Round-robin over the topics, so each one is represented; no paper twice."""
        lists = [self.matches(query) for query in topics.queries()]
        chosen: list[int] = []
        for rank in range(max((len(found) for found in lists), default=0)):
            for found in lists:
                if rank < len(found) and found[rank] not in exclude and found[rank] not in chosen:
                    chosen.append(found[rank])
                if len(chosen) >= self.limit:
                    return chosen
        return chosen


def plan_issue(engine: Engine, period: Period, trending: list[int], matcher: TopicMatcher,
               only: Iterable[int] | None = None) -> Plan:
    with read_transaction(engine) as connection:
        subscribers = digests.confirmed_subscriptions(connection, period.kind)
    wanted = set(only) if only is not None else None
    plan = Plan(period, trending)
    exclude = set(trending)
    for subscription_id, topics in subscribers:
        if wanted is not None and subscription_id not in wanted:
            continue
        extras = matcher.extras(topics, exclude) if not topics.empty else []
        if trending or extras:
            plan.extras[subscription_id] = extras
    return plan


def store_issue(engine: Engine, plan: Plan, *, domain: str, now: float) -> tuple[int, bool]:
    """Insert the issue and its send log; (issue id, whether this call built it)."""
    period = plan.period
    try:
        with write_transaction(engine) as connection:
            existing = digests.find_issue(connection, period)
            if existing is not None:
                return existing, False
            issue_id = digests.insert_issue(connection, period, papers=plan.trending,
                                            built_at=int(now), recipients=len(plan.extras))
            digest_sends.queue(connection, issue_id, period, [
                digest_sends.Recipient(sub, pack_papers(extras, plan.for_you.get(sub, [])),
                                       message_id(period, sub, domain))
                for sub, extras in plan.extras.items()
            ])
            return issue_id, True
    except digests.IssueExists:  # another builder stored this period first
        with read_transaction(engine) as connection:
            existing = digests.find_issue(connection, period)
        if existing is None:
            raise
        return existing, False


def message_id(period: Period, subscription_id: int, domain: str) -> str:
    """A recipient's Message-ID, kept across re-sends so a doubled message is one mail."""
    return (f"<digest.{period.kind.value}.{period.label}.{subscription_id}."
            f"{secrets.token_hex(6)}@{domain}>")
