"""In real Chromium: sign in, upload a library on the account page, see explained picks
on the For-you tab, mark one not interested (htmx swaps the card), and it is gone from
the page after a reload."""

from __future__ import annotations

import pytest

from browser.test_community_flow import latest_mail
from clients import token_from_mail
from test_for_you import arxiv_id, corpus, topic_of  # noqa: F401 - corpus: a fixture

pytestmark = pytest.mark.browser


def test_for_you_flow(corpus, live_server, browser):  # noqa: F811
    server = live_server
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    try:
        page.goto(server.url + "/signin")
        page.fill("#email", "grace@example.org")
        page.click("text=Email me a sign-in link")
        page.wait_for_selector("text=Check your email")
        page.goto(server.url + "/signin/verify?token=" + token_from_mail(latest_mail(corpus)))
        page.click("#confirm-signin")
        page.wait_for_selector("text=Sign out")
        grace = corpus.user_by_email("grace@example.org")
        page.goto(server.url + "/account")
        listing = f"{arxiv_id('quantum', 0)}\nhttps://arxiv.org/abs/{arxiv_id('quantum', 1)}\n"
        page.set_input_files("#library-files", files=[
            {"name": "reading.txt", "mimeType": "text/plain", "buffer": listing.encode()}])
        page.click("button:text('Import')")
        page.wait_for_selector("#library-summary")
        assert corpus.library_size(grace.id) == 2

        page.click("nav.main-nav >> text=For you")
        page.wait_for_selector("ul.because")
        titles = page.locator(".paper-card .paper-title a")
        first_href = titles.first.get_attribute("href")
        first = first_href.removeprefix("/papers/")
        assert topic_of(first) == "quantum"
        reasons = page.locator(".paper-card").first.locator("ul.because li").all_inner_texts()
        library_titles = [corpus.get_paper(arxiv_id("quantum", n)).title for n in (0, 1)]
        assert any(title in reasons[0] for title in library_titles), reasons

        page.locator(".paper-card").first.locator("button:text('Not interested')").click()
        page.wait_for_selector("text=Hidden:")
        assert page.locator(f".paper-title a[href='{first_href}']").count() == 0
        assert corpus.signal_paper_ids(grace.id, "not_interested") == {
            corpus.get_paper(first).id}
        # The reloaded page reports what it showed once loaded (hx-trigger=load).
        with page.expect_response(lambda r: r.url.endswith("/for-you/seen")):
            page.reload()
        page.wait_for_selector("ul.because")
        assert page.locator(f".paper-title a[href='{first_href}']").count() == 0
        shown = set(page.locator(".paper-card .paper-title a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"))
        page.click("text=Hide seen")
        page.wait_for_selector("h1:text('For you')")
        now = set(page.locator(".paper-card .paper-title a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"))
        assert shown
        assert not shown & now
        assert blocked == []  # htmx ran under the CSP
    finally:
        context.close()
