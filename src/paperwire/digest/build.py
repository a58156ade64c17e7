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

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from paperwire.db.session import read_transaction, write_transaction
from paperwire.db.tables import digest_issues, digest_sends, digest_subscriptions
from paperwire.digest.models import Frequency, Period, SendStatus, SubscriptionStatus, Topics
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


def confirmed(connection: Connection, kind: Frequency) -> list[tuple[int, Topics]]:
    rows = connection.execute(
        select(digest_subscriptions.c.id, digest_subscriptions.c.topics)
        .where(digest_subscriptions.c.status == SubscriptionStatus.CONFIRMED.value,
               digest_subscriptions.c.frequency == kind.value)
        .order_by(digest_subscriptions.c.id)
    )
    return [(row.id, Topics.from_json(row.topics)) for row in rows]


def plan_issue(engine: Engine, period: Period, trending: list[int], matcher: TopicMatcher,
               only: Iterable[int] | None = None) -> Plan:
    with read_transaction(engine) as connection:
        subscribers = confirmed(connection, period.kind)
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


def find_issue(connection: Connection, period: Period) -> int | None:
    return connection.execute(
        select(digest_issues.c.id).where(digest_issues.c.kind == period.kind.value,
                                          digest_issues.c.period == period.label)
    ).scalar_one_or_none()


def store_issue(engine: Engine, plan: Plan, *, domain: str, now: float) -> tuple[int, bool]:
    """Insert the issue and its send log; (issue id, whether this call built it)."""
    period = plan.period
    try:
        with write_transaction(engine) as connection:
            existing = find_issue(connection, period)
            if existing is not None:
                return existing, False
            issue_id = connection.execute(
                insert(digest_issues).values(
                    kind=period.kind.value, period=period.label, day=period.day,
                    papers=plan.trending,
                    built_at=int(now), recipients=len(plan.extras),
                ).returning(digest_issues.c.id)
            ).scalar_one()
            rows = [_send_row(issue_id, period, sub, extras, domain)
                    for sub, extras in plan.extras.items()]
            for start in range(0, len(rows), 2000):
                connection.execute(insert(digest_sends), rows[start : start + 2000])
            return issue_id, True
    except IntegrityError:  # another builder stored this period first
        with read_transaction(engine) as connection:
            existing = find_issue(connection, period)
        if existing is None:
            raise
        return existing, False


def _send_row(issue_id: int, period: Period, subscription_id: int, extras: list[int],
              domain: str) -> dict[str, object]:
    message_id = (f"<digest.{period.kind.value}.{period.label}.{subscription_id}."
                  f"{secrets.token_hex(6)}@{domain}>")
    return {
        "issue_id": issue_id, "subscription_id": subscription_id, "kind": period.kind.value,
        "period": period.label, "papers": extras, "message_id": message_id,
        "status": SendStatus.QUEUED.value, "attempts": 0, "next_attempt_at": 0.0,
    }
