"""Authors: name keys, the author index kept by every upsert, author pages (papers,
co-authors, other spellings), links from every author name, author search, follows
(CSRF, private), claims (shown only once an admin approves), the API and the feed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from clients import Browser
from factories import load, make_paper, make_user, paper
from paperwire.authors import author_key, author_slug, compatible
from paperwire.community.models import ClaimStatus, Role
from paperwire.db.tables import paper_authors
from paperwire.errors import InvalidInput, NotFound, PermissionDenied

# -- name keys --------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "key"), [
    ("Yann LeCun", "yann lecun"),
    ("LeCun, Yann", "yann lecun"),  # a library's order
    ("  yann   LECUN ", "yann lecun"),
    (r"Bal\'azs Szegedy", "balazs szegedy"),  # TeX accents, as arXiv spells them
    ("Balázs Szegedy", "balazs szegedy"),
    (r"Erd\H{o}s, Paul", "paul erdos"),
    ("Søren Kierkegaard", "soren kierkegaard"),
    ("J.-P. Serre", "j p serre"),  # initials stay initials
    ("J. P. Serre", "j p serre"),
    ("Martin Luther King Jr.", "martin luther king"),
    ("Martin Luther King, Jr.", "martin luther king"),  # a suffix is not a given name
    ("Владимир Арнольд", "владимир арнольд"),
    ("---", ""),
])
def test_author_keys(written: str, key: str):
    assert author_key(written) == key


def test_a_key_fits_its_column_however_long_the_name():
    assert len(author_key("ß" * 500)) == 200
    assert author_key("Ada " + "ß" * 150) == "ada " + "ss" * 98


def test_slugs_and_compatible_spellings():
    assert author_slug("j p serre") == "j-p-serre"
    assert author_key(author_slug("jean pierre serre")) == "jean pierre serre"  # reversible
    assert compatible("j smith", "john smith")
    assert compatible("john a smith", "j smith")
    assert not compatible("jane smith", "john smith")
    assert not compatible("john smith", "john smyth")
    assert not compatible("john smith", "john smith")  # itself is not another spelling


# -- the index ------------------------------------------------------------------------------


def indexed(core, arxiv_id: str) -> list[tuple[int, str, str]]:
    paper_id = core.get_paper(arxiv_id).id
    with core.engine.connect() as connection:
        rows = connection.execute(
            select(paper_authors.c.position, paper_authors.c.author_key, paper_authors.c.name)
            .where(paper_authors.c.paper_id == paper_id).order_by(paper_authors.c.position))
        return [tuple(row) for row in rows]


def test_upsert_indexes_authors_and_reindexes_a_newer_record(core, tmp_path: Path):
    first = paper("2401.00001", "A title", "An abstract.", authors=r"Bal\'azs Szegedy and Ada Lovelace")
    load(core, tmp_path, [first])
    assert indexed(core, "2401.00001") == [(0, "balazs szegedy", "Balázs Szegedy"),
                                           (1, "ada lovelace", "Ada Lovelace")]
    newer = {**first, "authors": "Ada Lovelace, Charles Babbage",
             "versions": [*first["versions"], {"version": "v2", "created": "Wed, 6 Mar 2024 10:00:00 GMT"}]}
    load(core, tmp_path, [newer])
    assert indexed(core, "2401.00001") == [(0, "ada lovelace", "Ada Lovelace"),
                                           (1, "charles babbage", "Charles Babbage")]
    with pytest.raises(NotFound):
        core.author_page("Balázs Szegedy")


# -- author pages -------------------------------------------------------------------------

DAY = datetime(2024, 3, 5, 10, tzinfo=UTC)


def three_papers(core) -> None:
    make_paper(core, "2403.00001", authors=["Ada Lovelace", "Charles Babbage"], published=DAY)
    make_paper(core, "2403.00002", authors=["Lovelace, Ada", "Charles Babbage", "Mary Somerville"],
               published=DAY + timedelta(days=1))
    make_paper(core, "2403.00003", authors=["A. Lovelace", "Mary Somerville"],
               published=DAY + timedelta(days=2))
    make_paper(core, "2403.00004", authors=["Alan Turing"], published=DAY + timedelta(days=3))


def test_author_page_lists_their_papers_newest_first_and_co_authors(core):
    three_papers(core)
    found = core.author_page("ada-lovelace")
    assert found.author.key == "ada lovelace"
    assert [p.arxiv_id for p in found.page.papers] == ["2403.00002", "2403.00001"]
    assert found.page.total == 2
    assert [(c.name, c.papers) for c in found.coauthors] == [
        ("Charles Babbage", 2), ("Mary Somerville", 1)]
    assert [(s.key, s.papers) for s in found.spellings] == [("a lovelace", 1)]
    paged = core.author_page("Ada Lovelace", page=1, limit=1)
    assert [p.arxiv_id for p in paged.page.papers] == ["2403.00001"]
    with pytest.raises(NotFound):
        core.author_page("Nobody Here")
    with pytest.raises(InvalidInput):
        core.author_page("...")


def test_author_page_and_links_from_cards_and_the_paper_page(core, app):
    three_papers(core)
    browser = Browser(app, core)
    daily = browser.get("/?date=2024-03-06").text
    assert 'href="/authors/ada-lovelace">Lovelace, Ada</a>' in daily
    assert 'href="/authors/mary-somerville">Mary Somerville</a>' in daily
    page = browser.get("/papers/2403.00002").text
    assert re.search(r'class="authors-full">.*href="/authors/charles-babbage"', page)
    search = browser.get("/papers?q=author:Turing").text
    assert 'href="/authors/alan-turing">Alan Turing</a>' in search
    author = browser.get("/authors/ada-lovelace")
    assert author.status_code == 200
    assert author.text.index("2403.00002") < author.text.index("2403.00001")
    assert "2403.00003" not in author.text  # "A. Lovelace" is another key...
    assert 'href="/authors/a-lovelace">A. Lovelace</a>' in author.text  # ...offered as such
    assert 'href="/authors/charles-babbage">Charles Babbage</a> <span class="muted">· 2 papers' in author.text
    assert 'href="/authors/ada-lovelace.atom"' in author.text
    assert "/papers?author=Ada+Lovelace" in author.text  # the search by author
    assert "Follow" not in author.text  # signed out: no button
    moved = browser.get("/authors/Lovelace, Ada?p=0", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/authors/ada-lovelace?p=0"
    assert browser.get("/authors/nobody-here").status_code == 404


def test_a_name_is_escaped_everywhere(core, app):
    make_paper(core, "2403.00009", authors=["<script>alert(1)</script> Mallory"], published=DAY)
    browser = Browser(app, core)
    found = browser.get("/authors/script-alert-1-script-mallory").text
    assert "<script>alert(1)</script>" not in found
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mallory" in found


def test_author_search_by_part_of_a_name_most_papers_first(core, app):
    three_papers(core)
    assert [(a.name, a.papers) for a in core.search_authors("lovelace")] == [
        ("Ada Lovelace", 2), ("A. Lovelace", 1)]
    assert [a.key for a in core.search_authors("MERVILLE")] == ["mary somerville"]
    assert core.search_authors("%") == []  # LIKE's wildcards are letters here
    page = Browser(app, core).get("/authors?q=Love").text
    assert page.index('href="/authors/ada-lovelace"') < page.index('href="/authors/a-lovelace"')
    assert "/papers?author=Love" in page


# -- follows ------------------------------------------------------------------------------


def test_follow_and_unfollow_with_csrf_and_htmx(core, app):
    three_papers(core)
    ada = make_user(core, "ada@example.org")
    browser = Browser(app, core, "ada@example.org")
    assert "Follow Ada Lovelace" in browser.get("/authors/ada-lovelace").text
    refused = browser.client.post("/authors/ada-lovelace/follow", data={"follow": "1"},
                                  follow_redirects=False)
    assert refused.status_code == 403
    assert core.followed_authors(ada.id) == []
    done = browser.post("/authors/Lovelace, Ada/follow", {"follow": "1"})
    assert done.status_code == 303
    assert done.headers["location"] == "/authors/ada-lovelace"
    assert [(a.key, a.name) for a in core.followed_authors(ada.id)] == [("ada lovelace", "Ada Lovelace")]
    browser.post("/authors/ada-lovelace/follow", {"follow": "1"})  # again: still one
    assert len(core.followed_authors(ada.id)) == 1
    assert "Following · unfollow" in browser.get("/authors/ada-lovelace").text
    account = browser.get("/account").text
    assert 'href="/authors/ada-lovelace">Ada Lovelace</a>' in account
    fragment = browser.post("/authors/ada-lovelace/follow", {"follow": "0"},
                            headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.startswith("<form class=\"follow\"")
    assert core.followed_authors(ada.id) == []
    assert browser.post("/authors/nobody-here/follow", {"follow": "1"}).status_code == 404


def test_follows_are_private_and_need_a_sign_in(core, app):
    three_papers(core)
    ada, bob = make_user(core, "ada@example.org"), make_user(core, "bob@example.org")
    core.follow_author(ada, "Charles Babbage")
    bob_browser = Browser(app, core, "bob@example.org")
    assert "Charles Babbage" not in bob_browser.get("/account").text
    assert "Following" not in bob_browser.get("/authors/charles-babbage").text
    assert "Charles Babbage" not in bob_browser.get("/u/" + ada.username).text
    assert core.followed_authors(bob.id) == []
    anonymous = Browser(app, core)
    signed_out = anonymous.post("/authors/charles-babbage/follow", {"follow": "1"})
    assert signed_out.status_code in (303, 401)
    assert core.followed_authors(bob.id) == []
    assert len(core.followed_authors(ada.id)) == 1


def test_deleting_a_readers_follows_and_claims(core):
    from paperwire.db import authors as store

    three_papers(core)
    ada, bob = make_user(core, "ada@example.org"), make_user(core, "bob@example.org")
    core.follow_author(ada, "Ada Lovelace")
    core.follow_author(bob, "Ada Lovelace")
    core.claim_author(ada, "Ada Lovelace")
    with core.engine.begin() as connection:
        assert store.delete_author_follows(connection, ada.id) == 1
        assert store.delete_author_claims(connection, ada.id) == 1
    assert core.followed_authors(ada.id) == []
    assert len(core.followed_authors(bob.id)) == 1
    assert core.my_author_claims(ada) == []


# -- claims ---------------------------------------------------------------------------------


def test_a_claim_shows_only_once_an_admin_approves_it(core, app):
    three_papers(core)
    make_user(core, "ada@example.org", username="ada")
    make_user(core, "root@example.org", Role.ADMIN, username="root")
    reader = Browser(app, core, "ada@example.org")
    assert reader.post("/authors/ada-lovelace/claim").status_code == 303
    assert "You claimed this name" in reader.get("/authors/ada-lovelace").text
    anonymous = Browser(app, core)
    assert 'class="claimed"' not in anonymous.get("/authors/ada-lovelace").text
    assert reader.get("/admin/claims").status_code == 403  # not an admin
    (claim,) = core.author_claims(status=ClaimStatus.PENDING)
    assert reader.post(f"/admin/claims/{claim.id}", {"decision": "approve"}).status_code == 403
    assert 'class="claimed"' not in anonymous.get("/authors/ada-lovelace").text

    admin = Browser(app, core, "root@example.org")
    assert "Ada Lovelace" in admin.get("/admin/claims").text
    assert admin.post(f"/admin/claims/{claim.id}", {"decision": "approve"}).status_code == 303
    shown = anonymous.get("/authors/ada-lovelace").text
    assert 'this is <a class="claimed" href="/u/ada">' in shown
    assert core.author_claims(status=ClaimStatus.PENDING) == []
    assert "No claim is waiting" in admin.get("/admin/claims").text
    reader.post("/authors/ada-lovelace/claim", {"withdraw": "1"})
    assert 'class="claimed"' not in anonymous.get("/authors/ada-lovelace").text


def test_a_rejected_claim_stays_hidden_and_only_admins_decide(core):
    three_papers(core)
    ada = make_user(core, "ada@example.org")
    moderator = make_user(core, "mod@example.org", Role.MODERATOR)
    assert core.claim_author(ada, "Ada Lovelace") is ClaimStatus.PENDING
    (claim,) = core.author_claims()
    with pytest.raises(PermissionDenied):
        core.decide_author_claim(claim.id, approve=True, admin=moderator)
    assert core.decide_author_claim(claim.id, approve=False).status is ClaimStatus.REJECTED
    assert core.claim_author(ada, "Ada Lovelace") is ClaimStatus.REJECTED  # no re-asking
    assert core.author_page("Ada Lovelace").claimed_by == []
    with pytest.raises(NotFound):
        core.decide_author_claim(claim.id + 100, approve=True)
    with pytest.raises(NotFound):
        core.claim_author(ada, "Nobody Here")


# -- the API and the feed -------------------------------------------------------------------


def test_api_and_feed_of_an_author(core, app):
    three_papers(core)
    browser = Browser(app, core)
    answer = browser.get("/api/authors/Lovelace, Ada?limit=1")
    assert answer.status_code == 200
    assert answer.headers["x-total-count"] == "2"
    assert [item["id"] for item in answer.json()] == ["2403.00002"]
    assert answer.json()[0]["authors"][0]["name"] == "Lovelace, Ada"
    assert browser.get("/api/authors/nobody-here").status_code == 404
    feed = browser.get("/authors/ada-lovelace.atom")
    assert feed.status_code == 200
    assert feed.text.count("<entry>") == 2
    assert "papers by Ada Lovelace" in feed.text
