"""Subscriptions, as statements inside the caller's transaction.

An address is one subscription whatever its case (``email_key``). Subscribing
starts (or restarts) double opt-in with a fresh single-use nonce; an address that
is already confirmed gets a "manage your subscription" mail instead, so nobody can
change someone else's topics by typing their address.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from paperwire.community.accounts import email_key
from paperwire.db.tables import digest_sends, digest_subscriptions
from paperwire.digest.models import (
    Frequency,
    SendStatus,
    Subscription,
    SubscriptionStatus,
    Topics,
)

subs = digest_subscriptions


@dataclass(frozen=True, slots=True)
class MailToSend:
    """Which mail a subscribe request leads to (never shown to the requester)."""

    kind: str  # "confirm" | "manage"
    subscription_id: int
    email: str
    nonce: str | None = None


def subscription_from_row(row: Row[Any]) -> Subscription:
    return Subscription(
        id=row.id, email=row.email, frequency=Frequency(row.frequency),
        topics=Topics.from_json(row.topics), status=SubscriptionStatus(row.status),
        created_at=row.created_at, confirmed_at=row.confirmed_at,
    )


def find(connection: Connection, *, address: str | None = None,
         subscription_id: int | None = None) -> Row[Any] | None:
    query = select(subs)
    if address is not None:
        query = query.where(subs.c.email_key == email_key(address))
    else:
        query = query.where(subs.c.id == subscription_id)
    return connection.execute(query).one_or_none()


def subscribe(connection: Connection, *, address: str, frequency: Frequency, topics: Topics,
              user_id: int | None, now: int) -> MailToSend:
    row = find(connection, address=address)
    nonce = secrets.token_hex(16)
    values = {"frequency": frequency.value, "topics": topics.to_json(), "email": address,
              "confirm_nonce": nonce, "status": SubscriptionStatus.PENDING.value}
    if row is None:
        result = connection.execute(
            insert(subs).values(
                email_key=email_key(address), user_id=user_id, bounces=0, created_at=now,
                **values,
            ).returning(subs.c.id)
        )
        return MailToSend("confirm", result.scalar_one(), address, nonce)
    if row.status == SubscriptionStatus.CONFIRMED:
        return MailToSend("manage", row.id, row.email)
    connection.execute(update(subs).where(subs.c.id == row.id).values(bounces=0, **values))
    return MailToSend("confirm", row.id, address, nonce)


def renew(connection: Connection, *, address: str) -> MailToSend | None:
    """A new confirmation link for a pending subscription (the old one stops working)."""
    row = find(connection, address=address)
    if row is None or row.status != SubscriptionStatus.PENDING:
        return None
    nonce = secrets.token_hex(16)
    connection.execute(update(subs).where(subs.c.id == row.id).values(confirm_nonce=nonce))
    return MailToSend("confirm", row.id, row.email, nonce)


def confirm(connection: Connection, subscription_id: int, nonce: str, *,
            now: int) -> Subscription | None:
    """Use a confirmation nonce, once."""
    result = connection.execute(
        update(subs)
        .where(subs.c.id == subscription_id, subs.c.confirm_nonce == nonce,
               subs.c.status == SubscriptionStatus.PENDING.value)
        .values(status=SubscriptionStatus.CONFIRMED.value, confirm_nonce=None,
                confirmed_at=now)
    )
    if result.rowcount != 1:
        return None
    row = find(connection, subscription_id=subscription_id)
    return None if row is None else subscription_from_row(row)


def unsubscribe(connection: Connection, subscription_id: int, *, now: int) -> None:
    """End the subscription (idempotent: a second call changes nothing)."""
    connection.execute(
        update(subs)
        .where(subs.c.id == subscription_id,
               subs.c.status != SubscriptionStatus.UNSUBSCRIBED.value)
        .values(status=SubscriptionStatus.UNSUBSCRIBED.value, unsubscribed_at=now,
                confirm_nonce=None)
    )


def update_settings(connection: Connection, subscription_id: int, *, frequency: Frequency,
                    topics: Topics, resume: bool, now: int) -> None:
    values: dict[str, Any] = {"frequency": frequency.value, "topics": topics.to_json()}
    if resume:  # the manage link proves the address: no new opt-in needed
        values.update(status=SubscriptionStatus.CONFIRMED.value, confirmed_at=now,
                      unsubscribed_at=None, bounces=0)
    connection.execute(update(subs).where(subs.c.id == subscription_id).values(**values))


def sends_in_flight(connection: Connection, subscription_id: int, *, now: float) -> int:
    return connection.execute(
        select(func.count()).select_from(digest_sends).where(
            digest_sends.c.subscription_id == subscription_id,
            digest_sends.c.status == SendStatus.SENDING.value,
            digest_sends.c.lease_until > now,
        )
    ).scalar_one()


def wait_for_in_flight(engine: Any, subscription_id: int, *, longest_s: float) -> None:
    """Wait (briefly) until no worker is in the middle of sending to this subscriber.

    Called after an unsubscribe commits: a worker that claimed a message just before
    finishes it before we answer, and every later claim sees the unsubscribe.
    """
    deadline = time.monotonic() + longest_s
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if not sends_in_flight(connection, subscription_id, now=time.time()):
                return
        time.sleep(0.01)
