"""Code and project links as stored (with each paper, re-derived from a newer record)
and shown: the paper page ("from the authors"), list cards (a code badge), the API's
githubRepo and projectPage, and the has-code list filter (``code=1``)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from sqlalchemy import select

from clients import Browser
from factories import load, make_user, paper
from paperwire.community.models import Role
from paperwire.db.tables import paper_links
from paperwire.errors import InvalidInput, PermissionDenied
from paperwire.models import PaperFilter

DAY = "2024-03-05"
WITH_CODE = paper("2403.00001", "A paper with code",
                  "We release code at https://github.com/ Ada/engine. Project page: "
                  "https://ada.github.io/engine/.", day=DAY,
                  comments="10 pages; weights: \\url{https://huggingface.co/ada/engine-7b}")
WITHOUT = paper("2403.00002", "A paper without code", "Nothing to download here.", day=DAY)
HOSTILE = paper("2403.00003", "Hostile link text",
                "Code: https://github.com/evil/x\"><script>alert(1)</script> and "
                "project page https://evil.example/<img src=x onerror=alert(2)>", day=DAY)


def stored(core, arxiv_id: str) -> list[tuple[str, str, str, str]]:
    paper_id = core.get_paper(arxiv_id).id
    with core.engine.connect() as connection:
        rows = connection.execute(
            select(paper_links.c.kind, paper_links.c.url, paper_links.c.source,
                   paper_links.c.status)
            .where(paper_links.c.paper_id == paper_id).order_by(paper_links.c.position))
        return [tuple(row) for row in rows]


def test_ingest_stores_the_authors_links_and_a_newer_record_replaces_them(core, tmp_path: Path):
    load(core, tmp_path, [WITH_CODE, WITHOUT])
    assert stored(core, "2403.00001") == [
        ("repo", "https://github.com/Ada/engine", "authors", "active"),
        ("project", "https://ada.github.io/engine", "authors", "active"),
        ("repo", "https://huggingface.co/ada/engine-7b", "authors", "active"),
    ]
    assert stored(core, "2403.00002") == []
    newer = {**WITH_CODE, "abstract": "Code moved to https://gitlab.com/ada/engine.",
             "comments": None,
             "versions": [*WITH_CODE["versions"],
                          {"version": "v2", "created": "Wed, 6 Mar 2024 10:00:00 GMT"}]}
    load(core, tmp_path, [newer])
    assert stored(core, "2403.00001") == [
        ("repo", "https://gitlab.com/ada/engine", "authors", "active")]


def test_paper_page_and_cards_show_the_links(core, tmp_path: Path, web_client):
    load(core, tmp_path, [WITH_CODE, WITHOUT])
    page = web_client.get("/papers/2403.00001").text
    assert 'href="https://github.com/Ada/engine"' in page
    assert 'href="https://ada.github.io/engine"' in page
    assert "from the authors" in page
    listing = web_client.get(f"/?date={DAY}").text
    card_with, card_without = (listing.split('<article class="paper-card">')[i] for i in (1, 2))
    assert ("A paper with code" in card_with) != ("A paper with code" in card_without)
    badges = [card for card in (card_with, card_without) if 'class="chip chip-code"' in card]
    assert len(badges) == 1
    assert "A paper with code" in badges[0]
    assert 'href="https://github.com/Ada/engine"' in badges[0]


def test_the_api_fills_github_repo_and_project_page(core, tmp_path: Path, web_client):
    load(core, tmp_path, [WITH_CODE, WITHOUT])
    detail = web_client.get("/api/papers/2403.00001").json()
    assert detail["githubRepo"] == "https://github.com/Ada/engine"
    assert detail["projectPage"] == "https://ada.github.io/engine"
    items = {item["paper"]["id"]: item["paper"]
             for item in web_client.get(f"/api/daily_papers?date={DAY}").json()}
    assert items["2403.00001"]["githubRepo"] == "https://github.com/Ada/engine"
    assert "githubRepo" not in items["2403.00002"]
    assert detail["links"] == [  # every link, Hugging Face's too, with where it came from
        {"kind": "repo", "host": "github.com", "url": "https://github.com/Ada/engine",
         "source": "authors"},
        {"kind": "repo", "host": "huggingface.co", "url": "https://huggingface.co/ada/engine-7b",
         "source": "authors"},
        {"kind": "project", "host": "ada.github.io", "url": "https://ada.github.io/engine",
         "source": "authors"}]
    assert web_client.get("/api/papers/2403.00002").json()["links"] == []
    assert "links" not in items["2403.00001"]  # lists keep Hugging Face's shape


def test_has_code_filter_on_lists_and_the_api(core, tmp_path: Path, web_client):
    load(core, tmp_path, [WITH_CODE, WITHOUT])
    everything = core.list_papers(PaperFilter.from_params({"date": DAY}))
    with_code = core.list_papers(PaperFilter.from_params({"date": DAY, "code": "1"}))
    assert everything.total == 2
    assert [p.arxiv_id for p in with_code.papers] == ["2403.00001"]
    assert with_code.total == 1
    listing = web_client.get(f"/?date={DAY}&code=1").text
    assert "A paper with code" in listing
    assert "A paper without code" not in listing
    api = web_client.get(f"/api/daily_papers?date={DAY}&code=true").json()
    assert [item["paper"]["id"] for item in api] == ["2403.00001"]
    assert web_client.get(f"/api/daily_papers?date={DAY}&code=maybe").status_code in (400, 422)


def test_hostile_link_text_is_escaped(core, tmp_path: Path, web_client):
    load(core, tmp_path, [HOSTILE])
    page = web_client.get("/papers/2403.00003").text
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert 'href="https://github.com/evil/x"' in page
    assert html.escape("<script>alert(1)</script>") in page  # the abstract, as text


# -- readers' proposals ---------------------------------------------------------------------


def test_a_reader_proposes_a_link_a_moderator_approves_it(core, app, tmp_path: Path):
    load(core, tmp_path, [WITHOUT])
    make_user(core, "ada@example.org")
    mod = make_user(core, "mod@example.org", Role.MODERATOR)
    reader = Browser(app, core, "ada@example.org")
    refused = reader.client.post("/papers/2403.00002/links",
                                 data={"url": "https://github.com/ada/x"}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    done = reader.post("/papers/2403.00002/links", {"url": "https://github.com/ada/x/tree/main"})
    assert done.status_code == 303
    assert stored(core, "2403.00002") == [("repo", "https://github.com/ada/x", "reader", "pending")]
    assert "https://github.com/ada/x" not in reader.get("/papers/2403.00002").text  # not yet
    assert reader.post("/papers/2403.00002/links",
                       {"url": "https://github.com/ada/x"}).status_code == 400  # known
    assert reader.post("/papers/2403.00002/links", {"url": "javascript:alert(1)"}).status_code == 400
    assert reader.get("/admin/links").status_code == 403  # readers do not review
    assert reader.post("/admin/links/1", {"decision": "approve"}).status_code == 403

    moderator = Browser(app, core, "mod@example.org")
    review = moderator.get("/admin/links").text
    assert "https://github.com/ada/x" in review
    (link_id,) = [p["id"] for p in core.link_proposals(mod)]
    refused = moderator.post(f"/admin/links/{link_id}", {"decision": "maybe"})
    assert refused.status_code == 400
    assert "decision must be approve or reject" in refused.text
    assert moderator.post(f"/admin/links/{link_id}", {"decision": "approve"}).status_code == 303
    assert stored(core, "2403.00002") == [("repo", "https://github.com/ada/x", "reader", "active")]
    page = Browser(app, core).get("/papers/2403.00002").text
    assert 'href="https://github.com/ada/x"' in page
    assert "added by a reader" in page
    (shown,) = Browser(app, core).get("/api/papers/2403.00002").json()["links"]
    assert (shown["url"], shown["source"]) == ("https://github.com/ada/x", "reader")
    assert moderator.post(f"/admin/links/{link_id}", {"decision": "reject"}).status_code == 404


def test_a_rejected_proposal_never_shows(core, app, tmp_path: Path):
    load(core, tmp_path, [WITHOUT])
    ada = make_user(core, "ada@example.org")
    moderator = make_user(core, "mod@example.org", Role.MODERATOR)
    with pytest.raises(InvalidInput, match="url: give a repository"):
        core.propose_link(ada, "2403.00002", "Project page: https://ada.example/page")
    assert stored(core, "2403.00002") == []
    with pytest.raises(PermissionDenied):
        core.link_proposals(ada)
    core.propose_link(ada, "2403.00002", "https://ada.example/page#top")
    (proposal,) = core.link_proposals(moderator)
    core.decide_link(moderator, proposal["id"], approve=False)
    assert core.link_proposals(moderator) == []
    assert core.get_paper("2403.00002").links == []


def test_a_correction_replaces_the_authors_link_once_approved(core, app, tmp_path: Path):
    load(core, tmp_path, [WITH_CODE])
    ada = make_user(core, "ada@example.org")
    mod = make_user(core, "mod@example.org", Role.MODERATOR)
    reader = Browser(app, core, "ada@example.org")
    form = reader.get("/papers/2403.00001").text
    assert '<option value="https://github.com/Ada/engine">' in form  # what it may correct
    with pytest.raises(InvalidInput, match="corrects: name one of the links"):
        core.propose_link(ada, "2403.00001", "https://github.com/ada/engine-v2",
                          corrects="https://github.com/someone/else")
    done = reader.post("/papers/2403.00001/links", {
        "url": "https://github.com/ada-lab/engine", "corrects": "https://github.com/Ada/engine"})
    assert done.status_code == 303
    shown = [link.url for link in core.get_paper("2403.00001").links]
    assert "https://github.com/Ada/engine" in shown  # nothing changes before a moderator
    moderator = Browser(app, core, "mod@example.org")
    assert "instead of https://github.com/Ada/engine" in moderator.get("/admin/links").text
    (proposal,) = core.link_proposals(mod)
    core.decide_link(mod, proposal["id"], approve=True)
    assert [(link.url, link.source) for link in core.get_paper("2403.00001").links] == [
        ("https://github.com/ada-lab/engine", "reader"),
        ("https://huggingface.co/ada/engine-7b", "authors"),
        ("https://ada.github.io/engine", "authors")]
    page = Browser(app, core).get("/papers/2403.00001").text
    assert 'href="https://github.com/Ada/engine"' not in page
    assert 'href="https://github.com/ada-lab/engine"' in page
    api = Browser(app, core).get("/api/papers/2403.00001").json()
    assert api["githubRepo"] == "https://github.com/ada-lab/engine"
    # A newer record of the paper, still naming the old link, does not bring it back.
    newer = {**WITH_CODE, "versions": [*WITH_CODE["versions"],
                                       {"version": "v2", "created": "Wed, 6 Mar 2024 10:00:00 GMT"}]}
    load(core, tmp_path, [newer])
    assert ("repo", "https://github.com/Ada/engine", "authors", "replaced") in stored(core, "2403.00001")
    assert "https://github.com/Ada/engine" not in [
        link.url for link in core.get_paper("2403.00001").links]


def test_a_rejected_correction_changes_nothing(core, tmp_path: Path):
    load(core, tmp_path, [WITH_CODE])
    ada = make_user(core, "ada@example.org")
    mod = make_user(core, "mod@example.org", Role.MODERATOR)
    before = core.get_paper("2403.00001").links
    core.propose_link(ada, "2403.00001", "https://github.com/ada-lab/engine",
                      corrects="https://github.com/Ada/engine")
    (proposal,) = core.link_proposals(mod)
    assert proposal["corrects"] == "https://github.com/Ada/engine"
    core.decide_link(mod, proposal["id"], approve=False)
    assert core.get_paper("2403.00001").links == before


def test_a_refused_or_pending_proposal_does_not_hide_the_authors_later_link(core, tmp_path: Path):
    load(core, tmp_path, [WITHOUT])
    ada = make_user(core, "ada@example.org")
    mod = make_user(core, "mod@example.org", Role.MODERATOR)
    core.propose_link(ada, "2403.00002", "https://github.com/ada/refused")
    (proposal,) = core.link_proposals(mod)
    core.decide_link(mod, proposal["id"], approve=False)
    core.propose_link(ada, "2403.00002", "https://github.com/ada/pending")
    newer = {**WITHOUT, "abstract": "Code: https://github.com/ada/refused and "
                                    "https://github.com/ada/pending.",
             "versions": [*WITHOUT["versions"],
                          {"version": "v2", "created": "Wed, 6 Mar 2024 10:00:00 GMT"}]}
    load(core, tmp_path, [newer])
    assert [(link.url, link.source) for link in core.get_paper("2403.00002").links] == [
        ("https://github.com/ada/refused", "authors"), ("https://github.com/ada/pending", "authors")]
    assert core.link_proposals(mod) == []  # the authors' word settled the pending one
