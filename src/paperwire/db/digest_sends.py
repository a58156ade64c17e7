"""Storage for the digest send log (``digest_sends``, one row per recipient of an issue):
its state machine, as statements inside the caller's transaction.

    queued ──claim──► sending ──► sent
      ▲  ▲              │ ├─────► failed     (5xx, or 4xx past the last attempt)
      │  └── 4xx, later ┘ └─────► ambiguous  (connection lost after the data; or the
      │                                       worker died holding the lease)
      └──── connection error (not delivered)   ambiguous ──claim──► sending (same Message-ID)

A claim re-checks the subscription: an ended one turns the row ``skipped``. Two workers
never claim one row: PostgreSQL skips rows another worker has locked, SQLite writers
queue (``BEGIN IMMEDIATE``), and the claim's UPDATE re-checks the status it read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from paperwire.db.tables import digest_issues, digest_sends, digest_subscriptions
from paperwire.digest.models import Period, SendStatus, SubscriptionStatus

sends, subs, issues = digest_sends, digest_subscriptions, digest_issues
UNFINISHED = (SendStatus.QUEUED.value, SendStatus.SENDING.value, SendStatus.AMBIGUOUS.value)


@dataclass(frozen=True, slots=True)
class Claim:
    send_id: int
    issue_id: int
    subscription_id: int
    email: str
    papers: Any  # as stored: digest.models.unpack_papers reads it
    message_id: str
    attempts: int  # including this one
    was_ambiguous: bool


@dataclass(frozen=True, slots=True)
class Recipient:
    """One row to queue: who, the topic papers beyond the trending list, its Message-ID."""

    subscription_id: int
    papers: Any  # digest.models.pack_papers's value
    message_id: str


def queue(connection: Connection, issue_id: int, period: Period,
          recipients: Iterable[Recipient]) -> None:
    """Fill an issue's send log, every row queued and due now."""
    rows = [
        {"issue_id": issue_id, "subscription_id": r.subscription_id, "kind": period.kind.value,
         "period": period.label, "papers": r.papers, "message_id": r.message_id,
         "status": SendStatus.QUEUED.value, "attempts": 0, "next_attempt_at": 0.0}
        for r in recipients
    ]
    for start in range(0, len(rows), 2000):
        connection.execute(insert(sends), rows[start : start + 2000])


def papers_of_issue(connection: Connection, issue_id: int) -> list[Any]:
    """Every recipient's frozen papers for an issue, as stored (to load them all at once)."""
    return list(connection.execute(
        select(sends.c.papers).where(sends.c.issue_id == issue_id)
    ).scalars())


def reclaim_expired(connection: Connection, *, now: float) -> int:
    """Rows whose worker vanished mid-send: maybe delivered, so re-sent with the same ID."""
    return connection.execute(
        update(sends)
        .where(sends.c.status == SendStatus.SENDING.value, sends.c.lease_until < now)
        .values(status=SendStatus.AMBIGUOUS.value, lease_owner=None, lease_until=None,
                last_error="its worker stopped while sending; re-sent with the same Message-ID")
    ).rowcount


def _candidate(connection: Connection, now: float) -> Any:
    for status in (SendStatus.AMBIGUOUS.value, SendStatus.QUEUED.value):
        query = (
            select(sends.c.id, sends.c.status, sends.c.subscription_id)
            .where(sends.c.status == status, sends.c.next_attempt_at <= now)
            .order_by(sends.c.next_attempt_at)
            .limit(1)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = connection.execute(query).one_or_none()
        if row is not None:
            return row
    return None


def _subscriber(connection: Connection, subscription_id: int) -> Any:
    query = select(subs.c.status, subs.c.email).where(subs.c.id == subscription_id)
    if connection.dialect.name == "postgresql":  # waits for an unsubscribe in progress
        query = query.with_for_update(read=True)
    return connection.execute(query).one()


def claim(connection: Connection, *, owner: str, now: float, lease_s: float) -> Claim | None:
    """Lease the next due row to ``owner``; skip rows whose subscription has ended."""
    while (row := _candidate(connection, now)) is not None:
        subscriber = _subscriber(connection, row.subscription_id)
        if subscriber.status != SubscriptionStatus.CONFIRMED.value:
            connection.execute(
                update(sends).where(sends.c.id == row.id)
                .values(status=SendStatus.SKIPPED.value, last_error=f"subscription {subscriber.status}")
            )
            continue
        claimed = connection.execute(
            update(sends)
            .where(sends.c.id == row.id, sends.c.status == row.status)
            .values(status=SendStatus.SENDING.value, lease_owner=owner,
                    lease_until=now + lease_s, attempts=sends.c.attempts + 1)
            .returning(sends.c.issue_id, sends.c.papers, sends.c.message_id, sends.c.attempts)
        ).one_or_none()
        if claimed is not None:
            return Claim(row.id, claimed.issue_id, row.subscription_id, subscriber.email,
                         claimed.papers, claimed.message_id, claimed.attempts,
                         row.status == SendStatus.AMBIGUOUS.value)
    return None


def _mine(claim_: Claim, owner: str) -> Any:
    return (sends.c.id == claim_.send_id, sends.c.lease_owner == owner,
            sends.c.status == SendStatus.SENDING.value)


def mark_sent(connection: Connection, claim_: Claim, owner: str, *, now: float) -> None:
    connection.execute(
        update(sends).where(*_mine(claim_, owner))
        .values(status=SendStatus.SENT.value, sent_at=now, lease_owner=None, lease_until=None)
    )


def mark_retry(connection: Connection, claim_: Claim, owner: str, *, at: float, error: str,
               status: SendStatus = SendStatus.QUEUED, counts: bool = True) -> None:
    """Back in the queue for ``at`` (``counts=False``: this attempt does not count)."""
    connection.execute(
        update(sends).where(*_mine(claim_, owner))
        .values(status=status.value, next_attempt_at=at, lease_owner=None, lease_until=None,
                last_error=error[:500],
                attempts=sends.c.attempts if counts else sends.c.attempts - 1)
    )


def mark_failed(connection: Connection, claim_: Claim, owner: str, *, error: str,
                bounce: bool, max_bounces: int) -> None:
    connection.execute(
        update(sends).where(*_mine(claim_, owner))
        .values(status=SendStatus.FAILED.value, lease_owner=None, lease_until=None,
                last_error=error[:500])
    )
    if bounce:
        connection.execute(
            update(subs).where(subs.c.id == claim_.subscription_id)
            .values(bounces=subs.c.bounces + 1)
        )
        connection.execute(
            update(subs)
            .where(subs.c.id == claim_.subscription_id, subs.c.bounces >= max_bounces,
                   subs.c.status == SubscriptionStatus.CONFIRMED.value)
            .values(status=SubscriptionStatus.BOUNCED.value)
        )


# -- pausing ---------------------------------------------------------------------------


def pause(connection: Connection, *, until: float, reason: str) -> None:
    unfinished = select(sends.c.issue_id).where(sends.c.status.in_(UNFINISHED)).distinct()
    connection.execute(
        update(issues).where(issues.c.id.in_(unfinished))
        .values(paused_until=until, pause_reason=reason[:500])
    )


def paused_until(connection: Connection, *, now: float) -> float | None:
    return connection.execute(
        select(func.max(issues.c.paused_until)).where(issues.c.paused_until > now)
    ).scalar_one_or_none()


def resume(connection: Connection) -> int:
    return connection.execute(
        update(issues).where(issues.c.paused_until.is_not(None))
        .values(paused_until=None, pause_reason=None)
    ).rowcount


# -- what is left ----------------------------------------------------------------------


def next_wakeup(connection: Connection) -> float | None:
    """When there may next be work: the earliest retry or lease expiry (None: all done)."""
    rows = connection.execute(
        select(sends.c.status, func.min(sends.c.next_attempt_at), func.min(sends.c.lease_until))
        .where(sends.c.status.in_(UNFINISHED))
        .group_by(sends.c.status)
    ).all()
    times = [lease if status == SendStatus.SENDING.value else due
             for status, due, lease in rows]
    return min((t for t in times if t is not None), default=None) if rows else None
