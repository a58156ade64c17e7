"""The embedded mail spool (``outbox``): where messages go when no SMTP server is set.

One statement inside the caller's transaction; the mail layer opens the transaction.
"""

from __future__ import annotations

import time
from email.message import Message

from sqlalchemy import Connection, insert

from paperwire.db.tables import outbox


def store_message(connection: Connection, message: Message, *, kind: str,
                  now: float | None = None) -> None:
    """Spool one built message, headers and body as it would go on the wire."""
    connection.execute(
        insert(outbox).values(
            recipient=str(message["To"]),
            subject=str(message["Subject"]),
            kind=kind,
            message=message.as_string(),
            created_at=int(time.time() if now is None else now),
        )
    )
