"""``job_failures``: why a background job's attempt failed (the queue keeps only its state)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from paperwire.db.session import as_utc
from paperwire.db.tables import job_failures

ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class JobFailure:
    task: str
    job_id: int
    attempt: int  # 1 for the first run
    final: bool  # no retry follows
    error: str
    failed_at: datetime


def record(connection: Connection, *, task: str, job_id: int, attempt: int, final: bool,
           error: str) -> None:
    connection.execute(insert(job_failures).values(
        task=task, job_id=job_id, attempt=attempt, final=final,
        error=error[:ERROR_CHARS] or "failed", failed_at=datetime.now(UTC),
    ))


def latest(connection: Connection, *, limit: int = 10,
           job_ids: list[int] | None = None) -> list[JobFailure]:
    """The latest failures, newest first (of ``job_ids`` only, if given)."""
    query = select(job_failures).order_by(job_failures.c.id.desc()).limit(limit)
    if job_ids is not None:
        query = query.where(job_failures.c.job_id.in_(job_ids))
    return [
        JobFailure(row.task, row.job_id, row.attempt, row.final, row.error,
                   as_utc(row.failed_at))
        for row in connection.execute(query)
    ]


def prune(connection: Connection, *, before: datetime) -> int:
    """Forget the failures recorded before ``before``; returns how many."""
    return connection.execute(
        delete(job_failures).where(job_failures.c.failed_at < before)
    ).rowcount
