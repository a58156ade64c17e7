"""Real headless Chromium (fixtures in conftest): search, filter, follow a concept link,
open a similar paper."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_filter_and_follow_a_concept(site, page):
    page.goto(site.url + "/")
    page.fill("#site-search", "task heads encoder")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/papers?q=*")
    assert page.locator(".search-hit").count() >= 3
    assert page.locator(".badge-semantic").count() >= 1

    page.fill("input[name=cat]", "cs.CV")
    page.select_option("select[name=sort]", "newest")
    page.click(".search-filters button[type=submit]")
    page.wait_for_url("**cat=cs.CV**")
    titles = page.locator(".paper-title a").all_inner_texts()
    assert titles == ["Shared encoders and separate output heads for multitask vision"]

    page.goto(site.url + "/papers/2401.00001")
    concept = page.locator(".concepts-section a.concept").first
    text = concept.inner_text()
    concept.click()
    page.wait_for_url("**/papers?q=*")
    assert page.input_value("#site-search") == text
    assert "2401.00001" in page.content()

    page.goto(site.url + "/papers/2401.00003")
    page.locator(".similar-list a").first.click()
    page.wait_for_url("**/papers/2401.00006")
