"""Alembic, driven from code: upgrade the store, or say how far behind it is."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"

# Full-text objects the migrations create with raw SQL, outside tables.py's map:
# SQLite's FTS5 tables (papers_fts, its shadow tables and papers_fts_vocab), and
# PostgreSQL's generated papers.search_vector with its GIN index.
OUTSIDE_METADATA = {
    "column": {"search_vector"},
    "index": {"ix_papers_search_vector"},
}


def include_object(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    """Alembic's filter: what autogenerate and ``schema_drift`` compare."""
    if type_ == "table" and name is not None and name.startswith(("papers_fts", "procrastinate_")):
        return False  # FTS5's tables; the job queue's (db/queue.py), queue state not data
    return name not in OUTSIDE_METADATA.get(type_, set())


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


# The advisory lock every upgrading process of a PostgreSQL deployment queues on.
UPGRADE_LOCK = 0x70617065_7277_0001 & 0x7FFFFFFFFFFFFFFF


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the store; at the head, also make sure the job queue's schema is there
    (PostgreSQL only; ``db/queue.py``). On PostgreSQL, hosts starting at once take
    turns: the first migrates, the others wait for it and then find nothing to do."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
        holder.commit()  # the lock is the session's: no transaction left open meanwhile
        try:
            command.upgrade(alembic_config(engine), revision)
            if revision == "head":
                from paperwire.db.queue import ensure_queue_schema

                ensure_queue_schema(engine)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
            holder.commit()


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def revision_order(engine: Engine) -> list[str]:
    """Every revision this code knows, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    return [script.revision for script in scripts.walk_revisions()][::-1]


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return revision_of(connection)


def revision_of(connection: Connection) -> str | None:
    """The schema revision as this connection's transaction sees it."""
    return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)


def schema_drift(engine: Engine) -> list[object]:
    """What differs between the migrated store and tables.py (empty when in step)."""
    from paperwire.db.tables import metadata

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, metadata))
