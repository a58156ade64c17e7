"""Storage read of the embedded outbox for admins (mail/ writes it)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from paperwire.community.models import OutboxEntry
from paperwire.db.tables import outbox


def recent_mail(connection: Connection, *, limit: int) -> list[OutboxEntry]:
    """The newest ``limit`` messages, newest first."""
    rows = connection.execute(select(outbox).order_by(outbox.c.id.desc()).limit(limit))
    return [OutboxEntry(*row) for row in rows]
