"""The job queue's schema on PostgreSQL: procrastinate's tables, applied once, by one process.

``paperwire migrate`` (and every command that migrates: ``serve``, ``worker`` ...) calls
:func:`ensure_queue_schema` after our own migrations. Under a transaction-level advisory
lock, so two processes starting at once do not both apply it, it applies procrastinate's
schema (``SchemaManager.get_schema()``) if its jobs table is missing, and does nothing
otherwise. The queue's tables are queue state, not data: they are not in ``tables.py``,
so Alembic's drift check, ``paperwire export`` and ``restore`` leave them alone.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from paperwire.db.locks import ADVISORY_NAMESPACE

QUEUE_TABLE_PREFIX = "procrastinate_"
_SCHEMA_LOCK = {"a": ADVISORY_NAMESPACE, "b": zlib.crc32(b"queue-schema") & 0x7FFFFFFF}


def conninfo(engine: Engine) -> str:
    """The store's URL as libpq (psycopg, procrastinate's connector) reads it."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def has_queue_schema(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        ).scalar_one()


def ensure_queue_schema(engine: Engine) -> bool:
    """Apply procrastinate's schema unless it is there; True if this call applied it.
    PostgreSQL only (SQLite deployments run their jobs in-process, with no queue)."""
    if engine.dialect.name != "postgresql":
        return False
    from procrastinate.schema import SchemaManager

    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), _SCHEMA_LOCK)
        if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
            return False
        # The DB-API cursor, with no parameters: the schema's own % signs stay as they are.
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(SchemaManager.get_schema())
        return True


_OLD_FINISHED = (
    "SELECT id FROM procrastinate_jobs"
    " WHERE status IN ('succeeded', 'failed', 'cancelled', 'aborted')"
    " AND id IN (SELECT job_id FROM procrastinate_events GROUP BY job_id"
    "            HAVING max(at) < :before)"
)


def prune_finished_jobs(connection: Connection, *, before: datetime) -> int:
    """Delete the queue's jobs that reached a final state (succeeded, failed, cancelled,
    aborted) before ``before`` (their last event); returns how many. Their events go with
    them; a periodic task's record of the slot stays, without its job."""
    connection.execute(text(
        f"UPDATE procrastinate_periodic_defers SET job_id = NULL WHERE job_id IN ({_OLD_FINISHED})"
    ), {"before": before})
    return connection.execute(text(
        f"DELETE FROM procrastinate_jobs WHERE id IN ({_OLD_FINISHED})"), {"before": before}
    ).rowcount
