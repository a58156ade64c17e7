"""Sessions for bulk mail (digests): one open connection, one message at a time, and
every answer classified so the caller can decide: sent, retry, fail, pause.

``SmtpSession`` keeps one aiosmtplib connection open across messages (reconnecting
when it drops); ``OutboxSession`` writes to the embedded outbox table.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import suppress
from dataclasses import dataclass
from email.message import Message
from email.utils import parseaddr
from enum import StrEnum
from typing import Protocol

from paperwire.db import outbox
from paperwire.db.session import Engine, write_transaction
from paperwire.settings import Settings


class Outcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"  # 4xx for this message: retry later
    PERMANENT = "permanent"  # 5xx: do not retry
    CONNECTION = "connection"  # not delivered: no server, or it hung up before the data
    AMBIGUOUS = "ambiguous"  # the connection broke after the data went out: maybe delivered


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: Outcome
    code: int | None = None
    detail: str = ""


class MailSession(Protocol):
    def send(self, message: Message) -> Delivery: ...

    def close(self) -> None: ...


def classify(code: int, detail: str) -> Delivery:
    if code == 421:  # "service not available, closing channel": the server, not the message
        return Delivery(Outcome.CONNECTION, code, detail)
    if 200 <= code < 300:
        return Delivery(Outcome.SENT, code, detail)
    return Delivery(Outcome.TRANSIENT if code < 500 else Outcome.PERMANENT, code, detail)


class SmtpSession:
    """One SMTP connection reused for many messages (``smtp_*`` settings)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender = parseaddr(settings.mail_from)[1]
        self.client: object | None = None
        # The connection lives on an event loop of its own, in its own thread, so a
        # session works from any caller: a worker thread, the CLI, or code that is
        # itself running inside an event loop.
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp-session", daemon=True)
        self.thread.start()

    def _run(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def send(self, message: Message) -> Delivery:
        return self._run(self._send(message))

    def close(self) -> None:
        try:
            if self.client is not None:
                self._run(self._quit())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()

    async def _connect(self):  # type: ignore[no-untyped-def]
        import aiosmtplib

        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, timeout=s.smtp_timeout_s,
            use_tls=s.smtp_security == "tls", start_tls=s.smtp_security == "starttls",
            username=s.smtp_username, password=s.resolved_smtp_password(),
            cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
        )
        await client.connect()
        return client

    async def _send(self, message: Message) -> Delivery:
        import aiosmtplib

        recipient = parseaddr(str(message["To"]))[1]
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        sent_data = False
        try:
            if self.client is None:
                self.client = await self._connect()
            client = self.client
            await client.mail(self.sender)  # type: ignore[attr-defined]
            await client.rcpt(recipient)  # type: ignore[attr-defined]
            sent_data = True
            response = await client.data(data)  # type: ignore[attr-defined]
            return classify(response.code, response.message)
        except aiosmtplib.SMTPResponseException as error:
            delivery = classify(error.code, error.message)
            await self._after_refusal(delivery)
            return delivery
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            self.client = None
            outcome = Outcome.AMBIGUOUS if sent_data else Outcome.CONNECTION
            return Delivery(outcome, None, f"{type(error).__name__}: {error}")

    async def _after_refusal(self, delivery: Delivery) -> None:
        """Reset the transaction after a refusal, or drop a connection the server closes."""
        if delivery.outcome is Outcome.CONNECTION:
            self.client = None
            return
        try:
            await self.client.rset()  # type: ignore[union-attr]
        except Exception:
            self.client = None

    async def _quit(self) -> None:
        with suppress(Exception):
            await self.client.quit()  # type: ignore[union-attr]
        self.client = None


class OutboxSession:
    """Writes each message to the ``outbox`` table (the default without ``smtp_host``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def send(self, message: Message) -> Delivery:
        with write_transaction(self.engine) as connection:
            outbox.store_message(connection, message, kind="digest")
        return Delivery(Outcome.SENT, 250, "stored in the outbox")

    def close(self) -> None:
        pass


def open_session(settings: Settings, engine: Engine) -> MailSession:
    return SmtpSession(settings) if settings.smtp_host else OutboxSession(engine)
