"""For you on every surface: the page (signed-in only, explained picks, Not interested /
More like this forms with htmx fragments, hide seen), "for you" as a list order, the
API with a token (only the owner's picks), and ``paperwire recommend``."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from clients import BASE, Browser
from factories import make_user, paper, write_jsonl
from paperwire.core import Paperwire
from test_cli import env, run  # noqa: F401 - the fixture: a fresh store per backend
from test_for_you import arxiv_id, corpus, library, topic_of  # noqa: F401 - corpus: a fixture


@pytest.fixture
def ada(corpus: Paperwire, app) -> dict:  # noqa: F811
    user = make_user(corpus, "ada@example.org", username="ada")
    library(corpus, user.id, arxiv_id("graph", 0), arxiv_id("graph", 1))
    return {"user": user, "browser": Browser(app, corpus, "ada@example.org")}


def card_ids(html: str) -> list[str]:
    return re.findall(r'<h3 class="paper-title"><a href="/papers/([^"]+)"', html)


def test_for_you_page_is_for_signed_in_readers(corpus: Paperwire, app):  # noqa: F811
    anonymous = TestClient(app, base_url=BASE, follow_redirects=False)
    response = anonymous.get("/for-you")
    assert response.status_code in (302, 303)
    assert "/signin" in response.headers["location"]
    assert 'href="/for-you"' not in anonymous.get("/").text
    assert anonymous.get("/api/for-you").status_code == 401


def test_the_page_explains_picks_from_the_library(corpus: Paperwire, ada):  # noqa: F811
    page = ada["browser"].get("/for-you")
    assert page.status_code == 200
    picks = card_ids(page.text)
    assert len(picks) >= 5
    assert {topic_of(p) for p in picks[:5]} == {"graph"}
    assert arxiv_id("graph", 0) not in picks
    library_titles = [corpus.get_paper(arxiv_id("graph", n)).title for n in (0, 1)]
    assert any(f"close to “{title}”" in page.text for title in library_titles)
    assert "0.6·linear + 0.4·nearest" in page.text  # the blend is shown
    assert 'action="/papers/' + picks[0] + '/not-interested"' in page.text


def test_not_interested_takes_the_pick_away(corpus: Paperwire, ada):  # noqa: F811
    browser = ada["browser"]
    first = card_ids(browser.get("/for-you").text)[0]
    fragment = browser.post(f"/papers/{first}/not-interested", {"next": "/for-you"},
                            headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Hidden:" in fragment.text
    assert "Undo" in fragment.text
    assert first not in card_ids(browser.get("/for-you").text)
    plain = browser.post(f"/papers/{first}/not-interested", {"undo": "1", "next": "/for-you"})
    assert plain.status_code == 303
    assert first in card_ids(browser.get("/for-you").text)


def test_signal_forms_need_csrf_and_a_session(corpus: Paperwire, ada, app):  # noqa: F811
    target = arxiv_id("graph", 4)
    browser = ada["browser"]
    refused = browser.client.post(f"/papers/{target}/not-interested", data={"next": "/"},
                                  follow_redirects=False)
    assert refused.status_code == 403
    assert corpus.reader_signals(ada["user"].id).negatives == []
    anonymous = Browser(app, corpus)
    response = anonymous.post(f"/papers/{target}/more-like-this", {"next": "/"})
    assert response.status_code in (302, 303)
    assert "/signin" in response.headers["location"]


def test_hide_seen_leaves_out_what_the_page_showed(corpus: Paperwire, ada):  # noqa: F811
    browser = ada["browser"]
    corpus.settings.page_size = 3
    page = browser.get("/for-you").text
    shown = card_ids(page)
    # The page reports what it showed once loaded (htmx, hx-trigger=load): a GET
    # changes nothing. So does the page of a paper opened.
    assert re.findall(r'name="papers" value="([^"]+)"', page) == shown
    assert corpus.seen_paper_ids(ada["user"].id) == set()
    opened = arxiv_id("quantum", 2)
    paper_page = browser.get(f"/papers/{opened}").text
    assert f'name="papers" value="{opened}"' in paper_page
    for papers in (shown, [opened]):
        assert browser.post("/for-you/seen", {"papers": papers},
                            headers={"HX-Request": "true"}).status_code == 204
    hidden = card_ids(browser.get("/for-you?hide_seen=1").text)
    assert hidden
    assert not set(shown) & set(hidden)
    assert opened not in hidden


def test_for_you_as_the_order_of_a_list(corpus: Paperwire, ada):  # noqa: F811
    browser = ada["browser"]
    day = corpus.get_paper(arxiv_id("graph", 0)).announced_on.isoformat()
    ordered = card_ids(browser.get(f"/?date={day}&sort=for-you").text)
    assert {topic_of(p) for p in ordered[:4]} == {"graph"}
    assert {topic_of(p) for p in ordered[-4:]} != {"graph"}
    upvoted = card_ids(browser.get(f"/?date={day}").text)
    assert sorted(upvoted) == sorted(ordered)


def test_api_for_you_gives_only_the_token_owners_picks(corpus: Paperwire, ada, app):  # noqa: F811
    client = TestClient(app, base_url=BASE)
    bob = make_user(corpus, "bob@example.org", username="bob")
    library(corpus, bob.id, arxiv_id("galaxy", 0), arxiv_id("galaxy", 1))
    ada_token = corpus.create_api_token(ada["user"], "script").secret
    bob_token = corpus.create_api_token(bob, "script").secret
    mine = client.get("/api/for-you?limit=4", headers={"Authorization": f"Bearer {ada_token}"})
    assert mine.status_code == 200
    body = mine.json()
    assert body["basis"] == "model"
    assert [p["rank"] for p in body["picks"]] == [1, 2, 3, 4]
    assert {topic_of(p["id"]) for p in body["picks"]} == {"graph"}
    assert all(p["because"] for p in body["picks"])
    theirs = client.get("/api/for-you?limit=4", headers={"Authorization": f"Bearer {bob_token}"})
    assert {topic_of(p["id"]) for p in theirs.json()["picks"]} == {"galaxy"}
    assert client.get("/api/for-you", headers={"Authorization": "Bearer pw_nope"}).status_code == 401
    bad = client.get("/api/for-you?since=yesterday", headers={"Authorization": f"Bearer {ada_token}"})
    assert bad.status_code == 400
    assert "since" in bad.json()["error"]


def test_recommend_command_prints_one_json_object_per_pick(env, tmp_path):  # noqa: F811
    papers = [paper(f"2401.{n:05d}", f"Graph neural networks message passing {n}",
                    "graph neural networks message passing node embeddings") for n in range(6)]
    papers += [paper(f"2402.{n:05d}", f"Quantum error correction codes {n}",
                     "quantum error correction surface codes", cats="quant-ph") for n in range(6)]
    run(env, "migrate")
    run(env, "import", str(write_jsonl(tmp_path / "papers.jsonl", papers)))
    run(env, "embed")
    run(env, "user", "add", "reader@example.org")
    listing = tmp_path / "library.txt"
    listing.write_text("2401.00000\n2401.00001\n")
    run(env, "library", "import", "--user", "reader@example.org", "--no-fetch", str(listing))
    lines = run(env, "recommend", "--user", "reader@example.org", "--limit", "3", "--json").stdout
    rows = [json.loads(line) for line in lines.splitlines()]
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert all(row["id"].startswith("2401.") for row in rows)
    assert all(set(row) >= {"id", "rank", "score", "because"} for row in rows)
    assert rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]
    assert any("close to" in reason for reason in rows[0]["because"])
    text = run(env, "recommend", "--user", "reader@example.org", "--limit", "2").stdout
    assert "1. 2401." in text
    missing = run(env, "recommend", "--user", "nobody@example.org", check=False)
    assert missing.returncode != 0
    assert len(missing.stderr.strip().splitlines()) == 1


def test_the_personal_feed_leads_with_for_you_picks(corpus: Paperwire, ada, app):  # noqa: F811
    from test_feeds_community import entry_ids

    token = corpus.rotate_feed_token(ada["user"])
    body = TestClient(app, base_url=BASE).get("/personal.atom", params={"token": token}).content
    ids = entry_ids(body, "atom")
    assert ids
    assert {topic_of(p) for p in ids[:4]} == {"graph"}
    assert arxiv_id("graph", 0) not in ids  # the reader's own library stays out
    assert set(ids) <= {p.arxiv_id for p in corpus.personal_papers(ada["user"]).papers}
