"""``Mailer``: build, deliver, and in dev mode echo the text to the console."""

from __future__ import annotations

import logging
import sys

from paperwire.db.session import Engine
from paperwire.mail.message import OutgoingMail
from paperwire.mail.transport import Transport, make_transport
from paperwire.settings import Settings

log = logging.getLogger("paperwire.mail")


class Mailer:
    def __init__(
        self, settings: Settings, engine: Engine, transport: Transport | None = None
    ) -> None:
        self.settings = settings
        self.transport = transport or make_transport(settings, engine)

    def send(self, mail: OutgoingMail) -> None:
        """Deliver one message; errors are logged and re-raised to the caller."""
        message = mail.build(self.settings.mail_from)
        if self.settings.dev_mode:
            print(f"--- mail to {mail.to}: {mail.subject}\n{mail.text}\n---", file=sys.stderr)
        try:
            self.transport.deliver(message, kind=mail.kind)
        except Exception:
            log.exception("could not deliver %s mail", mail.kind)
            raise
