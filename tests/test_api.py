"""The JSON API, in Hugging Face's Daily Papers shapes."""

from datetime import date

import httpx
import pytest

from conftest import announced_between, expected_window


@pytest.fixture
def api(read_server):
    with httpx.Client(base_url=read_server.url, timeout=10) as client:
        yield client


def test_daily_papers_shape(api):
    response = api.get("/api/daily_papers", params={"limit": 3})
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 3
    item = items[0]
    assert set(item) >= {"paper", "publishedAt", "title", "summary", "numComments"}
    paper = item["paper"]
    assert set(paper) >= {"id", "title", "summary", "authors", "publishedAt", "upvotes"}
    assert isinstance(paper["authors"], list)
    assert set(paper["authors"][0]) >= {"name"}
    assert isinstance(paper["upvotes"], int)
    assert paper["publishedAt"].endswith("Z")


def test_daily_papers_paging_announces_next_page(api):
    first = api.get("/api/daily_papers", params={"period": "day", "limit": 2})
    assert 'rel="next"' in first.headers["link"]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    second = api.get(next_url)
    assert second.status_code == 200
    assert {i["paper"]["id"] for i in first.json()}.isdisjoint(i["paper"]["id"] for i in second.json())


WINDOWS = [{"week": "2026-W26"}, {"month": "2026-06"}, {"date": "2026-06-30"}, {"period": "week"},
           {"period": "month"}]


@pytest.mark.parametrize("params", WINDOWS)
def test_daily_papers_windows(api, read_core, params):
    """Every paper of the period, and no other, in list order, page after page."""
    start, end = expected_window(read_core, params)
    expected = announced_between(read_core, start, end)
    assert expected
    items: list[dict] = []
    for number in range(len(expected) // 40 + 1):
        response = api.get("/api/daily_papers", params={**params, "limit": 40, "p": number})
        assert response.status_code == 200
        assert ('rel="next"' in response.headers.get("link", "")) == (len(expected) > 40 * (number + 1))
        items += response.json()
    assert [item["paper"]["id"] for item in items] == expected
    for item in items:
        assert start <= date.fromisoformat(item["paper"]["submittedOnDailyAt"][:10]) < end


def test_daily_papers_errors_are_json(api):
    response = api.get("/api/daily_papers", params={"date": "2026-02-30"})
    assert response.status_code == 400
    assert "no such date" in response.json()["error"]
    malformed = api.get("/api/daily_papers", params={"date": "nope"})
    assert malformed.status_code == 422
    assert "date" in malformed.json()["error"]
    assert api.get("/api/daily_papers", params={"limit": 0}).status_code == 422


def test_paper(api):
    response = api.get("/api/papers/hep-th/9901001")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "hep-th/9901001"
    assert body["versions"][0]["version"] == "v1"
    missing = api.get("/api/papers/9999.99999")
    assert missing.status_code == 404
    assert missing.json()["error"]


def test_search(api):
    response = api.get("/api/papers/search", params={"q": "transformer", "limit": 5})
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 5
    assert set(items[0]) >= {"paper", "numComments", "score"}
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)


def test_openapi_documents_the_endpoints(api):
    spec = api.get("/openapi.json").json()
    assert {"/api/daily_papers", "/api/papers/search", "/api/papers/{arxiv_id}"} <= set(spec["paths"])
    assert api.get("/docs").status_code == 200


def test_control_characters_in_parameters_are_refused_not_crashed(api):
    # PostgreSQL refuses NUL in strings: these must be clean 4xx (or ignored), never 500.
    assert api.get("/api/daily_papers", params={"category": "cs\x00LG"}).status_code == 422
    assert api.get("/", params={"category": "cs\x00LG"}).status_code == 400
    assert api.get("/api/papers/search", params={"q": "deep\x00learning"}).status_code == 200
    assert api.get("/papers", params={"q": "author:\x00x"}).status_code == 200
