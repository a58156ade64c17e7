"""Where built messages go: an SMTP server, or the embedded outbox table."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from typing import Protocol

from paperwire.db import outbox
from paperwire.db.session import Engine, write_transaction
from paperwire.settings import Settings

log = logging.getLogger("paperwire.mail")


class Transport(Protocol):
    def deliver(self, message: Message, *, kind: str) -> None: ...


class OutboxTransport:
    """Stores each message in the ``outbox`` table (one transaction each)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def deliver(self, message: Message, *, kind: str) -> None:
        with write_transaction(self.engine) as connection:
            outbox.store_message(connection, message, kind=kind)


class SmtpTransport:
    """Sends through the SMTP server the settings name (aiosmtplib)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def deliver(self, message: Message, *, kind: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: a worker thread, no loop
            asyncio.run(self.deliver_async(message))
            return
        with ThreadPoolExecutor(max_workers=1) as pool:  # called from inside a loop
            pool.submit(asyncio.run, self.deliver_async(message)).result()

    async def deliver_async(self, message: Message) -> None:
        import aiosmtplib

        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.resolved_smtp_password(),
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            timeout=s.smtp_timeout_s,
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
        )


def make_transport(settings: Settings, engine: Engine) -> Transport:
    return SmtpTransport(settings) if settings.smtp_host else OutboxTransport(engine)
