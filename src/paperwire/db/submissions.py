"""Storage of submissions: who submitted a paper (one row per paper, the table's key),
and the listing day of a paper fetched for its submission.

Statements inside the caller's transaction; the submission window and when a paper is
listed today are the core's rules (``paperwire.community.submit``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.session import as_utc
from paperwire.db.tables import papers, submissions, users


def stored_paper(connection: Connection, arxiv_id: str) -> tuple[int, datetime | None] | None:
    """(paper id, first published, in UTC) of a stored paper; None if it is not stored."""
    row = connection.execute(
        select(papers.c.id, papers.c.published).where(papers.c.arxiv_id == arxiv_id)
    ).one_or_none()
    if row is None:
        return None
    return row.id, as_utc(row.published)


def insert_submission(connection: Connection, *, paper_id: int, user_id: int,
                      submitted_at: int) -> bool:
    """Record who submitted the paper; False if it had been submitted already."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return connection.execute(
        dialect.insert(submissions)
        .values(paper_id=paper_id, user_id=user_id, submitted_at=submitted_at)
        .on_conflict_do_nothing(index_elements=["paper_id"])
        .returning(submissions.c.paper_id)
    ).first() is not None


def submitter(connection: Connection, paper_id: int) -> str | None:
    """The user name of whoever submitted the paper."""
    return connection.execute(
        select(users.c.username)
        .join(submissions, submissions.c.user_id == users.c.id)
        .where(submissions.c.paper_id == paper_id)
    ).scalar()


def list_on(connection: Connection, paper_id: int, day: date) -> None:
    """List the paper on ``day`` (and mark it modified, for the keyword index)."""
    connection.execute(
        update(papers)
        .where(papers.c.id == paper_id)
        .values(announced_on=day, modified_at=datetime.now(UTC))
    )
