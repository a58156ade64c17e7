"""One-line summaries beyond the paper page: on list cards (daily, trending, search,
author pages),
in the feeds' entries and in both parts of an email digest, always as escaped text,
fetched in one statement per list."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from xml.etree import ElementTree

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from factories import trending_papers
from paperwire.db import summaries as store
from paperwire.db.session import write_transaction
from paperwire.db.tables import digest_subscriptions
from paperwire.digest.models import Frequency, Topics
from paperwire.web.app import create_app

HOSTILE = 'Calibrated heads <img src=x onerror=alert(1)> & "quotes" </summary>]]>'
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def summed(core):
    """Two trending papers of the digest day; the first has a hostile one-line summary."""
    day = core.digest_day()
    first, second = trending_papers(core, 2, day=day)
    paper_id = core.get_paper(first).id
    with write_transaction(core.engine) as connection:
        store.write_summaries(connection, "abstractive", [{
            "paper_id": paper_id, "model": "m", "text": HOSTILE, "source_hash": "x",
            "version": 1, "error": None, "made_at": datetime.now(UTC)}])
    return {"core": core, "day": day, "with": first, "without": second}


def test_list_cards_show_the_summary_escaped(summed):
    day = summed["day"].isoformat()
    with TestClient(create_app(core=summed["core"])) as client:
        for url in (f"/?date={day}", "/trending?period=week", "/papers?q=paper",
                    "/authors/ada-lovelace"):
            html = client.get(url).text
            assert 'class="summary-line card-summary"' in html, url
            assert "Calibrated heads &lt;img src=x onerror=alert(1)&gt; &amp;" in html, url
            assert "<img src=x" not in html, url
            assert html.count("card-summary") == 1, url  # the paper without one has none


def test_feed_entries_carry_the_summary_as_text(summed):
    day = summed["day"].isoformat()
    with TestClient(create_app(core=summed["core"])) as client:
        atom = client.get(f"/daily.atom?date={day}").content
        rss = client.get(f"/daily.rss?date={day}").content
        feed = client.get(f"/daily.json?date={day}").json()
    entries = {entry.findtext(f"{ATOM}id").rsplit("/", 1)[1]: entry
               for entry in ElementTree.fromstring(atom).iter(f"{ATOM}entry")}
    summarized = entries[summed["with"]]
    assert summarized.findtext(f"{ATOM}summary") == HOSTILE
    assert summarized.find(f"{ATOM}content").get("type") == "text"
    assert summarized.findtext(f"{ATOM}content") == "An abstract."
    assert entries[summed["without"]].findtext(f"{ATOM}summary") == "An abstract."
    parsed = feedparser.parse(rss)
    assert not parsed.bozo
    by_link = {entry.link.rsplit("/", 1)[1]: entry for entry in parsed.entries}
    assert by_link[summed["with"]].summary.startswith("Calibrated heads")
    assert b"<img src=x" not in rss
    items = {item["_paperwire"]["arxiv_id"]: item for item in feed["items"]}
    assert items[summed["with"]]["summary"] == HOSTILE
    assert items[summed["without"]]["summary"] == "An abstract."


def test_digest_parts_carry_the_summary(summed):
    core = summed["core"]
    core.subscribe_digest("ada@example.org", frequency=Frequency.DAILY, topics=Topics())
    with core.engine.begin() as connection:
        connection.execute(update(digest_subscriptions).values(status="confirmed"))
    message = email.message_from_bytes(bytes(core.preview_digest("ada@example.org")),
                                       policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "In one line: Calibrated heads <img src=x" in " ".join(text.split())
    assert text.count("In one line:") == 1
    assert "In one line: Calibrated heads &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
