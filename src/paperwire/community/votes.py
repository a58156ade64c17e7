"""Upvotes: one row per (user, paper) and an exact denormalized count on ``papers``.

The count only ever moves by ``upvotes = upvotes ± 1`` in SQL, and only when the
insert or delete of the vote row actually happened, so it stays equal to a
recount of the votes table however many writers race.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.models import VoteState
from paperwire.db.tables import papers, votes
from paperwire.errors import PaperNotFound


def paper_id_of(connection: Connection, arxiv_id: str) -> int:
    paper_id = connection.execute(
        select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)
    ).scalar()
    if paper_id is None:
        raise PaperNotFound(arxiv_id)
    return paper_id


def _insert_vote(connection: Connection, user_id: int, paper_id: int, now: int) -> bool:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(votes)
        .values(user_id=user_id, paper_id=paper_id, voted_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(votes.c.paper_id)
    )
    return connection.execute(statement).first() is not None


def _delete_vote(connection: Connection, user_id: int, paper_id: int, _now: int = 0) -> bool:
    statement = (
        delete(votes)
        .where(and_(votes.c.user_id == user_id, votes.c.paper_id == paper_id))
        .returning(votes.c.paper_id)
    )
    return connection.execute(statement).first() is not None


def _bump(connection: Connection, paper_id: int, delta: int) -> int:
    return connection.execute(
        update(papers)
        .where(papers.c.id == paper_id)
        .values(upvotes=papers.c.upvotes + delta)
        .returning(papers.c.upvotes)
    ).scalar_one()


def _count(connection: Connection, paper_id: int) -> int:
    return connection.execute(select(papers.c.upvotes).where(papers.c.id == paper_id)).scalar_one()


def set_vote(
    connection: Connection, *, user_id: int, arxiv_id: str, up: bool, now: int
) -> VoteState:
    """Make the user's vote on the paper ``up`` (or not); idempotent."""
    paper_id = paper_id_of(connection, arxiv_id)
    change = _insert_vote if up else _delete_vote
    if change(connection, user_id, paper_id, now):
        return VoteState(arxiv_id, up, _bump(connection, paper_id, 1 if up else -1))
    return VoteState(arxiv_id, up, _count(connection, paper_id))


def toggle_vote(connection: Connection, *, user_id: int, arxiv_id: str, now: int) -> VoteState:
    """Flip the user's vote: the delete either removes a row or the insert adds one."""
    paper_id = paper_id_of(connection, arxiv_id)
    if _delete_vote(connection, user_id, paper_id):
        return VoteState(arxiv_id, False, _bump(connection, paper_id, -1))
    if _insert_vote(connection, user_id, paper_id, now):
        return VoteState(arxiv_id, True, _bump(connection, paper_id, 1))
    return VoteState(arxiv_id, True, _count(connection, paper_id))


def has_voted(connection: Connection, *, user_id: int, arxiv_id: str) -> bool:
    return connection.execute(
        select(votes.c.paper_id)
        .join(papers, papers.c.id == votes.c.paper_id)
        .where(votes.c.user_id == user_id, papers.c.arxiv_id == arxiv_id)
    ).first() is not None
