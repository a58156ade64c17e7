"""Real headless Chromium: a paper page's "Copy BibTeX" puts its entry on the clipboard,
with the Clipboard API and without it (a deployment on plain HTTP)."""

from __future__ import annotations

import bibtexparser
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_copy_bibtex_puts_the_entry_on_the_clipboard(site, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page.goto(site.url + "/")
    page.locator(".paper-title a").first.click()
    page.wait_for_url("**/papers/*")
    arxiv_id = page.url.rsplit("/papers/", 1)[1]
    page.locator("details.cite summary").click()
    button = page.locator('[data-copy="bibtex"]')
    button.click()
    page.wait_for_function("document.querySelector('[data-copy=bibtex]').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    (entry,) = bibtexparser.parse_string(copied).entries
    assert entry["eprint"] == arxiv_id
    assert page.locator('meta[name="citation_arxiv_id"]').get_attribute("content") == arxiv_id


NO_CLIPBOARD_API = "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})"


def test_copy_bibtex_works_without_the_clipboard_api(site, page):
    """Plain HTTP (not localhost) has no ``navigator.clipboard``: the button still copies."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page.add_init_script(NO_CLIPBOARD_API)
    page.goto(site.url + "/")
    page.locator(".paper-title a").first.click()
    page.wait_for_url("**/papers/*")
    arxiv_id = page.url.rsplit("/papers/", 1)[1]
    assert page.evaluate("navigator.clipboard") is None
    page.locator("details.cite summary").click()
    button = page.locator('[data-copy="bibtex"]')
    button.click()
    expect(button).to_have_text("Copied")
    expect(button).to_have_text("Copy BibTeX", timeout=5000)  # the label comes back
    reader = page.context.new_page()  # a page with the API, to read the clipboard back
    reader.goto(site.url + "/static/style.css")
    copied = reader.evaluate("navigator.clipboard.readText()")
    (entry,) = bibtexparser.parse_string(copied).entries
    assert entry["eprint"] == arxiv_id
