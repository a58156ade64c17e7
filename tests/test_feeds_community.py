"""Feeds of trending, public collections, profiles and the private personal feed:
the same lists as their pages, valid XML, no bozo, stable ids, conditional GET, escaping."""

from __future__ import annotations

import itertools
import re
import time

import feedparser
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from clients import BASE, Browser
from factories import make_paper, make_user
from paperwire.models import PaperFilter, Period, SortOrder

FORMATS = ["rss", "atom", "json"]
HOSTILE = "Bad \x01\x0b <script>alert(1)</script> ]]> &amp; \ufffe"


@pytest.fixture
def world(core, app):
    ticks = itertools.count(int(time.time()) - 1000)
    core.clock = lambda: next(ticks)  # each action one second after the last
    ada = make_user(core, "ada@example.org", username="ada")
    bob = make_user(core, "bob@example.org", username="bob")
    for n in range(1, 6):
        make_paper(core, f"2401.0000{n}", title=f"{HOSTILE} {n}" if n == 1 else None)
    for voter in (ada, bob):
        core.upvote(voter, "2401.00003", up=True)
    core.upvote(ada, "2401.00001", up=True)
    public = core.create_collection(ada, f"Reading {HOSTILE}", public=True)
    private = core.create_collection(ada, "Secret", public=False)
    for arxiv_id in ("2401.00002", "2401.00004"):
        core.save_paper(ada, public, arxiv_id)
    core.save_paper(ada, private, "2401.00005")
    client = TestClient(app, base_url=BASE)
    return {"core": core, "app": app, "ada": ada, "public": public, "private": private,
            "client": client}


def entry_ids(body: bytes, fmt: str) -> list[str]:
    if fmt == "json":
        import json
        return [item["id"].rsplit("/papers/", 1)[1] for item in json.loads(body)["items"]]
    etree.fromstring(body, etree.XMLParser(recover=False, resolve_entities=False))
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert all(entry.get("published_parsed") or entry.get("updated_parsed") for entry in parsed.entries)
    return [entry.id.rsplit("/papers/", 1)[1] for entry in parsed.entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_trending_feed_is_the_trending_list(world, fmt):
    core, client = world["core"], world["client"]
    for period in Period:
        response = client.get(f"/trending.{fmt}", params={"period": period.value})
        assert response.status_code == 200
        page = core.list_papers(PaperFilter(sort=SortOrder.TRENDING, period=period, limit=100))
        assert entry_ids(response.content, fmt) == [p.arxiv_id for p in page.papers]
    assert entry_ids(client.get(f"/trending.{fmt}").content, fmt)[:2] == ["2401.00003", "2401.00001"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_collection_feed_and_private_is_404(world, fmt):
    client = world["client"]
    response = client.get(f"/collections/{world['public']}.{fmt}")
    assert response.status_code == 200
    assert entry_ids(response.content, fmt) == ["2401.00004", "2401.00002"]  # newest saved first
    hidden = client.get(f"/collections/{world['private']}.{fmt}")
    assert hidden.status_code == 404
    assert hidden.json()["status"] == 404
    assert client.get(f"/collections/999.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_profile_feed_lists_the_upvoted_papers(world, fmt):
    response = world["client"].get(f"/u/ada.{fmt}")
    assert response.status_code == 200
    assert sorted(entry_ids(response.content, fmt)) == ["2401.00001", "2401.00003"]
    assert world["client"].get(f"/u/nobody.{fmt}").status_code == 404


def test_personal_feed_by_token_follows_the_users_topics_and_rotates(world):
    core, ada, client = world["core"], world["ada"], world["client"]
    make_paper(core, "2401.00099")  # cs.LG, like every factory paper
    browser = Browser(world["app"], core, "ada@example.org")
    assert "/personal.atom?token=" not in browser.get("/account").text  # made on request only
    assert browser.post("/account/feed-token").status_code == 303
    page = browser.get("/account").text
    old = re.search(r"/personal\.atom\?token=([0-9a-f.]+)", page)[1]
    response = client.get("/personal.atom", params={"token": old})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    ids = entry_ids(response.content, "atom")
    assert "2401.00099" in ids
    personal = core.personal_papers(ada)
    assert personal.topics == ["cs.LG"]
    assert ids == [p.arxiv_id for p in personal.papers]
    assert old not in feedparser.parse(response.content).feed.link  # the page link has no token
    browser.post("/account/feed-token")  # rotate: the old URL stops working
    assert client.get("/personal.atom", params={"token": old}).status_code == 404
    new = core.feed_token(ada)
    assert new != old
    assert client.get("/personal.json", params={"token": new}).status_code == 200
    tampered = new[:-1] + ("1" if new.endswith("0") else "0")
    assert client.get("/personal.rss", params={"token": tampered}).status_code == 404
    assert client.get("/personal.rss", params={"token": "1.nope"}).status_code == 404


def test_personal_feed_without_topics_is_empty_but_valid(core, app):
    user = make_user(core, "new@example.org")
    make_paper(core, "2401.00001")
    token = core.rotate_feed_token(user)
    body = TestClient(app, base_url=BASE).get("/personal.atom", params={"token": token}).content
    assert entry_ids(body, "atom") == []
    assert "upvote or save papers" in feedparser.parse(body).feed.subtitle


@pytest.mark.parametrize("path", ["/trending.{fmt}", "/collections/{public}.{fmt}", "/u/ada.{fmt}"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_conditional_get(world, path, fmt):
    client, url = world["client"], path.format(fmt=fmt, public=world["public"])
    response = client.get(url)
    etag, modified = response.headers["etag"], response.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url).headers["etag"] == etag  # stable while nothing changes


def test_saving_changes_a_collection_feed(world):
    core, client = world["core"], world["client"]
    url = f"/collections/{world['public']}.atom"
    etag = client.get(url).headers["etag"]
    core.save_paper(world["ada"], world["public"], "2401.00005")
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert entry_ids(response.content, "atom")[0] == "2401.00005"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_titles_are_escaped(world, fmt):
    client = world["client"]
    for url in (f"/u/ada.{fmt}", f"/collections/{world['public']}.{fmt}", f"/trending.{fmt}"):
        body = client.get(url).content
        text = body.decode()
        assert "<script>" not in text
        assert "\x01" not in text
        entry_ids(body, fmt)


def test_list_pages_link_their_feeds(world):
    browser = Browser(world["app"], world["core"])
    expected = {
        "/trending?period=week": "/trending.atom?period=week",
        f"/collections/{world['public']}": f"/collections/{world['public']}.atom",
        "/u/ada": "/u/ada.atom",
    }
    for page, feed in expected.items():
        body = browser.get(page).text
        assert '<link rel="alternate" type="application/atom+xml" title="Atom feed of' in body, page
        assert f'href="{feed}"' in body, page
        assert body.count(f'href="{feed}"') == 2, page  # in <head> and visible
    mine = Browser(world["app"], world["core"], "ada@example.org")
    assert ".atom" not in mine.get(f"/collections/{world['private']}").text  # private: no feed
