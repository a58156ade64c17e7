"""Submitting a paper: a signed-in user names an arXiv id; paperwire stores it if it
must (fetched through the arXiv API by the harvest layer) and lists it with
"submitted by".

A paper fetched for a submission is listed on the day it was submitted. One
already stored keeps its listing day and gains the "submitted by" line. Each
paper can be submitted once (the key of ``submissions``), and only while its
first version is younger than ``submission_window_days``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.models import User
from paperwire.db.tables import papers, submissions, users
from paperwire.errors import SubmissionRefused
from paperwire.records import PaperRecord


class PaperFetcher(Protocol):
    """Fetches papers by canonical arXiv id (the arXiv API client implements this)."""

    def fetch(self, arxiv_ids: Sequence[str]) -> list[PaperRecord]: ...


class NoFetcher:
    """Used until a fetcher is configured: only stored papers can be submitted."""

    def fetch(self, arxiv_ids: Sequence[str]) -> list[PaperRecord]:
        raise SubmissionRefused(
            f"{', '.join(arxiv_ids)} is not in this store, and fetching from arXiv is not"
            " available here"
        )


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


def fetched_record(fetcher: PaperFetcher, arxiv_id: str, today: date) -> PaperRecord:
    records = [r for r in fetcher.fetch([arxiv_id]) if r.arxiv_id == arxiv_id]
    if not records:
        raise SubmissionRefused(f"arXiv has no paper {arxiv_id}")
    record = records[0]
    record.announced_on = today
    return record
