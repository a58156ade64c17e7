"""Feeds: valid XML, no bozo in feedparser, stable ids, escaping, conditional GET."""

import json

import feedparser
import pytest
from lxml import etree

from factories import write_jsonl

FORMATS = ["rss", "atom", "json"]


def strict_xml(body: bytes) -> etree._Element:
    return etree.fromstring(body, etree.XMLParser(recover=False, resolve_entities=False))


@pytest.mark.parametrize("path", ["/daily.{fmt}", "/daily.{fmt}?period=week", "/search.{fmt}?q=transformer"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_feeds_are_valid(read_client, path, fmt):
    response = read_client.get(path.format(fmt=fmt))
    assert response.status_code == 200
    if fmt == "json":
        feed = response.json()
        assert feed["version"].startswith("https://jsonfeed.org/version/")
        assert feed["items"]
        assert all(item["id"].startswith("http") for item in feed["items"])
        return
    strict_xml(response.content)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries
    assert all(entry.id.startswith("http") and entry.title for entry in parsed.entries)
    assert all(entry.get("published_parsed") or entry.get("updated_parsed") for entry in parsed.entries)


def test_feed_follows_the_page_order_and_ids_are_stable(read_client):
    first = feedparser.parse(read_client.get("/daily.atom").content)
    second = feedparser.parse(read_client.get("/daily.atom").content)
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    page = read_client.get("/api/daily_papers", params={"limit": 5}).json()
    assert [e.id.rsplit("/papers/", 1)[1] for e in first.entries[:5]] == [i["paper"]["id"] for i in page]


@pytest.mark.parametrize("fmt", FORMATS)
def test_conditional_get(read_client, fmt):
    response = read_client.get(f"/daily.{fmt}")
    etag, modified = response.headers["etag"], response.headers["last-modified"]
    assert read_client.get(f"/daily.{fmt}", headers={"If-None-Match": etag}).status_code == 304
    assert read_client.get(f"/daily.{fmt}", headers={"If-Modified-Since": modified}).status_code == 304
    assert read_client.get(f"/daily.{fmt}", headers={"If-None-Match": '"other"'}).status_code == 200


def test_pages_link_their_feeds(read_client):
    body = read_client.get("/").text
    assert 'rel="alternate" type="application/atom+xml"' in body
    assert 'href="/daily.atom?' in body
    assert 'href="/search.rss?q=transformer"' in read_client.get("/papers?q=transformer").text


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_is_escaped_and_control_characters_removed(core, tmp_path, web_client, fmt):
    hostile = {
        "id": "2401.00001", "title": "Bad \x01\x0b title <script>alert(1)</script> ]]> &amp; \ufffe",
        "authors": "Eve <eve@evil>, \x07Mallory", "abstract": "<![CDATA[ x ]]> \x1b[31m red & </summary>",
        "categories": "cs.LG", "versions": None, "update_date": "2024-01-01",
    }
    core.import_snapshot([write_jsonl(tmp_path / "h.jsonl", [hostile])])
    body = web_client.get(f"/daily.{fmt}").content
    if fmt == "json":
        item = json.loads(body)["items"][0]
        assert "\x01" not in item["title"]
        assert "<script>" in item["title"]
        return
    root = strict_xml(body)
    text = etree.tostring(root, encoding="unicode")
    assert "<script>" not in text
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert parsed.entries[0].title.startswith("Bad title")
