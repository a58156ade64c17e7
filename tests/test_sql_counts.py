"""The daily page, its feeds, trending, search (page, feed, API), the API, author
pages and the digest build issue a fixed number of SQL statements, however many papers (and
subscribers)."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import add_subscribers, fill_day, trending_papers
from paperwire.db.tables import digest_issues, digest_sends
from paperwire.digest.models import Frequency
from paperwire.web.app import create_app

URLS = [
    "/", "/?period=week", "/api/daily_papers?limit=100", "/papers/2601.00001",
    "/api/papers/search?q=paper", "/papers?q=paper", "/search.atom?q=paper",
    "/search.atom?q=paper&cat=cs.LG&sort=newest",
    "/daily.atom", "/daily.rss", "/daily.json", "/daily.atom?period=week",
    "/trending", "/trending?period=week", "/trending?period=month",
    "/trending/code", "/trending/code.atom?days=30",
]


def statements_for(core, count_statements, url):
    with TestClient(create_app(core=core)) as client, count_statements(core) as counter:
        assert client.get(url).status_code == 200, url
        return counter.count


def test_constant_statements(core, tmp_path, count_statements):
    fill_day(core, tmp_path, 3)
    few = {url: statements_for(core, count_statements, url) for url in URLS}
    fill_day(core, tmp_path, 300)
    many = {url: statements_for(core, count_statements, url) for url in URLS}
    assert few == many
    assert max(many.values()) <= 7  # /api/daily_papers reads its papers' concepts and summaries too


AUTHOR_URLS = ["/authors/a-one", "/api/authors/a-one?limit=100", "/authors/a-one.atom",
               "/authors?q=one"]


def test_constant_statements_of_author_pages(core, tmp_path, count_statements):
    """An author's page (their papers, count, spelling, co-authors, other spellings,
    claims), its API and feed twins, and author search."""
    fill_day(core, tmp_path, 3)
    few = {url: statements_for(core, count_statements, url) for url in AUTHOR_URLS}
    fill_day(core, tmp_path, 300, start=3)
    many = {url: statements_for(core, count_statements, url) for url in AUTHOR_URLS}
    assert few == many
    assert max(many.values()) <= 7  # the feed reads its entries' one-line summaries too


def digest_build_statements(core, count_statements, tmp_path, day, count, start):
    """Statements of building ``day``'s daily issue over ``count`` trending papers and
    ``count`` more matching every subscriber's topic, after ``count`` more subscribers
    (``start`` made by earlier calls)."""
    trending_papers(core, count, day=day, start=start)
    fill_day(core, tmp_path, count, day.isoformat(), start=start)
    add_subscribers(core, count, start=start, topics={"keywords": ["abstract"]})
    core.sync_text_index()
    core.embed_pending()
    with count_statements(core) as counter:
        issue, built = core.build_digest(Frequency.DAILY, day)
        assert built
    trending, extras = issue_contents(core, issue)
    assert len(trending) == count
    assert len(extras) == start + count
    assert all(extras)  # every subscriber has topic papers
    return counter.count


def issue_contents(core, issue):
    """An issue's frozen trending list and each recipient's topic papers."""
    with core.engine.connect() as connection:
        trending = connection.execute(
            select(digest_issues.c.papers).where(digest_issues.c.id == issue)).scalar_one()
        extras = connection.execute(
            select(digest_sends.c.papers).where(digest_sends.c.issue_id == issue)).scalars().all()
    return trending, extras


def test_digest_build_statements_do_not_grow(core, tmp_path, day, count_statements):
    """Two daily issues on successive days, the second with ten times the papers and
    subscribers: the build issues as many statements for either."""
    core.settings.digest_trending_papers = 50
    core.settings.digest_topic_papers = 50
    few = digest_build_statements(core, count_statements, tmp_path, day - timedelta(days=1), 5, 0)
    many = digest_build_statements(core, count_statements, tmp_path, day, 50, 5)
    assert few == many
    assert many <= 10
