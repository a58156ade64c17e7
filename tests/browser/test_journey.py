"""Daily page -> paper page -> search, in real Chromium against `paperwire serve`."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_daily_to_paper_to_search(page, served_site):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served_site.url + "/")
    expect(page.get_by_role("heading", name="Daily Papers")).to_be_visible()
    cards = page.locator("article.paper-card")
    assert cards.count() > 0

    first_title = cards.first.locator("h3 a")
    title = first_title.inner_text()
    first_title.click()
    expect(page).to_have_url(re.compile(r"/papers/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("link", name="PDF")).to_have_attribute("href", re.compile(r"arxiv\.org/pdf/"))

    page.get_by_label("Search papers").fill("transformer")
    page.get_by_label("Search papers").press("Enter")
    expect(page).to_have_url(re.compile(r"/papers\?q=transformer"))
    expect(page.locator(".result-count").first).to_contain_text("results for")
    assert page.locator("article.paper-card mark").count() > 0

    page.get_by_role("link", name="Weekly").click()
    expect(page.get_by_role("heading", name="Weekly Papers")).to_be_visible()
    page.locator("a[rel=prev]").first.click()
    expect(page.get_by_role("heading", name="Weekly Papers")).to_be_visible()
    assert errors == []


def test_phone_layout_has_no_horizontal_scroll(browser, served_site):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    for path in ("/", "/papers/hep-th/9901001", "/papers?q=learning"):
        page.goto(served_site.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    context.close()
