"""A named lock in the store, with an expiry, so two schedulers never harvest at once.

Works across processes and machines that share the store (SQLite or
PostgreSQL). A holder that dies frees the lock when it expires; a live
holder renews it as it goes.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperwire.db.session import write_transaction
from paperwire.db.tables import job_locks
from paperwire.errors import HarvestBusy, HarvestError

HARVEST_LOCK = "harvest"


def make_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class StoreLock:
    def __init__(
        self,
        engine: Engine,
        name: str,
        *,
        ttl_seconds: float,
        owner: str | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine, self.name, self.ttl = engine, name, ttl_seconds
        self.owner = owner or make_owner()
        self.now = now
        self.held = False

    def acquire(self) -> None:
        """Take the lock or raise :class:`HarvestBusy` naming the holder."""
        now = self.now()
        expires = now + timedelta(seconds=self.ttl)
        try:
            with write_transaction(self.engine) as connection:
                if self._take(connection, now, expires):
                    self.held = True
                    return
                holder = connection.execute(
                    select(job_locks.c.owner, job_locks.c.expires_at)
                    .where(job_locks.c.name == self.name)
                ).one_or_none()
        except IntegrityError:
            holder = None  # another process inserted the row first
        shown = f"{holder.owner} until {holder.expires_at}" if holder else "another process"
        raise HarvestBusy(f"the {self.name} lock is held by {shown}")

    def _take(self, connection: Connection, now: datetime, expires: datetime) -> bool:
        taken = connection.execute(
            update(job_locks)
            .where(
                job_locks.c.name == self.name,
                (job_locks.c.expires_at < now) | (job_locks.c.owner == self.owner),
            )
            .values(owner=self.owner, acquired_at=now, expires_at=expires)
        ).rowcount
        if taken:
            return True
        exists = connection.execute(
            select(job_locks.c.name).where(job_locks.c.name == self.name)
        ).first()
        if exists:
            return False
        connection.execute(
            insert(job_locks).values(
                name=self.name, owner=self.owner, acquired_at=now, expires_at=expires
            )
        )
        return True

    def renew(self, connection: Connection, extra_seconds: float = 0) -> None:
        """Extend the lock inside the caller's transaction; raise if it was lost."""
        expires = self.now() + timedelta(seconds=self.ttl + extra_seconds)
        renewed = connection.execute(
            update(job_locks)
            .where(job_locks.c.name == self.name, job_locks.c.owner == self.owner)
            .values(expires_at=expires)
        ).rowcount
        if not renewed:
            raise HarvestError(f"lost the {self.name} lock (expired and taken by another)")

    def renew_now(self, extra_seconds: float = 0) -> None:
        with write_transaction(self.engine) as connection:
            self.renew(connection, extra_seconds)

    def release(self) -> None:
        if not self.held:
            return
        with write_transaction(self.engine) as connection:
            connection.execute(
                delete(job_locks).where(
                    job_locks.c.name == self.name, job_locks.c.owner == self.owner
                )
            )
        self.held = False

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
