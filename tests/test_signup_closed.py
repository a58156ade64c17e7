"""Closed sign-up (``PAPERWIRE_OPEN_SIGNUP=false``) through the web app, as a browser does
it: GET the form (CSRF cookie and token), POST the address, read the mail at a real SMTP
server, open the link, press the button.

- an unknown address: the same friendly "check your email" page, no account, no mail;
- an account made while sign-up was open still signs in;
- an address added by `paperwire user add` (the admin's invitation) signs in;
- a link mailed to a new address while sign-up was open makes no account once it is closed.
"""

from __future__ import annotations

import email
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from clients import open_client, token_from_mail
from paperwire.core import Paperwire
from paperwire.db.tables import outbox, users
from paperwire.web.app import create_app
from servers import Sink, worker_env


class Visitor:
    """A browser's part: its own cookies (``__Host-`` ones are Secure; the client is on
    https) and the form's CSRF token sent back with the form."""

    def __init__(self, app: FastAPI) -> None:
        self.http = open_client(app)

    @property
    def cookies(self) -> set[str]:
        return {cookie.name for cookie in self.http.cookies.jar}

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(path, params=params)

    def submit(self, form_page: str, action: str, **fields: str) -> httpx.Response:
        """Load the page holding the form, then post it with its CSRF token."""
        page = self.get(form_page)
        assert page.status_code == 200, page.text[:300]
        match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert match, page.text[:500]
        return self.http.post(action, data={**fields, "csrf_token": match[1]})

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink(keep_bodies=True).up()
    yield server
    server.close()


@contextmanager
def site(core: Paperwire, sink: Sink, *, open_signup: bool) -> Iterator[FastAPI]:
    """The site with the given setting (as after a restart with it), started and stopped
    as a server does it (its lifespan runs)."""
    settings = core.settings.model_copy(update={
        "open_signup": open_signup, "smtp_host": "127.0.0.1", "smtp_port": sink.port,
        "smtp_security": "none", "base_url": "https://papers.example.org",
    })
    app = create_app(core=Paperwire(settings, engine=core.engine))
    with open_client(app):
        yield app


def mails_to(sink: Sink, address: str) -> list[str]:
    texts = []
    for item in list(sink.handler.received):
        if address in item.recipients:
            message = email.message_from_bytes(item.content or b"", policy=policy.default)
            texts.append(message.get_body(preferencelist=("plain",)).get_content())
    return texts


def account_emails(core: Paperwire) -> set[str]:
    with core.engine.connect() as connection:
        return set(connection.execute(select(users.c.email)).scalars())


def ask_for_link(visitor: Visitor, address: str) -> httpx.Response:
    answer = visitor.submit("/signin", "/signin", email=address, next="/")
    assert answer.status_code == 200, answer.text[:300]
    assert "Check your email" in answer.text
    return answer


def sign_in_with(visitor: Visitor, sink: Sink, address: str) -> httpx.Response:
    """Ask for a link, take it from the mail, open it and press the button."""
    before = sink.count
    ask_for_link(visitor, address)
    sink.wait_for(before + 1)
    token = token_from_mail(mails_to(sink, address)[-1])
    button = visitor.get("/signin/verify", token=token)
    assert button.status_code == 200
    return visitor.submit(f"/signin/verify?token={token}", "/signin/verify", token=token)


def test_closed_signup_over_http(core: Paperwire, sink: Sink) -> None:
    # While sign-up is open, a reader makes an account, and a link goes to someone who
    # never uses it in time.
    with site(core, sink, open_signup=True) as opened:
        reader = Visitor(opened)
        assert sign_in_with(reader, sink, "member@example.org").status_code == 303
        reader.close()
        late = Visitor(opened)
        ask_for_link(late, "late@example.org")
        sink.wait_for(2)
        late_token = token_from_mail(mails_to(sink, "late@example.org")[0])
        late.close()
    assert account_emails(core) == {"member@example.org"}

    # The admin invites one address with the real command.
    subprocess.run(
        [sys.executable, "-m", "paperwire", "user", "add", "invited@example.org",
         "--name", "invited"],
        env=worker_env(core, sink), check=True, capture_output=True, timeout=120,
    )

    with site(core, sink, open_signup=False) as closed:
        stranger = Visitor(closed)
        form = stranger.get("/signin")
        assert "New accounts are by invitation" in " ".join(form.text.split())
        answer = ask_for_link(stranger, "Stranger@Example.org")
        assert "Stranger@Example.org" in answer.text  # the same friendly page as for members

        # A link that went out while sign-up was open no longer makes an account.
        refused = stranger.submit(f"/signin/verify?token={late_token}", "/signin/verify",
                                  token=late_token)
        assert refused.status_code == 400
        assert "invalid, used or expired" in refused.text
        assert "__Host-session" not in stranger.cookies

        # The member and the invited address both get in; the mails come in order, after
        # the stranger's request, so a mail to the stranger would already have arrived.
        for address, username in (("member@example.org", None), ("invited@example.org",
                                                                  "invited")):
            visitor = Visitor(closed)
            done = sign_in_with(visitor, sink, address)
            assert done.status_code == 303
            assert "__Host-session" in visitor.cookies
            if username:
                assert done.headers["location"] == f"/u/{username}?welcome=1"
            account = visitor.get("/account")
            assert account.status_code == 200
            assert address in account.text
            visitor.close()
        stranger.close()

    assert account_emails(core) == {"member@example.org", "invited@example.org"}
    assert mails_to(sink, "Stranger@Example.org") == []
    assert mails_to(sink, "stranger@example.org") == []
    assert sorted(r for item in sink.handler.received for r in item.recipients) == [
        "invited@example.org", "late@example.org", "member@example.org", "member@example.org",
    ]
    with core.engine.connect() as connection:  # nothing went to the outbox instead
        assert connection.execute(select(func.count()).select_from(outbox)).scalar_one() == 0
