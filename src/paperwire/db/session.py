"""Transactions. A core method opens one; nothing below it commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import SQLAlchemyError as StoreError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# The core holds an engine and passes transactions (connections) to storage functions;
# it names their types from here, so nothing above the storage layer imports SQLAlchemy.
# StoreError is what any statement may raise (the store unreachable, a constraint...);
# STORE_UNAVAILABLE those of its kinds that say the store could not answer now (down,
# restarting, busy, every pooled connection taken): worth trying again, not a bug.
STORE_UNAVAILABLE: tuple[type[StoreError], ...] = (OperationalError, InterfaceError, PoolTimeout)
__all__ = [
    "STORE_UNAVAILABLE", "Connection", "Engine", "StoreError", "as_utc", "read_transaction",
    "snapshot_transaction", "store_error_line", "write_transaction",
]


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One read-write transaction: committed when the block ends, rolled back on error."""
    with engine.connect() as connection:
        connection.execution_options(paperwire_write=True)
        with connection.begin():
            yield connection


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction: a consistent snapshot for a page or an API call."""
    with engine.connect() as connection, connection.begin():
        yield connection


@contextmanager
def snapshot_transaction(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction that sees the whole store as of one moment, however long
    it lasts, while others keep writing: PostgreSQL ``REPEATABLE READ READ ONLY``; on
    SQLite (WAL) a read transaction, whose snapshot is taken by its first read."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            yield connection


def as_utc(value: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime: SQLite hands back naive ones."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def store_error_line(error: StoreError) -> str:
    """The first line of what the database said (not SQLAlchemy's wrapping of it)."""
    return str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
