"""Job locks that die with their holder: one job of a kind at a time per store.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a
  connection kept open while the lock is held. The server frees it when that
  connection ends: the holder exits, is killed, or loses its network.
- SQLite: ``flock`` on ``locks/<name>.lock`` next to the store file. The kernel
  frees it when the holder's process ends.

Either way a lock is taken or refused at once (never waited for), and two
holders in one process (two threads) exclude each other like two processes.

The ``job_locks`` row says who holds a lock and since when, for ``/status``
and the busy error. It is only informational: the truth is the OS or advisory
lock, so a row left by a dead holder blocks nothing and the next holder
overwrites it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, create_engine, delete, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from paperwire.db.session import as_utc, read_transaction, write_transaction
from paperwire.db.tables import job_locks
from paperwire.errors import JobBusy, StoreNotReady

HARVEST_LOCK = "harvest"  # everything that talks to arXiv: harvests, listings, `add`
DIGEST_LOCK = "digest"  # the scheduled digest build and send
SUMMARIES_LOCK = "summaries"  # the summary jobs (background thread or `paperwire summaries build`)
GITHUB_LOCK = "github"  # the GitHub refresh (a task or `paperwire github refresh`)
JOBS_LOCK = "jobs"  # held for its life by the one `serve` (or SQLite `worker`) running the jobs
JOB_LOCKS = (JOBS_LOCK, HARVEST_LOCK, DIGEST_LOCK, SUMMARIES_LOCK,
             GITHUB_LOCK)  # what /status shows (embedding has no lock: its batches claim
# their papers, db/embedding_claims.py, each owned by an `own_lock` of its embedder)

ADVISORY_NAMESPACE = 0x70777200  # "pwr\0": the first key of paperwire's advisory locks


@dataclass(frozen=True, slots=True)
class LockHolder:
    owner: str  # host:pid:random
    since: datetime  # UTC

    @property
    def process(self) -> str:
        """``host:pid`` of the holder."""
        return self.owner.rsplit(":", 1)[0]


def make_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def busy_message(name: str, holder: LockHolder | None) -> str:
    if holder is None:
        return f"busy: the {name} lock is held by another process"
    return (f"busy: the {name} lock is held by {holder.owner}"
            f" since {holder.since:%Y-%m-%d %H:%M:%S} UTC")


# -- the locks themselves -------------------------------------------------------------


class _FileGuard:
    """``flock`` on ``<name>.lock``. While it holds that, the holder also holds
    ``<name>.held`` exclusively, so anyone can see whether the lock is held (a shared
    try on ``.held``) without ever taking ``.lock`` and making a real taker fail."""

    def __init__(self, directory: Path, name: str) -> None:
        self.lock_path = directory / f"{name}.lock"
        self.held_path = directory / f"{name}.held"
        self.files: list[IO[bytes]] = []

    def try_take(self) -> bool:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = self.lock_path.open("ab")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return False
        try:
            held_file = self.held_path.open("ab")
            fcntl.flock(held_file, fcntl.LOCK_EX)  # waits at most for a looker's instant
        except BaseException:
            lock_file.close()
            raise
        self.files = [held_file, lock_file]
        return True

    def release(self, *, discard: bool = False) -> None:
        if discard:  # a name nobody takes again: leave no files behind
            for path in (self.held_path, self.lock_path):
                path.unlink(missing_ok=True)
        for handle in self.files:  # closing a file drops its flock
            handle.close()
        self.files = []

    def is_held(self) -> bool:
        if not self.held_path.exists():
            return False
        with self.held_path.open("ab") as looker:
            try:
                fcntl.flock(looker, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(looker, fcntl.LOCK_UN)
        return False


class _AdvisoryGuard:
    """A session-level advisory lock on a dedicated connection, outside the pool (a
    pooled connection could go back to the pool still holding the lock) and in
    autocommit (nothing sits idle in a transaction while the job runs)."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.keys = {"a": ADVISORY_NAMESPACE, "b": zlib.crc32(name.encode()) & 0x7FFFFFFF}
        self.connection: Connection | None = None

    def try_take(self) -> bool:
        own = create_engine(self.engine.url, poolclass=NullPool)
        connection = own.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:a, :b)"), self.keys
            ).scalar_one()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self.connection = connection
        return True

    def release(self, *, discard: bool = False) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:a, :b)"), self.keys)
        except SQLAlchemyError:
            pass  # the server frees the lock when the connection closes
        finally:
            connection.close()

    def is_held(self) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND granted AND objsubid = 2"
                    " AND database = (SELECT oid FROM pg_database"
                    "                 WHERE datname = current_database())"
                    " AND classid = CAST(CAST(:a AS integer) AS oid)"
                    " AND objid = CAST(CAST(:b AS integer) AS oid))"
                ),
                self.keys,
            ).scalar_one()


def _guard(engine: Engine, name: str) -> _FileGuard | _AdvisoryGuard:
    if engine.dialect.name == "postgresql":
        return _AdvisoryGuard(engine, name)
    database = engine.url.database
    if not database or database == ":memory:":
        raise StoreNotReady("job locks need a SQLite store in a file (or PostgreSQL)")
    return _FileGuard(Path(database).resolve().parent / "locks", name)


# -- the row that says who holds it ----------------------------------------------------


def _write_row(engine: Engine, name: str, owner: str) -> None:
    now = datetime.now(UTC)
    with write_transaction(engine) as connection:
        connection.execute(delete(job_locks).where(job_locks.c.name == name))
        # expires_at is no longer read (locks die with their holder); it stays a copy
        # of acquired_at until a migration drops the column.
        connection.execute(
            insert(job_locks).values(name=name, owner=owner, acquired_at=now, expires_at=now)
        )


def _delete_row(engine: Engine, name: str, owner: str) -> None:
    with write_transaction(engine) as connection:
        connection.execute(
            delete(job_locks).where(job_locks.c.name == name, job_locks.c.owner == owner)
        )


def delete_rows(connection: Connection, names: list[str]) -> None:
    """Forget the rows of locks whose holders are gone (``own_lock``'s, say)."""
    if names:
        connection.execute(delete(job_locks).where(job_locks.c.name.in_(names)))


def read_row(connection: Connection, name: str) -> LockHolder | None:
    row = connection.execute(
        select(job_locks.c.owner, job_locks.c.acquired_at).where(job_locks.c.name == name)
    ).one_or_none()
    if row is None:
        return None
    return LockHolder(row.owner, as_utc(row.acquired_at))


# -- the interface ---------------------------------------------------------------------


class JobLock:
    """``with JobLock(engine, HARVEST_LOCK, busy=HarvestBusy): ...`` runs the block as
    the only holder, or raises ``busy`` (a :class:`JobBusy`) naming the holder."""

    def __init__(self, engine: Engine, name: str, *, busy: type[JobBusy] = JobBusy,
                 discard: bool = False) -> None:
        self.engine, self.name, self.busy, self.discard = engine, name, busy, discard
        self.owner = make_owner()
        self._guard = _guard(engine, name)
        self.held = False

    def acquire(self) -> None:
        if not self._guard.try_take():
            with read_transaction(self.engine) as connection:
                holder = read_row(connection, self.name)
            raise self.busy(busy_message(self.name, holder))
        try:
            _write_row(self.engine, self.name, self.owner)
        except BaseException:
            self._guard.release()
            raise
        self.held = True

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            _delete_row(self.engine, self.name, self.owner)
        finally:
            self._guard.release(discard=self.discard)

    def __enter__(self) -> JobLock:
        if not self.held:  # ``own_lock`` hands one over taken
            self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def own_lock(engine: Engine, prefix: str) -> JobLock:
    """A lock of a name of its own (``prefix-<random>``), taken: others see whether its
    holder is alive (``is_held``) without any lease, e.g. the owner of embedding claims.
    Its files (SQLite) go when it is released."""
    while True:
        lock = JobLock(engine, f"{prefix}-{uuid.uuid4().hex[:16]}", discard=True)
        try:
            lock.acquire()
        except JobBusy:  # PostgreSQL: another name hashed to the same key; draw again
            continue
        return lock


def is_held(engine: Engine, name: str) -> bool:
    """Whether anyone holds ``name`` now (asking never makes a taker fail)."""
    return _guard(engine, name).is_held()


def lock_holder(engine: Engine, name: str) -> LockHolder | None:
    """Who holds ``name`` now: its row, but only while the lock is really held (a row
    left by a dead holder shows nobody)."""
    if not is_held(engine, name):
        return None
    with read_transaction(engine) as connection:
        return read_row(connection, name)
