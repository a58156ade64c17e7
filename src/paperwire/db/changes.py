"""The change feed: what changed in the store since a reader's cursor, without missing a row.

Triggers (migration 0011) write a ``change_log`` row in the transaction of every change
to a paper (a new ``modified_at``), its embedding or either's deletion. A reader, each
host's keyword or vector index, keeps a :class:`FeedPosition` and asks for the papers
changed after it.

A sequence alone cannot be trusted on PostgreSQL: numbers are drawn when a row is
written, not when its transaction commits, so a slow transaction can commit number 10
after a reader has seen 11. The cursor there is the reader's snapshot instead: every
transaction below its ``xmax`` but those still running (``pending``) was visible to it,
so the next read takes exactly the rows of ``pending`` and of transactions from ``xmax``
on. SQLite runs one writer at a time, so its sequence does arrive in order.

Read in a snapshot transaction (``session.snapshot_transaction``), so that the rows and
the new position are of one moment.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, or_, select, text

from paperwire.db.tables import change_log

#: How long the log keeps a change. An index that last synced longer ago than this
#: (less a margin) starts over instead of trusting the feed.
RETENTION_SECONDS = 7 * 24 * 3600

PAPER, EMBEDDING = "paper", "embedding"


@dataclass(frozen=True, slots=True)
class FeedPosition:
    """Where a reader stands: SQLite's last sequence number read; PostgreSQL's snapshot
    (``xmax`` and the transactions in progress then, ``pending``)."""

    seq: int = 0
    xmax: int | None = None
    pending: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "xmax": self.xmax, "pending": list(self.pending)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeedPosition:
        xmax = data.get("xmax")
        return cls(int(data.get("seq", 0)), None if xmax is None else int(xmax),
                   tuple(int(x) for x in data.get("pending", ())))


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def position(connection: Connection) -> FeedPosition:
    """The feed's position now: nothing visible to this transaction lies after it."""
    newest = connection.execute(select(func.coalesce(func.max(change_log.c.seq), 0))).scalar_one()
    if not _postgres(connection):
        return FeedPosition(int(newest))
    row = connection.execute(text(
        "SELECT pg_snapshot_xmax(s)::text::bigint AS xmax, "
        "ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x) AS pending "
        "FROM pg_current_snapshot() AS s"
    )).one()
    return FeedPosition(int(newest), int(row.xmax), tuple(sorted(row.pending)))


def _after(connection: Connection, since: FeedPosition) -> ColumnElement[bool]:
    if not _postgres(connection) or since.xmax is None:
        return change_log.c.seq > since.seq
    late = change_log.c.txid.in_(since.pending) if since.pending else None
    newer = change_log.c.txid >= since.xmax
    return newer if late is None else or_(newer, late)


def _kinds(kinds: Sequence[str]) -> ColumnElement[bool]:
    return change_log.c.kind.in_(list(kinds))


def changed_since(
    connection: Connection, since: FeedPosition, kinds: Sequence[str] = (PAPER, EMBEDDING),
) -> tuple[set[int], FeedPosition]:
    """The ids of papers changed after ``since`` (of those ``kinds``), and the position
    to read from next time."""
    now = position(connection)
    ids = connection.execute(
        select(change_log.c.paper_id).where(_after(connection, since), _kinds(kinds)).distinct()
    ).scalars()
    return set(ids), now


def has_changes(
    connection: Connection, since: FeedPosition, kinds: Sequence[str] = (PAPER, EMBEDDING),
) -> bool:
    """Whether anything of ``kinds`` changed after ``since`` (an indexed look, per query)."""
    found = connection.execute(
        select(change_log.c.seq).where(_after(connection, since), _kinds(kinds)).limit(1)
    ).first()
    return found is not None


def count_changed(
    connection: Connection, since: FeedPosition, kinds: Sequence[str] = (PAPER, EMBEDDING),
) -> int:
    """How many papers changed after ``since``."""
    return connection.execute(
        select(func.count(func.distinct(change_log.c.paper_id))).where(
            _after(connection, since), _kinds(kinds)
        )
    ).scalar_one()


def oldest_after(
    connection: Connection, since: FeedPosition, kinds: Sequence[str] = (PAPER, EMBEDDING),
) -> int | None:
    """When (unix seconds) the oldest change after ``since`` was made; None: none."""
    return connection.execute(
        select(func.min(change_log.c.changed_at)).where(_after(connection, since), _kinds(kinds))
    ).scalar()


@dataclass(frozen=True, slots=True)
class Lag:
    """How far a reader of the feed is behind the store."""

    behind: int  # papers changed after its position
    oldest: int | None = None  # when (unix seconds) the oldest of those changes was made
    rebuild: bool = False  # no position, or one older than the feed keeps: reads it all


def lag_of(
    connection: Connection, since: FeedPosition | None, synced_at: float | None,
    kinds: Sequence[str] = (PAPER, EMBEDDING),
) -> Lag:
    if since is None or not trusted(synced_at):
        return Lag(0, rebuild=True)
    return Lag(count_changed(connection, since, kinds), oldest_after(connection, since, kinds))


def prune(connection: Connection, *, now: float | None = None) -> int:
    """Forget changes older than the retention; returns how many rows went."""
    before = int((time.time() if now is None else now) - RETENTION_SECONDS)
    return connection.execute(delete(change_log).where(change_log.c.changed_at < before)).rowcount


def trusted(synced_at: float | None, *, now: float | None = None, margin: float = 3600) -> bool:
    """Whether a reader that last synced at ``synced_at`` (unix seconds) can still follow
    the feed: what it missed has not been pruned yet."""
    if synced_at is None:
        return False
    return (time.time() if now is None else now) - synced_at < RETENTION_SECONDS - margin
