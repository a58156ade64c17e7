"""Subscriptions: the rules, over ``db/digests.py``'s statements, inside the caller's
transaction.

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

from paperwire.community.accounts import email_key
from paperwire.db import digests
from paperwire.db.digests import subscription_from_row
from paperwire.db.session import Connection, Engine, read_transaction
from paperwire.digest.models import Frequency, Subscription, SubscriptionStatus, Topics

__all__ = [
    "MailToSend", "confirm", "find", "renew", "subscribe", "subscription_from_row",
    "unsubscribe", "update_settings", "wait_for_in_flight",
]


@dataclass(frozen=True, slots=True)
class MailToSend:
    """Which mail a subscribe request leads to (never shown to the requester)."""

    kind: str  # "confirm" | "manage"
    subscription_id: int
    email: str
    nonce: str | None = None


def find(connection: Connection, *, address: str | None = None,
         subscription_id: int | None = None) -> Any:
    """The subscription row of an address (any case) or an id; None if there is none."""
    key = email_key(address) if address is not None else None
    return digests.find_subscription(connection, key=key, subscription_id=subscription_id)


def subscribe(connection: Connection, *, address: str, frequency: Frequency, topics: Topics,
              user_id: int | None, now: int) -> MailToSend:
    row = find(connection, address=address)
    nonce = secrets.token_hex(16)
    values = {"frequency": frequency.value, "topics": topics.to_json(), "email": address,
              "confirm_nonce": nonce, "status": SubscriptionStatus.PENDING.value}
    if row is None:
        subscription_id = digests.add_subscription(
            connection, email_key=email_key(address), user_id=user_id, bounces=0,
            created_at=now, **values,
        )
        return MailToSend("confirm", subscription_id, address, nonce)
    if row.status == SubscriptionStatus.CONFIRMED:
        return MailToSend("manage", row.id, row.email)
    digests.update_subscription(connection, row.id, bounces=0, **values)
    return MailToSend("confirm", row.id, address, nonce)


def renew(connection: Connection, *, address: str) -> MailToSend | None:
    """A new confirmation link for a pending subscription (the old one stops working)."""
    row = find(connection, address=address)
    if row is None or row.status != SubscriptionStatus.PENDING:
        return None
    nonce = secrets.token_hex(16)
    digests.update_subscription(connection, row.id, confirm_nonce=nonce)
    return MailToSend("confirm", row.id, row.email, nonce)


def confirm(connection: Connection, subscription_id: int, nonce: str, *,
            now: int) -> Subscription | None:
    """Use a confirmation nonce, once."""
    if not digests.confirm_subscription(connection, subscription_id, nonce, now=now):
        return None
    row = find(connection, subscription_id=subscription_id)
    return None if row is None else subscription_from_row(row)


def unsubscribe(connection: Connection, subscription_id: int, *, now: int) -> None:
    """End the subscription (idempotent: a second call changes nothing)."""
    digests.end_subscription(connection, subscription_id, now=now)


def update_settings(connection: Connection, subscription_id: int, *, frequency: Frequency,
                    topics: Topics, resume: bool, now: int) -> None:
    values: dict[str, Any] = {"frequency": frequency.value, "topics": topics.to_json()}
    if resume:  # the manage link proves the address: no new opt-in needed
        values.update(status=SubscriptionStatus.CONFIRMED.value, confirmed_at=now,
                      unsubscribed_at=None, bounces=0)
    digests.update_subscription(connection, subscription_id, **values)


def wait_for_in_flight(engine: Engine, subscription_id: int, *, longest_s: float) -> None:
    """Wait (briefly) until no worker is in the middle of sending to this subscriber.

    Called after an unsubscribe commits: a worker that claimed a message just before
    finishes it before we answer, and every later claim sees the unsubscribe.
    """
    deadline = time.monotonic() + longest_s
    while time.monotonic() < deadline:
        with read_transaction(engine) as connection:
            if not digests.sends_in_flight(connection, subscription_id, now=time.time()):
                return
        time.sleep(0.01)
