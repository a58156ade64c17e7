"""In-process clients for the web tests: a signed-in TestClient with its CSRF token."""

from __future__ import annotations

import re
from urllib.parse import unquote

from fastapi.testclient import TestClient

from paperwire.core import Paperwire
from paperwire.web.viewer import SESSION_COOKIE

BASE = "https://testserver"  # __Host- cookies are Secure: the test client must use https


def open_client(app: object) -> TestClient:
    """An in-process client of ``app`` on https (``__Host-`` cookies are Secure); it
    follows no redirect, so a test sees each answer as a browser first gets it."""
    return TestClient(app, base_url=BASE, follow_redirects=False)


def token_from_mail(mail_text: str) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-%]+)", mail_text)
    assert match, mail_text
    return unquote(match[1])


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
