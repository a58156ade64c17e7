"""Upvotes, the daily order, trending, comments, collections and submissions."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from clients import Browser
from conftest import REPO
from factories import make_paper, make_user
from harvest.conftest import point_at
from harvest.fake_arxiv import FakeArxiv
from paperwire.community.models import Role
from paperwire.errors import (
    InvalidArxivId,
    NotFound,
    PermissionDenied,
    SubmissionRefused,
)
from paperwire.models import DateWindow, PaperFilter, Period, SortOrder
from paperwire.ranking import describe


def recount(core) -> dict[str, tuple[int, int]]:
    with core.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT p.arxiv_id, p.upvotes, (SELECT count(*) FROM votes v WHERE v.paper_id = p.id)"
            " FROM papers p"
        ))
        return {row[0]: (row[1], row[2]) for row in rows}


def test_upvote_set_toggle_and_exact_count(core):
    paper = make_paper(core, "2401.00001")
    ada, bob = make_user(core, "ada@example.org"), make_user(core, "bob@example.org")
    assert core.upvote(ada, paper, up=True).upvotes == 1
    assert core.upvote(ada, paper, up=True).upvotes == 1  # idempotent
    assert core.upvote(bob, paper).upvotes == 2  # toggle on
    assert core.upvote(bob, paper).upvotes == 1  # toggle off
    assert core.upvote(ada, paper, up=False).upvotes == 0
    assert core.upvote(ada, paper, up=False).upvotes == 0
    assert recount(core)[paper] == (0, 0)


def test_daily_list_is_ordered_by_upvotes_then_announcement(core):
    day = datetime(2026, 3, 2, 12, tzinfo=UTC)
    for n in range(1, 5):
        make_paper(core, f"2603.0000{n}", published=day)
    users = [make_user(core, f"u{n}@example.org") for n in range(3)]
    for user in users:
        core.upvote(user, "2603.00003", up=True)
    core.upvote(users[0], "2603.00004", up=True)
    page = core.list_papers(PaperFilter(window=DateWindow.day(day.date()),
                                        viewer_id=users[1].id))
    assert [p.arxiv_id for p in page.papers] == [
        "2603.00003", "2603.00004", "2603.00001", "2603.00002"]
    assert [p.voted for p in page.papers] == [True, False, False, False]


def test_trending_formula_and_tabs(core):
    now = int(time.time())
    for n in range(1, 4):
        make_paper(core, f"2603.1000{n}")
    users = [make_user(core, f"t{n}@example.org") for n in range(4)]
    core.settings.trending_half_life_hours = 24
    # Paper 1: two votes 2 days old (0.25 each); paper 2: one fresh vote (1.0);
    # paper 3: one vote 10 days old: only in the monthly tab.
    votes = [(0, 1, 2), (1, 1, 2), (2, 2, 0), (3, 3, 10)]
    for user, paper, days_ago in votes:
        core.clock = lambda d=days_ago: now - d * 86_400
        core.upvote(users[user], f"2603.1000{paper}", up=True)
    core.clock = lambda: now

    def ranked(period: Period) -> list[tuple[str, float]]:
        page = core.list_papers(PaperFilter(sort=SortOrder.TRENDING, period=period, now=now))
        return [(p.arxiv_id, round(p.trending_score, 4)) for p in page.papers]

    assert ranked(Period.DAY) == [("2603.10002", 1.0)]
    assert ranked(Period.WEEK) == [("2603.10002", 1.0), ("2603.10001", 0.5)]
    month = ranked(Period.MONTH)
    assert month[-1] == ("2603.10003", round(0.5 ** 10, 4))
    core.settings.trending_half_life_hours = 96  # slower decay: the older pair wins
    assert ranked(Period.WEEK)[0][0] == "2603.10001"


def test_trending_page_and_api_agree(core, app):
    now = int(time.time())
    for n in range(1, 4):
        make_paper(core, f"2603.2000{n}")
    users = [make_user(core, f"a{n}@example.org") for n in range(3)]
    # Paper 2: one fresh vote and two a day old (1 + 0.5 + 0.5); paper 3: one fresh vote.
    ages = {users[0]: 0, users[1]: 86_400, users[2]: 86_400}
    for user, age in ages.items():
        core.clock = lambda age=age: now - age
        core.upvote(user, "2603.20002", up=True)
    core.clock = lambda: now
    core.upvote(users[0], "2603.20003", up=True)
    browser = Browser(app, core)
    api = browser.get("/api/daily_papers?sort=trending&period=week").json()
    page = browser.get("/trending?period=week")
    later = time.time() + 1  # the pages score "now" somewhere in [now, later]

    def score(vote_ages: list[int], at: float) -> float:
        return sum(0.5 ** ((at - (now - age)) / 86_400) for age in vote_ages)

    assert [item["paper"]["id"] for item in api] == ["2603.20002", "2603.20003"]
    for item, vote_ages in zip(api, ([0, 86_400, 86_400], [0]), strict=True):
        assert score(vote_ages, later) <= item["trendingScore"] <= score(vote_ages, now)
    assert page.text.index("2603.20002") < page.text.index("2603.20003")
    assert "2603.20001" not in page.text  # no votes: not trending
    # The page prints the formula the docs publish, with the half-life in force.
    assert describe(Period.WEEK, 24) in page.text
    assert "0.5 ^ ((now − voted_at) / half_life)" in (REPO / "docs" / "community.md").read_text()


def test_comments_replies_edit_delete_hide_and_counts(core):
    paper = make_paper(core, "2401.00002")
    ada, bob = make_user(core, "ada@example.org"), make_user(core, "bob@example.org")
    mod = make_user(core, "mod@example.org", Role.MODERATOR)
    root = core.add_comment(ada, paper, "Nice *result*: $E=mc^2$ [link](https://x.test)")
    reply = core.add_comment(bob, paper, "Agreed", parent_id=root)
    nested = core.add_comment(ada, paper, "Thanks", parent_id=reply)
    stored = core.get_paper(paper)
    thread = core.paper_comments(stored.id, None)
    assert [c.id for c in thread] == [root]
    assert [c.id for c in thread[0].replies] == [reply, nested]  # one level only
    html = thread[0].body_html
    assert '<span class="math inline">E=mc^2</span>' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert stored.num_comments == 3
    with pytest.raises(PermissionDenied):
        core.edit_comment(bob, root, "hijack")
    core.edit_comment(ada, root, "Edited")
    assert core.get_comment(root).edited_at is not None
    with pytest.raises(PermissionDenied):
        core.hide_comment(bob, reply)
    core.hide_comment(mod, reply)
    assert core.get_paper(paper).num_comments == 2
    assert [c.id for c in core.paper_comments(stored.id, None)[0].replies] == [nested]
    assert len(core.paper_comments(stored.id, mod)[0].replies) == 2
    core.delete_comment(ada, nested)
    page = core.list_papers(PaperFilter(window=DateWindow.day(stored.announced_on)))
    assert page.papers[0].num_comments == 1


def test_collections_private_public_and_notes(core, app):
    paper = make_paper(core, "2401.00003")
    ada, bob = make_user(core, "ada@example.org"), make_user(core, "bob@example.org")
    private = core.create_collection(ada, "Secret reading")
    public = core.create_collection(ada, "Best of", public=True)
    core.save_paper(ada, public, paper, note="read this")
    with pytest.raises(PermissionDenied):
        core.save_paper(bob, public, paper)
    with pytest.raises(NotFound):
        core.collection(private, bob)
    shown = core.collection(public, None)
    assert [(i.arxiv_id, i.note) for i in shown.items] == [(paper, "read this")]
    browser = Browser(app, core)
    assert browser.get(f"/collections/{public}").status_code == 200
    assert browser.get(f"/collections/{private}").status_code == 404
    profile = core.profile(ada.username, None)
    assert [c.name for c in profile.collections] == ["Best of"]


def test_submit_refuses_duplicates_and_old_papers(core):
    ada, bob = make_user(core, "ada@example.org"), make_user(core, "bob@example.org")
    fresh = make_paper(core, "2401.00004")
    old = make_paper(core, "2401.00005", published=datetime.now(UTC) - timedelta(days=15))
    assert core.submit_paper(ada, f"https://arxiv.org/abs/{fresh}v2").fetched is False
    with pytest.raises(SubmissionRefused, match="already been submitted"):
        core.submit_paper(bob, fresh)
    with pytest.raises(SubmissionRefused, match="last 14 days"):
        core.submit_paper(ada, old)
    with pytest.raises(InvalidArxivId):
        core.submit_paper(ada, "not an id")
    assert core.get_paper(fresh).submitted_by == ada.username


def api_feed(*entries: tuple[str, str, datetime]) -> bytes:
    """An arXiv API answer (Atom) for (id, title, first published) entries."""
    body = "".join(
        f"""<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>
        <updated>{published:%Y-%m-%dT%H:%M:%SZ}</updated>
        <published>{published:%Y-%m-%dT%H:%M:%SZ}</published>
        <title>{title}</title><summary>An abstract.</summary>
        <author><name>Grace Hopper</name></author>
        <arxiv:primary_category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
        <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/></entry>"""
        for arxiv_id, title, published in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
        ' xmlns:arxiv="http://arxiv.org/schemas/atom"><title>ArXiv Query</title>'
        f"<id>http://arxiv.org/api/x</id><updated>2026-02-03T00:00:00Z</updated>{body}</feed>"
    ).encode()


@pytest.fixture
def arxiv_core(core):  # type: ignore[no-untyped-def]
    """The core fetching from the harvest layer's fake arXiv (a real local HTTP server)."""
    fake = FakeArxiv().start()
    point_at(core, fake)
    yield core, fake
    fake.stop()


def test_submit_fetches_a_missing_paper_onto_todays_list(arxiv_core):
    core, fake = arxiv_core
    now = time.time()
    core.clock = lambda: now  # "today" is the core's: one day even across midnight
    published = datetime.now(UTC) - timedelta(days=3)
    ada = make_user(core, "ada@example.org")
    fake.api_body = api_feed(("2401.07777", "Fetched", published))
    assert core.submit_paper(ada, "https://arxiv.org/abs/2401.07777v1").fetched is True
    request = next(r for r in fake.requests if r.path == "/api/query")
    assert request.params["id_list"] == "2401.07777"
    paper = core.get_paper("2401.07777")
    assert paper.title == "Fetched"
    assert paper.announced_on == datetime.fromtimestamp(now, UTC).date()
    assert paper.submitted_by_name == ada.display_name
    fake.api_body = api_feed(("2401.07778", "Too old", published - timedelta(days=30)))
    with pytest.raises(SubmissionRefused, match="last 14 days"):
        core.submit_paper(ada, "2401.07778")
    with pytest.raises(SubmissionRefused, match="already been submitted"):
        core.submit_paper(ada, "2401.07777")
    fake.api_body = api_feed()
    with pytest.raises(SubmissionRefused, match="arXiv has no paper"):
        core.submit_paper(ada, "2401.07779")
