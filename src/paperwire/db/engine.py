"""Engines for the store: SQLite tuned for a web app, or PostgreSQL by URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:  # settings.py imports this module (redacted_url)
    from paperwire.settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=settings.log_sql, connect_args={"timeout": 30})
        _tune_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_engine(with_connect_timeout(make_url(url)), echo=settings.log_sql,
                         pool_pre_ping=True, pool_size=10)


# Seconds libpq waits for a server to answer a new connection. Without one, a
# connection made while PostgreSQL shuts down or restarts waits in its listen
# queue for as long as that takes, and the request or job waiting on it hangs
# instead of failing and retrying. A URL's own ``connect_timeout`` wins.
CONNECT_TIMEOUT_S = 10


def with_connect_timeout(url: URL) -> URL:
    if "connect_timeout" in url.query:
        return url
    return url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})


def redacted_url(url: str) -> str:
    """A database URL as it may be shown: its password, if any, replaced by ``***``."""
    return make_url(url).render_as_string(hide_password=True)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A writer takes the lock up front (IMMEDIATE), so two writers queue on
        # busy_timeout instead of failing with "database is locked" mid-transaction.
        writes = connection.get_execution_options().get("paperwire_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
