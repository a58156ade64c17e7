"""In real Chromium: sign in by the emailed link (read from the outbox), upvote,
comment, save to a collection, submit a paper, sign out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from clients import token_from_mail
from conftest import screenshot_on_failure
from factories import make_paper
from harvest.conftest import point_at
from harvest.fake_arxiv import FakeArxiv
from paperwire.web.viewer import SESSION_COOKIE
from test_community import api_feed

pytestmark = pytest.mark.browser


def latest_mail(core) -> str:  # type: ignore[no-untyped-def]
    with core.engine.connect() as connection:
        return connection.execute(
            text("SELECT message FROM outbox ORDER BY id DESC")).scalars().first()


def test_sign_in_upvote_comment_save_submit_sign_out(core, live_server, browser):
    paper = make_paper(core, "2401.40001", title="A paper worth reading")
    fake = FakeArxiv().start()
    point_at(core, fake)
    fake.api_body = api_feed(("2401.40002", "Submitted 2401.40002",
                              datetime.now(UTC) - timedelta(days=2)))
    blocked: list[str] = []
    server = live_server
    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text
            else None)
    try:
        page.goto(server.url + "/")
        page.click("text=Sign in")
        page.fill("#email", "grace@example.org")
        page.click("text=Email me a sign-in link")
        page.wait_for_selector("text=Check your email")
        link = "/signin/verify?token=" + token_from_mail(latest_mail(core))
        page.goto(server.url + link)
        page.click("#confirm-signin")
        page.wait_for_selector("text=Sign out")
        cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
        assert cookie["secure"]
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Lax"

        page.goto(f"{server.url}/papers/{paper}")
        page.click(".title-row .vote-button")  # htmx swaps the button in place
        page.wait_for_selector(".title-row .votes.voted .count:text('1')")
        assert core.get_paper(paper).upvotes == 1

        page.fill("#comment-body", "This is **great**: $E=mc^2$")
        page.click("form.new-comment button")
        page.wait_for_selector(".comment-body strong:text('great')")

        page.fill("input[name=name]", "Reading list")
        page.fill("section.save-paper input[name=note]", "read on Friday")
        page.click("button:text('Create and save')")
        page.wait_for_selector("text=read on Friday")
        assert "A paper worth reading" in page.content()

        page.goto(server.url + "/submit")
        page.fill("#paper", "https://arxiv.org/abs/2401.40002v1")
        page.click("button:text('Submit')")
        page.wait_for_selector("text=Submitted by")
        assert core.get_paper("2401.40002").submitted_by

        session = cookie["value"]
        page.click("text=Sign out")
        page.wait_for_selector("a:text('Sign in')")
        assert core.session_user(session) is None
        assert blocked == []  # htmx and every script ran under the CSP
    except Exception:
        screenshot_on_failure(page, "community-flow")
        raise
    finally:
        context.close()
        fake.stop()
