"""What the status page and ``paperwire stats`` show about harvesting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from paperwire.db import harvest as store
from paperwire.db.harvest import RunInfo
from paperwire.db.locks import LockHolder
from paperwire.db.session import Connection

__all__ = ["HarvestStatus", "RunInfo", "harvest_status"]


@dataclass(slots=True)
class HarvestStatus:
    last_run: RunInfo | None
    last_success: RunInfo | None
    running: RunInfo | None
    lock_holder: str | None  # who holds the harvest lock (host:pid:id), if anyone
    lock_since: datetime | None
    cursors: list[store.Cursor] = field(default_factory=list)
    quarantined: int = 0
    categories: list[str] = field(default_factory=list)
    next_run: datetime | None = None
    latest_listing: date | None = None


def harvest_status(connection: Connection, *, holder: LockHolder | None) -> HarvestStatus:
    """``holder``: the live holder of the harvest lock (``db.locks.lock_holder``)."""
    running = store.latest_run(connection, "running")
    return HarvestStatus(
        last_run=store.latest_run(connection),
        last_success=store.latest_run(connection, "ok"),
        running=running if holder else None,
        lock_holder=holder.owner if holder else None,
        lock_since=holder.since if holder else None,
        cursors=store.all_cursors(connection),
        quarantined=store.quarantined(connection),
    )
