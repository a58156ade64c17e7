"""The mail layer: a real SMTP server (aiosmtpd on 127.0.0.1), the outbox, and headers
that unchecked text cannot forge."""

from __future__ import annotations

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller

from clients import Browser, token_from_mail
from conftest import ReservedPort
from factories import make_user
from paperwire.community.models import Role
from paperwire.errors import InvalidInput
from paperwire.mail.message import OutgoingMail


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink():  # type: ignore[no-untyped-def]
    sink = Sink()
    with ReservedPort() as reserved:
        controller = Controller(sink, hostname="127.0.0.1", port=reserved.port)
        controller.start()
        yield sink, controller.port
        controller.stop()


def test_sign_in_mail_goes_through_smtp(core, smtp_sink):
    sink, port = smtp_sink
    core.settings.smtp_host, core.settings.smtp_port = "127.0.0.1", port
    core.settings.smtp_security = "none"
    from paperwire.mail.mailer import Mailer

    core.mailer = Mailer(core.settings, core.engine)
    core.send_mail(core.request_sign_in("Ada@Example.org"))
    [(_, recipients, raw)] = sink.messages
    assert recipients == ["Ada@Example.org"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Sign in to paperwire"
    assert message["Message-ID"]
    assert message["Date"]
    token = token_from_mail(message.get_content())
    assert core.sign_in(token).user.email == "Ada@Example.org"


def test_outbox_is_the_default_and_admins_read_it(core, app):
    make_user(core, "admin@example.org", Role.ADMIN)
    make_user(core, "ada@example.org")
    core.send_mail(core.request_sign_in("ada@example.org"))
    admin = Browser(app, core, "admin@example.org")
    page = admin.get("/admin/outbox")
    assert page.status_code == 200
    assert "ada@example.org" in page.text
    assert Browser(app, core, "ada@example.org").get("/admin/outbox").status_code == 403
    assert Browser(app, core).get("/admin/outbox", follow_redirects=False).status_code == 303


def test_dev_mode_prints_the_link(core, capsys):
    core.settings.dev_mode = True
    core.send_mail(core.request_sign_in("ada@example.org"))
    assert "/signin/verify?token=" in capsys.readouterr().err


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: victim@evil.test", "Hi\nX: y", "a\rb", "\x00"])
def test_no_header_from_unchecked_text(subject):
    with pytest.raises(InvalidInput):
        OutgoingMail(to="ada@example.org", subject=subject, text="x").build("p <p@x.org>")


@pytest.mark.parametrize("address", [
    "ada@example.org\r\nBcc: victim@evil.test", "ada@example.org, eve@evil.test",
    "Ada <ada@example.org>", "ada", "@example.org", "a b@example.org", "ada@localhost",
])
def test_one_plain_address_only(address):
    with pytest.raises(InvalidInput):
        OutgoingMail(to=address, subject="s", text="x").build("p <p@x.org>")


def test_long_lines_are_encoded(core):
    message = OutgoingMail(to="ada@example.org", subject="s", text="y" * 2000).build("p@x.org")
    assert all(len(line) <= 998 for line in message.as_bytes().splitlines())


def test_smtp_delivery_from_inside_an_event_loop(core, smtp_sink):
    import asyncio
    import threading

    from paperwire.mail.transport import SmtpTransport

    sink, port = smtp_sink
    core.settings.smtp_host, core.settings.smtp_port = "127.0.0.1", port
    core.settings.smtp_security = "none"
    message = OutgoingMail(to="ada@example.org", subject="s", text="x").build("p@x.org")

    async def inside() -> None:
        SmtpTransport(core.settings).deliver(message, kind="test")

    # A thread of its own: Playwright's sync API may already run a loop on this one.
    runner = threading.Thread(target=lambda: asyncio.run(inside()))
    runner.start()
    runner.join(timeout=30)
    assert len(sink.messages) == 1
