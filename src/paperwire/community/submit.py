"""Submitting a paper: a signed-in user names an arXiv id; paperwire stores it if it
must (fetched through the arXiv API by ``Paperwire.add_papers``, the harvest
layer) and lists it with "submitted by".

A paper fetched for a submission is listed on the day it was submitted. One
already stored keeps its listing day and gains the "submitted by" line. Each
paper can be submitted once (the key of ``submissions``), and only while its
first version is younger than ``submission_window_days`` (a paper fetched and
then refused as too old stays stored, listed on its own announcement day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.models import User
from paperwire.db.tables import papers, submissions, users
from paperwire.errors import SubmissionRefused


def stored_paper(connection: Connection, arxiv_id: str) -> tuple[int, datetime | None] | None:
    row = connection.execute(
        select(papers.c.id, papers.c.published).where(papers.c.arxiv_id == arxiv_id)
    ).one_or_none()
    if row is None:
        return None
    published = row.published
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return row.id, published


def check_window(arxiv_id: str, published: datetime | None, *, today: date,
                 window_days: int) -> None:
    if published is None:
        return
    if published.date() < today - timedelta(days=window_days):
        raise SubmissionRefused(
            f"{arxiv_id} was first published on {published.date():%b %d, %Y}: only papers"
            f" from the last {window_days} days can be submitted"
        )


def record_submission(connection: Connection, *, paper_id: int, arxiv_id: str, user: User,
                      now: int) -> None:
    """Insert the submission; a paper already submitted is refused, by the key."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(submissions)
        .values(paper_id=paper_id, user_id=user.id, submitted_at=now)
        .on_conflict_do_nothing(index_elements=["paper_id"])
        .returning(submissions.c.paper_id)
    ).first()
    if inserted is None:
        who = connection.execute(
            select(users.c.username)
            .join(submissions, submissions.c.user_id == users.c.id)
            .where(submissions.c.paper_id == paper_id)
        ).scalar()
        raise SubmissionRefused(f"{arxiv_id} has already been submitted (by {who})")


def list_today(connection: Connection, paper_id: int, today: date) -> None:
    """A paper fetched for its submission is listed on the day it was submitted."""
    connection.execute(
        update(papers)
        .where(papers.c.id == paper_id)
        .values(announced_on=today, modified_at=datetime.now(UTC))
    )
