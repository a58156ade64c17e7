"""Factories and clients for the community tests: papers, users, signed-in clients."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

from fastapi.testclient import TestClient

from paperwire.community.models import Role, User
from paperwire.core import Paperwire
from paperwire.ingest import store_items
from paperwire.records import PaperRecord, Version
from paperwire.web.viewer import SESSION_COOKIE

BASE = "https://testserver"  # __Host- cookies are Secure: the test client must use https


def make_paper(core: Paperwire, arxiv_id: str, *, title: str | None = None,
               abstract: str = "An abstract.", authors: list[str] | None = None,
               published: datetime | None = None, announced_on: date | None = None) -> str:
    published = published or datetime.now(UTC) - timedelta(days=1)
    record = PaperRecord(
        arxiv_id=arxiv_id, title=title or f"Paper {arxiv_id}", abstract=abstract,
        authors=authors or ["Ada Lovelace", "Alan Turing"], categories=["cs.LG"],
        versions=[Version(1, published)], announced_on=announced_on or published.date(),
    )
    store_items(core.engine, [record], batch_size=100)
    return arxiv_id


def token_from_mail(mail_text: str) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-%]+)", mail_text)
    assert match, mail_text
    return unquote(match[1])


def make_user(core: Paperwire, email: str, role: Role = Role.USER,
              username: str | None = None) -> User:
    user = core.add_user(email, username=username)
    return core.set_role(email, role) if role is not Role.USER else user


def session_for(core: Paperwire, email: str) -> str:
    mail = core.request_sign_in(email)
    assert mail is not None
    return core.sign_in(token_from_mail(mail.text)).session_token


def csrf_of(client: TestClient) -> str:
    page = client.get("/signin")
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, page.text[:500]
    return match[1]


class Browser:
    """A TestClient with its CSRF token at hand (and a session, when signed in)."""

    def __init__(self, app: object, core: Paperwire, email: str | None = None) -> None:
        self.client = TestClient(app, base_url=BASE)
        if email:
            session = session_for(core, email)
            self.client.cookies.set(SESSION_COOKIE, session, domain="testserver.local")
        self.token = csrf_of(self.client)

    def get(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)
