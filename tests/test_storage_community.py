"""The community storage modules on their own: a real SQLite file and the real PostgreSQL,
an engine and a transaction, no core rules and no web.

Each test runs on both backends (``core`` is only used for its fresh, migrated store).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from paperwire.community.models import Role, User
from paperwire.core import Paperwire
from paperwire.db import accounts, api_tokens, collections, comments, outbox_reads, submissions, topics, votes
from paperwire.db.queries import list_papers
from paperwire.db.session import read_transaction, write_transaction
from paperwire.db.tables import outbox
from paperwire.db.trending import trending_scores
from paperwire.ingest import store_items
from paperwire.models import PaperFilter, Period, SortOrder
from paperwire.ranking import TrendingWindow
from paperwire.records import PaperRecord, Version

NOW = 1_800_000_000  # a fixed clock: 2027-01-15


@pytest.fixture
def engine(core: Paperwire) -> Engine:
    """A fresh, migrated, empty store on the backend under test: just its engine."""
    return core.engine


def add_paper(engine: Engine, arxiv_id: str, *, category: str = "cs.LG",
              published: datetime | None = None) -> int:
    published = published or datetime(2027, 1, 10, 12, tzinfo=UTC)
    record = PaperRecord(
        arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", abstract="An abstract.",
        authors=["Ada Lovelace"], categories=[category], versions=[Version(1, published)],
        announced_on=published.date(),
    )
    store_items(engine, [record], batch_size=10)
    with read_transaction(engine) as connection:
        paper_id = votes.paper_id(connection, arxiv_id)
    assert paper_id is not None
    return paper_id


def add_user(engine: Engine, name: str, *, role: Role = Role.USER) -> User:
    email = f"{name.capitalize()}@Example.org"
    with write_transaction(engine) as connection:
        accounts.insert_user(connection, email=email, email_key=email.casefold(), username=name,
                             display_name=name.title(), role=role, created_at=NOW)
        user = accounts.find_user(connection, username=name)
    assert user is not None
    return user


# -- accounts ----------------------------------------------------------------------------


def test_users_round_trip_and_one_account_per_address(engine: Engine) -> None:
    ada = add_user(engine, "ada")
    assert (ada.email, ada.username, ada.display_name, ada.role, ada.banned, ada.created_at) == (
        "Ada@Example.org", "ada", "Ada", Role.USER, False, NOW
    )
    with write_transaction(engine) as connection:
        assert accounts.find_user(connection, email_key="ada@example.org") == ada
        assert accounts.find_user(connection, user_id=ada.id) == ada
        assert accounts.find_user(connection, username="nobody") is None
        accounts.set_role(connection, ada.id, Role.MODERATOR)
        accounts.set_profile(connection, ada.id, display_name="Countess", username="lovelace")
        accounts.set_banned(connection, ada.id, True)
    with read_transaction(engine) as connection:
        changed = accounts.find_user(connection, user_id=ada.id)
    assert changed is not None
    assert (changed.role, changed.display_name, changed.username, changed.banned) == (
        Role.MODERATOR, "Countess", "lovelace", True
    )
    for duplicate in ({"email_key": "ada@example.org", "username": "other"},
                      {"email_key": "other@example.org", "username": "lovelace"}):
        with pytest.raises(IntegrityError), write_transaction(engine) as connection:
            accounts.insert_user(connection, email="x@example.org", display_name="X",
                                 role=Role.USER, created_at=NOW, **duplicate)


def test_sign_in_token_is_used_once_and_not_after_expiry(engine: Engine) -> None:
    with write_transaction(engine) as connection:
        for token, expires in (("fresh", NOW + 600), ("stale", NOW - 1), ("ancient", NOW - 90_000)):
            accounts.insert_login_token(connection, token_hash=token, email="ada@example.org",
                                        email_key="ada@example.org", created_at=NOW - 100_000,
                                        expires_at=expires)
    with write_transaction(engine) as connection:
        assert accounts.use_login_token(connection, "fresh", now=NOW) == "ada@example.org"
        assert accounts.use_login_token(connection, "fresh", now=NOW) is None  # used
        assert accounts.use_login_token(connection, "stale", now=NOW) is None  # expired
        assert accounts.use_login_token(connection, "unknown", now=NOW) is None
        accounts.delete_login_tokens_expired_before(connection, NOW - 86_400)
    with write_transaction(engine) as connection:
        # Tokens expired over a day ago are gone; "stale" (expired a second ago) is kept.
        assert accounts.use_login_token(connection, "ancient", now=NOW - 100_000) is None
        assert accounts.use_login_token(connection, "stale", now=NOW - 2) == "ada@example.org"


def test_sessions_belong_to_unbanned_users_until_they_expire(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    with write_transaction(engine) as connection:
        accounts.insert_session(connection, token_hash="s1", user_id=ada.id, created_at=NOW,
                                expires_at=NOW + 60)
        accounts.insert_session(connection, token_hash="s2", user_id=ada.id, created_at=NOW,
                                expires_at=NOW + 60)
        accounts.insert_session(connection, token_hash="s3", user_id=bob.id, created_at=NOW,
                                expires_at=NOW + 60)
    with write_transaction(engine) as connection:
        assert accounts.session_user(connection, "s1", now=NOW) == ada
        assert accounts.session_user(connection, "s1", now=NOW + 60) is None  # expired
        assert accounts.session_user(connection, "nope", now=NOW) is None
        accounts.delete_session(connection, "s1")
        assert accounts.session_user(connection, "s1", now=NOW) is None
        assert accounts.session_user(connection, "s2", now=NOW) == ada
        accounts.set_banned(connection, bob.id, True)
        assert accounts.session_user(connection, "s3", now=NOW) is None  # banned
        accounts.delete_user_sessions(connection, ada.id)
        assert accounts.session_user(connection, "s2", now=NOW) is None
        accounts.set_banned(connection, bob.id, False)
        assert accounts.session_user(connection, "s3", now=NOW) is not None
        accounts.delete_sessions_expired_before(connection, NOW + 61)
        assert accounts.session_user(connection, "s3", now=NOW) is None


# -- votes -------------------------------------------------------------------------------


def test_one_vote_per_user_per_paper_and_the_count_moves_by_delta(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    first, second = add_paper(engine, "2701.00001"), add_paper(engine, "2701.00002")
    with write_transaction(engine) as connection:
        assert votes.paper_id(connection, "2701.99999") is None
        assert votes.insert_vote(connection, user_id=ada.id, paper_id=first, voted_at=NOW - 10)
        assert not votes.insert_vote(connection, user_id=ada.id, paper_id=first, voted_at=NOW)
        assert votes.insert_vote(connection, user_id=bob.id, paper_id=first, voted_at=NOW)
        assert votes.insert_vote(connection, user_id=ada.id, paper_id=second, voted_at=NOW)
        assert votes.bump_upvotes(connection, first, 2) == 2
        assert votes.upvotes(connection, first) == 2
    with write_transaction(engine) as connection:
        assert votes.has_voted(connection, user_id=bob.id, arxiv_id="2701.00001")
        assert not votes.has_voted(connection, user_id=bob.id, arxiv_id="2701.00002")
        assert votes.upvoted_by(connection, ada.id) == [
            ("2701.00002", "Paper 2701.00002"), ("2701.00001", "Paper 2701.00001"),
        ]  # newest vote first
        assert votes.delete_vote(connection, user_id=bob.id, paper_id=first)
        assert not votes.delete_vote(connection, user_id=bob.id, paper_id=first)
        assert votes.bump_upvotes(connection, first, -1) == 1
        assert not votes.has_voted(connection, user_id=bob.id, arxiv_id="2701.00001")


# -- comments ----------------------------------------------------------------------------


def test_comments_round_trip_with_their_paper_and_author(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    paper = add_paper(engine, "2701.00001")
    with write_transaction(engine) as connection:
        root = comments.insert_comment(connection, paper_id=paper, user_id=ada.id, parent_id=None,
                                       body="*hi*", body_html="<p><em>hi</em></p>", created_at=NOW)
        reply = comments.insert_comment(connection, paper_id=paper, user_id=bob.id,
                                        parent_id=root, body="yes", body_html="<p>yes</p>",
                                        created_at=NOW + 1)
        hidden = comments.insert_comment(connection, paper_id=paper, user_id=ada.id,
                                         parent_id=None, body="spam", body_html="<p>spam</p>",
                                         created_at=NOW + 2)
    with write_transaction(engine) as connection:
        found = comments.get_comment(connection, reply)
        assert found is not None
        assert (found.arxiv_id, found.paper_title, found.author, found.parent_id, found.body) == (
            "2701.00001", "Paper 2701.00001", bob, root, "yes"
        )
        assert not found.deleted
        assert not found.hidden
        assert found.edited_at is None
        assert comments.get_comment(connection, 10_000) is None
        comments.update_body(connection, root, body="hello", body_html="<p>hello</p>",
                             edited_at=NOW + 5)
        comments.set_hidden(connection, hidden, True)
        comments.mark_deleted(connection, reply)
    with read_transaction(engine) as connection:
        every = comments.paper_comments(connection, paper)
        shown = comments.shown_by_user(connection, ada.id)
        assert comments.shown_by_user(connection, bob.id) == []
    assert [c.id for c in every] == [root, reply, hidden]  # oldest first, all of them
    edited, deleted, moderated = every
    assert (edited.body, edited.body_html, edited.edited_at) == ("hello", "<p>hello</p>", NOW + 5)
    assert (deleted.deleted, deleted.body, deleted.body_html) == (True, "", "")
    assert moderated.hidden
    assert [c.id for c in shown] == [root]


# -- collections -------------------------------------------------------------------------


def test_collections_hold_each_paper_once_and_cascade_on_delete(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    first, second = add_paper(engine, "2701.00001"), add_paper(engine, "2701.00002")
    with write_transaction(engine) as connection:
        private = collections.insert_collection(connection, user_id=ada.id, name="Reading",
                                                description="", public=False, created_at=NOW)
        public = collections.insert_collection(connection, user_id=ada.id, name="Best",
                                               description="The best", public=True,
                                               created_at=NOW)
        collections.insert_collection(connection, user_id=bob.id, name="Bob's", description="",
                                      public=True, created_at=NOW)
        collections.save_item(connection, collection_id=private, paper_id=first, note="one",
                              added_at=NOW)
        collections.save_item(connection, collection_id=private, paper_id=second, note="",
                              added_at=NOW + 1)
        collections.save_item(connection, collection_id=private, paper_id=first, note="again",
                              added_at=NOW + 2)  # saved again: the note changes, not the row
    with write_transaction(engine) as connection:
        found = collections.get_collection(connection, private)
        assert found is not None
        assert (found.owner, found.name, found.public, found.size) == (ada, "Reading", False, 2)
        assert [(i.arxiv_id, i.note, i.added_at) for i in collections.items(connection, private)] == [
            ("2701.00002", "", NOW + 1), ("2701.00001", "again", NOW),
        ]
        assert [c.id for c in collections.collections_of(connection, ada.id, public_only=False)] == [
            private, public,
        ]
        assert [c.id for c in collections.collections_of(connection, ada.id, public_only=True)] == [
            public,
        ]
        collections.update_collection(connection, public, name="Better", description="d",
                                      public=False)
        collections.delete_item(connection, collection_id=private, paper_id=second)
    with write_transaction(engine) as connection:
        edited = collections.get_collection(connection, public)
        assert edited is not None
        assert (edited.name, edited.description, edited.public) == ("Better", "d", False)
        assert [i.arxiv_id for i in collections.items(connection, private)] == ["2701.00001"]
        collections.delete_collection(connection, private)
    with read_transaction(engine) as connection:
        assert collections.get_collection(connection, private) is None
        assert collections.items(connection, private) == []


# -- submissions -------------------------------------------------------------------------


def test_a_paper_is_submitted_once_and_listed_on_the_day_asked(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    published = datetime(2027, 1, 10, 12, tzinfo=UTC)
    paper = add_paper(engine, "2701.00001", published=published)
    with write_transaction(engine) as connection:
        assert submissions.stored_paper(connection, "2701.99999") is None
        assert submissions.stored_paper(connection, "2701.00001") == (paper, published)
        assert submissions.submitter(connection, paper) is None
        assert submissions.insert_submission(connection, paper_id=paper, user_id=ada.id,
                                             submitted_at=NOW)
        assert not submissions.insert_submission(connection, paper_id=paper, user_id=bob.id,
                                                 submitted_at=NOW)
        assert submissions.submitter(connection, paper) == "ada"
        submissions.list_on(connection, paper, date(2027, 1, 15))
    with read_transaction(engine) as connection:
        page = list_papers(connection, PaperFilter(period=Period.DAY))
    assert [(p.arxiv_id, p.announced_on, p.submitted_by) for p in page.papers] == [
        ("2701.00001", date(2027, 1, 15), "ada")
    ]


# -- API and feed tokens -----------------------------------------------------------------


def test_api_tokens_round_trip_and_only_their_owner_revokes(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    with write_transaction(engine) as connection:
        first = api_tokens.insert_api_token(connection, user_id=ada.id, name="laptop",
                                            token_hash="h1", prefix="pw_aaaaaaa", created_at=NOW)
        second = api_tokens.insert_api_token(connection, user_id=ada.id, name="server",
                                             token_hash="h2", prefix="pw_bbbbbbb", created_at=NOW)
        assert api_tokens.count_api_tokens(connection, ada.id) == 2
        assert api_tokens.count_api_tokens(connection, bob.id) == 0
        assert api_tokens.api_token_owner(connection, "h1") == (ada, first, None)
        assert api_tokens.api_token_owner(connection, "nope") is None
        api_tokens.note_api_token_used(connection, first, now=NOW + 5)
        assert not api_tokens.delete_api_token(connection, token_id=first, user_id=bob.id)
        assert api_tokens.delete_api_token(connection, token_id=second, user_id=ada.id)
        assert not api_tokens.delete_api_token(connection, token_id=second, user_id=ada.id)
    with read_transaction(engine) as connection:
        listed = api_tokens.api_tokens_of(connection, ada.id)
    assert [(t.id, t.name, t.prefix, t.created_at, t.last_used_at) for t in listed] == [
        (first, "laptop", "pw_aaaaaaa", NOW, NOW + 5)
    ]
    with pytest.raises(IntegrityError), write_transaction(engine) as connection:
        api_tokens.insert_api_token(connection, user_id=bob.id, name="copy", token_hash="h1",
                                    prefix="pw_aaaaaaa", created_at=NOW)


def test_one_feed_nonce_per_user_replaced_on_rotation(engine: Engine) -> None:
    ada = add_user(engine, "ada")
    with write_transaction(engine) as connection:
        assert api_tokens.feed_nonce(connection, ada.id) is None
        assert api_tokens.feed_token_owner(connection, ada.id) is None
        api_tokens.set_feed_nonce(connection, user_id=ada.id, nonce="n1", created_at=NOW)
        api_tokens.set_feed_nonce(connection, user_id=ada.id, nonce="n2", created_at=NOW + 1)
    with read_transaction(engine) as connection:
        assert api_tokens.feed_nonce(connection, ada.id) == "n2"
        assert api_tokens.feed_token_owner(connection, ada.id) == (ada, "n2")
        assert api_tokens.feed_token_owner(connection, ada.id + 1) is None


# -- topics, outbox ----------------------------------------------------------------------


def test_topics_are_the_categories_voted_and_saved_most(engine: Engine) -> None:
    ada, bob = add_user(engine, "ada"), add_user(engine, "bob")
    ids = [add_paper(engine, f"2701.0000{n}", category=category)
           for n, category in enumerate(["cs.LG", "cs.CL", "math.AG", "cs.CL"], start=1)]
    with write_transaction(engine) as connection:
        for paper in ids[1:]:
            votes.insert_vote(connection, user_id=ada.id, paper_id=paper, voted_at=NOW)
        votes.insert_vote(connection, user_id=bob.id, paper_id=ids[0], voted_at=NOW)
        saved = collections.insert_collection(connection, user_id=ada.id, name="Mine",
                                              description="", public=False, created_at=NOW)
        collections.save_item(connection, collection_id=saved, paper_id=ids[2], note="",
                              added_at=NOW)
        collections.save_item(connection, collection_id=saved, paper_id=ids[0], note="",
                              added_at=NOW)
    with read_transaction(engine) as connection:
        assert topics.categories_of_user(connection, ada.id, limit=5) == ["cs.CL", "math.AG", "cs.LG"]
        assert topics.categories_of_user(connection, ada.id, limit=1) == ["cs.CL"]
        assert topics.categories_of_user(connection, bob.id, limit=5) == ["cs.LG"]


def test_outbox_reads_newest_first(engine: Engine) -> None:
    with write_transaction(engine) as connection:
        for number in range(3):
            connection.execute(insert(outbox).values(
                recipient=f"r{number}@example.org", subject=f"s{number}", kind="sign-in",
                message="...", created_at=NOW + number,
            ))
    with read_transaction(engine) as connection:
        mail = outbox_reads.recent_mail(connection, limit=2)
    assert [(m.recipient, m.subject, m.created_at) for m in mail] == [
        ("r2@example.org", "s2", NOW + 2), ("r1@example.org", "s1", NOW + 1),
    ]


# -- trending ----------------------------------------------------------------------------

HOUR = 3600
CAST = {  # paper -> ages (hours before NOW) of its votes, one user each
    "2701.00001": [1, 30],  # two votes, one over a day old: 0.97 + 0.42
    "2701.00002": [0],  # one fresh vote: 1
    "2701.00003": [24, 24],  # two votes one half-life old: 0.5 + 0.5 = 1, as 00002
    "2701.00004": [200],  # outside the week
    "2701.00005": [-1],  # cast after now
}
WEEK = TrendingWindow.of(now=NOW, period=Period.WEEK, half_life_hours=24)


@pytest.fixture
def voted(engine: Engine) -> dict[str, int]:
    """The papers of ``CAST`` by arXiv id, their votes cast and counted."""
    users = [add_user(engine, f"user{n}") for n in range(2)]
    papers = {arxiv_id: add_paper(engine, arxiv_id) for arxiv_id in CAST}
    with write_transaction(engine) as connection:
        for arxiv_id, ages in CAST.items():
            for user, age in zip(users, ages, strict=False):
                votes.insert_vote(connection, user_id=user.id, paper_id=papers[arxiv_id],
                                  voted_at=NOW - age * HOUR)
                votes.bump_upvotes(connection, papers[arxiv_id], 1)
    return papers


def formula(arxiv_id: str, window: TrendingWindow = WEEK) -> float:
    return window.score([NOW - age * HOUR for age in CAST[arxiv_id]])


def test_trending_scores_are_the_published_formula(engine: Engine, voted: dict[str, int]) -> None:
    """SQL sums ranking.py's weights over the votes in the horizon, up to ``now``."""
    with read_transaction(engine) as connection:
        scores = dict(connection.execute(trending_scores(WEEK)).all())
        day = TrendingWindow.of(now=NOW, period=Period.DAY, half_life_hours=24)
        within_a_day = dict(connection.execute(trending_scores(day)).all())
    counted = ("2701.00001", "2701.00002", "2701.00003")
    assert scores == pytest.approx({voted[a]: formula(a) for a in counted}, rel=1e-9)
    assert within_a_day == pytest.approx(  # a vote exactly 24 hours old is out of the day
        {voted[a]: formula(a, day) for a in ("2701.00001", "2701.00002")}, rel=1e-9
    )
    assert WEEK.weight(NOW) == 1
    assert WEEK.weight(NOW - 24 * HOUR) == 0.5


def test_trending_orders_by_score_then_upvotes_then_id(engine: Engine, voted: dict[str, int]) -> None:
    with read_transaction(engine) as connection:
        page = list_papers(connection, PaperFilter(period=Period.WEEK, sort=SortOrder.TRENDING,
                                                   now=NOW), half_life_hours=24)
    # 00001 (about 1.39) first; 00003 (1, two upvotes) before 00002 (1, one upvote).
    assert [p.arxiv_id for p in page.papers] == ["2701.00001", "2701.00003", "2701.00002"]
    assert page.total == 3
    assert [p.trending_score for p in page.papers] == pytest.approx(
        [formula(p.arxiv_id) for p in page.papers]
    )
