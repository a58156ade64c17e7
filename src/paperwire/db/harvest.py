"""Storage for harvesting, besides papers: OAI-PMH cursors, runs, quarantine and
withdrawals (the days arXiv announced, and its listings, are ``db/announcements.py``).

Every function takes the caller's connection: the harvest loop commits a
page's papers and its cursor advance in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from paperwire.db.session import as_utc
from paperwire.db.tables import harvest_cursors, harvest_quarantine, harvest_runs, papers
from paperwire.db.upsert import UpsertCounts


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Cursor:
    """Where the harvest of one OAI-PMH set stands (see ``harvest_cursors``)."""

    set_spec: str
    next_from: date | None = None
    pass_from: date | None = None
    pass_until: date | None = None
    pass_started: date | None = None
    resumption_token: str | None = None
    token_expires_at: datetime | None = None
    last_datestamp: date | None = None
    ordered: bool = True
    pages: int = 0
    records: int = 0

    @property
    def in_pass(self) -> bool:
        return self.pass_started is not None


def load_cursor(connection: Connection, set_spec: str) -> Cursor:
    row = connection.execute(
        select(harvest_cursors).where(harvest_cursors.c.set_spec == set_spec)
    ).one_or_none()
    if row is None:
        return Cursor(set_spec)
    values = {f.name: row._mapping[f.name] for f in fields(Cursor)}
    values["token_expires_at"] = as_utc(values["token_expires_at"])
    return Cursor(**values)


def save_cursor(connection: Connection, cursor: Cursor) -> None:
    values = {f.name: getattr(cursor, f.name) for f in fields(Cursor)}
    values["updated_at"] = utcnow()
    changed = connection.execute(
        update(harvest_cursors)
        .where(harvest_cursors.c.set_spec == cursor.set_spec)
        .values(values)
    ).rowcount
    if not changed:
        connection.execute(insert(harvest_cursors).values(values))


def all_cursors(connection: Connection) -> list[Cursor]:
    names = connection.execute(select(harvest_cursors.c.set_spec)).scalars().all()
    return [load_cursor(connection, name) for name in sorted(names)]


@dataclass(slots=True)
class RunCounts:
    requests: int = 0
    pages: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0

    def add_upsert(self, counts: UpsertCounts) -> None:
        self.added += counts.added
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    @property
    def records(self) -> int:
        return self.added + self.updated + self.unchanged + self.deleted + self.quarantined

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def start_run(connection: Connection, kind: str, detail: str) -> int:
    now = utcnow()
    return connection.execute(
        insert(harvest_runs)
        .values(
            kind=kind, status="running", detail=detail, started_at=now, heartbeat_at=now,
            **RunCounts().as_dict(),
        )
        .returning(harvest_runs.c.id)
    ).scalar_one()


def close_abandoned_runs(connection: Connection) -> int:
    """Mark runs still "running" as failed: call it holding the harvest lock, which
    proves that their processes died (killed, crashed) before finishing them."""
    return connection.execute(
        update(harvest_runs)
        .where(harvest_runs.c.status == "running")
        .values(status="failed", finished_at=harvest_runs.c.heartbeat_at,
                error="interrupted: its process ended before the run finished")
    ).rowcount


def update_run(connection: Connection, run_id: int, counts: RunCounts) -> None:
    connection.execute(
        update(harvest_runs)
        .where(harvest_runs.c.id == run_id)
        .values(heartbeat_at=utcnow(), **counts.as_dict())
    )


def finish_run(connection: Connection, run_id: int, counts: RunCounts,
               error: str | None) -> None:
    connection.execute(
        update(harvest_runs)
        .where(harvest_runs.c.id == run_id)
        .values(
            status="failed" if error else "ok", error=error, finished_at=utcnow(),
            heartbeat_at=utcnow(), **counts.as_dict(),
        )
    )


@dataclass(slots=True)
class RunInfo:
    """One row of ``harvest_runs``."""

    id: int
    kind: str
    status: str
    detail: str | None
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    counts: RunCounts
    error: str | None

    @property
    def records(self) -> int:
        return self.counts.records


def _run(row: Any) -> RunInfo:
    data = row._mapping
    counts = RunCounts(**{name: data[name] for name in RunCounts().as_dict()})
    return RunInfo(
        id=data["id"], kind=data["kind"], status=data["status"], detail=data["detail"],
        started_at=as_utc(data["started_at"]), finished_at=as_utc(data["finished_at"]),
        heartbeat_at=as_utc(data["heartbeat_at"]), counts=counts, error=data["error"],
    )


def latest_run(
    connection: Connection, status: str | None = None, *, kinds: tuple[str, ...] = ()
) -> RunInfo | None:
    """The newest run, or the newest with ``status`` ("ok", "running", "failed") and of
    one of ``kinds`` ("daily", "first-run" ...), when given."""
    newest = select(harvest_runs).order_by(harvest_runs.c.id.desc()).limit(1)
    if status is not None:
        newest = newest.where(harvest_runs.c.status == status)
    if kinds:
        newest = newest.where(harvest_runs.c.kind.in_(kinds))
    row = connection.execute(newest).one_or_none()
    return _run(row) if row is not None else None


def quarantine(
    connection: Connection,
    *,
    run_id: int | None,
    source: str,
    arxiv_id: str | None,
    position: str,
    reason: str,
    raw: str | None,
) -> None:
    connection.execute(
        insert(harvest_quarantine).values(
            run_id=run_id, source=source, arxiv_id=(arxiv_id or "")[:40] or None,
            position=position, reason=reason, raw=raw, created_at=utcnow(),
        )
    )


def quarantined(connection: Connection) -> int:
    """How many records are in quarantine."""
    return connection.execute(select(func.count()).select_from(harvest_quarantine)).scalar_one()


def mark_withdrawn(connection: Connection, arxiv_ids: list[str]) -> int:
    """OAI-PMH "deleted" records: keep the paper (votes stay), mark it withdrawn."""
    if not arxiv_ids:
        return 0
    return connection.execute(
        update(papers)
        .where(papers.c.arxiv_id.in_(arxiv_ids), papers.c.withdrawn.is_(False))
        .values(withdrawn=True, modified_at=utcnow())
    ).rowcount
