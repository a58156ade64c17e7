"""What the status page and ``paperwire stats`` show about harvesting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from paperwire.db.locks import LockHolder
from paperwire.db.tables import harvest_quarantine, harvest_runs
from paperwire.harvest import store


@dataclass(slots=True)
class RunInfo:
    id: int
    kind: str
    status: str
    detail: str | None
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    counts: store.RunCounts
    error: str | None

    @property
    def records(self) -> int:
        return self.counts.records


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


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _run(row: object) -> RunInfo:
    data = row._mapping  # type: ignore[attr-defined]
    counts = store.RunCounts(**{name: data[name] for name in store.RunCounts().as_dict()})
    return RunInfo(
        id=data["id"], kind=data["kind"], status=data["status"], detail=data["detail"],
        started_at=_utc(data["started_at"]), finished_at=_utc(data["finished_at"]),
        heartbeat_at=_utc(data["heartbeat_at"]), counts=counts, error=data["error"],
    )


def harvest_status(connection: Connection, *, holder: LockHolder | None) -> HarvestStatus:
    """``holder``: the live holder of the harvest lock (``db.locks.lock_holder``)."""
    newest = select(harvest_runs).order_by(harvest_runs.c.id.desc()).limit(1)
    last = connection.execute(newest).one_or_none()
    success = connection.execute(newest.where(harvest_runs.c.status == "ok")).one_or_none()
    running = connection.execute(newest.where(harvest_runs.c.status == "running")).one_or_none()
    quarantined = connection.execute(
        select(func.count()).select_from(harvest_quarantine)
    ).scalar_one()
    return HarvestStatus(
        last_run=_run(last) if last else None,
        last_success=_run(success) if success else None,
        running=_run(running) if running and holder else None,
        lock_holder=holder.owner if holder else None,
        lock_since=holder.since if holder else None,
        cursors=store.all_cursors(connection),
        quarantined=quarantined,
    )
