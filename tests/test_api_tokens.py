"""Personal API tokens (settings page: create, list, revoke; shown once; stored hashed;
last-used time), Bearer-authenticated writes, rate limits, the JSON twins of the
community pages, and Hugging Face field names and types."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clients import BASE, Browser
from factories import make_paper, make_user
from paperwire.db.tables import api_tokens


@pytest.fixture
def ada(core, app):
    make_paper(core, "2401.00001")
    make_paper(core, "2401.00002")
    user = make_user(core, "ada@example.org", username="ada")
    return {"user": user, "browser": Browser(app, core, "ada@example.org"),
            "client": TestClient(app, base_url=BASE)}


def create_token(browser: Browser, name: str = "script") -> str:
    response = browser.post("/account/tokens", {"name": name})
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    return re.search(r'id="new-token">(pw_[A-Za-z0-9_\-]+)<', response.text)[1]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_tokens_are_shown_once_stored_hashed_listed_and_revoked(core, ada):
    browser = ada["browser"]
    secret = create_token(browser, "reading-list script")
    page = browser.get("/account").text
    assert secret not in page  # shown once
    assert "reading-list script" in page
    assert secret[:10] in page
    assert "never" in page
    with core.engine.connect() as connection:
        stored = connection.execute(select(api_tokens)).one()._mapping
    assert secret not in {str(value) for value in stored.values()}
    assert stored["token_hash"] != secret
    assert len(stored["token_hash"]) == 64
    client = ada["client"]
    assert client.get("/api/whoami-v2", headers=bearer(secret)).json()["name"] == "ada"
    assert core.api_tokens(ada["user"])[0].last_used_at is not None
    token_id = core.api_tokens(ada["user"])[0].id
    assert browser.post(f"/account/tokens/{token_id}/revoke").status_code == 303
    assert core.api_tokens(ada["user"]) == []
    revoked = client.get("/api/whoami-v2", headers=bearer(secret))
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"] == 'Bearer realm="paperwire"'


def test_token_names_are_required_and_others_tokens_cannot_be_revoked(core, ada, app):
    assert ada["browser"].post("/account/tokens", {"name": "  "}).status_code == 400
    create_token(ada["browser"])
    make_user(core, "eve@example.org")
    eve = Browser(app, core, "eve@example.org")
    token_id = core.api_tokens(ada["user"])[0].id
    assert eve.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert len(core.api_tokens(ada["user"])) == 1


def test_writes_with_a_token(core, ada):
    client, secret = ada["client"], create_token(ada["browser"])
    headers = bearer(secret)
    vote = client.post("/api/papers/2401.00001/upvote", headers=headers)
    assert vote.json() == {"id": "2401.00001", "upvoted": True, "upvotes": 1}
    assert client.get("/api/papers/2401.00001/upvote", headers=headers).json()["upvoted"] is True
    assert client.get("/api/papers/2401.00001").json()["upvotes"] == 1
    assert client.delete("/api/papers/2401.00001/upvote", headers=headers).json()["upvotes"] == 0
    comment = client.post("/api/papers/2401.00001/comments", headers=headers,
                          json={"comment": "Nice **result**: $x^2$"})
    assert comment.status_code == 201
    assert comment.json()["author"]["name"] == "ada"
    assert "<strong>result</strong>" in comment.json()["html"]
    reply = client.post("/api/papers/2401.00001/comments", headers=headers,
                        json={"comment": "Me again", "parentId": comment.json()["id"]})
    assert reply.json()["parentId"] == comment.json()["id"]
    created = client.post("/api/collections", headers=headers, json={"title": "To read"})
    assert created.status_code == 201
    assert created.json()["private"] is True
    collection_id = created.json()["id"]
    assert created.headers["location"] == f"/api/collections/{collection_id}"
    saved = client.put(f"/api/collections/{collection_id}/items/2401.00002", headers=headers,
                       json={"note": "Section 3"})
    assert saved.json()["items"] == [{"type": "paper", "id": "2401.00002", "title": "Paper 2401.00002",
                                      "note": "Section 3", "addedAt": saved.json()["items"][0]["addedAt"]}]
    removed = client.delete(f"/api/collections/{collection_id}/items/2401.00002", headers=headers)
    assert removed.json()["items"] == []
    thread = client.get("/api/papers/2401.00001/comments").json()
    assert [c["raw"] for c in thread] == ["Nice **result**: $x^2$"]
    assert [r["raw"] for r in thread[0]["replies"]] == ["Me again"]


def test_writes_need_a_valid_token_and_respect_ownership(core, ada, app):
    client = ada["client"]
    assert client.post("/api/papers/2401.00001/upvote").status_code == 401
    assert client.post("/api/papers/2401.00001/upvote", headers=bearer("pw_" + "x" * 43)).status_code == 401
    assert client.post("/api/papers/2401.00001/upvote",
                       headers={"Authorization": "Basic YWRhOnB3"}).status_code == 401
    eve = make_user(core, "eve@example.org")
    eve_secret = core.create_api_token(eve, "eve").secret
    mine = core.create_collection(ada["user"], "Private")
    assert client.get(f"/api/collections/{mine}", headers=bearer(eve_secret)).status_code == 404
    assert client.put(f"/api/collections/{mine}/items/2401.00001",
                      headers=bearer(eve_secret)).status_code == 404
    assert client.post("/api/papers/9999.99999/upvote", headers=bearer(eve_secret)).status_code == 404
    core.set_banned("eve@example.org")
    assert client.get("/api/whoami-v2", headers=bearer(eve_secret)).status_code == 401


def test_rate_limits_apply_to_token_writes(core, ada):
    core.settings.rate_limit_votes = "2/minute"
    core.settings.rate_limit_comments = "1/minute"
    client, headers = ada["client"], bearer(create_token(ada["browser"]))
    codes = [client.post("/api/papers/2401.00001/upvote", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert ada["browser"].post("/papers/2401.00001/upvote").status_code == 429  # one budget per user
    comments = [client.post("/api/papers/2401.00001/comments", headers=headers,
                            json={"comment": "hi"}) for _ in range(2)]
    assert [c.status_code for c in comments] == [201, 429]
    assert int(comments[1].headers["retry-after"]) > 0


def test_page_data_as_json(core, ada):
    client, user = ada["client"], ada["user"]
    core.upvote(user, "2401.00002", up=True)
    public = core.create_collection(user, "Shared", public=True)
    private = core.create_collection(user, "Mine")
    core.save_paper(user, public, "2401.00002", note="good")
    trending = client.get("/api/trending", params={"period": "week"}).json()
    assert trending[0]["paper"]["id"] == "2401.00002"
    assert trending[0]["trendingScore"] > 0
    same = client.get("/api/daily_papers", params={"sort": "trending", "period": "week"}).json()
    # The score decays by the second between the two calls: compare it loosely.
    assert [item["trendingScore"] for item in same] == pytest.approx(
        [item["trendingScore"] for item in trending], rel=1e-3)
    assert [{**item, "trendingScore": 0} for item in same] == [
        {**item, "trendingScore": 0} for item in trending]
    profile = client.get("/api/users/ada").json()
    assert profile["upvotedPapers"] == [{"id": "2401.00002", "title": "Paper 2401.00002"}]
    assert [c["title"] for c in profile["collections"]] == ["Shared"]  # private ones hidden
    secret = core.create_api_token(user, "t").secret
    own = client.get("/api/users/ada", headers=bearer(secret)).json()
    assert [c["title"] for c in own["collections"]] == ["Shared", "Mine"]
    shared = client.get(f"/api/collections/{public}").json()
    assert shared["items"][0]["note"] == "good"
    assert shared["owner"]["name"] == "ada"
    assert client.get(f"/api/collections/{private}").status_code == 404
    assert client.get(f"/api/collections/{private}", headers=bearer(secret)).status_code == 200
    assert len(client.get("/api/collections", headers=bearer(secret)).json()) == 2
    assert client.get("/api/users/nobody").status_code == 404


# Hugging Face's /api/daily_papers item, by field and JSON type (a real answer trimmed
# to the fields its clients read; see SOURCES-FORMATS.md).
HF_ITEM = {
    "paper": {
        "id": str, "authors": list, "publishedAt": str, "submittedOnDailyAt": str, "title": str,
        "summary": str, "upvotes": int, "discussionId": str, "ai_keywords": list,
    },
    "publishedAt": str, "title": str, "summary": str, "thumbnail": str, "numComments": int,
    "isAuthorParticipating": bool,
}
HF_AUTHOR = {"_id": str, "name": str, "hidden": bool}
HF_USER = {"_id": str, "name": str, "fullname": str, "type": str, "avatarUrl": str}


def assert_shape(value: dict, shape: dict, where: str = "") -> None:
    for key, kind in shape.items():
        assert key in value, f"{where}{key} missing"
        if isinstance(kind, dict):
            assert_shape(value[key], kind, f"{where}{key}.")
        else:
            assert isinstance(value[key], kind), f"{where}{key} is {type(value[key]).__name__}"


def test_hf_compatible_fields_and_types(core, ada):
    client, user = ada["client"], ada["user"]
    core.submit_paper(user, "2401.00001")
    items = client.get("/api/daily_papers").json()
    for item in items:
        assert_shape(item, HF_ITEM)
        for author in item["paper"]["authors"]:
            assert_shape(author, HF_AUTHOR)
    submitted = next(i for i in items if i["paper"]["id"] == "2401.00001")
    assert_shape(submitted["submittedBy"], HF_USER)
    assert_shape(submitted["paper"]["submittedOnDailyBy"], HF_USER)
    assert submitted["submittedBy"]["name"] == "ada"
    ids = [a["_id"] for a in submitted["paper"]["authors"]]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)
    one = client.get("/api/papers/2401.00001").json()
    assert_shape(one, HF_ITEM["paper"])
    found = client.get("/api/papers/search", params={"q": "Paper"}).json()
    assert_shape(found[0], {"paper": HF_ITEM["paper"], "numComments": int, "isAuthorParticipating": bool})


def test_openapi_documents_every_api_operation(app):
    spec = TestClient(app, base_url=BASE).get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["apiToken"] == {
        "type": "http", "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["apiToken"]["description"]}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("description"), where
            assert "200" in operation["responses"] or "201" in operation["responses"], where
            assert {"422"} <= set(operation["responses"]) or not operation.get("parameters"), where
            if operation.get("security"):
                assert "401" in operation["responses"], where
            if method in {"post", "put", "delete"}:
                assert operation.get("security") == [{"apiToken": []}], where
                assert "429" in operation["responses"] or path == "/api/collections", where
