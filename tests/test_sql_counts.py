"""The daily page, its feeds, trending, search (page, feed, API) and the API issue a
fixed number of SQL statements, however many papers."""

from fastapi.testclient import TestClient

from factories import fill_day
from paperwire.web.app import create_app

URLS = [
    "/", "/?period=week", "/api/daily_papers?limit=100", "/papers/2601.00001",
    "/api/papers/search?q=paper", "/papers?q=paper", "/search.atom?q=paper",
    "/search.atom?q=paper&cat=cs.LG&sort=newest",
    "/daily.atom", "/daily.rss", "/daily.json", "/daily.atom?period=week",
    "/trending", "/trending?period=week", "/trending?period=month",
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
    assert max(many.values()) <= 5
