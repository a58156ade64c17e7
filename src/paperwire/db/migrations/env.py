"""Alembic environment: the engine comes from paperwire's settings, never from a file."""

from __future__ import annotations

from alembic import context

from paperwire.db.migrate import include_object
from paperwire.db.tables import metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
