"""Storage for digests: subscriptions and the issues built for each period.

Statements inside the caller's transaction; the rules (double opt-in, what a
subscribe request leads to, which papers an issue carries) are ``digest/``. The send
log, one row per recipient of an issue, is ``db/digest_sends.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperwire.db.tables import digest_issues, digest_sends, digest_subscriptions
from paperwire.digest.models import (
    Frequency,
    IssueStatus,
    Period,
    SendStatus,
    Subscription,
    SubscriptionStatus,
    Topics,
)

subs, issues, sends = digest_subscriptions, digest_issues, digest_sends


class IssueExists(Exception):
    """Another builder stored this period's issue first (its transaction is lost)."""


# -- subscriptions ------------------------------------------------------------------------


def subscription_from_row(row: Row[Any]) -> Subscription:
    return Subscription(
        id=row.id, email=row.email, frequency=Frequency(row.frequency),
        topics=Topics.from_json(row.topics), status=SubscriptionStatus(row.status),
        created_at=row.created_at, confirmed_at=row.confirmed_at,
    )


def find_subscription(connection: Connection, *, key: str | None = None,
                      subscription_id: int | None = None) -> Row[Any] | None:
    """The subscription of an address (by its ``email_key``) or of an id."""
    column, value = (subs.c.email_key, key) if key is not None else (subs.c.id, subscription_id)
    return connection.execute(select(subs).where(column == value)).one_or_none()


def add_subscription(connection: Connection, **values: Any) -> int:
    return connection.execute(insert(subs).values(**values).returning(subs.c.id)).scalar_one()


def update_subscription(connection: Connection, subscription_id: int, **values: Any) -> None:
    connection.execute(update(subs).where(subs.c.id == subscription_id).values(**values))


def confirm_subscription(connection: Connection, subscription_id: int, nonce: str, *,
                         now: int) -> bool:
    """Use a pending subscription's confirmation nonce, once: whether it was its nonce."""
    result = connection.execute(
        update(subs)
        .where(subs.c.id == subscription_id, subs.c.confirm_nonce == nonce,
               subs.c.status == SubscriptionStatus.PENDING.value)
        .values(status=SubscriptionStatus.CONFIRMED.value, confirm_nonce=None,
                confirmed_at=now)
    )
    return result.rowcount == 1


def end_subscription(connection: Connection, subscription_id: int, *, now: int) -> None:
    """Unsubscribe (idempotent: a second call changes nothing)."""
    connection.execute(
        update(subs)
        .where(subs.c.id == subscription_id,
               subs.c.status != SubscriptionStatus.UNSUBSCRIBED.value)
        .values(status=SubscriptionStatus.UNSUBSCRIBED.value, unsubscribed_at=now,
                confirm_nonce=None)
    )


def confirmed_subscriptions(connection: Connection, kind: Frequency) -> list[tuple[int, Topics]]:
    """Every confirmed subscription of a frequency, oldest first, with its topics."""
    rows = connection.execute(
        select(subs.c.id, subs.c.topics)
        .where(subs.c.status == SubscriptionStatus.CONFIRMED.value,
               subs.c.frequency == kind.value)
        .order_by(subs.c.id)
    )
    return [(row.id, Topics.from_json(row.topics)) for row in rows]


def sends_in_flight(connection: Connection, subscription_id: int, *, now: float) -> int:
    """Messages to this subscriber a worker holds a live lease on."""
    return connection.execute(
        select(func.count()).select_from(sends).where(
            sends.c.subscription_id == subscription_id,
            sends.c.status == SendStatus.SENDING.value,
            sends.c.lease_until > now,
        )
    ).scalar_one()


# -- issues -----------------------------------------------------------------------------


def find_issue(connection: Connection, period: Period) -> int | None:
    return connection.execute(
        select(issues.c.id).where(issues.c.kind == period.kind.value,
                                  issues.c.period == period.label)
    ).scalar_one_or_none()


def insert_issue(connection: Connection, period: Period, *, papers: Sequence[int],
                 built_at: int, recipients: int) -> int:
    """Store a period's issue (its frozen trending list); :class:`IssueExists` when
    another builder's transaction stored it first (the caller's transaction is lost)."""
    try:
        return connection.execute(
            insert(issues).values(
                kind=period.kind.value, period=period.label, day=period.day,
                papers=list(papers), built_at=built_at, recipients=recipients,
            ).returning(issues.c.id)
        ).scalar_one()
    except IntegrityError as error:
        raise IssueExists(f"{period.kind.value} {period.label}") from error


def get_issue(connection: Connection, issue_id: int) -> tuple[Period, list[int]]:
    """An issue's period and its frozen trending list."""
    row = connection.execute(select(issues).where(issues.c.id == issue_id)).one()
    return Period(Frequency(row.kind), row.day), list(row.papers)


def issue_statuses(connection: Connection, *, limit: int = 20) -> list[IssueStatus]:
    """The newest issues, each with its send log counted by status."""
    found = connection.execute(
        select(issues).order_by(issues.c.built_at.desc(), issues.c.id.desc()).limit(limit)
    ).all()
    counts: dict[int, dict[str, int]] = {row.id: {} for row in found}
    if found:
        for issue_id, status, count in connection.execute(
            select(sends.c.issue_id, sends.c.status, func.count())
            .where(sends.c.issue_id.in_(list(counts)))
            .group_by(sends.c.issue_id, sends.c.status)
        ):
            counts[issue_id][status] = count
    return [
        IssueStatus(row.kind, row.period, row.built_at, row.recipients, counts[row.id],
                    row.paused_until, row.pause_reason)
        for row in found
    ]
