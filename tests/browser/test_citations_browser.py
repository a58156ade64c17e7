"""Real headless Chromium: a paper page's "Copy BibTeX" puts its entry on the clipboard."""

from __future__ import annotations

import bibtexparser
import pytest

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
