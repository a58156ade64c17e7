"""The arXiv API (paperwire add), the daily listings, HF daily JSON, the lock, the schedule."""

from __future__ import annotations

import json
import time as time_module
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from factories import run_task
from harvest.fake_arxiv import FakeArxiv, make_records
from paperwire.core import Paperwire
from paperwire.db.locks import HARVEST_LOCK, JobLock
from paperwire.db.tables import announcements
from paperwire.errors import ArxivUnreachable, HarvestBusy, InvalidArxivId
from paperwire.harvest.calendar import ArxivCalendar
from paperwire.harvest.scheduler import next_run_after
from paperwire.sources.arxiv_rss import parse_listing

API_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <link href="http://arxiv.org/api/query?id_list=2401.01234" rel="self"
        type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=&amp;id_list=2401.01234,hep-th/9901001</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2026-02-03T00:00:00-05:00</updated>
  <opensearch:totalResults>2</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <opensearch:itemsPerPage>2</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/abs/2401.01234v2</id>
    <updated>2024-01-09T10:00:00Z</updated>
    <published>2024-01-02T18:30:00Z</published>
    <title>Attention Is Still
  All You Need</title>
    <summary>  We revisit attention.
</summary>
    <author><name>Ada Lovelace</name>
      <arxiv:affiliation>Analytical Engines</arxiv:affiliation></author>
    <author><name>Alan Turing</name></author>
    <arxiv:doi>10.1000/xyz</arxiv:doi>
    <link title="doi" href="http://dx.doi.org/10.1000/xyz" rel="related"/>
    <arxiv:comment>12 pages</arxiv:comment>
    <arxiv:journal_ref>J. Things 1 (2024)</arxiv:journal_ref>
    <link href="http://arxiv.org/abs/2401.01234v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2401.01234v2" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/hep-th/9901001v1</id>
    <updated>1999-01-04T12:00:00Z</updated>
    <published>1999-01-04T12:00:00Z</published>
    <title>Old strings</title>
    <summary>An old-style identifier.</summary>
    <author><name>P. Dirac</name></author>
    <arxiv:primary_category term="hep-th" scheme="http://arxiv.org/schemas/atom"/>
    <category term="hep-th" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""

ATOM_LISTING = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/cs.AI+cs.LG</id>
  <title>cs.AI, cs.LG updates on arXiv.org</title>
  <updated>2026-02-24T05:00:12.000000+00:00</updated>
  <link href="http://rss.arxiv.org/atom/cs.AI+cs.LG" rel="self" type="application/atom+xml"/>
  <subtitle>cs.AI, cs.LG updates on the arXiv.org e-print archive.</subtitle>
  <entry>
    <id>oai:arXiv.org:2602.20001v1</id>
    <title>A new paper</title>
    <updated>2026-02-24T05:00:12.000000+00:00</updated>
    <link href="https://arxiv.org/abs/2602.20001" rel="alternate" type="text/html"/>
    <summary>arXiv:2602.20001v1 Announce Type: new
Abstract: Something new.</summary>
    <category term="cs.AI"/>
    <category term="cs.LG"/>
    <published>2026-02-24T00:00:00-05:00</published>
    <arxiv:announce_type>new</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <dc:creator>Ada Lovelace, Alan Turing</dc:creator>
  </entry>
  <entry>
    <id>oai:arXiv.org:2602.10002v1</id>
    <title>A cross-listed paper</title>
    <updated>2026-02-24T05:00:12.000000+00:00</updated>
    <link href="https://arxiv.org/abs/2602.10002" rel="alternate" type="text/html"/>
    <summary>arXiv:2602.10002v1 Announce Type: cross
Abstract: From statistics.</summary>
    <category term="stat.ME"/>
    <category term="cs.LG"/>
    <published>2026-02-24T00:00:00-05:00</published>
    <arxiv:announce_type>cross</arxiv:announce_type>
    <dc:rights>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</dc:rights>
    <dc:creator>R. Fisher</dc:creator>
  </entry>
  <entry>
    <id>oai:arXiv.org:2401.01234v3</id>
    <title>Attention Is Still All You Need</title>
    <updated>2026-02-24T05:00:12.000000+00:00</updated>
    <link href="https://arxiv.org/abs/2401.01234" rel="alternate" type="text/html"/>
    <summary>arXiv:2401.01234v3 Announce Type: replace
Abstract: We revisit attention.</summary>
    <category term="cs.LG"/>
    <published>2026-02-24T00:00:00-05:00</published>
    <arxiv:announce_type>replace</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <dc:creator>Ada Lovelace, Alan Turing</dc:creator>
  </entry>
</feed>
"""

RSS_LISTING = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     version="2.0">
  <channel>
    <title>cs.AI updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.AI</link>
    <description>cs.AI updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/cs.AI" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>Wed, 25 Feb 2026 00:00:00 -0500</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Wed, 25 Feb 2026 00:00:00 -0500</pubDate>
    <skipDays><day>Sunday</day><day>Saturday</day></skipDays>
    <item>
      <title>Planning with words</title>
      <link>https://arxiv.org/abs/2602.20100</link>
      <description>arXiv:2602.20100v1 Announce Type: new
Abstract: We plan.</description>
      <guid isPermaLink="false">oai:arXiv.org:2602.20100v1</guid>
      <category>cs.AI</category>
      <pubDate>Wed, 25 Feb 2026 00:00:00 -0500</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>Grace Hopper</dc:creator>
    </item>
  </channel>
</rss>
"""

EMPTY_ATOM = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/cs.AI</id><title>cs.AI updates on arXiv.org</title>
  <updated>2026-02-28T05:00:00+00:00</updated>
</feed>
"""


def test_add_fetches_papers_from_the_api(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.api_body = API_FEED
    report = hcore.add_papers(["https://arxiv.org/abs/2401.01234v2", "hep-th/9901001",
                               "2501.99999"])
    request = next(r for r in arxiv.requests if r.path == "/api/query")
    assert request.params["id_list"] == "2401.01234,hep-th/9901001,2501.99999"
    assert report.counts.added == 2
    assert report.missing == ["2501.99999"]
    paper = hcore.get_paper("2401.01234")
    assert paper.title == "Attention Is Still All You Need"
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.LG", "cs.AI"]
    assert paper.latest_version == 2
    assert paper.doi == "10.1000/xyz"
    assert paper.comments == "12 pages"
    assert paper.announced_on == date(2024, 1, 3)  # sent Tue 13:30 ET: listed Wednesday
    assert hcore.get_paper("hep-th/9901001").title == "Old strings"


def test_add_rejects_what_is_not_an_id(hcore: Paperwire) -> None:
    with pytest.raises(InvalidArxivId):
        hcore.add_papers(["not a paper"])


def test_api_error_entry_is_a_clear_error(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.api_body = API_FEED.split(b"<entry>")[0] + (
        b"<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>"
        b"<title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>"
    )
    with pytest.raises(Exception, match="incorrect id format"):
        hcore.add_papers(["2401.01234"])


def test_daily_listing_sets_the_announcement_day(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.api_body = API_FEED
    hcore.add_papers(["2401.01234"])
    arxiv.listing_body = ATOM_LISTING
    report = hcore.fetch_announcements()
    assert [r.path for r in arxiv.requests][-1] == "/atom/cs.AI+cs.LG"
    day = date(2026, 2, 24)
    assert report.listing_day == day
    assert report.counts.added == 2
    assert hcore.get_paper("2602.20001").announced_on == day
    assert hcore.get_paper("2602.10002").announced_on == day
    assert hcore.get_paper("2401.01234").announced_on == date(2024, 1, 3)  # a replacement
    with hcore.engine.connect() as connection:
        kinds = dict(connection.execute(
            select(announcements.c.arxiv_id, announcements.c.announce_type)).all())
    assert kinds == {"2602.20001": "new", "2602.10002": "cross", "2401.01234": "replace"}
    status = hcore.announcement_status(day)
    assert status.mailing is True
    assert status.papers == 2


def test_weekends_and_holidays_have_no_announcement(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    saturday = hcore.announcement_status(date(2026, 2, 28))
    assert (saturday.mailing, saturday.reason) == (False, "weekend")
    holiday = hcore.announcement_status(date(2026, 11, 26))
    assert holiday.mailing is False
    assert "Thanksgiving" in holiday.reason
    unknown = hcore.announcement_status(date(2026, 2, 25))
    assert unknown.mailing is None
    assert unknown.reason == "no listing fetched yet"
    arxiv.listing_body = EMPTY_ATOM
    report = hcore.fetch_announcements()
    assert report.listing_day == date(2026, 2, 28)
    assert hcore.announcement_status(date(2026, 2, 28)).mailing is False


def test_rss_listing_parses_like_atom() -> None:
    listing = parse_listing(RSS_LISTING)
    assert listing.day == date(2026, 2, 25)
    [item] = listing.items
    assert (item.arxiv_id, item.version, item.announce_type) == ("2602.20100", 1, "new")
    assert item.record is not None
    assert item.record.abstract == "We plan."
    assert item.record.authors == ["Grace Hopper"]


def test_hf_daily_json_imports_with_upvotes(hcore: Paperwire, tmp_path: Path) -> None:
    items = [
        {
            "paper": {
                "id": "2602.20001", "title": "A new\n paper", "summary": "Something new.",
                "authors": [{"_id": "a1", "name": "Ada Lovelace", "hidden": False}],
                "publishedAt": "2026-02-23T18:00:00.000Z",
                "submittedOnDailyAt": "2026-02-24T02:10:00.000Z", "upvotes": 42,
                "discussionId": "d1", "ai_keywords": ["planning"],
            },
            "publishedAt": "2026-02-23T18:00:00.000Z", "title": "A new paper",
            "summary": "Something new.", "thumbnail": "https://x/y.png", "numComments": 3,
            "submittedBy": {"name": "someone"}, "isAuthorParticipating": False,
        },
        {"paper": {"id": "bad id", "title": "x"}},
    ]
    path = tmp_path / "daily_papers.json"
    path.write_text(json.dumps(items))
    report = hcore.import_snapshot([path])
    assert report.added == 1
    assert report.rejected == 1
    paper = hcore.get_paper("2602.20001")
    assert paper.upvotes == 42
    assert paper.title == "A new paper"
    assert paper.announced_on == date(2026, 2, 24)
    items[0]["paper"]["upvotes"] = 50
    path.write_text(json.dumps(items[:1]))
    hcore.import_snapshot([path])
    assert hcore.get_paper("2602.20001").upvotes == 50


def test_two_harvests_never_run_in_parallel(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    other = JobLock(hcore.engine, HARVEST_LOCK)  # another holder (its own file / connection)
    other.acquire()
    with pytest.raises(HarvestBusy, match=f"held by {other.owner} since"):
        hcore.harvest(sets=["cs"])
    with pytest.raises(HarvestBusy, match=other.owner):  # `add` shares arXiv's lock
        hcore.add_papers(["2602.00001"])
    assert arxiv.requests == []
    assert run_task(hcore, "harvest_daily") == "skipped"  # the task skips, not fails
    assert hcore.harvest_status().lock_holder == other.owner
    other.release()
    assert hcore.harvest_status().lock_holder is None
    arxiv.listing_body = EMPTY_ATOM
    hcore.fetch_announcements()  # free again


def test_schedule_runs_after_the_announcement() -> None:
    at = time(1, 0)
    moment = datetime(2026, 2, 24, 3, 0, tzinfo=UTC)  # 22:00 Eastern on the 23rd
    assert next_run_after(moment, at, "America/New_York") == datetime(
        2026, 2, 24, 6, 0, tzinfo=UTC
    )
    later = datetime(2026, 2, 24, 7, 0, tzinfo=UTC)
    assert next_run_after(later, at, "America/New_York").day == 25


def test_the_daily_task_first_runs_on_an_empty_store(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.listing_body = ATOM_LISTING
    arxiv.records = make_records(4)
    for record in arxiv.records:
        record.sets = ("cs:cs:AI",)
        record.datestamp = datetime.now(UTC).date()
    assert run_task(hcore, "harvest_daily") == "6 added, 0 updated"
    assert hcore.stats().papers == 6  # new + cross from the listing, 4 from OAI-PMH
    sets = [r.params["set"] for r in arxiv.oai_requests() if "set" in r.params]
    assert sets == ["cs:cs:AI", "cs:cs:LG"]
    assert hcore.harvest_status().last_run.kind == "first-run"


def test_unreachable_arxiv_says_so_plainly(hcore: Paperwire) -> None:
    hcore.settings.arxiv_rss_url = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(ArxivUnreachable) as raised:  # the job fails (and is retried)
        run_task(hcore, "harvest_daily")
    assert "cannot reach" in str(raised.value)
    assert "paperwire import" in str(raised.value)


def test_calendar() -> None:
    calendar = ArxivCalendar()
    expected_listing_day, latest_listing_day = (
        calendar.expected_listing_day, calendar.latest_listing_day
    )
    assert expected_listing_day(datetime(2026, 2, 23, 18, 59, tzinfo=UTC)) == date(2026, 2, 24)
    assert expected_listing_day(datetime(2026, 2, 26, 20, 0, tzinfo=UTC)) == date(2026, 3, 2)
    assert latest_listing_day(datetime(2026, 2, 28, 12, tzinfo=UTC)) == date(2026, 2, 27)
    assert latest_listing_day(datetime(2026, 3, 2, 2, tzinfo=UTC)) == date(2026, 3, 2)



def test_status_page_and_json(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    from fastapi.testclient import TestClient

    from paperwire.web.app import create_app

    arxiv.records = make_records(2)
    hcore.harvest(sets=["cs"])
    client = TestClient(create_app(core=hcore))
    page = client.get("/status")
    assert page.status_code == 200
    assert "Last harvest" in page.text
    data = client.get("/status.json").json()
    assert data["papers"] == 2
    assert data["harvest"]["last_run"]["counts"]["added"] == 2


def test_serve_starts_the_scheduler_only_when_asked(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    from fastapi.testclient import TestClient

    from paperwire.web.app import create_app

    arxiv.listing_body = EMPTY_ATOM
    hcore.settings.harvest_enabled = True
    with TestClient(create_app(core=hcore, background_jobs=True)) as client:
        deadline = time_module.monotonic() + 10
        while hcore.harvest_status().last_run is None and time_module.monotonic() < deadline:
            time_module.sleep(0.05)
        assert client.get("/status").status_code == 200
    assert hcore.harvest_status().last_run.kind == "first-run"
