"""The daily page, search (page, feed, API) and the API issue a fixed number of SQL
statements, however many papers."""

import json

import httpx

from conftest import LiveServer
from paperwire.web.app import create_app


def fill(core, tmp_path, count, day="2026-01-05"):
    path = tmp_path / f"fill-{count}.jsonl"
    with path.open("w") as handle:
        for index in range(count):
            handle.write(json.dumps({
                "id": f"2601.{index:05d}", "title": f"Paper {index}", "authors": "A. One, B. Two",
                "abstract": "An abstract.", "categories": "cs.LG", "versions": None, "update_date": day,
            }) + "\n")
    core.import_snapshot([path])


def statements_for(core, count_statements, url):
    with LiveServer(create_app(core=core)) as server, count_statements(core) as counter:
        assert httpx.get(server.url + url).status_code == 200
        return counter.count


def test_constant_statements(core, tmp_path, count_statements):
    urls = ["/", "/?period=week", "/api/daily_papers?limit=100", "/papers/2601.00001", "/api/papers/search?q=paper",
            "/papers?q=paper", "/search.atom?q=paper", "/search.atom?q=paper&cat=cs.LG&sort=newest"]
    fill(core, tmp_path, 3)
    few = {url: statements_for(core, count_statements, url) for url in urls}
    fill(core, tmp_path, 300)
    many = {url: statements_for(core, count_statements, url) for url in urls}
    assert few == many
    assert max(many.values()) <= 5
