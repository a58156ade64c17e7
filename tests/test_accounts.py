"""Sign-in links, accounts and sessions."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from clients import BASE, Browser, session_for, token_from_mail
from factories import make_user
from paperwire.community.models import Role
from paperwire.errors import InvalidInput, InvalidSignInLink
from paperwire.web.viewer import SESSION_COOKIE


def test_sign_in_link_works_once(core):
    mail = core.request_sign_in("ada@example.org")
    token = token_from_mail(mail.text)
    assert len(token) >= 43  # 256 bits, url-safe base64
    first = core.sign_in(token)
    assert first.user.email == "ada@example.org"
    with pytest.raises(InvalidSignInLink):
        core.sign_in(token)


def test_token_is_stored_hashed(core):
    token = token_from_mail(core.request_sign_in("ada@example.org").text)
    with core.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM login_tokens")).scalars().all()
    assert stored
    assert token not in stored
    assert all(len(value) == 64 for value in stored)
    session = core.sign_in(token).session_token
    with core.engine.connect() as connection:
        sessions = connection.execute(text("SELECT token_hash FROM user_sessions")).scalars()
        assert session not in list(sessions)


def test_link_expires_after_ten_minutes(core):
    start = time.time()
    core.clock = lambda: start
    token = token_from_mail(core.request_sign_in("ada@example.org").text)
    core.clock = lambda: start + 601
    with pytest.raises(InvalidSignInLink):
        core.sign_in(token)


def test_one_account_whatever_the_case(core):
    first = core.sign_in(token_from_mail(core.request_sign_in("Ada@Example.ORG").text))
    second = core.sign_in(token_from_mail(core.request_sign_in("ada@example.org").text))
    assert first.user.id == second.user.id
    with pytest.raises(InvalidInput):
        core.add_user("ADA@example.org")


def test_closed_signup_mails_only_known_addresses(core):
    core.settings.open_signup = False
    assert core.request_sign_in("stranger@example.org") is None
    make_user(core, "known@example.org")
    assert core.request_sign_in("KNOWN@example.org") is not None


def test_banned_account_cannot_sign_in_and_loses_sessions(core):
    make_user(core, "bad@example.org")
    session = session_for(core, "bad@example.org")
    assert core.session_user(session) is not None
    core.set_banned("bad@example.org")
    assert core.session_user(session) is None
    assert core.request_sign_in("bad@example.org") is None


class AnswerWatch:
    """Wraps the app: when a response's last byte has gone out, notes the SQL the
    request had sent so far and how many mails the outbox held."""

    def __init__(self, app: object, core: object, counter: object) -> None:
        self.app, self.core, self.counter = app, core, counter
        self.statements: list[str] = []
        self.mails_when_answered: int | None = None

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        async def watched(message):  # type: ignore[no-untyped-def]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.statements = list(self.counter.statements)
                self.mails_when_answered = outbox_count(self.core)

        await self.app(scope, receive, watched)


def outbox_count(core) -> int:  # type: ignore[no-untyped-def]
    with core.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()


def _signin(browser: Browser, watch: AnswerWatch, email: str,
            mails: int) -> tuple[int, str, list[str]]:
    """Ask for a link; the answer's status and body (address and nonces blanked), and the
    SQL sent before the answer was complete. ``mails``: how many go out after it."""
    watch.counter.reset()
    response = browser.post("/signin", {"email": email})
    body = re.sub(r'(nonce|value)="[^"]*"', "", response.text).replace(email, "EMAIL")
    assert watch.mails_when_answered == 0  # the answer went out before the mail ...
    assert outbox_count(watch.core) == mails  # ... which followed it
    with watch.core.engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
    return response.status_code, body, watch.statements


def test_signin_answers_the_same_for_known_and_unknown(core, app, count_statements):
    """Nothing tells a known, unknown or banned address apart: the same answer, the same
    SQL before it, and any mail sent only after the answer is complete. (What this costs
    in time is the same work, so it is not timed here.)"""
    core.settings.rate_limit_signin_ip = "1000/minute"
    make_user(core, "known@example.org")
    make_user(core, "banned@example.org")
    core.set_banned("banned@example.org", True)
    with count_statements(core) as counter:
        watch = AnswerWatch(app, core, counter)
        browser = Browser(watch, core)
        known = _signin(browser, watch, "known@example.org", mails=1)
        unknown = _signin(browser, watch, "new@example.org", mails=1)
        banned = _signin(browser, watch, "banned@example.org", mails=0)
    assert known[0] == 200
    assert known == unknown == banned
    assert any("login_tokens" in statement for statement in known[2])


def test_web_sign_in_issues_a_fresh_session_and_sign_out_kills_it(core, app):
    client = TestClient(app, base_url=BASE)
    browser = Browser(app, core)
    client.cookies = browser.client.cookies
    client.cookies.set(SESSION_COOKIE, "stale-session-value-1234567890", domain="testserver.local")
    client.post("/signin", data={"email": "ada@example.org", "csrf_token": browser.token})
    with core.engine.connect() as connection:
        message = connection.execute(text("SELECT message FROM outbox")).scalar_one()
    token = token_from_mail(message)
    page = client.get(f"/signin/verify?token={token}")
    assert page.status_code == 200
    assert 'id="confirm-signin"' in page.text
    with core.engine.connect() as connection:  # GET did not use the link
        assert connection.execute(text("SELECT used_at FROM login_tokens")).scalar() is None
    done = client.post("/signin/verify", data={"token": token, "csrf_token": browser.token},
                       follow_redirects=False)
    assert done.status_code == 303
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert "domain" not in cookie.lower()
    session = client.cookies.get(SESSION_COOKIE)
    assert session != "stale-session-value-1234567890"
    assert core.session_user(session) is not None
    client.post("/signout", data={"csrf_token": browser.token})
    assert core.session_user(session) is None


def test_second_sign_in_replaces_the_session(core, app):
    make_user(core, "ada@example.org")
    browser = Browser(app, core, "ada@example.org")
    old = browser.client.cookies.get(SESSION_COOKIE)
    token = token_from_mail(core.request_sign_in("ada@example.org").text)
    browser.post("/signin/verify", {"token": token})
    new = browser.client.cookies.get(SESSION_COOKIE)
    assert new != old
    assert core.session_user(old) is None
    assert core.session_user(new) is not None


def test_profile_and_account_page(core, app):
    make_user(core, "ada@example.org", username="ada")
    browser = Browser(app, core, "ada@example.org")
    saved = browser.post("/account", {"display_name": "Ada L.", "username": "ada-l"})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/u/ada-l"
    page = browser.get("/u/ada-l")
    assert page.status_code == 200
    assert "Ada L." in page.text
    assert browser.get("/u/nobody").status_code == 404


def test_roles(core):
    make_user(core, "mod@example.org", Role.MODERATOR)
    assert core.set_role("mod@example.org", Role.ADMIN).is_admin
