"""The whole journey a reader makes, in real Chromium against a real `paperwire serve`
(store filled from the arXiv sample, mail to a real SMTP sink, arXiv replaced by the
fake arXiv server): daily page -> paper -> concept link -> filter -> sign in by the
emailed link -> upvote and save -> subscribe to a topic -> confirm from the mail ->
the daily digest carries the paper -> one-click unsubscribe -> the trending Atom feed.
Each step leaves a screenshot in test-artifacts/ when it fails."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import feedparser
import httpx
import pytest
from playwright.sync_api import Page, expect

from browser.conftest import start_serve
from conftest import ReservedPort, screenshot_on_failure
from harvest.fake_arxiv import FakeArxiv
from servers import Sink

pytestmark = pytest.mark.browser
READER = "reader@example.org"


class Site:
    def __init__(self, url: str, env: dict[str, str], sink: Sink) -> None:
        self.url, self.env, self.sink = url, env, sink

    def mails_to(self, address: str) -> list[Message]:
        found = []
        for item in list(self.sink.handler.received):
            if address in item.recipients and item.content:
                found.append(email.message_from_bytes(item.content))
        return found

    def wait_for_mail(self, address: str, count: int, page: Page) -> Message:
        for _ in range(200):
            mails = self.mails_to(address)
            if len(mails) >= count:
                return mails[count - 1]
            page.wait_for_timeout(50)
        raise AssertionError(f"no mail number {count} for {address}")


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


def link_in(message: Message, path: str) -> str:
    match = re.search(rf"https?://\S+{re.escape(path)}\?token=[\w.\-=]+", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    return match.group(0)


@pytest.fixture(scope="module")
def site(sample_slice: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    sink = Sink().up()
    fake = FakeArxiv().start()
    reserved = ReservedPort()
    port = reserved.port
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(tmp_path_factory.mktemp("journey")),
        "PAPERWIRE_SECRET_KEY": "journey-secret-key-0123456789abcdefghij",
        "PAPERWIRE_BASE_URL": f"http://127.0.0.1:{port}",
        "PAPERWIRE_EMBEDDER": "fake",
        "PAPERWIRE_SMTP_HOST": "127.0.0.1",
        "PAPERWIRE_SMTP_PORT": str(sink.port),
        "PAPERWIRE_SMTP_SECURITY": "none",
        "PAPERWIRE_ARXIV_OAI_URL": f"{fake.url}/oai",
        "PAPERWIRE_ARXIV_API_URL": f"{fake.url}/api/query",
        "PAPERWIRE_ARXIV_RSS_URL": fake.url,
        "PAPERWIRE_ARXIV_DELAY_SECONDS": "0",
    }
    env.pop("PAPERWIRE_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "paperwire", "import", str(sample_slice)],
                   env=env, check=True, capture_output=True, timeout=600)
    process, url = start_serve(env, reserved)
    yield Site(url, env, sink)
    process.terminate()
    process.wait(timeout=10)
    reserved.release()
    fake.stop()
    sink.close()


def test_the_whole_journey(browser, site: Site) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    step = "start"
    try:
        step = "daily page"
        page.goto(site.url + "/")
        expect(page.get_by_role("heading", name="Daily Papers")).to_be_visible()

        step = "open a paper"
        page.locator("article.paper-card .paper-title a").first.click()
        expect(page).to_have_url(re.compile(r"/papers/"))
        arxiv_id = page.url.split("/papers/", 1)[1]
        title = page.get_by_role("heading", level=1).inner_text()

        step = "follow a concept link"
        concept = page.locator("a.chip.concept").first
        concept_text = concept.inner_text()
        concept.click()
        expect(page).to_have_url(re.compile(r"/papers\?q="))
        expect(page.locator(".result-count").first).to_contain_text("result")

        step = "filter the search"
        # The category of a hit shown now: the filtered search has at least that hit.
        category = page.locator("article.paper-card .paper-meta a.chip").first.inner_text()
        page.fill("input[name=cat]", category)
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"cat=" + re.escape(category)))
        hits = [link.get_attribute("href").removeprefix("/papers/")
                for link in page.locator("article.paper-card .paper-title a").all()]
        assert hits, f"no hit left in {category}"
        for hit in hits:  # a card shows the primary category only: ask the API for all
            categories = httpx.get(f"{site.url}/api/papers/{hit}").json()["categories"]
            assert category in categories, (hit, categories)
        for meta in page.locator("article.paper-card .paper-meta").all()[:5]:
            assert meta.inner_text()  # each hit still renders its meta line

        step = "sign in by the emailed link"
        page.get_by_role("link", name="Sign in").click()
        page.fill("#email", READER)
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.get_by_text("Check your email")).to_be_visible()
        sign_in = site.wait_for_mail(READER, 1, page)
        page.goto(link_in(sign_in, "/signin/verify"))
        page.click("#confirm-signin")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

        step = "upvote and save"
        page.goto(f"{site.url}/papers/{arxiv_id}")
        page.click(".title-row .vote-button")
        expect(page.locator(".title-row .votes.voted .count")).to_have_text("1")
        page.fill("input[name=name]", "Journey")
        page.click("button:text('Create and save')")
        expect(page.get_by_role("heading", level=1)).to_have_text("Journey")  # the new collection
        expect(page.locator("main")).to_contain_text(title.split("$")[0][:30])

        step = "subscribe to a topic"
        page.goto(f"{site.url}/papers/{arxiv_id}")
        form = page.locator("aside.digest-subscribe form")
        form.locator("input[name=email]").fill(READER)
        form.locator("summary").click()
        form.locator("textarea[name=keywords]").fill(concept_text)
        form.get_by_role("button", name="Subscribe").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

        step = "confirm from the mail"
        confirmation = site.wait_for_mail(READER, 2, page)
        page.goto(link_in(confirmation, "/digest/confirm"))
        page.click("#confirm-digest")
        expect(page.locator("main")).to_contain_text("You're subscribed")

        step = "run the daily digest"
        result = subprocess.run(
            [sys.executable, "-m", "paperwire", "digest", "send", "--period", "daily"],
            env=site.env, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        digest = site.wait_for_mail(READER, 3, page)
        assert title.split("$")[0][:40] in text_of(digest), "the upvoted paper is in the digest"
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        step = "one-click unsubscribe"
        unsubscribe = digest["List-Unsubscribe"].strip("<>")
        answer = httpx.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}, timeout=10)
        assert answer.status_code == 200
        page.goto(unsubscribe)
        expect(page.locator("main")).to_contain_text("You're unsubscribed")  # GET shows, changes nothing

        step = "read the trending Atom feed"
        feed = feedparser.parse(httpx.get(site.url + "/trending.atom", timeout=10).content)
        assert not feed.bozo
        assert any(entry.id.endswith(f"/papers/{arxiv_id}") for entry in feed.entries)
    except Exception:
        screenshot_on_failure(page, f"journey-{step.replace(' ', '-')}")
        raise
    finally:
        context.close()
