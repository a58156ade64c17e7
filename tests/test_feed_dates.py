"""Feed dates, as docs/feeds.md promises them: an entry's published date is the paper's
first version, its updated date the latest version; a new version moves ``updated``
and never ``published``; the feed's own updated date (Atom ``<updated>``, RSS
``<lastBuildDate>``, the ``Last-Modified`` header) is the newest entry's.

RSS 2.0 items have one date, ``<pubDate>``: the first version. JSON Feed items carry
``date_published`` and ``date_modified``. Read from the web app (in process); Atom and
RSS with feedparser, JSON Feed with the JSON parser (feedparser does not read JSON Feed).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from fastapi.testclient import TestClient

from factories import make_paper
from paperwire.core import Paperwire
from paperwire.records import Version

DAY = date(2024, 1, 11)
FIRST_A = datetime(2024, 1, 10, 17, 0, tzinfo=UTC)
FIRST_B = datetime(2024, 1, 10, 18, 30, tzinfo=UTC)
SECOND_A = datetime(2024, 2, 3, 9, 30, tzinfo=UTC)
A, B = "2401.05001", "2401.05002"
FEEDS = [f"/daily.{{fmt}}?date={DAY.isoformat()}", "/search.{fmt}?q=zebrafish"]


def add(core: Paperwire, arxiv_id: str, versions: list[Version], *, title: str) -> None:
    """A zebrafish paper announced on DAY, as a record naming ``versions`` brings it in."""
    make_paper(core, arxiv_id, title=title, abstract="Zebrafish fins regrow; we ask why.",
               authors=["Ada Lovelace"], categories=["q-bio.TO"], versions=versions,
               announced_on=DAY)
    core.sync_text_index()


def url_of(arxiv_id: str) -> str:
    return f"https://papers.example.org/papers/{arxiv_id}"


def _utc(parsed) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def entry_dates(client: TestClient, path: str, fmt: str) -> tuple[dict, datetime | None]:
    """{entry id: (published, updated)} and the feed's own updated date."""
    response = client.get(path.format(fmt=fmt))
    assert response.status_code == 200, response.text
    if fmt == "json":
        feed = response.json()
        entries = {
            item["id"]: (datetime.fromisoformat(item["date_published"]),
                         datetime.fromisoformat(item["date_modified"]))
            for item in feed["items"]
        }
        return entries, None
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = {
        entry.id: (_utc(entry.published_parsed),
                   _utc(entry.updated_parsed) if fmt == "atom" else None)
        for entry in parsed.entries
    }
    return entries, _utc(parsed.feed.updated_parsed)


@pytest.fixture
def client(core: Paperwire, web_client: TestClient) -> TestClient:
    core.settings.base_url = "https://papers.example.org"
    return web_client


@pytest.mark.parametrize("path", FEEDS)
@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_published_is_the_first_version_and_updated_the_latest(core, client, path, fmt):
    add(core, A, [Version(1, FIRST_A)], title="Zebrafish fins")
    add(core, B, [Version(1, FIRST_B)], title="Zebrafish hearts")
    before, feed_updated = entry_dates(client, path, fmt)
    updated_a, updated_b = (None, None) if fmt == "rss" else (FIRST_A, FIRST_B)
    assert before == {url_of(A): (FIRST_A, updated_a), url_of(B): (FIRST_B, updated_b)}
    if fmt != "json":
        assert feed_updated == FIRST_B  # the newest entry's
    last_modified = client.get(path.format(fmt=fmt)).headers["last-modified"]
    assert parsedate_to_datetime(last_modified) == FIRST_B

    # arXiv announces version 2 of A; the new record names only v2 (as listings do).
    add(core, A, [Version(2, SECOND_A)], title="Zebrafish fins, revised")
    after, feed_updated = entry_dates(client, path, fmt)
    updated_a = None if fmt == "rss" else SECOND_A
    assert after == {url_of(A): (FIRST_A, updated_a), url_of(B): (FIRST_B, updated_b)}
    if fmt != "json":
        assert feed_updated == SECOND_A
    response = client.get(path.format(fmt=fmt), headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200  # a reader polling since v1 gets the new version
    assert parsedate_to_datetime(response.headers["last-modified"]) == SECOND_A


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_an_empty_feed_still_parses_with_a_fixed_updated_date(client, fmt):
    """No papers yet: the feed has an updated date that does not move with the clock
    (a reader would otherwise think it changed on every fetch)."""
    first = entry_dates(client, "/daily.{fmt}", fmt)
    second = entry_dates(client, "/daily.{fmt}", fmt)
    assert first == second
    assert first[0] == {}
