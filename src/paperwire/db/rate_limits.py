"""Rate-limit events and a service's pacing, shared by every process and host.

A limit is an exact sliding window: an event is allowed while fewer than ``limit`` events
of the same (rule, key) fall in the last ``window`` seconds, and only allowed events are
recorded. Two hosts must not both take the last slot, so the count and the insert run
under a lock on that (rule, key): PostgreSQL's transaction-scoped advisory lock; SQLite's
writers already queue one at a time (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, text, update

from paperwire.db.tables import rate_limit_events, service_pacing

#: Every this many events, the events whose window has passed are deleted.
PRUNE_EVERY = 128


def hit(connection: Connection, *, rule: str, key_hash: str, limit: int, window: float,
        now: float) -> float | None:
    """Record one event and return None, or, when ``limit`` events are already in the
    window, record nothing and return the seconds until the oldest of them leaves it."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
                           {"name": f"rate:{rule}:{key_hash}"})
    recent = (rate_limit_events.c.rule == rule) & (rate_limit_events.c.key_hash == key_hash) \
        & (rate_limit_events.c.at > now - window)
    count, oldest = connection.execute(
        select(func.count(), func.min(rate_limit_events.c.at)).where(recent)
    ).one()
    if count >= limit:
        return oldest + window - now
    added = connection.execute(insert(rate_limit_events).values(
        rule=rule, key_hash=key_hash, at=now, expires_at=now + window))
    if added.inserted_primary_key[0] % PRUNE_EVERY == 0:
        prune(connection, now=now)
    return None


def prune(connection: Connection, *, now: float) -> int:
    """Forget the events whose window has passed; returns how many."""
    return connection.execute(
        delete(rate_limit_events).where(rate_limit_events.c.expires_at < now)
    ).rowcount


def clear(connection: Connection) -> None:
    connection.execute(delete(rate_limit_events))


def last_request_at(connection: Connection, service: str) -> float | None:
    return connection.execute(
        select(service_pacing.c.last_request_at).where(service_pacing.c.service == service)
    ).scalar()


def mark_request(connection: Connection, service: str, at: float) -> None:
    changed = connection.execute(
        update(service_pacing).where(service_pacing.c.service == service)
        .values(last_request_at=at)
    ).rowcount
    if not changed:
        connection.execute(insert(service_pacing).values(service=service, last_request_at=at))
