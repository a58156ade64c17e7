"""The JSON API, in Hugging Face's Daily Papers shapes."""

from datetime import date

import pytest

from conftest import announced_between, expected_window


def test_daily_papers_shape(read_client):
    response = read_client.get("/api/daily_papers", params={"limit": 3})
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


def test_daily_papers_paging_announces_next_page(read_client):
    first = read_client.get("/api/daily_papers", params={"period": "day", "limit": 2})
    assert 'rel="next"' in first.headers["link"]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    second = read_client.get(next_url)
    assert second.status_code == 200
    assert {i["paper"]["id"] for i in first.json()}.isdisjoint(i["paper"]["id"] for i in second.json())


WINDOWS = [{"week": "2026-W26"}, {"month": "2026-06"}, {"date": "2026-06-30"}, {"period": "week"},
           {"period": "month"}]


@pytest.mark.parametrize("params", WINDOWS)
def test_daily_papers_windows(read_client, read_core, params):
    """Every paper of the period, and no other, in list order, page after page."""
    start, end = expected_window(read_core, params)
    expected = announced_between(read_core, start, end)
    assert expected
    items: list[dict] = []
    for number in range(len(expected) // 40 + 1):
        response = read_client.get("/api/daily_papers", params={**params, "limit": 40, "p": number})
        assert response.status_code == 200
        assert ('rel="next"' in response.headers.get("link", "")) == (len(expected) > 40 * (number + 1))
        items += response.json()
    assert [item["paper"]["id"] for item in items] == expected
    for item in items:
        assert start <= date.fromisoformat(item["paper"]["submittedOnDailyAt"][:10]) < end


def test_daily_papers_errors_are_json(read_client):
    response = read_client.get("/api/daily_papers", params={"date": "2026-02-30"})
    assert response.status_code == 400
    assert "no such date" in response.json()["error"]
    malformed = read_client.get("/api/daily_papers", params={"date": "nope"})
    assert malformed.status_code == 400  # as the page answers: one parser checks both
    assert "date must look like" in malformed.json()["error"]
    assert read_client.get("/api/daily_papers", params={"limit": 0}).status_code == 400
    assert read_client.get("/api/daily_papers", params={"limit": "many"}).status_code == 422  # a type


def test_paper(read_client):
    response = read_client.get("/api/papers/hep-th/9901001")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "hep-th/9901001"
    assert body["versions"][0]["version"] == "v1"
    missing = read_client.get("/api/papers/9999.99999")
    assert missing.status_code == 404
    assert missing.json()["error"]


def test_search(read_client):
    response = read_client.get("/api/papers/search", params={"q": "transformer", "limit": 5})
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 5
    assert set(items[0]) >= {"paper", "numComments", "score"}
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)


def test_openapi_documents_the_endpoints(read_client):
    spec = read_client.get("/openapi.json").json()
    assert {"/api/daily_papers", "/api/papers/search", "/api/papers/{arxiv_id}"} <= set(spec["paths"])
    assert read_client.get("/docs").status_code == 200


def test_control_characters_in_parameters_are_refused_not_crashed(read_client):
    # PostgreSQL refuses NUL in strings: these must be clean 4xx (or ignored), never 500.
    assert read_client.get("/api/daily_papers", params={"category": "cs\x00LG"}).status_code == 400
    assert read_client.get("/", params={"category": "cs\x00LG"}).status_code == 400
    assert read_client.get("/api/papers/search", params={"q": "deep\x00learning"}).status_code == 200
    assert read_client.get("/papers", params={"q": "author:\x00x"}).status_code == 200
