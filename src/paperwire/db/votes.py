"""Storage of upvotes: one ``votes`` row per (user, paper) and the denormalized
``papers.upvotes`` count, which only ever moves by ``upvotes = upvotes ± delta`` in SQL.

Statements inside the caller's transaction; when the count moves is the core's rule
(``paperwire.community.votes``).
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, desc, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.tables import papers, votes


def paper_id(connection: Connection, arxiv_id: str) -> int | None:
    """The store's id of a paper (None: not stored)."""
    return connection.execute(select(papers.c.id).where(papers.c.arxiv_id == arxiv_id)).scalar()


def insert_vote(connection: Connection, *, user_id: int, paper_id: int, voted_at: int) -> bool:
    """Add the vote; False if the user had voted already (the key decides, so racing
    writers add one row)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(votes)
        .values(user_id=user_id, paper_id=paper_id, voted_at=voted_at)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(votes.c.paper_id)
    )
    return connection.execute(statement).first() is not None


def delete_vote(connection: Connection, *, user_id: int, paper_id: int) -> bool:
    """Remove the vote; False if there was none."""
    statement = (
        delete(votes)
        .where(and_(votes.c.user_id == user_id, votes.c.paper_id == paper_id))
        .returning(votes.c.paper_id)
    )
    return connection.execute(statement).first() is not None


def bump_upvotes(connection: Connection, paper_id: int, delta: int) -> int:
    """Move the paper's count by ``delta`` in SQL; returns the new count."""
    return connection.execute(
        update(papers)
        .where(papers.c.id == paper_id)
        .values(upvotes=papers.c.upvotes + delta)
        .returning(papers.c.upvotes)
    ).scalar_one()


def upvotes(connection: Connection, paper_id: int) -> int:
    return connection.execute(select(papers.c.upvotes).where(papers.c.id == paper_id)).scalar_one()


def has_voted(connection: Connection, *, user_id: int, arxiv_id: str) -> bool:
    return connection.execute(
        select(votes.c.paper_id)
        .join(papers, papers.c.id == votes.c.paper_id)
        .where(votes.c.user_id == user_id, papers.c.arxiv_id == arxiv_id)
    ).first() is not None


def upvoted_by(connection: Connection, user_id: int, *, limit: int = 50) -> list[tuple[str, str]]:
    """(arxiv id, title) of the papers the user upvoted, newest vote first."""
    rows = connection.execute(
        select(papers.c.arxiv_id, papers.c.title_text)
        .join(votes, votes.c.paper_id == papers.c.id)
        .where(votes.c.user_id == user_id)
        .order_by(desc(votes.c.voted_at))
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]
